"""``/api/scenarios`` routes: list the shipped scenarios, run one, or simulate it."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from ..holders.systemic import RANKS
from ..jsonutil import jsonable
from ..report.analyses import stress_headlines
from ..scenarios.parameters import apply_parameters, scenario_parameters
from .api import ID_PATTERN
from .state import AppState

__all__ = ["MAX_DRAWS", "RunRequest", "SimulateRequest", "register_scenario_api"]

#: Most Monte Carlo draws one request may ask for.
MAX_DRAWS = 2000

NameP = Annotated[str, Path(pattern=ID_PATTERN, max_length=128,
                            description="A shipped scenario.")]


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

    draws: Annotated[int, Field(ge=1, le=MAX_DRAWS, strict=True)] = 200
    seed: Annotated[int | None, Field(ge=0, le=2**32 - 1, strict=True, description=(
        "Seed (default: the scenario file's monte_carlo.seed)."))] = None


def _describe(name: str, sc: Any) -> dict[str, Any]:
    return {"name": name, "title": sc.name, "question": sc.question, "notes": sc.notes,
            "horizon": list(sc.horizon),
            "shocks": [s.model_dump(mode="json") for s in sc.shocks],
            "parameters": scenario_parameters(sc), "headlines": stress_headlines()}


def _changed(state: AppState, name: str, req: RunRequest) -> tuple[Any, dict[str, Any]]:
    """The scenario ``name`` with the request's parameters set (422 naming a bad one)."""
    sc = state.scenario(name)
    try:
        return apply_parameters(sc, req.parameters), {"scenario": name,
                                                      "parameters": req.parameters}
    except ValueError as exc:
        raise HTTPException(422, str(exc).splitlines()[0]) from None


def register_scenario_api(app: FastAPI, state: AppState) -> None:
    """Add the scenario routes to ``app``."""

    @app.get("/api/scenarios", tags=["scenarios"], summary="Shipped scenarios")
    def scenarios() -> dict[str, Any]:
        """Every shipped scenario with its question and the parameters a run may change."""
        return {"scenarios": [_describe(n, sc) for n, sc in state.scenarios.items()],
                "unavailable": state.scenario_errors}

    @app.get("/api/scenarios/{name}", tags=["scenarios"], summary="One scenario")
    def scenario(name: NameP) -> dict[str, Any]:
        return _describe(name, state.scenario(name))

    @app.post("/api/scenarios/{name}/run", tags=["scenarios"], summary="Run a stress scenario")
    def run(name: NameP, req: Annotated[RunRequest, Body()]) -> dict[str, Any]:
        """Run a shipped scenario on the dataset, with the given parameters changed.

        The result is the scenario engine's ``StressResult.to_dict()`` with ``holders`` (as
        ``dealloop stress --json``), plus ``elapsed_s``.
        """
        from ..holders import result_dict
        from ..scenarios import run as run_scenario

        sc, meta = _changed(state, name, req)
        t = time.perf_counter()
        try:
            result = run_scenario(sc, state.net, band=req.band)
        except ValueError as exc:
            raise HTTPException(422, str(exc).splitlines()[0]) from None
        return {**meta, "elapsed_s": round(time.perf_counter() - t, 4),
                "result": jsonable(result_dict(result, state.net, sc))}

    @app.get("/api/systemic", tags=["scenarios"],
             summary="Who is systemic: fail each firm in turn and rank the damage")
    def systemic(
        scenario: Annotated[str, Query(pattern=ID_PATTERN, max_length=128, description=(
            "The shipped scenario every firm fails on top of."))] = "baseline",
        rank_by: Annotated[Literal[tuple(RANKS)], Query(  # type: ignore[valid-type]
            description="What to rank by.")] = "loss",
    ) -> dict[str, Any]:
        """Each firm fails on its own, in one batched engine call: the loss that lands
        outside the network, the defaults it causes, the loss on US households, banks,
        insurers and private-credit funds, and DebtRank (``dealloop systemic --json``, the
        report's systemic section). Computed on first request (a few seconds), then kept."""
        from ..holders.systemic import systemic as run_systemic

        sc = state.scenario(scenario)
        key = (scenario, rank_by)
        if key not in state.systemic:
            try:
                res = run_systemic(sc, state.net, rank_by=rank_by)
            except ValueError as exc:
                raise HTTPException(422, str(exc).splitlines()[0]) from None
            state.systemic[key] = jsonable(res.to_dict())
        return state.systemic[key]

    @app.post("/api/scenarios/{name}/simulate", tags=["scenarios"],
              summary="Monte Carlo run of a scenario (bounded draws)")
    def simulate(name: NameP, req: Annotated[SimulateRequest, Body()]
                 ) -> dict[str, Any]:
        """Draw the scenario's uncertain inputs ``draws`` times (at most 2000 here; use
        ``dealloop simulate`` for more) and summarise the distributions, with where each
        draw's losses land (``result.holders``, as ``dealloop simulate --json``)."""
        from ..holders.draws import FOLLOW
        from ..scenarios import simulate as simulate_scenario

        sc, meta = _changed(state, name, req)
        t = time.perf_counter()
        try:  # in this process: a request never starts a cluster
            result = simulate_scenario(sc, state.net, draws=req.draws, seed=req.seed, workers=0,
                                       follow=FOLLOW)
        except ValueError as exc:
            raise HTTPException(422, str(exc).splitlines()[0]) from None
        return {**meta, "draws": req.draws, "seed": result.seed,
                "elapsed_s": round(time.perf_counter() - t, 4),
                "result": jsonable(result.to_dict())}
