"""The local dashboard: a JSON API over the results bundle, and pages that read it.

Every page has a JSON twin under ``/api`` (the page fetches it; its ``<link rel="alternate">``
names it): ``/`` reads ``/api/network``, ``/firms/{id}`` reads ``/api/entities/{id}``,
``/loops`` reads ``/api/loops``, ``/scenarios/{name}`` reads ``/api/scenarios/{name}`` and
posts to ``/api/scenarios/{name}/run``. The OpenAPI description is at ``/openapi.json`` and
its interactive page at ``/docs`` (Swagger UI served from the package, no network needed).

Safety
------
* Results come from :mod:`dealloop.report.bundle`, the same code as the HTML report.
* Query parameters and request bodies are validated by pydantic (422 with a ``message``
  naming the parameter); list lengths, loop limits, scenario parameters and Monte Carlo draws
  are bounded; request bodies over :data:`MAX_BODY` bytes are refused (413).
* No request reaches the file system: scenarios and static files are read when the app is
  created and looked up by exact name in memory.
* Pages are Jinja2 templates with autoescape; their script builds the page with
  ``textContent``; a Content-Security-Policy allows scripts from the app only; the ``Host``
  header must name a loopback address unless the server was deliberately bound elsewhere
  (DNS-rebinding protection).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Body, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..jsonutil import jsonable
from ..report.bundle import stress_headlines
from ..vocabulary import DEAL_KINDS, DEFAULT_HORIZON, ENTITY_KINDS, EVIDENCE, STATUSES

if TYPE_CHECKING:
    from ..network import DealNetwork

#: Largest request body accepted, in bytes.
MAX_BODY = 64 * 1024
#: Most Monte Carlo draws one request may ask for.
MAX_DRAWS = 2000
#: Most loops one request may list.
MAX_LOOPS = 500
#: Host names accepted when the server listens on a loopback address (DNS-rebinding guard).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$"
_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])

#: Static files served under ``/static/``: name -> (package dir, file, media type).
STATIC_FILES = {
    "cytoscape.min.js": ("report/vendor", "cytoscape.min.js", "text/javascript"),
    "plotly-dealloop.min.js": ("report/vendor", "plotly-dealloop.min.js", "text/javascript"),
    "swagger-ui-bundle.js": ("report/vendor", "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("report/vendor", "swagger-ui.css", "text/css"),
    "dealloop.js": ("report/templates", "dealloop.js", "text/javascript"),
    "dealloop.css": ("report/templates", "dealloop.css", "text/css"),
    "signals.js": ("report/templates", "signals.js", "text/javascript"),
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


# ------------------------------------------------------------------------------ request models
class RunRequest(BaseModel):
    """Body of ``POST /api/scenarios/{name}/run``."""

    model_config = ConfigDict(extra="forbid")

    parameters: Annotated[
        dict[Annotated[str, Field(max_length=80)], bool | float],
        Field(max_length=64, description="Scenario parameters to change, by key (see "
              "``GET /api/scenarios/{name}``); each within its min and max."),
    ] = Field(default_factory=dict)
    band: bool = Field(False, description="Also run the evidence band (A only, A+B, all).")


class SimulateRequest(RunRequest):
    """Body of ``POST /api/scenarios/{name}/simulate``."""

    draws: Annotated[int, Field(ge=1, le=MAX_DRAWS)] = 200
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0


# ------------------------------------------------------------------------------ scenarios
#: Scenario fields offered as sliders: (path suffix, label, min, max, step).
_SHOCK_FIELDS = {
    "fall": ("fall", 0.0, 1.0, 0.01),
    "loss": ("loss", 0.0, 1.0, 0.01),
    "assets_lost": ("outside assets lost", 0.0, 1.0, 0.01),
    "recovery": ("recovery rate", 0.0, 1.0, 0.01),
    "fraction": ("fraction", 0.0, 1.0, 0.01),
    "share": ("share called", 0.0, 1.0, 0.01),
    "rollover": ("rollover", 0.0, 1.0, 0.01),
    "life_years": ("GPU life, years", 0.5, 10.0, 0.5),
}


def _dist_mean(v: Any) -> tuple[float, float, float] | None:
    """Mean, low and high of a distribution written as ``{uniform|triangular|beta: [...]}``."""
    if not isinstance(v, dict) or len(v) != 1:
        return None
    (kind, args), = v.items()
    if kind == "uniform" and len(args) == 2:
        return (args[0] + args[1]) / 2, args[0], args[1]
    if kind == "triangular" and len(args) == 3:
        return sum(args) / 3, args[0], args[2]
    if kind == "beta" and len(args) == 2 and args[0] + args[1] > 0:
        return args[0] / (args[0] + args[1]), 0.0, 1.0
    return None


def scenario_parameters(scenario: Any) -> list[dict[str, Any]]:
    """The main parameters of a scenario, as slider (or checkbox) specifications.

    Each: ``key`` (dotted path into the scenario, e.g. ``shocks.0.fall``), ``label``, ``type``
    (``number`` or ``bool``), ``value`` and, for numbers, ``min``, ``max``, ``step``. Shock
    sizes (a distribution is offered at its mean, the value a single run uses; setting it
    replaces the distribution by that number), whether conditional legs happen, the clearing
    model's ``alpha`` and ``beta`` (Rogers–Veraart) and the mapping's default rollover and
    cash margin.
    """
    data = scenario.model_dump(mode="json")
    out: list[dict[str, Any]] = []
    for i, shock in enumerate(data.get("shocks", [])):
        target = shock.get("entity") or shock.get("deal") or ", ".join(
            shock.get("entities") or shock.get("deals") or shock.get("kinds") or []) or "all firms"
        head = f"{shock['type']} ({target})"
        for name, (label, lo, hi, step) in _SHOCK_FIELDS.items():
            v = shock.get(name)
            note = ""
            dist = _dist_mean(v)
            if dist is not None:
                v = dist[0]
                note = f" (drawn {dist[1]:g}-{dist[2]:g} in Monte Carlo)"
            if isinstance(v, bool) or not isinstance(v, int | float):
                continue
            out.append({"key": f"shocks.{i}.{name}", "label": f"{head}: {label}{note}",
                        "type": "number", "value": round(float(v), 6), "min": lo,
                        "max": max(hi, float(v)), "step": step})
        if isinstance(shock.get("happens"), bool):
            out.append({"key": f"shocks.{i}.happens", "label": f"{head}: the leg happens",
                        "type": "bool", "value": shock["happens"]})
    clearing = data.get("models", {}).get("clearing", {})
    if clearing.get("model") == "rogers_veraart":
        for name in ("alpha", "beta"):
            out.append({"key": f"models.clearing.{name}",
                        "label": f"Rogers-Veraart {name} (share realised)", "type": "number",
                        "value": float(clearing.get(name, 1.0)), "min": 0.0, "max": 1.0,
                        "step": 0.01})
    mapping = data.get("mapping", {})
    for name, label in (("rollover", "debt rolled over (every firm)"),
                        ("cash_margin", "cash margin on outside revenue (every firm)")):
        v = (mapping.get(name) or {}).get("default")
        if isinstance(v, int | float) and not isinstance(v, bool):
            out.append({"key": f"mapping.{name}.default", "label": label, "type": "number",
                        "value": float(v), "min": 0.0, "max": 1.0, "step": 0.01})
    return out


def apply_parameters(scenario: Any, values: dict[str, Any]) -> Any:
    """A copy of ``scenario`` with parameter ``values`` set; ``ValueError`` naming a bad key."""
    allowed = {p["key"]: p for p in scenario_parameters(scenario)}
    if not values:
        return scenario
    data = scenario.model_dump(mode="json")
    for key, value in values.items():
        spec = allowed.get(key)
        if spec is None:
            choices = ", ".join(allowed) or "none"
            raise ValueError(f"parameters.{key}: unknown parameter; this scenario has: {choices}")
        if spec["type"] == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"parameters.{key}: expected true or false")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"parameters.{key}: expected a number")
        elif not (math.isfinite(value) and spec["min"] <= value <= spec["max"]):
            raise ValueError(f"parameters.{key}: {value!r} is outside "
                             f"[{spec['min']:g}, {spec['max']:g}]")
        node: Any = data
        parts = key.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[parts[-1]] = value if spec["type"] == "bool" else float(value)
    return type(scenario).model_validate(data)


# ------------------------------------------------------------------------------ state
class _State:
    """Everything computed once per app: the bundle, assets, scenarios."""

    def __init__(self, net: DealNetwork, horizon: Sequence[Any] | None) -> None:
        self.net = net
        self.allowed_hosts: set[str] | None = None
        self.horizon = horizon
        self.static = {name: (_read(pkg, f).encode("utf-8"), media)
                       for name, (pkg, f, media) in STATIC_FILES.items()}
        self.licences = {name: _read(pkg, name) for name, pkg in LICENCE_FILES.items()}
        self.scenarios, self.scenario_errors = _load_scenarios()
        self.signals: dict[Any, dict[str, Any]] = {}

    @cached_property
    def bundle(self) -> dict[str, Any]:
        from ..report.bundle import results_bundle

        return results_bundle(self.net, (), horizon=self.horizon)

    @cached_property
    def entity_index(self) -> dict[str, dict[str, Any]]:
        return {e["id"]: e for e in self.bundle["entities"]}


def _read(pkg: str, name: str) -> str:
    from importlib import resources

    base = resources.files("dealloop")
    for part in pkg.split("/"):
        base = base / part
    return (base / name).read_text(encoding="utf-8")


def _load_scenarios() -> tuple[dict[str, Any], dict[str, str]]:
    """Every shipped scenario, loaded once (by absolute package path, never a request path)."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    try:
        from ..scenarios import library, load
    except ImportError:  # pragma: no cover - the scenarios package is part of dealloop
        return out, errors
    try:
        names = library.names()
    except Exception as exc:
        return out, {"*": str(exc)}
    for name in names:
        try:
            out[name] = load(library.path(name))
        except Exception as exc:
            errors[name] = str(exc)
    return out, errors


def _host_name(header: str) -> str:
    """The host of a ``Host`` header, without port or IPv6 brackets, lower case.

    Examples
    --------
    >>> _host_name("127.0.0.1:8000"), _host_name("[::1]:8000"), _host_name("LocalHost")
    ('127.0.0.1', '::1', 'localhost')
    """
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# ------------------------------------------------------------------------------ the app
def create_app(
    net: DealNetwork,
    *,
    horizon: Sequence[Any] | None = DEFAULT_HORIZON,
    allowed_hosts: Iterable[str] | None = LOOPBACK_HOSTS,
) -> FastAPI:
    """The dashboard and JSON API for one network.

    Parameters
    ----------
    net : the network to serve (``dealloop.load(...)``).
    horizon : years over which contracts are apportioned (as in the report).
    allowed_hosts : host names the ``Host`` header may carry (port ignored); ``None`` accepts
        any (only when deliberately serving beyond this machine).
    """
    state = _State(net, horizon)
    hosts = None if allowed_hosts is None else {h.strip("[]").lower() for h in allowed_hosts}
    state.allowed_hosts = hosts
    app = FastAPI(
        title="dealloop",
        version=__version__,
        description="Circular financing networks: the network, firms, loops and stress "
                    "scenarios of one dataset. Money in USD bn; every number carries the ids "
                    "of its deal legs and sources.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        max_body_size=MAX_BODY,
    )
    app.state.dealloop = state

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        if hosts is not None and _host_name(request.headers.get("host", "")) not in hosts:
            return JSONResponse({"detail": "invalid host header",
                                 "message": "this dashboard answers only to the names of this "
                                            "machine (localhost, 127.0.0.1)"}, status_code=400)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return JSONResponse({"detail": "request body too large",
                                 "message": f"request bodies are limited to {MAX_BODY} bytes"},
                                status_code=413)
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        messages = []
        for e in errors:
            loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
            messages.append(f"{loc}: {e.get('msg', 'invalid')}")
        return JSONResponse({"detail": _jsonable_errors(errors), "message": "; ".join(messages)},
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        return JSONResponse({"detail": detail, "message": detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    _api(app, state)
    _pages(app, state)
    return app


def _jsonable_errors(errors: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        rec = {k: e[k] for k in ("type", "loc", "msg") if k in e}
        if "input" in e and isinstance(e["input"], str | int | float | bool | type(None)):
            rec["input"] = e["input"] if not isinstance(e["input"], str) else e["input"][:200]
        out.append(rec)
    return out


def _not_found(what: str, key: str, choices: Iterable[str]) -> HTTPException:
    import difflib

    close = difflib.get_close_matches(key, list(choices), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return HTTPException(404, f"unknown {what} {key!r}{hint}")


# ------------------------------------------------------------------------------ API
StatusQ = Annotated[list[Literal[STATUSES]] | None,  # type: ignore[valid-type]
                    Query(description="Leg statuses to keep (repeatable).", max_length=10)]
KindQ = Annotated[list[Literal[DEAL_KINDS]] | None,  # type: ignore[valid-type]
                  Query(description="Deal kinds to keep (repeatable).", max_length=20)]
FirmKindQ = Annotated[list[Literal[ENTITY_KINDS]] | None,  # type: ignore[valid-type]
                      Query(description="Firm kinds to keep (repeatable).", max_length=20)]
EvidenceQ = Annotated[list[Literal[EVIDENCE]] | None,  # type: ignore[valid-type]
                      Query(description="Evidence grades to keep (repeatable).", max_length=5)]
DateQ = Annotated[str | None, Query(pattern=_DATE, description="YYYY, YYYY-MM or YYYY-MM-DD.")]
NameP = Annotated[str, Path(pattern=_ID, max_length=128, description="A shipped scenario.")]
EntityP = Annotated[str, Path(pattern=_ID, max_length=128, description="An entity id.")]


def _query_date(name: str, text: str | None, *, end: bool) -> Any:
    """A date query parameter; 422 for one the pattern lets through but the calendar refuses
    (``2025-13``, ``2025-02-30``, year 0)."""
    from ..data.read import parse_date

    if not text:
        return None
    try:
        return parse_date(text, end=end)
    except ValueError as exc:
        raise HTTPException(422, f"{name}: {exc}") from None


def _filter_network(b: dict[str, Any], status: Sequence[str] | None, kind: Sequence[str] | None,
                    firm_kind: Sequence[str] | None, evidence: Sequence[str] | None,
                    since: str | None, until: str | None) -> dict[str, Any]:
    from ..data.read import parse_date

    entities = b["entities"]
    if firm_kind:
        entities = [e for e in entities if e["kind"] in firm_kind]
    keep = {e["id"] for e in entities}
    t0 = _query_date("since", since, end=False)
    t1 = _query_date("until", until, end=True)
    if t0 and t1 and t1 < t0:
        raise HTTPException(422, "until: is before since")
    legs = []
    for leg in b["legs"]:
        if leg["payer"] not in keep or leg["payee"] not in keep:
            continue
        if status and leg["status"] not in status:
            continue
        if kind and leg["kind"] not in kind:
            continue
        if evidence and leg["evidence"] not in evidence:
            continue
        if t0 or t1:
            if not leg["announced"]:
                continue
            d = parse_date(leg["announced"])
            if (t0 and d < t0) or (t1 and d > t1):
                continue
        legs.append(leg)
    leg_ids = {x["id"] for x in legs}
    loops = [lp for lp in b["loops"]["loops"]
             if all(any(x in leg_ids for x in hop["legs"]) for hop in lp["hops"])]
    used = {s for x in legs for s in x["sources"]} | {s for e in entities for s in e["sources"]} \
        | {s for e in entities for f in e["headline"].values() for s in f["sources"]}
    return {
        "dataset": b["dataset"],
        "filters": {"status": list(status or []), "kind": list(kind or []),
                    "firm_kind": list(firm_kind or []), "evidence": list(evidence or []),
                    "since": since, "until": until},
        "entities": entities,
        "legs": legs,
        "loops": {**{k: v for k, v in b["loops"].items() if k not in ("loops", "by_firm",
                                                                          "participation")},
                  "loops": loops, "n_shown": len(loops)},
        "measures": b["measures"],
        "sources": {k: v for k, v in b["sources"].items() if k in used},
        "layout": b["layout"],
    }


def _api(app: FastAPI, state: _State) -> None:
    @app.get("/api", tags=["meta"], summary="Index of the API")
    def api_index() -> dict[str, Any]:
        """The endpoints and the dataset they describe."""
        return {"dataset": state.bundle["dataset"], "endpoints": [
            "/api/dataset", "/api/summary", "/api/network", "/api/entities",
            "/api/entities/{id}", "/api/loops", "/api/flows", "/api/measures", "/api/sources",
            "/api/history", "/api/signals", "/api/bundle", "/api/scenarios",
            "/api/scenarios/{name}",
            "/api/scenarios/{name}/run", "/api/scenarios/{name}/simulate"]}

    @app.get("/api/dataset", tags=["network"], summary="Dataset name, version and date")
    def dataset() -> dict[str, Any]:
        return state.bundle["dataset"]

    @app.get("/api/summary", tags=["network"], summary="Totals by kind and status")
    def summary() -> dict[str, Any]:
        """The same as ``dealloop summary --json``."""
        return state.bundle["summary"]

    @app.get("/api/bundle", tags=["network"], summary="Everything the report shows")
    def bundle() -> dict[str, Any]:
        """The results bundle the HTML report embeds (without stress runs)."""
        return state.bundle

    @app.get("/api/network", tags=["network"], summary="Firms and legs, filtered")
    def network(status: StatusQ = None, kind: KindQ = None, firm_kind: FirmKindQ = None,
                evidence: EvidenceQ = None, since: DateQ = None, until: DateQ = None
                ) -> dict[str, Any]:
        """Firms and deal legs for the graph, with the loops that survive the filters.

        Filters combine (AND); a repeated parameter keeps any of its values. ``since`` and
        ``until`` filter legs by announcement date (undated legs drop out when either is
        given). Without filters: every firm and leg, dead legs included.
        """
        return _filter_network(state.bundle, status, kind, firm_kind, evidence, since, until)

    @app.get("/api/entities", tags=["firms"], summary="Every firm with headline figures")
    def entities() -> list[dict[str, Any]]:
        return [{k: e[k] for k in ("id", "name", "kind", "ticker", "country", "headline")}
                for e in state.bundle["entities"]]

    @app.get("/api/entities/{entity_id}", tags=["firms"], summary="One firm")
    def entity(entity_id: EntityP) -> dict[str, Any]:
        """A firm: its record, legs, loops, measures, and the sources and counterparties they
        name."""
        b = state.bundle
        ent = state.entity_index.get(entity_id)
        if ent is None:
            raise _not_found("entity", entity_id, state.entity_index)
        legs = [x for x in b["legs"] if entity_id in (x["payer"], x["payee"])]
        loops = [lp for lp in b["loops"]["loops"] if entity_id in lp["firms"]]
        others = {x["payer"] for x in legs} | {x["payee"] for x in legs} | \
            {f for lp in loops for f in lp["firms"]}
        row = next((r for r in b["measures"]["rows"] if r["id"] == entity_id), None)
        used = set(ent["sources"]) | {s for x in legs for s in x["sources"]} | \
            {s for f in ent["figures"] for s in f["sources"]} | \
            {s for h in ent["headline"].values() for s in h["sources"]}
        return {
            "dataset": b["dataset"],
            "entity": ent,
            "entities": [state.entity_index[i] for i in sorted(others) if i in state.entity_index],
            "legs": legs,
            "loops": {"n_loops": len(loops), "max_length": b["loops"]["max_length"],
                      "method": b["loops"]["method"], "loops": loops,
                      "participation": b["loops"]["by_firm"].get(entity_id)},
            "measures": {"columns": b["measures"]["columns"], "rows": [row] if row else [],
                         "legs": {entity_id: b["measures"]["legs"].get(entity_id, [])},
                         "horizon": b["measures"]["horizon"],
                         "pending": b["measures"]["pending"]},
            "sources": {k: v for k, v in b["sources"].items() if k in used},
        }

    @app.get("/api/loops", tags=["loops"], summary="The largest money loops")
    def loops(
        firm: Annotated[str | None, Query(pattern=_ID, max_length=128,
                                          description="Only loops through this firm.")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LOOPS)] = 50,
        min_amount: Annotated[float, Query(ge=0, le=1e6, description="Smallest round, USD bn"
                                           )] = 0.0,
    ) -> dict[str, Any]:
        """Loops of ``dealloop.circularity.cycles``, largest round first."""
        b = state.bundle
        if firm is not None and firm not in state.entity_index:
            raise _not_found("entity", firm, state.entity_index)
        found = [lp for lp in b["loops"]["loops"] if (firm is None or firm in lp["firms"])
                 and (lp["amount"] or 0.0) >= min_amount]
        firms = {f for lp in found[:limit] for f in lp["firms"]}
        legs = {x for lp in found[:limit] for x in lp["legs"]}
        return {
            "dataset": b["dataset"],
            "loops": {**{k: v for k, v in b["loops"].items() if k not in ("loops", "by_firm")},
                      "loops": found[:limit], "n_matching": len(found)},
            "entities": [state.entity_index[f] for f in sorted(firms)],
            "legs": [x for x in b["legs"] if x["id"] in legs],
            "sources": {k: v for k, v in b["sources"].items()
                        if any(k in x["sources"] for x in b["legs"] if x["id"] in legs)},
        }

    @app.get("/api/flows", tags=["network"], summary="Who pays whom over the horizon")
    def flows() -> dict[str, Any]:
        return state.bundle["flows"]

    @app.get("/api/measures", tags=["firms"], summary="Per-firm circularity and concentration")
    def measures() -> dict[str, Any]:
        return state.bundle["measures"]

    @app.get("/api/sources", tags=["network"], summary="Every source")
    def sources() -> dict[str, Any]:
        return state.bundle["sources"]

    @app.get("/api/history", tags=["scenarios"], summary="Reference figures (dot-com, exposure)")
    def history() -> list[dict[str, Any]]:
        return state.bundle["history"]

    # -------------------------------------------------------------- scenarios
    @app.get("/api/signals", tags=["firms"],
             summary="Early-warning lights per firm, implied default probabilities")
    def signals(as_of: DateQ = None,
                firm: Annotated[str | None, Query(pattern=_ID, max_length=128,
                                                  description="One firm only.")] = None
                ) -> dict[str, Any]:
        """Each watched firm's indicators as of a date (default: the latest market quote),
        their lights (ALERT, WATCH, OK, NO DATA), the thresholds crossed, the default
        probabilities implied by spreads, and the monthly series of the quoted firms (or of
        ``firm``). Thresholds: the shipped signals config."""
        from ..markets import signals_bundle

        day = _query_date("as_of", as_of, end=True)
        if firm is not None and firm not in state.entity_index:
            raise _not_found("entity", firm, state.entity_index)
        key = (day, firm)
        if key not in state.signals:
            if len(state.signals) >= 32:  # a few dates at a time; forget the oldest
                state.signals.pop(next(iter(state.signals)))
            state.signals[key] = signals_bundle(
                state.net, as_of=day, firms=[firm] if firm else None,
                history_firms=[firm] if firm else None)
        return state.signals[key]

    def _scenario(name: str) -> Any:
        sc = state.scenarios.get(name)
        if sc is None:
            raise _not_found("scenario", name, state.scenarios)
        return sc

    def _describe(name: str, sc: Any) -> dict[str, Any]:
        return {"name": name, "title": getattr(sc, "name", name),
                "question": getattr(sc, "question", ""), "notes": getattr(sc, "notes", ""),
                "horizon": list(getattr(sc, "horizon", ())),
                "shocks": [s.model_dump(mode="json") for s in getattr(sc, "shocks", [])],
                "parameters": scenario_parameters(sc), "headlines": stress_headlines()}

    @app.get("/api/scenarios", tags=["scenarios"], summary="Shipped scenarios")
    def scenarios() -> dict[str, Any]:
        """Every shipped scenario with its question and the parameters a run may change."""
        return {"scenarios": [_describe(n, sc) for n, sc in state.scenarios.items()],
                "unavailable": state.scenario_errors}

    @app.get("/api/scenarios/{name}", tags=["scenarios"], summary="One scenario")
    def scenario(name: NameP) -> dict[str, Any]:
        return _describe(name, _scenario(name))

    def _run(name: str, req: RunRequest) -> tuple[Any, dict[str, Any]]:
        sc = _scenario(name)
        try:
            return apply_parameters(sc, req.parameters), {"scenario": name,
                                                          "parameters": req.parameters}
        except ValueError as exc:
            raise HTTPException(422, str(exc).splitlines()[0]) from None

    @app.post("/api/scenarios/{name}/run", tags=["scenarios"], summary="Run a stress scenario")
    def run(name: NameP, req: Annotated[RunRequest, Body()]) -> dict[str, Any]:
        """Run a shipped scenario on the dataset, with the given parameters changed.

        The result is the scenario engine's ``StressResult.to_dict()`` with ``holders`` (as
        ``dealloop stress --json``), plus ``elapsed_s``.
        """
        from ..holders import result_dict
        from ..scenarios import run as run_scenario

        sc, meta = _run(name, req)
        t = time.perf_counter()
        try:
            result = run_scenario(sc, state.net, band=req.band)
        except TypeError:  # an engine without the band option
            result = run_scenario(sc, state.net)
        except ValueError as exc:
            raise HTTPException(422, str(exc).splitlines()[0]) from None
        return {**meta, "elapsed_s": round(time.perf_counter() - t, 4),
                "result": jsonable(result_dict(result, state.net, sc))}

    @app.post("/api/scenarios/{name}/simulate", tags=["scenarios"],
              summary="Monte Carlo run of a scenario (bounded draws)")
    def simulate(name: NameP, req: Annotated[SimulateRequest, Body()]
                 ) -> dict[str, Any]:
        """Draw the scenario's uncertain inputs ``draws`` times (at most 2000 here; use
        ``dealloop simulate`` for more) and summarise the distributions."""
        try:
            from ..scenarios import simulate as simulate_scenario
        except (ImportError, AttributeError):
            raise HTTPException(503, "Monte Carlo runs are not available in this "
                                     "installation") from None
        sc, meta = _run(name, req)
        t = time.perf_counter()
        try:  # in this process: a request never starts a cluster
            result = simulate_scenario(sc, state.net, draws=req.draws, seed=req.seed, workers=0)
        except ValueError as exc:
            raise HTTPException(422, str(exc).splitlines()[0]) from None
        return {**meta, "draws": req.draws, "seed": req.seed,
                "elapsed_s": round(time.perf_counter() - t, 4),
                "result": jsonable(result.to_dict())}


# ------------------------------------------------------------------------------ pages
def _pages(app: FastAPI, state: _State) -> None:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("dealloop.web", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def page(template: str, *, title: str, api: str, page_id: str, nav: str,
             **extra: Any) -> HTMLResponse:
        html = env.get_template(template).render(
            title=title, api=api, page=page_id, nav=nav, dataset=state.bundle["dataset"],
            version=__version__, **extra)
        return HTMLResponse(html)

    @app.get("/", include_in_schema=False)
    def explorer() -> HTMLResponse:
        return page("explorer.html.j2", title="Network", api="/api/network", page_id="explorer",
                    nav="network", statuses=STATUSES, kinds=DEAL_KINDS, firm_kinds=ENTITY_KINDS,
                    evidence=EVIDENCE)

    @app.get("/firms/{entity_id}", include_in_schema=False)
    def firm(entity_id: EntityP) -> HTMLResponse:
        ent = state.entity_index.get(entity_id)
        if ent is None:
            raise _not_found("entity", entity_id, state.entity_index)
        return page("firm.html.j2", title=ent["name"], api=f"/api/entities/{entity_id}",
                    page_id="firm", nav="network", entity=ent)

    @app.get("/loops", include_in_schema=False)
    def loops_page() -> HTMLResponse:
        return page("loops.html.j2", title="Loops", api="/api/loops?limit=100",
                    page_id="loops", nav="loops")

    @app.get("/signals", include_in_schema=False)
    def signals_page() -> HTMLResponse:
        return page("signals.html.j2", title="Signals", api="/api/signals",
                    page_id="signals", nav="signals")

    @app.get("/scenarios", include_in_schema=False)
    def scenarios_page() -> HTMLResponse:
        return page("scenarios.html.j2", title="Scenarios", api="/api/scenarios",
                    page_id="scenarios", nav="scenarios")

    @app.get("/scenarios/{name}", include_in_schema=False)
    def scenario_page(name: NameP) -> HTMLResponse:
        if name not in state.scenarios:
            raise _not_found("scenario", name, state.scenarios)
        return page("scenario.html.j2", title=f"Scenario {name}", api=f"/api/scenarios/{name}",
                    page_id="scenario", nav="scenarios", name=name, max_draws=MAX_DRAWS)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return page("docs.html.j2", title="API", api="/openapi.json", page_id="docs",
                    nav="docs")

    @app.get("/licences/{name}", include_in_schema=False)
    def licence(name: Annotated[str, Path(max_length=64)]) -> Response:
        text = state.licences.get(name)
        if text is None:
            raise _not_found("licence file", name, state.licences)
        return Response(text, media_type="text/plain; charset=utf-8")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: Annotated[str, Path(max_length=64)]) -> Response:
        hit = state.static.get(name)
        if hit is None:
            raise HTTPException(404, "not found")
        data, media = hit
        charset = "; charset=utf-8" if media.startswith("text/") or "svg" in media else ""
        return Response(data, media_type=media + charset,
                        headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        data, media = state.static["favicon.svg"]
        return Response(data, media_type=media, headers={"Cache-Control": "public, max-age=3600"})
