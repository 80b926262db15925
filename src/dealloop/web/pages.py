"""The dashboard's HTML pages, licence files and static assets (no request reaches the disk)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path
from fastapi.responses import HTMLResponse, Response

from .._version import __version__
from ..vocabulary import DEAL_KINDS, ENTITY_KINDS, EVIDENCE, STATUSES
from .api import EntityP
from .api_scenarios import MAX_DRAWS, NameP
from .state import AppState, not_found

__all__ = ["register_pages"]

_CACHE = {"Cache-Control": "public, max-age=3600"}

#: pages that need nothing but their template: path, template, title, API and page id (the
#: page id is also the tab of the navigation bar)
_PLAIN = (
    ("/loops", "loops.html.j2", "Loops", "/api/loops?limit=100", "loops"),
    ("/signals", "signals.html.j2", "Signals", "/api/signals", "signals"),
    ("/macro", "macro.html.j2", "Macro", "/api/macro", "macro"),
    ("/time", "time.html.j2", "Over time", "/api/timeline", "time"),
    ("/scenarios", "scenarios.html.j2", "Scenarios", "/api/scenarios", "scenarios"),
    ("/docs", "docs.html.j2", "API", "/openapi.json", "docs"),
)


def _plain(page: Callable[..., HTMLResponse], template: str, title: str, api: str,
           page_id: str) -> Callable[[], HTMLResponse]:
    """The route of a page of :data:`_PLAIN`."""
    def show() -> HTMLResponse:
        return page(template, title=title, api=api, page_id=page_id, nav=page_id)
    show.__name__ = f"{page_id}_page"
    return show


def register_pages(app: FastAPI, state: AppState) -> None:
    """Add the pages, licence files and static assets to ``app``."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("dealloop.web", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def page(template: str, *, title: str, api: str, page_id: str, nav: str,
             status_code: int = 200, **extra: Any) -> HTMLResponse:
        html = env.get_template(template).render(
            title=title, api=api, page=page_id, nav=nav, dataset=state.bundle["dataset"],
            citation=state.bundle.get("citation"), version=__version__, **extra)
        return HTMLResponse(html, status_code=status_code)

    state.not_found_page = lambda path, detail: page(
        "notfound.html.j2", title="Not found", api="/openapi.json", page_id="notfound",
        nav="", status_code=404, path=path, detail=detail)

    @app.get("/", include_in_schema=False)
    def explorer() -> HTMLResponse:
        return page("explorer.html.j2", title="Network", api="/api/network", page_id="explorer",
                    nav="network", statuses=STATUSES, kinds=DEAL_KINDS, firm_kinds=ENTITY_KINDS,
                    evidence=EVIDENCE)

    @app.get("/firms/{entity_id}", include_in_schema=False)
    def firm(entity_id: EntityP) -> HTMLResponse:
        ent = state.entity_index.get(entity_id)
        if ent is None:
            raise not_found("entity", entity_id, state.entity_index)
        return page("firm.html.j2", title=ent["name"], api=f"/api/entities/{entity_id}",
                    page_id="firm", nav="network", entity=ent)

    for path, template, title, api, page_id in _PLAIN:
        app.get(path, include_in_schema=False)(_plain(page, template, title, api, page_id))

    @app.get("/add-leg", include_in_schema=False)
    def add_leg_page() -> HTMLResponse:
        from ..userdata import is_bundled

        path = state.net.path
        bundled = path is None or is_bundled(path)
        return page("add_leg.html.j2", title="Add a leg", api="/api/legs", page_id="add-leg",
                    nav="add-leg", writable=not bundled and state.allowed_hosts is not None,
                    bundled=bundled, folder=str(path or ""), entities=state.net.ids,
                    kinds=DEAL_KINDS, statuses=STATUSES, evidence=EVIDENCE)

    @app.get("/scenarios/{name}", include_in_schema=False)
    def scenario_page(name: NameP) -> HTMLResponse:
        sc = state.scenario(name)  # 404 for an unknown name
        mc = getattr(sc, "monte_carlo", None)
        return page("scenario.html.j2", title=f"Scenario {name}", api=f"/api/scenarios/{name}",
                    page_id="scenario", nav="scenarios", name=name, max_draws=MAX_DRAWS,
                    seed=int(getattr(mc, "seed", 0)))

    _register_files(app, state)


def _register_files(app: FastAPI, state: AppState) -> None:
    @app.get("/licences/{name}", include_in_schema=False)
    def licence(name: Annotated[str, Path(max_length=64)]) -> Response:
        text = state.licences.get(name)
        if text is None:
            raise not_found("licence file", name, state.licences)
        return Response(text, media_type="text/plain; charset=utf-8")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: Annotated[str, Path(max_length=64)]) -> Response:
        hit = state.static.get(name)
        if hit is None:
            raise HTTPException(404, "not found")
        data, media = hit
        charset = "; charset=utf-8" if media.startswith("text/") or "svg" in media else ""
        return Response(data, media_type=media + charset, headers=_CACHE)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        data, media = state.static["favicon.svg"]
        return Response(data, media_type=media, headers=_CACHE)
