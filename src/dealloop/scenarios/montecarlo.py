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

Per firm: probability of default, mean and quantiles of the book equity lost (quantiles
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

import contextlib
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..mapping.compiled import Compiled, compile_scenario
from .results import HEADLINES, SimulationResult
from .sketch import MANTISSA_BITS, Figure
from .spec import MAX_CHUNK, MAX_DRAWS, Scenario, uncertain_params

__all__ = ["ClusterLostError", "Payload", "TimeLimitError", "check_scheduler", "exact_draws",
           "run_chunk", "simulate"]

SCHEDULER_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler to answer before giving up."""

_EDGES = np.concatenate([[0.0], np.geomspace(1e-4, 1e5, 2073)])  # ~1% wide log bins
_LOG0, _DLOG = math.log(1e-4), (math.log(1e5) - math.log(1e-4)) / 2072
_QUANTILES = (0.05, 0.5, 0.95, 0.99)


@dataclass(frozen=True, eq=False)
class Payload:
    """Everything a worker needs to run chunks: the compiled scenario and its reference.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> p = payload(comp, seed=1, chunk=4)
    >>> p.seed, p.chunk, all(kind in ("happens", "amount", "param", "fails")
    ...                      for _, kind, _ in p.inputs)
    (1, 4, True)
    """

    comp: Compiled
    seed: int
    chunk: int
    inputs: tuple[tuple[str, str, Any], ...]
    """``(name, kind, spec)``: ``happens`` (deal index, probability), ``amount`` (deal
    index, low, high, value, how), ``param`` (shock index, name, Dist)."""
    follow: Any = None
    """What follows each draw's losses past the network (e.g. the holders layer's
    :class:`dealloop.holders.draws.Routes`): an object with ``chunk(comp, out, mult)``
    returning a chunk's mergeable summary; ``None`` skips it."""


@dataclass
class ChunkStats:
    """What one chunk sends back: small, mergeable summaries."""

    index: int
    size: int
    system: dict[str, np.ndarray]
    defaults: np.ndarray
    defaults_new: np.ndarray
    loss_sum: np.ndarray
    mv_sum: np.ndarray
    hist: np.ndarray
    sx: np.ndarray
    sxx: np.ndarray
    sxy: np.ndarray
    sy: np.ndarray
    syy: np.ndarray
    iterations: int = 0
    elapsed: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def _inputs(comp: Compiled) -> tuple[tuple[str, str, Any], ...]:
    sc = comp.scenario
    mc = sc.monte_carlo
    deals = comp.bs.deals
    out: list[tuple[str, str, Any]] = []
    if mc.conditional is not None:
        q = mc.conditional
        evidence, payer = deals["evidence"].to_numpy(), deals["payer"].to_numpy()
        for d, (did, status, kind) in enumerate(zip(deals["id"], deals["status"],
                                                    deals["kind"], strict=True)):
            if status == "conditional" and kind != "capacity_backstop":
                out.append((f"{did} happens", "happens",
                            (d, q.chance(did, str(evidence[d])), str(payer[d]))))
    if mc.amounts != "fixed":
        for d, (did, lo, hi, v) in enumerate(zip(deals["id"], deals["low"], deals["high"],
                                                 deals["value"], strict=True)):
            if ":" in did or not (hi > lo) or not v > 0:
                continue
            out.append((f"{did} amount", "amount", (d, float(lo), float(hi), float(v),
                                                    mc.amounts)))
    for i, name, dist in uncertain_params(sc):
        out.append((f"shocks[{i}].{name}", "param", (i, name, dist)))
    for i, s in enumerate(sc.shocks):  # failures drawn with a probability (markets: section)
        if s.type == "fail" and s.probability < 1:
            out.append((f"{s.entity} fails", "fails", (i, s.probability)))
    return tuple(out)


def payload(comp: Compiled, *, seed: int, chunk: int, follow: Any = None) -> Payload:
    """The payload of a Monte Carlo run of ``comp``."""
    return Payload(comp=comp, seed=int(seed), chunk=int(chunk), inputs=_inputs(comp),
                   follow=follow)


def draw(p: Payload, index: int, size: int) -> tuple[np.ndarray, dict, np.ndarray]:
    """The draws of chunk ``index``: deal multipliers ``(D, K)``, shock values and the input
    matrix ``(K, P)`` (for the variance drivers)."""
    rng = np.random.default_rng(np.random.SeedSequence(p.seed, spawn_key=(index,)))
    comp = p.comp
    M = np.repeat(comp.base_mult[:, None], size, axis=1)
    values: dict[tuple[int, str], np.ndarray] = {}
    X = np.zeros((size, len(p.inputs)))
    latent = _latent(p, rng, size)
    for j, (_, kind, spec) in enumerate(p.inputs):
        if kind == "happens":
            d, q, _payer = spec
            x = (latent[j] < _ndtri(q)).astype(float)
            M[d] = x * np.where(M[d] > 0, M[d], 1.0)
        elif kind == "fails":
            i, q = spec
            x = (rng.random(size) < q).astype(float)
            values[(i, "happens")] = x
        elif kind == "amount":
            d, lo, hi, v, how = spec
            if how == "triangular":
                x = rng.triangular(lo, (lo + hi) / 2, hi, size)
            else:
                x = rng.uniform(lo, hi, size)
            M[d] = M[d] * (x / v)
        else:
            i, name, dist = spec
            x = np.asarray(dist.sample(rng, size), float)
            values[(i, name)] = x
        X[:, j] = x
    return M, values, X


def _ndtri(q: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(q)) if 0 < q < 1 else (math.inf if q >= 1 else -math.inf)


def _latent(p: Payload, rng: np.random.Generator, size: int) -> dict[int, np.ndarray]:
    """Standard normal latent variables of the conditional legs, correlated through a market
    factor and one factor per payer (a Gaussian copula)."""
    cond = [(j, spec[2]) for j, (_, kind, spec) in enumerate(p.inputs) if kind == "happens"]
    if not cond:
        return {}
    q = p.comp.scenario.monte_carlo.conditional
    a, b = (q.market, q.firm) if q is not None else (0.0, 0.0)
    market = rng.standard_normal(size)
    payers = sorted({f for _, f in cond})
    firm = dict(zip(payers, rng.standard_normal((len(payers), size)), strict=True))
    own = rng.standard_normal((len(cond), size))
    rest = math.sqrt(max(0.0, 1.0 - a - b))
    return {j: math.sqrt(a) * market + math.sqrt(b) * firm[f] + rest * own[k]
            for k, (j, f) in enumerate(cond)}


def modes(y: np.ndarray, weights: np.ndarray | None = None, *, gap: float = 0.05,
          empty: float = 0.005, min_weight: float = 0.05) -> list[tuple[float, float]]:
    """The modes of a sample when it falls into separate clusters: ``(mean, weight)`` of
    each cluster holding at least ``min_weight`` of the draws; clusters are separated by a
    stretch of at least ``gap`` of the range holding less than ``empty`` of the draws. One
    cluster: a one-element list. ``weights`` (counts) turn ``y`` into a weighted sample, such
    as the bins of a :class:`~dealloop.scenarios.sketch.Sketch` (each bin's mean value).

    Examples
    --------
    >>> y = np.r_[np.full(70, 10.0), np.full(30, 50.0)]
    >>> [(round(m, 1), round(w, 2)) for m, w in modes(y)]
    [(10.0, 0.7), (50.0, 0.3)]
    >>> modes(np.array([10.0, 50.0]), weights=np.array([70.0, 30.0])) == modes(y)
    True
    >>> len(modes(np.linspace(0, 1, 1000)))
    1
    """
    y = np.asarray(y, float)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    total = float(w.sum())
    lo, hi = float(y.min(initial=0.0)), float(y.max(initial=0.0))
    if not len(y) or hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return [(float((w * y).sum() / total) if len(y) else 0.0, 1.0)]
    bins = max(1, round(1 / gap))
    counts, edges = np.histogram(y, bins=bins, range=(lo, hi), weights=w)
    full = counts >= empty * total
    labels = np.cumsum(full & ~np.r_[False, full[:-1]])
    which = np.clip(np.searchsorted(edges, y, side="right") - 1, 0, bins - 1)
    out = []
    for lab in np.unique(labels[full]):
        members = full[which] & (labels[which] == lab)
        share = w[members].sum() / total
        if share >= min_weight:
            out.append((float((w[members] * y[members]).sum() / w[members].sum()),
                        float(share)))
    return out or [(float((w * y).sum() / total), 1.0)]


def run_chunk(p: Payload, index: int, size: int) -> ChunkStats:
    """Run chunk ``index`` of ``size`` draws (called on Dask workers).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> stats = run_chunk(payload(comp, seed=1, chunk=4), 0, 4)
    >>> stats.index, stats.size
    (0, 4)
    """
    from .runner import clear_runs, headline

    t = time.perf_counter()
    comp = p.comp
    M, values, X = draw(p, index, size)
    # each draw's own unshocked network is its reference (outside revenue and the plan's new
    # money sized again for the legs it has)
    base, out, _, _ = clear_runs(comp, size, mult=M, values=values, replan=comp.replan(M))
    heads = headline(comp, base, out, M)
    Y = np.column_stack([heads[m] for m in HEADLINES])
    loss = np.maximum(base.equity - out.equity, 0.0)
    mv = np.maximum(comp.market_value[:, None] - out.market_value, 0.0)
    with np.errstate(divide="ignore"):
        pos = np.floor((np.log(np.maximum(loss, 1e-300)) - _LOG0) / _DLOG).astype(np.int64)
    bins = np.where(loss <= 0, 0, np.clip(pos + 1, 1, len(_EDGES) - 1))
    n = comp.n
    nb = len(_EDGES)
    extra: dict[str, Any] = {}
    if p.follow is not None:
        extra["follow"] = p.follow.chunk(comp, out, M)
    flat = (np.arange(n)[:, None] * nb + bins).ravel()
    hist = np.bincount(flat, minlength=n * nb).reshape(n, nb)
    return ChunkStats(
        index=index, size=size, system={m: heads[m] for m in HEADLINES},
        defaults=out.defaulted.sum(axis=1), defaults_new=(out.defaulted & ~base.defaulted)
        .sum(axis=1), loss_sum=loss.sum(axis=1), mv_sum=mv.sum(axis=1), hist=hist,
        sx=X.sum(axis=0), sxx=(X * X).sum(axis=0), sxy=X.T @ Y, sy=Y.sum(axis=0),
        syy=(Y * Y).sum(axis=0), iterations=out.iterations,
        elapsed=time.perf_counter() - t, extra=extra)


def check_scheduler(address: str, timeout: float = SCHEDULER_TIMEOUT) -> None:
    """Fail fast on a scheduler address that cannot work.

    Raises ``ValueError`` for a malformed address (no port, unknown protocol) and
    ``ConnectionError`` (an ``OSError``) when nothing accepts connections there within
    ``timeout`` seconds: a closed port fails at once instead of after Dask's 30 s of retries.

    Examples
    --------
    >>> try:
    ...     check_scheduler("tcp://10.0.0.5")
    ... except ValueError as exc:
    ...     print(str(exc).split(";")[0])
    scheduler address 'tcp://10.0.0.5': missing port number in address '10.0.0.5'

    """
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    expected = "expected an address such as tcp://10.0.0.5:8786"
    try:
        proto, loc = parse_address(address)
        if proto in ("inproc", "ucx"):  # inproc lives in one process; ucx needs its own stack
            raise ValueError(f"the {proto}:// transport cannot reach a scheduler from here "
                             "(use tcp://, tls:// or ws://)")
        get_backend(proto)
        host, port = parse_host_port(loc)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"scheduler address {address!r}: {exc}; {expected}") from None
    if not host:
        raise ValueError(f"scheduler address {address!r}: no host; {expected}")
    if not 0 < int(port) < 65536:
        raise ValueError(f"scheduler address {address!r}: port {port} is not in 1-65535; "
                         f"{expected}")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        why = exc.strerror or str(exc) or type(exc).__name__
        raise ConnectionError(f"no Dask scheduler answers at {address}: {why}") from None
    if proto == "tcp":  # something listens; is it a scheduler? (Client would wait forever)
        who = _identity(address, timeout)
        if who != "Scheduler":
            raise ConnectionError(f"{address} accepts connections but is not a Dask "
                                  f"scheduler ({who})")


def _identity(address: str, timeout: float) -> str:
    """The ``type`` a Dask server at ``address`` reports, or why it reports none in time."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed.core import rpc

    async def ask() -> Any:
        async with rpc(address, timeout=timeout) as r:
            return await r.identity()

    def probe() -> str:
        try:
            info = asyncio.run(asyncio.wait_for(ask(), timeout))
        except TimeoutError:
            return f"no Dask answer within {timeout:g} s"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return str(info.get("type")) if isinstance(info, dict) else repr(info)

    # A thread of its own: the caller may already run an event loop (Jupyter).
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(probe).result()


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
        mult)``, sent to the workers) and ``start(prepared, figure)``: an accumulator with
        ``add(part)`` (each chunk's summary, in chunk order) and ``result()`` (the section);
        ``figure()`` makes the accumulator of one per-draw figure
        (:class:`~dealloop.scenarios.sketch.Figure`: kept or sketched as the run decides);
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


#: Seconds a local Dask cluster takes to start, ship the inputs and stop (measured on two
#: shared cores: 4-6 s); below this much saved, a run stays in this process.
DASK_OVERHEAD = 6.0


def worth_dask(remaining: float, cores: int, chunks: int) -> bool:
    """Whether ``remaining`` seconds of in-process work go faster on a local cluster.

    With ``w = min(cores, chunks)`` workers the work takes ``remaining / w`` plus
    :data:`DASK_OVERHEAD`; Dask is chosen when that beats ``remaining``.

    Examples
    --------
    >>> worth_dask(1.5, 2, 10), worth_dask(30.0, 2, 10), worth_dask(30.0, 1, 10)
    (False, True, False)
    """
    w = min(cores, chunks)
    return w > 1 and remaining / w + DASK_OVERHEAD < remaining


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


def _local_workers(workers: int | None, chunks: int) -> int:
    """Worker processes of a LocalCluster for ``chunks`` chunks: never more than chunks (the
    rest would sit idle, and ``--workers 10000`` would start ten thousand processes)."""
    return max(1, min(workers if workers is not None else (os.cpu_count() or 1), chunks))


def _dask(p: Payload, plan: list[tuple[int, int]], workers: int | None, scheduler: str | None,
          reducer: _Reducer, report: Callable[[int | None], None]) -> tuple[int, str]:
    """Run the chunks of ``plan`` on Dask, folding each result into ``reducer`` as it comes.

    At most a few chunks per worker are in flight (submitted but not yet folded), so neither
    the cluster nor this process holds more than that many chunk results at a time.
    """
    if not plan:
        return 0, "in-process"
    with _quiet_dask():
        return _dask_run(p, plan, workers, scheduler, reducer, report)


class ClusterLostError(ConnectionError):
    """The Dask cluster stopped answering, or its workers kept dying, during a run.

    Examples
    --------
    >>> issubclass(ClusterLostError, ConnectionError)
    True
    """


def _lost(exc: BaseException, where: str, done: int, total: int) -> ClusterLostError:
    """The one-line error for a run whose cluster went away after ``done`` of ``total``
    chunks (Dask's own messages span lines and name internal task keys)."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        why = "its workers kept dying while running a chunk (out of memory?)"
    else:
        why = "the scheduler stopped answering (killed, or the network went down)"
    return ClusterLostError(f"the Dask cluster at {where} was lost mid-run: {why}; {done:,} "
                            f"of {total:,} chunks were done; the run has no result")


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Silence Dask's own logging during a run: a lost scheduler makes the client log
    multi-line tracebacks while it retries; the run reports one line instead."""
    import logging

    import distributed  # noqa: F401  (its import sets the levels of Dask's loggers)

    names = ["distributed", *(n for n in logging.root.manager.loggerDict
                              if n.startswith("distributed."))]
    logs = [logging.getLogger(n) for n in names]  # Dask's config sets levels per logger
    levels = [log.level for log in logs]
    for log in logs:
        log.setLevel(logging.CRITICAL + 1)
    try:
        yield
    except KeyboardInterrupt:  # stay silent: the cluster's shutdown still logs as we exit
        raise
    except BaseException:
        _set_levels(logs, levels)
        raise
    _set_levels(logs, levels)


def _set_levels(logs: list[Any], levels: list[int]) -> None:
    for log, level in zip(logs, levels, strict=True):
        log.setLevel(level)


def _dask_run(p: Payload, plan: list[tuple[int, int]], workers: int | None,
              scheduler: str | None, reducer: _Reducer,
              report: Callable[[int | None], None]) -> tuple[int, str]:
    import logging
    from concurrent.futures import CancelledError

    import dask
    from distributed import Client, KilledWorker, LocalCluster

    cluster = None
    if scheduler is not None:
        check_scheduler(scheduler)
        client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        where = scheduler
    else:
        n = _local_workers(workers, len(plan))
        # Dask sets MALLOC_TRIM_THRESHOLD_ for its workers, which also switches off glibc's
        # adaptive mmap threshold: every large numpy temporary then costs a fresh mmap and
        # page faults (the engine ran ~2x slower on a worker than in-process). Keep arrays
        # below 128 MB on the heap.
        env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}) or {})
        env.setdefault("MALLOC_MMAP_THRESHOLD_", 1 << 27)
        with dask.config.set({"distributed.nanny.pre-spawn-environ": env}), \
                _sigint_ignored():
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.CRITICAL)
        client = Client(cluster)
        where = f"LocalCluster({n} workers)"
    inflight: set[Any] = set()
    quiet = contextlib.ExitStack()
    total = reducer.next + len(plan)
    try:
        try:
            return _stream(client, p, plan, scheduler, reducer, report, inflight), where
        except (CancelledError, KilledWorker, OSError, TimeoutError) as exc:
            # the cluster went away after it answered: while the inputs were sent or chunks ran
            raise _lost(exc, where, reducer.next, total) from None
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):  # one line from the CLI, not Dask's shutdown noise
            for name in ["asyncio", "tornado", *logging.root.manager.loggerDict]:
                if name.split(".")[0] in ("asyncio", "distributed", "tornado"):
                    logging.getLogger(name).setLevel(logging.CRITICAL + 1)
            quiet.enter_context(_sigint_ignored())  # a second Ctrl-C must not cut the cleanup
        if inflight:
            client.cancel(list(inflight))
        raise
    finally:
        with quiet:
            report(None)
            client.close()
            if cluster is not None:
                cluster.close()


def _stream(client: Any, p: Payload, plan: list[tuple[int, int]], scheduler: str | None,
            reducer: _Reducer, report: Callable[[int | None], None],
            inflight: set[Any]) -> int:
    """Send the inputs, then keep a bounded window of chunks in flight on ``client``,
    folding each result as it comes; the number of workers used."""
    from distributed import as_completed

    used = len(client.scheduler_info().get("workers", {}))
    if scheduler is not None:
        reducer.budget.estimate(used)
    data = client.scatter(p, broadcast=True)
    todo = iter(plan)

    def submit() -> Any:
        i, size = next(todo)
        fut = client.submit(run_chunk, data, i, size, key=f"dealloop-chunk-{i}-{id(p)}",
                            pure=False)
        inflight.add(fut)
        return fut

    window = min(2 * max(1, used) + 2, len(plan))
    queue = as_completed([submit() for _ in range(window)])
    submitted = window
    for fut in queue:
        inflight.discard(fut)
        reducer.add(fut.result())
        fut.release()
        report(reducer.next)
        if submitted < len(plan):
            queue.add(submit())
            submitted += 1
    return used


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C inside the block (main thread only; elsewhere a no-op).

    Used while a local cluster starts: the ignored disposition survives the exec of its
    worker processes, so a Ctrl-C later reaches only this process, which cancels the chunks
    and closes the cluster (the workers would otherwise each die with a traceback). A Ctrl-C
    pressed during those seconds is lost; the next one works.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


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
    for m, found in multi.items():
        notes.append(f"{HEADLINES[m][0]} has {len(found)} modes: " + ", ".join(
            f"{v:,.1f} ({w:.0%})" for v, w in found) + " (report the modes, not the median)")
    return SimulationResult(scenario=sc.name, draws=draws, seed=seed, chunk=chunk,
                            workers=workers, firms=frame, system=system, drivers=drivers,
                            elapsed=elapsed, scheduler=scheduler, notes=tuple(notes))
