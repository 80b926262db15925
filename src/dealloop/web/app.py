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
  naming the parameter); a query parameter an ``/api`` route does not take is refused (422
  naming it and the ones it takes) rather than ignored, so a misspelt filter never returns
  unfiltered figures as if filtered; list lengths, loop limits, scenario parameters and
  Monte Carlo draws are bounded; request bodies over :data:`MAX_BODY` bytes are refused (413).
* No request reaches the file system: scenarios and static files are read when the app is
  created and looked up by exact name in memory.
* Pages are Jinja2 templates with autoescape; their script builds the page with
  ``textContent``; a Content-Security-Policy allows scripts from the app only; the ``Host``
  header must name a loopback address unless the server was deliberately bound elsewhere
  (DNS-rebinding protection).

Layout
------
``app`` builds the application (middleware, error handlers); ``security`` holds the guards;
``state`` what is computed once; ``api`` and ``api_scenarios`` the JSON routes over
:mod:`dealloop.report.views` and :mod:`dealloop.scenarios.parameters`; ``pages`` the HTML
pages and static files. Domain logic lives in the library, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..vocabulary import DEFAULT_HORIZON
from .api import register_api
from .api_edit import register_edit_api
from .api_scenarios import register_scenario_api
from .pages import register_pages
from .security import CSP, LOOPBACK_HOSTS, MAX_BODY, host_name
from .state import AppState

if TYPE_CHECKING:
    from ..network import DealNetwork

__all__ = ["create_app"]


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
    hosts = None if allowed_hosts is None else {h.strip("[]").lower() for h in allowed_hosts}
    state = AppState(net, horizon, hosts)
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
        dependencies=[Depends(_known_query)],
    )
    app.state.dealloop = state

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        if hosts is not None and host_name(request.headers.get("host", "")) not in hosts:
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
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        messages = []
        for e in errors:
            loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
            messages.append(f"{loc}: {e.get('msg', 'invalid')}")
        return JSONResponse({"detail": _jsonable_errors(errors), "message": "; ".join(messages)},
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        path = request.url.path
        if (exc.status_code == 404 and not path.startswith(("/api/", "/static/"))
                and "text/html" in request.headers.get("accept", "")):
            return state.not_found_page(path, detail)  # a browser gets a page, not JSON
        return JSONResponse({"detail": detail, "message": detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    register_api(app, state)
    register_scenario_api(app, state)
    register_edit_api(app, state)
    register_pages(app, state)
    return app


def _known_query(request: Request) -> None:
    """Refuse a query parameter the matched ``/api`` route does not take (422 naming it).

    FastAPI ignores unknown query parameters, so ``/api/loops?max_length=3`` would answer
    with the default loops as if the filter had applied.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.url.path.startswith("/api"):
        return
    taken = _query_names(route.dependant)
    unknown = sorted(set(request.query_params) - taken)
    if unknown:
        takes = ", ".join(sorted(taken)) if taken else "no query parameters"
        raise HTTPException(422, f"unknown query parameter{'s' if len(unknown) > 1 else ''} "
                                 f"{', '.join(repr(u) for u in unknown)}; "
                                 f"{request.url.path} takes {takes}")


def _query_names(dependant: Any) -> set[str]:
    """The query parameters a route's dependant (and its sub-dependencies) reads."""
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _jsonable_errors(errors: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        rec: dict[str, Any] = {k: e[k] for k in ("type", "loc", "msg") if k in e}
        if "input" in e and isinstance(e["input"], str | int | float | bool | type(None)):
            rec["input"] = e["input"] if not isinstance(e["input"], str) else e["input"][:200]
        out.append(rec)
    return out


