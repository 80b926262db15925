"""Monte Carlo chunks: what is drawn and how one chunk of draws runs (:func:`run_chunk`).

See :mod:`dealloop.scenarios.montecarlo` for the model of the draws and the reduction.
"""

from __future__ import annotations

import ctypes
import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..mapping.compiled import Compiled
from .results import HEADLINES
from .spec import uncertain_params

__all__ = ["ChunkStats", "Payload", "cross", "draw", "kept_memory", "modes", "payload", "run_chunk",
           "run_chunk_on_worker"]

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
    :class:`dealloop.holders.draws.Routes`): an object with ``chunk(comp, out, mult,
    equity_loss)`` (``equity_loss``: each firm's equity lost per draw) returning a chunk's
    mergeable summary; ``None`` skips it."""


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


# glibc's mallopt parameters
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Arrays up to this size come from the heap (glibc's own ceiling for its adaptive threshold).
_MMAP_MAX = 32 * 2**20
#: Memory freed at the top of the heap that is kept while chunks run.
_KEEP = 2**30


def cross(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``X.T @ Y``, summed in one fixed order whatever the machine's BLAS threads.

    A threaded BLAS splits the draws' axis among its threads and adds the partial sums in an
    order that depends on how many there are, so the drivers' correlations came out 2e-13
    apart in this process (BLAS on every core) and on a Dask worker (one thread). numpy's own
    ``einsum`` loop uses no BLAS: the same bits in both, at ~2 ms per 10,000-draw chunk.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> cross(X, X[:, :1]).tolist()
    [[10.0], [14.0]]
    """
    return np.einsum("ij,ik->jk", X, Y)


def _glibc() -> Any:
    """glibc's allocator functions (``mallopt``, ``malloc_trim``), or None (other C
    libraries and platforms: nothing to tune)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        lib = ctypes.CDLL(None)
        lib.gnu_get_libc_version  # noqa: B018 - glibc only (musl has no such function)
        lib.mallopt, lib.malloc_trim  # noqa: B018
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return None
    return lib


def _keep(lib: Any) -> None:
    lib.mallopt(_M_MMAP_THRESHOLD, _MMAP_MAX)
    lib.mallopt(_M_TRIM_THRESHOLD, _KEEP)


@contextmanager
def kept_memory() -> Iterator[None]:
    """Chunks reuse the memory earlier chunks freed (glibc; elsewhere a no-op).

    A chunk of 10,000 draws allocates and frees thousands of arrays of megabytes. By
    default glibc hands large blocks back to the kernel as soon as they are freed, so each
    new array is mapped afresh and every page of it faults on first write; on a virtual
    machine that was a quarter of a chunk's time (#18). Inside this block freed memory stays
    in the process (up to 1 GiB at the top of the heap) and arrays up to 32 MiB come from
    the heap; on leaving it, the heap is trimmed and the limit is glibc's own ceiling again
    (64 MiB, twice the 32 MiB mmap threshold of its adaptive mode). Results do not change.

    Examples
    --------
    >>> with kept_memory():
    ...     x = sum(np.ones(2_000_000) for _ in range(3))
    >>> float(x[0])
    3.0
    """
    lib = _glibc()
    if lib is None:
        yield
        return
    _keep(lib)
    try:
        yield
    finally:
        lib.mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_MAX)
        lib.malloc_trim(0)


_WORKER_TUNED = False


def run_chunk_on_worker(p: Payload, index: int, size: int) -> ChunkStats:
    """:func:`run_chunk` on a Dask worker process: the first call makes the worker keep the
    memory its chunks free (see :func:`kept_memory`; a worker process only runs chunks).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> with kept_memory():          # here: the allocator set back afterwards
    ...     stats = run_chunk_on_worker(payload(comp, seed=1, chunk=4), 0, 4)
    >>> stats.size
    4
    """
    global _WORKER_TUNED
    if not _WORKER_TUNED:
        lib = _glibc()
        if lib is not None:
            _keep(lib)
        _WORKER_TUNED = True
    return run_chunk(p, index, size)


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
    from .buffer import equity_losses_both, market_value_losses
    from .runner import clear_runs, headline

    t = time.perf_counter()
    comp = p.comp
    M, values, X = draw(p, index, size)
    # each draw's own unshocked network is its reference (outside revenue and the plan's new
    # money sized again for the legs it has)
    base, out, _, _ = clear_runs(comp, size, mult=M, values=values, replan=comp.replan(M))
    loss, once = equity_losses_both(comp, base, out, mult=M)  # sponsor equity as drawn
    mv = np.maximum(market_value_losses(comp, out), 0.0)
    heads = headline(comp, base, out, M, losses=(once, mv))  # the same losses, not twice
    Y = np.column_stack([heads[m] for m in HEADLINES])
    with np.errstate(divide="ignore"):
        pos = np.floor((np.log(np.maximum(loss, 1e-300)) - _LOG0) / _DLOG).astype(np.int64)
    bins = np.where(loss <= 0, 0, np.clip(pos + 1, 1, len(_EDGES) - 1))
    n = comp.n
    nb = len(_EDGES)
    extra: dict[str, Any] = {}
    if p.follow is not None:
        extra["follow"] = p.follow.chunk(comp, out, M, loss)
    flat = (np.arange(n)[:, None] * nb + bins).ravel()
    hist = np.bincount(flat, minlength=n * nb).reshape(n, nb)
    return ChunkStats(
        index=index, size=size, system={m: heads[m] for m in HEADLINES},
        defaults=out.defaulted.sum(axis=1), defaults_new=(out.defaulted & ~base.defaulted)
        .sum(axis=1), loss_sum=loss.sum(axis=1), mv_sum=mv.sum(axis=1), hist=hist,
        sx=X.sum(axis=0), sxx=(X * X).sum(axis=0), sxy=cross(X, Y), sy=Y.sum(axis=0),
        syy=(Y * Y).sum(axis=0), iterations=out.iterations,
        elapsed=time.perf_counter() - t, extra=extra)
