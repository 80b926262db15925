"""``/api`` routes over the network: dataset, summary, network, firms, loops, flows, sources."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Path, Query

from ..report.views import entity_view, filter_network, loops_view, query_date
from ..vocabulary import DEAL_KINDS, ENTITY_KINDS, EVIDENCE, STATUSES
from .state import AppState, not_found

__all__ = ["ID_PATTERN", "MAX_LOOPS", "EntityP", "register_api"]

#: Most loops one request may list.
MAX_LOOPS = 500
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$"
_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"

StatusQ = Annotated[list[Literal[STATUSES]] | None,  # type: ignore[valid-type]
                    Query(description="Leg statuses to keep (repeatable).", max_length=10)]
KindQ = Annotated[list[Literal[DEAL_KINDS]] | None,  # type: ignore[valid-type]
                  Query(description="Deal kinds to keep (repeatable).", max_length=20)]
FirmKindQ = Annotated[list[Literal[ENTITY_KINDS]] | None,  # type: ignore[valid-type]
                      Query(description="Firm kinds to keep (repeatable).", max_length=20)]
EvidenceQ = Annotated[list[Literal[EVIDENCE]] | None,  # type: ignore[valid-type]
                      Query(description="Evidence grades to keep (repeatable).", max_length=5)]
DateQ = Annotated[str | None, Query(pattern=_DATE, description="YYYY, YYYY-MM or YYYY-MM-DD.")]
EntityP = Annotated[str, Path(pattern=ID_PATTERN, max_length=128, description="An entity id.")]

ENDPOINTS = [
    "/api/dataset", "/api/summary", "/api/network", "/api/entities", "/api/entities/{id}",
    "/api/loops", "/api/flows", "/api/measures", "/api/sources", "/api/history",
    "/api/timeline", "/api/calendar", "/api/cite",
    "/api/signals", "/api/macro", "/api/bundle", "/api/scenarios", "/api/scenarios/{name}",
    "/api/scenarios/{name}/run", "/api/scenarios/{name}/simulate", "/api/systemic",
]


def register_api(app: FastAPI, state: AppState) -> None:
    """Add the network, firm and loop routes to ``app``."""
    _register_network(app, state)
    _register_firms_and_loops(app, state)
    _register_time(app, state)
    _register_macro(app, state)


def _register_macro(app: FastAPI, state: AppState) -> None:
    @app.get("/api/macro", tags=["scenarios"],
             summary="AI capex against GDP, history side by side, a capex pullback")
    def macro() -> dict[str, Any]:
        """The macro panel of the dataset (the report's ``macro`` section and ``dealloop macro
        --json``): capex by firm and year, totals against GDP, published estimates of the share
        of GDP growth, history comparisons and the default pullback (30% of 2026 capex)."""
        return state.bundle["macro"]


def _register_network(app: FastAPI, state: AppState) -> None:
    @app.get("/api", tags=["meta"], summary="Index of the API")
    def api_index() -> dict[str, Any]:
        """The endpoints and the dataset they describe."""
        return {"dataset": state.bundle["dataset"], "endpoints": ENDPOINTS}

    @app.get("/api/dataset", tags=["network"], summary="Dataset name, version and date")
    def dataset() -> dict[str, Any]:
        return state.bundle["dataset"]

    @app.get("/api/summary", tags=["network"], summary="Totals by kind and status")
    def summary() -> dict[str, Any]:
        """The same as ``dealloop summary --json``."""
        return state.bundle["summary"]

    @app.get("/api/bundle", tags=["network"], summary="Everything the report shows")
    def bundle() -> dict[str, Any]:
        """The results bundle the HTML report embeds (without stress runs and the systemic
        ranking: ``/api/scenarios/{name}/run`` and ``/api/systemic``)."""
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
        try:
            return filter_network(state.bundle, status, kind, firm_kind, evidence, since, until)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None


def _register_firms_and_loops(app: FastAPI, state: AppState) -> None:
    @app.get("/api/entities", tags=["firms"], summary="Every firm with headline figures")
    def entities() -> list[dict[str, Any]]:
        return [{k: e[k] for k in ("id", "name", "kind", "ticker", "country", "headline")}
                for e in state.bundle["entities"]]

    @app.get("/api/entities/{entity_id}", tags=["firms"], summary="One firm")
    def entity(entity_id: EntityP) -> dict[str, Any]:
        """A firm: its record, legs, loops, measures, and the sources and counterparties they
        name."""
        if entity_id not in state.entity_index:
            raise not_found("entity", entity_id, state.entity_index)
        return entity_view(state.bundle, entity_id)

    @app.get("/api/loops", tags=["loops"], summary="The largest money loops")
    def loops(
        firm: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=128,
                                          description="Only loops through this firm.")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LOOPS)] = 50,
        min_amount: Annotated[float, Query(ge=0, le=1e6, description="Smallest round, USD bn"
                                           )] = 0.0,
    ) -> dict[str, Any]:
        """Loops of ``dealloop.circularity.cycles``, largest round first."""
        if firm is not None and firm not in state.entity_index:
            raise not_found("entity", firm, state.entity_index)
        return loops_view(state.bundle, firm, limit, min_amount)

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

    @app.get("/api/signals", tags=["firms"],
             summary="Early-warning lights per firm, implied default probabilities")
    def signals(as_of: DateQ = None,
                firm: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=128,
                                                  description="One firm only.")] = None
                ) -> dict[str, Any]:
        """Each watched firm's indicators as of a date (default: the latest market quote),
        their lights (ALERT, WATCH, OK, NO DATA), the thresholds crossed, the default
        probabilities implied by spreads, and the monthly series of the quoted firms (or of
        ``firm``). Thresholds: the shipped signals config. With ``as_of``, the dataset as
        it was known that day (``dealloop signals --as-of``): figures, quotes and legs dated
        later are left out, so no later figure enters an earlier day's lights."""
        from ..holders import capitals, layer
        from ..markets import signals_bundle

        try:
            day = query_date("as_of", as_of, end=True)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        if firm is not None and firm not in state.entity_index:
            raise not_found("entity", firm, state.entity_index)
        key = (day, firm)
        if key not in state.signals:
            if len(state.signals) >= 32:  # a few dates at a time; forget the oldest
                state.signals.pop(next(iter(state.signals)))
            net = state.net if day is None else state.net.as_of(day)
            out = signals_bundle(net, as_of=day, firms=[firm] if firm else None,
                                 history_firms=[firm] if firm else None)
            out["sector_capital"] = capitals(layer(net), out.get("as_of"))
            state.signals[key] = out
        return state.signals[key]


def _register_time(app: FastAPI, state: AppState) -> None:
    @app.get("/api/timeline", tags=["network"], summary="Legs, money and loops by month")
    def timeline() -> dict[str, Any]:
        """The network at the end of every month as it was known then: legs, firm money and
        loops, and the legs announced each month (``dealloop timeline --json``)."""
        return state.bundle["timeline"]

    @app.get("/api/calendar", tags=["firms"], summary="What falls due each year")
    def calendar() -> dict[str, Any]:
        """The payment calendar of the system and of every firm that pays or borrows:
        contracts, equity instalments and debt service per year against revenue and cash
        (``dealloop calendar --json``; firm legs, no interest rate assumed)."""
        return state.bundle["calendar"]

    @app.get("/api/cite", tags=["meta"], summary="How to cite the dataset")
    def cite() -> dict[str, Any]:
        """Name, version, content hash, licence and a citation (``dealloop cite --json``)."""
        return state.bundle["citation"]
