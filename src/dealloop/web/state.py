"""What the dashboard computes once per app: the results bundle, assets and scenarios."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException
from fastapi.responses import Response

from ..report.render import app_script, app_style
from ..vocabulary import did_you_mean

if TYPE_CHECKING:
    from ..network import DealNetwork

__all__ = ["LICENCE_FILES", "STATIC_FILES", "AppState", "not_found"]

#: Static files served under ``/static/``: name -> (package dir, file, media type).
STATIC_FILES = {
    "cytoscape.min.js": ("report/vendor", "cytoscape.min.js", "text/javascript"),
    "plotly-dealloop.min.js": ("report/vendor", "plotly-dealloop.min.js", "text/javascript"),
    "swagger-ui-bundle.js": ("report/vendor", "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("report/vendor", "swagger-ui.css", "text/css"),
    "signals.js": ("report/templates", "signals.js", "text/javascript"),
    "macro.js": ("report/templates", "macro.js", "text/javascript"),
    "publish.js": ("report/templates", "publish.js", "text/javascript"),
    "timeseries.js": ("report/templates", "timeseries.js", "text/javascript"),
    "addleg.js": ("web/static", "addleg.js", "text/javascript"),
    "dashboard.js": ("web/static", "dashboard.js", "text/javascript"),
    "dashboard.css": ("web/static", "dashboard.css", "text/css"),
    "swagger-init.js": ("web/static", "swagger-init.js", "text/javascript"),
    "favicon.svg": ("web/static", "favicon.svg", "image/svg+xml"),
}
LICENCE_FILES = {
    "cytoscape.LICENSE.txt": "report/vendor",
    "plotly-dealloop.LICENSE.txt": "report/vendor",
    "swagger-ui.LICENSE.txt": "report/vendor",
}


class AppState:
    """Everything computed once per app: the bundle, assets, scenarios."""

    def __init__(self, net: DealNetwork, horizon: Sequence[Any] | None,
                 allowed_hosts: set[str] | None) -> None:
        self.net = net
        self.allowed_hosts = allowed_hosts
        self.horizon = horizon
        self.static = {name: (_read(pkg, f).encode("utf-8"), media)
                       for name, (pkg, f, media) in STATIC_FILES.items()}
        # the report's own script and style, joined from their view files (report/assets)
        self.static["dealloop.js"] = (app_script().encode("utf-8"), "text/javascript")
        self.static["dealloop.css"] = (app_style().encode("utf-8"), "text/css")
        self.licences = {name: _read(pkg, name) for name, pkg in LICENCE_FILES.items()}
        self.scenarios, self.scenario_errors = _load_scenarios()
        #: Signals answers by (date, firm), a few at a time (see ``GET /api/signals``).
        self.signals: dict[Any, dict[str, Any]] = {}
        #: Systemic rankings by (scenario, rank_by) (see ``GET /api/systemic``).
        self.systemic: dict[Any, dict[str, Any]] = {}
        #: (path, detail) -> the HTML 404 page; set by the page routes
        self.not_found_page: Callable[[str, str], Response] = \
            lambda _path, detail: Response(detail, status_code=404)

    def reload(self, net: DealNetwork) -> None:
        """Serve ``net`` from now on (after a leg was added): the bundle is rebuilt on next
        use."""
        self.net = net
        for name in ("bundle", "entity_index"):
            self.__dict__.pop(name, None)
        self.signals.clear()
        self.systemic.clear()

    @cached_property
    def bundle(self) -> dict[str, Any]:
        """The results bundle of the network (no stress runs), built on first use."""
        from ..report.bundle import results_bundle

        return results_bundle(self.net, (), horizon=self.horizon)

    @cached_property
    def entity_index(self) -> dict[str, dict[str, Any]]:
        """The bundle's firms by id."""
        return {e["id"]: e for e in self.bundle["entities"]}

    def scenario(self, name: str) -> Any:
        """A shipped scenario by exact name, or 404."""
        sc = self.scenarios.get(name)
        if sc is None:
            raise not_found("scenario", name, self.scenarios)
        return sc


def not_found(what: str, key: str, choices: Iterable[str]) -> HTTPException:
    """A 404 naming the unknown ``key``, with the closest choices."""
    return HTTPException(404, f"unknown {what} {key!r}"
                              f"{did_you_mean(key, choices, n=3, quote=False)}")


def _read(pkg: str, name: str) -> str:
    from importlib import resources

    base = resources.files("dealloop")
    for part in pkg.split("/"):
        base = base / part
    return (base / name).read_text(encoding="utf-8")


def _load_scenarios() -> tuple[dict[str, Any], dict[str, str]]:
    """Every shipped scenario, loaded once (by absolute package path, never a request path)."""
    from ..data.problems import DataError
    from ..scenarios import library, load

    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in library.names():
        try:
            out[name] = load(library.path(name))
        except DataError as exc:
            errors[name] = str(exc)
    return out, errors
