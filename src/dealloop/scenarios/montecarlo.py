"""Monte Carlo runs: uncertain inputs drawn with a seed, batched engine calls, on Dask.

What is drawn (the scenario's ``monte_carlo`` section):

* each live conditional leg happens with a probability set by its evidence grade
  (``conditional.by_evidence``; ``conditional.probability`` for all, ``conditional.deals``
  per leg); capacity backstops stay contingent. The draws are correlated through a Gaussian
  copula with a common factor: leg ``d`` of payer ``f`` happens when
  ``sqrt(market) Z_m + sqrt(firm) Z_f + sqrt(1 - market - firm) e_d < Phi^-1(q_d)``, so
  the legs of one firm (and the loops through it) happen or fail together;
* each leg with an amount range (or a range given in ``ranges``) gets an amount within it
  (``uniform``, ``triangular`` with the mode at the midpoint, or ``fixed``);
* each shock parameter written as a distribution (``fall: {uniform: [0.2, 0.4]}``).

Draws are grouped in chunks of ``chunk`` draws (default 10,000); each chunk is one batched
call of the engine (``K`` = chunk scenarios at once) with its own random stream,
``SeedSequence(seed, spawn_key=(chunk index,))``, so the numbers depend on the seed and the
chunk size only, never on the number of workers or on the order in which chunks finish.
Chunk results are merged in chunk order.

Chunks run in this process (``workers=0``, or by default when the run is too small for a
cluster to pay for its start-up: see :func:`worth_dask`), on a Dask ``LocalCluster`` with
``workers`` single-threaded worker processes, or on an existing cluster (``scheduler``
address). Ctrl-C cancels the pending chunks and shuts the local cluster down.

Each draw is compared with the same draw's unshocked network (its outside revenue and the
plan's new money sized again for the legs it has), so the figures measure what the scenario
does to each possible network.

Per firm: probability of default, mean and quantiles of the equity lost (quantiles
from a log-spaced histogram with 1% wide bins, merged exactly across chunks). For the system:
exact quantiles of every headline figure over all draws, up to :func:`exact_draws` draws;
beyond that the chunks are folded into binned sketches as they arrive (bounded memory,
quantiles within 0.8%, see :mod:`.sketch`), and a note says so. Variance drivers: for each uncertain
input and headline figure, the squared correlation over all draws (the first-order share of
the variance the input explains; with correlated legs the shares overlap). When a headline's
draws fall into separate clusters (gaps wider than 5% of the range holding fewer than 0.5% of
the draws), the result reports the modes: each cluster's mean and weight, not only a median.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..mapping.compiled import Compiled, compile_scenario
from ._mc_chunks import (
    _EDGES,
    _QUANTILES,
    ChunkStats,
    Payload,
    draw,
    kept_memory,
    modes,
    payload,
    run_chunk,
)
from ._mc_dask import (
    ClusterLostError,
    _dask,
    _local_workers,
    check_scheduler,
    worth_dask,
)
from .results import HEADLINES, SimulationResult
from .sketch import MANTISSA_BITS, Figure
from .spec import MAX_CHUNK, MAX_DRAWS, Scenario

__all__ = ["ClusterLostError", "Payload", "TimeLimitError", "check_scheduler", "draw",
           "exact_draws", "modes", "payload", "run_chunk", "simulate", "worth_dask"]


#: Most memory the kept draws of the per-draw figures may take. Up to this (about 3.3 million
#: draws without a follow) every draw is kept and the quantiles and modes are exact; beyond it
#: the draws are folded into a :class:`~dealloop.scenarios.sketch.Sketch` per figure as they
#: arrive, so the memory stays bounded whatever the number of draws.
MAX_EXACT_MEMORY = 2**28


def draws_memory(draws: int, extra: int = 0) -> int:
    """Bytes the kept figures of ``draws`` draws take: one float per headline figure and per
    ``extra`` figure (kept per draw by a ``follow``) per draw.

    Examples
    --------
    >>> draws_memory(1_000) == 8 * len(HEADLINES) * 1_000
    True
    >>> draws_memory(1_000, 4) - draws_memory(1_000)
    32000
    """
    return 8 * (len(HEADLINES) + int(extra)) * int(draws)


def exact_draws(extra: int = 0) -> int:
    """The most draws whose figures are kept (exact quantiles and modes), with ``extra``
    figures per draw from a ``follow``.

    Examples
    --------
    >>> exact_draws() * draws_memory(1) <= MAX_EXACT_MEMORY
    True
    >>> exact_draws(4) < exact_draws()
    True
    """
    return MAX_EXACT_MEMORY // draws_memory(1, extra)


def _chunks(draws: int, chunk: int) -> list[tuple[int, int]]:
    n = math.ceil(draws / chunk)
    return [(i, min(chunk, draws - i * chunk)) for i in range(n)]


def _duration(seconds: float) -> str:
    """``seconds`` in the largest unit that keeps it above 1 (``"2.8 h"``)."""
    for unit, size in (("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:,.1f} s"


class TimeLimitError(ValueError):
    """A run estimated (from its first chunk) or found to take longer than ``max_seconds``.

    Examples
    --------
    >>> issubclass(TimeLimitError, ValueError)    # the CLI prints it as one line, exit code 1
    True
    """


@dataclass
class _Budget:
    """The time limit of a run: checked once from the first chunk's time, then as it goes."""

    max_seconds: float | None
    draws: int
    start: float = field(default_factory=time.perf_counter)
    first: tuple[int, float] | None = None
    """Size and seconds of the first chunk."""

    def estimate(self, parallel: int) -> None:
        """Refuse the run if the first chunk's time says it would pass the limit."""
        if self.max_seconds is None or self.first is None or self.first[0] >= self.draws:
            return
        size, took = self.first
        per_draw = took / size
        est = took + per_draw * (self.draws - size) / max(1, parallel)
        if est > self.max_seconds:
            fits = int(self.max_seconds / per_draw * max(1, parallel)) if per_draw else 0
            where = "this process" if parallel <= 1 else f"{parallel} workers"
            raise TimeLimitError(
                f"{self.draws:,} draws would take about {_duration(est)} on {where} (the first "
                f"chunk of {size:,} draws took {took:.2f} s), more than the time limit of "
                f"{_duration(self.max_seconds)}; use about {fits:,} draws or fewer, or raise "
                "the limit")

    def check(self, done: int) -> None:
        """Stop the run once the time spent passes the limit."""
        if self.max_seconds is None:
            return
        spent = time.perf_counter() - self.start
        if spent > self.max_seconds:
            raise TimeLimitError(
                f"stopped after {_duration(spent)} with {done:,} of {self.draws:,} draws done: "
                f"past the time limit of {_duration(self.max_seconds)} (the estimate from the "
                f"first chunk was too low); use fewer draws or raise the limit")


class _Reducer:
    """Folds chunk results in chunk order (whatever order they arrive in) into bounded sums,
    histograms and per-draw figures (kept up to :func:`exact_draws` draws, else sketched),
    and the follow's summaries into its own accumulator (``follow.start``)."""

    def __init__(self, comp: Compiled, p: Payload, draws: int, budget: _Budget,
                 follow: Any = None) -> None:
        P, M = len(p.inputs), len(HEADLINES)
        extra = int(getattr(follow, "figures", 0)) if follow is not None else 0
        self.kept_max = exact_draws(extra)
        self.exact = draws <= self.kept_max
        self.budget = budget
        self.done = 0
        self.next = 0
        self.pending: dict[int, ChunkStats] = {}
        self.defaults = np.zeros(comp.n)
        self.defaults_new = np.zeros(comp.n)
        self.loss_sum = np.zeros(comp.n)
        self.mv_sum = np.zeros(comp.n)
        self.hist = np.zeros((comp.n, len(_EDGES)), np.int64)
        self.sx, self.sxx, self.sy, self.syy = np.zeros(P), np.zeros(P), np.zeros(M), np.zeros(M)
        self.sxy = np.zeros((P, M))
        self.system = {m: self.figure(draws) for m in HEADLINES}
        self.follow = (follow.start(p.follow, lambda: self.figure(draws))
                       if follow is not None else None)

    def figure(self, draws: int) -> Figure:
        """An accumulator for one per-draw figure: every draw kept, or a sketch."""
        return Figure(draws if self.exact else None)

    def add(self, r: ChunkStats) -> None:
        """Take a chunk's result; fold it and every waiting one that is next in order."""
        self.pending[r.index] = r
        while self.next in self.pending:
            self._fold(self.pending.pop(self.next))
            self.next += 1
        self.budget.check(self.done)

    def _fold(self, r: ChunkStats) -> None:  # chunk order: the sums do not depend on workers
        if r.index == 0:
            self.budget.first = (r.size, r.elapsed)
        self.defaults += r.defaults
        self.defaults_new += r.defaults_new
        self.loss_sum += r.loss_sum
        self.mv_sum += r.mv_sum
        self.hist += r.hist
        self.sx += r.sx
        self.sxx += r.sxx
        self.sxy += r.sxy
        self.sy += r.sy
        self.syy += r.syy
        for m in HEADLINES:
            self.system[m].add(r.system[m])
        if self.follow is not None:
            self.follow.add(r.extra["follow"])
        self.done += r.size


def simulate(scenario: Scenario | str | Path, net: Any = None, *, draws: int | None = None,
             seed: int | None = None, workers: int | None = None,
             scheduler: str | None = None, chunk: int | None = None,
             max_seconds: float | None = None,
             progress: bool | Callable[[int, int], None] = False,
             follow: Any = None) -> SimulationResult:
    """Monte Carlo run of a scenario.

    Memory is bounded whatever ``draws``: chunk results are folded into sums, counts and
    histograms as they arrive (in chunk order). Up to :func:`exact_draws` draws the per-draw
    figures (the system's and the follow's) are also kept, for exact quantiles and modes;
    beyond that their quantiles come from a fine histogram
    (:class:`~dealloop.scenarios.sketch.Sketch`, within 0.8%) and a note says so.

    Parameters
    ----------
    scenario, net
        As for :func:`~dealloop.scenarios.run`.
    draws, seed, chunk
        Number of draws, seed and draws per batched call (defaults: the scenario's
        ``monte_carlo`` section).
    workers
        ``0``: run in this process. ``W >= 1``: a Dask ``LocalCluster`` of ``W``
        single-threaded worker processes. Default (None): the first chunk runs in this
        process and is timed; the rest go to a cluster of one worker per CPU only when that
        is faster once its start-up is paid (:func:`worth_dask`), else stay here.
    scheduler
        Address of an existing Dask scheduler (``tcp://host:8786``); overrides ``workers``.
        A malformed address raises ``ValueError``, one where nothing answers within
        :data:`SCHEDULER_TIMEOUT` seconds ``ConnectionError`` (see :func:`check_scheduler`).
    max_seconds
        Time limit. The first chunk runs in this process and is timed (its result is kept);
        a run it says would take longer (spread over the workers) raises
        :class:`TimeLimitError` before the other chunks start, and a run that passes the
        limit anyway stops with one. ``None``: no limit.
    progress
        ``True`` for a progress bar on stderr, or a callable ``(done, total)``.
    follow
        Follows every draw's losses past the network and reports on them in the result's
        ``holders`` section: an object with ``figures`` (how many figures it keeps per
        draw), ``prepare(comp, scenario, net)`` (a picklable object with ``chunk(comp, out,
        mult, equity_loss)``, each firm's equity lost per draw the last, sent to the
        workers) and ``start(prepared, figure)``: an accumulator with ``add(part)`` (each
        chunk's summary, in chunk order) and ``result()`` (the section); ``figure()`` makes
        the accumulator of one per-draw figure (:class:`~dealloop.scenarios.sketch.Figure`:
        kept or sketched as the run decides);
        e.g. :data:`dealloop.holders.draws.FOLLOW`.

    Returns
    -------
    SimulationResult
        Identical for the same seed and chunk size, whatever ``workers``.

    Examples
    --------
    >>> import dealloop as dl
    >>> res = simulate("coreweave-default", dl.load(), draws=200, seed=1, workers=0)
    >>> float(res.firms.loc["coreweave", "pd"])
    1.0
    >>> float(res.system.loc["defaults", "min"])
    1.0
    """
    from .runner import prepare

    sc, net = prepare(scenario, net)
    mc = sc.monte_carlo
    draws = int(draws if draws is not None else mc.draws)
    seed = int(seed if seed is not None else mc.seed)
    chunk = int(chunk if chunk is not None else mc.chunk)
    if not (1 <= draws <= MAX_DRAWS and 1 <= chunk <= MAX_CHUNK and seed >= 0):
        raise ValueError(f"draws must be in [1, {MAX_DRAWS:,}], chunk in [1, {MAX_CHUNK:,}] "
                         f"and seed >= 0 (got draws={draws}, chunk={chunk}, seed={seed})")
    if max_seconds is not None and not max_seconds > 0:
        raise ValueError(f"max_seconds must be positive (got {max_seconds})")
    from ..mapping.sheets import build

    comp = compile_scenario(sc, build(net, sc))
    prepared = follow.prepare(comp, sc, net) if follow is not None else None
    p = payload(comp, seed=seed, chunk=chunk, follow=prepared)
    plan = _chunks(draws, chunk)
    budget = _Budget(max_seconds, draws)
    reducer = _Reducer(comp, p, draws, budget, follow)
    report = _progress(progress, len(plan))
    t0 = time.perf_counter()
    with kept_memory():  # chunks run here reuse the memory earlier chunks freed
        try:
            if scheduler is None and workers is None:  # auto: Dask only when it pays for itself
                used, where = _auto(p, plan, reducer, report)
            elif scheduler is None and workers == 0:
                for i, size in plan:
                    reducer.add(run_chunk(p, i, size))
                    if i == 0:
                        budget.estimate(1)
                    report(reducer.next)
                used, where = 0, "in-process"
            else:
                if max_seconds is not None:  # time the first chunk here (it is kept)
                    reducer.add(run_chunk(p, *plan[0]))
                    report(reducer.next)
                    if scheduler is None:  # a LocalCluster: its size is known before it starts
                        budget.estimate(_local_workers(workers, len(plan) - 1))
                used, where = _dask(p, plan[reducer.next:], workers, scheduler, reducer, report)
        finally:
            report(None)
    elapsed = time.perf_counter() - t0
    res = _merge(sc, comp, p, reducer, draws=draws, seed=seed, chunk=chunk, workers=used,
                 scheduler=where, elapsed=elapsed)
    if reducer.follow is None:
        return res
    return replace(res, holders=reducer.follow.result())


def _auto(p: Payload, plan: list[tuple[int, int]], reducer: _Reducer,
          report: Callable[[int | None], None]) -> tuple[int, str]:
    """Run the first chunk here, timed; the rest on a local cluster of one worker per CPU
    only when that is faster once its start-up is paid (:func:`worth_dask`), else here."""
    t1 = time.perf_counter()
    reducer.add(run_chunk(p, *plan[0]))
    report(reducer.next)
    rest = plan[1:]
    cores = os.cpu_count() or 1
    if rest and worth_dask((time.perf_counter() - t1) * len(rest), cores, len(rest)):
        reducer.budget.estimate(_local_workers(None, len(rest)))
        used, where = _dask(p, rest, None, None, reducer, report)
        return used, f"{where}, chosen for {len(plan)} chunks on {cores} cores"
    reducer.budget.estimate(1)
    for i, size in rest:
        reducer.add(run_chunk(p, i, size))
        report(reducer.next)
    return 0, ("in-process (too small a run for Dask to pay)" if rest and cores > 1
               else "in-process")


def _progress(progress: bool | Callable[[int, int], None], total: int
              ) -> Callable[[int | None], None]:
    if callable(progress):
        return lambda done: progress(done, total) if done is not None else None
    if not progress:
        return lambda done: None
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("chunks"), TimeRemainingColumn(), transient=True)
    task = bar.add_task("draws", total=total)
    bar.start()

    def report(done: int | None) -> None:
        if done is None:
            bar.stop()
        else:
            bar.update(task, completed=done)

    return report


def _quantile_from_hist(h: np.ndarray, q: float) -> float:
    total = h.sum()
    if total == 0:
        return math.nan
    target = q * total
    cum = np.cumsum(h)
    b = int(np.searchsorted(cum, target, side="left"))
    if b == 0:
        return 0.0
    lo, hi = _EDGES[b], _EDGES[b + 1] if b + 1 < len(_EDGES) else _EDGES[b]
    before = cum[b - 1]
    frac = (target - before) / max(h[b], 1)
    return float(lo * (hi / lo) ** min(max(frac, 0.0), 1.0)) if lo > 0 else float(hi)


def vehicle_legs_drawn_in(comp: Compiled, p: Payload) -> str:
    """The note on a vehicle's legs that the compiled scenario does not count and draws
    switch on (a conditional leg that happens, or a range on an uncounted leg) whose
    effect on the vehicle the draws do not follow: a debt leg into a vehicle (kind
    ``spv``) with no pool of its funding alone in the run (no debt counted, or its funding
    pledged beside other collateral), or one a stress
    run including it would secure at a ``mapping.collateral_value`` or among other
    collateral (the others are pledged, or left unsecured, as that stress run would,
    :attr:`dealloop.mapping.compiled.Compiled.uncounted_debt`), or a
    sponsor's equity leg into a vehicle with no sponsor equity in the run (one with some
    follows the draws, :func:`dealloop.mapping.vehicles.drawn_sponsors`).
    Those draws keep the vehicle's sponsor equity, its split among the sponsors and the
    collateral on its funding as compiled, where a stress run with the leg included adds
    it (docs/methods/mapping.md); ``""`` when there is none.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> from dealloop.scenarios._mc_chunks import payload
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> vehicle_legs_drawn_in(comp, payload(comp, seed=1, chunk=8))  # D75a, D149 followed
    ''
    """
    from ..mapping.vehicles import sponsors_of
    from ..vocabulary import DEBT_KINDS

    d = comp.bs.deals
    kinds = dict(zip(comp.bs.frame.index, comp.bs.frame["kind"], strict=True)) \
        if "kind" in comp.bs.frame else {}
    drawn = {int(x[2][0]) for x in p.inputs if x[1] in ("happens", "amount")}
    followed = set(sponsors_of(comp.bs))   # the vehicles whose sponsor equity draws follow
    pledged = {x for x, how in comp.uncounted_debt.items() if how != "elsewhere"}  # followed
    legs = []
    for j in sorted(drawn):
        did, kind, payee = d["id"].iloc[j], d["kind"].iloc[j], d["payee"].iloc[j]
        if comp.base_mult[comp.deal_index[did]] != 0 or kinds.get(payee) != "spv":
            continue
        if kind == "equity_investment" and payee not in followed:
            legs.append(f"{did} (sponsor equity into {payee}, which has none in the run: "
                        "its sponsor equity, split and the collateral on its funding stay "
                        "as compiled)")
        elif kind in DEBT_KINDS and comp.uncounted_debt.get(did) == "elsewhere":
            legs.append(f"{did} (debt of {payee}, which that stress run secures at a value "
                        "of its own or among other collateral: the draws leave it unsecured)")
        elif kind in DEBT_KINDS and did not in pledged:
            legs.append(f"{did} (debt of {payee}, which has no pool of its funding alone "
                        "in the run: the collateral on its funding stays as compiled)")
    if not legs:
        return ""
    return ("legs not counted in the scenario that draws switch on, which the draws do not "
            "follow as a stress run with the leg included (legs.include) does: "
            + ", ".join(legs))


def _merge(sc: Scenario, comp: Compiled, p: Payload, red: _Reducer, *, draws: int,
           seed: int, chunk: int, workers: int, scheduler: str, elapsed: float
           ) -> SimulationResult:
    firms = list(comp.bs.firms)
    n_total = red.done
    sx, sxx, sxy, sy, syy = red.sx, red.sxx, red.sxy, red.sy, red.syy
    frame = pd.DataFrame({
        "pd": red.defaults / n_total, "pd_new": red.defaults_new / n_total,
        "loss_mean": red.loss_sum / n_total,
        **{f"loss_q{int(q * 100):02d}": [_quantile_from_hist(red.hist[i], q)
                                        for i in range(comp.n)] for q in _QUANTILES[1:]},
        "mv_lost_mean": red.mv_sum / n_total,
    }, index=pd.Index(firms, name="firm"))
    rows = {}
    multi = {}
    for m in HEADLINES:
        fig = red.system[m]
        found = modes(*fig.points())
        if len(found) > 1:
            multi[m] = found
        rows[m] = fig.stats(_QUANTILES)
    system = pd.DataFrame.from_dict(rows, orient="index")
    system.index.name = "metric"
    drv = []
    n = float(n_total)
    for j, (name, _, _) in enumerate(p.inputs):
        vx = n * sxx[j] - sx[j] ** 2
        for k, m in enumerate(HEADLINES):
            vy = n * syy[k] - sy[k] ** 2
            if vx <= 1e-12 * max(1.0, n * sxx[j]) or vy <= 1e-12 * max(1.0, n * syy[k]):
                continue
            corr = (n * sxy[j, k] - sx[j] * sy[k]) / math.sqrt(vx * vy)
            drv.append({"input": name, "target": m, "correlation": corr, "share": corr ** 2})
    drivers = pd.DataFrame(drv, columns=["input", "target", "correlation", "share"])
    if len(drivers):
        drivers = drivers.sort_values(["share", "input"], ascending=[False, True],
                                      kind="stable").reset_index(drop=True)
    notes = []
    if not red.exact:
        notes.append(f"{n_total:,} draws are more than the {red.kept_max:,} kept for exact "
                     "quantiles: the quantiles of the per-draw figures come from histograms "
                     f"with bins under {2 ** -MANTISSA_BITS:.1%} wide, and the modes from "
                     "their bins; means, extremes and probabilities are exact")
    if not p.inputs:
        notes.append("nothing is uncertain in this scenario: every draw is the same")
    unfollowed = vehicle_legs_drawn_in(comp, p)
    if unfollowed:
        notes.append(unfollowed)
    for m, found in multi.items():
        notes.append(f"{HEADLINES[m][0]} has {len(found)} modes: " + ", ".join(
            f"{v:,.1f} ({w:.0%})" for v, w in found) + " (report the modes, not the median)")
    return SimulationResult(scenario=sc.name, draws=draws, seed=seed, chunk=chunk,
                            workers=workers, firms=frame, system=system, drivers=drivers,
                            elapsed=elapsed, scheduler=scheduler, notes=tuple(notes))
