"""Is the network more circular than chance? Loop counts against a degree-preserving null.

The null model keeps every firm's number of payers and payees (its in- and out-degree on the
collapsed money graph) and rewires everything else, by repeated *double edge swaps*
(Maslov & Sneppen 2002): pick two hops ``a → b`` and ``c → d`` and replace them by
``a → d`` and ``c → b``, unless that would create a self-loop or a hop that already exists.
Each sample starts from the observed graph and attempts ``swaps_per_edge × m`` swaps
(``m`` = number of hops). For each loop length ``l`` the observed count is compared with the
samples:

* ``z = (observed − mean) / std`` (sample standard deviation; NaN when every sample has the
  same count, which happens on very small or very constrained graphs);
* ``p_value = (1 + #{samples ≥ observed}) / (1 + n_samples)``, the one-sided empirical
  probability of seeing at least as many loops by chance.

Amounts play no role here: the question is whether the *pattern* of who pays whom closes
more loops than the same degrees would by chance.

Examples
--------
>>> import networkx as nx
>>> g = nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c"), ("c", "b"), ("c", "d"), ("d", "c"),
...                 ("d", "a"), ("a", "c")])
>>> sig = cycle_significance(g, max_length=3, n_samples=50, seed=1)
>>> sig.to_frame()["observed"].tolist()
[3, 2, 5]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..result import Result
from ._cycle_search import _canonical_csr, _check_length, count_cycles
from ._jit import check_backend, pick
from ._money_graph import money_graph
from .budget import LOOP_BUDGET, LoopBudgetError, estimate_loops, over_budget

__all__ = ["CycleSignificance", "cycle_significance", "null_counts", "randomize"]

_CHUNK = 1 << 16


def _swap_kernel(indptr, indices, src, prop_p, prop_q):  # pragma: no cover
    """Attempt the double edge swaps ``(prop_p[t], prop_q[t])`` in place; return accepted."""
    accepted = 0
    for t in range(prop_p.shape[0]):
        p = prop_p[t]
        q = prop_q[t]
        a = src[p]
        c = src[q]
        if a == c:
            continue
        b = indices[p]
        d = indices[q]
        if b == d or a == d or c == b:
            continue
        clash = False
        for e in range(indptr[a], indptr[a + 1]):
            if indices[e] == d:
                clash = True
                break
        if clash:
            continue
        for e in range(indptr[c], indptr[c + 1]):
            if indices[e] == b:
                clash = True
                break
        if clash:
            continue
        indices[p] = d
        indices[q] = b
        accepted += 1
    return accepted


def _rewire(indptr: np.ndarray, indices: np.ndarray, n_swaps: int,
            rng: np.random.Generator, backend: str) -> tuple[np.ndarray, int]:
    """Rewired copy of ``indices`` (rows unsorted) and the number of swaps accepted."""
    m = indices.shape[0]
    out = indices.copy()
    if m < 2 or n_swaps <= 0:
        return out, 0
    src = np.repeat(np.arange(indptr.shape[0] - 1, dtype=np.int32), np.diff(indptr))
    kernel = pick(_swap_kernel, backend, size=n_swaps, threshold=20_000)
    accepted = 0
    left = n_swaps
    while left > 0:
        k = min(left, _CHUNK)
        props = rng.integers(0, m, size=(2, k))
        accepted += int(kernel(indptr, out, src, props[0], props[1]))
        left -= k
    return out, accepted


def randomize(indptr: Any, indices: Any, *, swaps_per_edge: float = 10.0,
              seed: int | np.random.Generator | None = None,
              backend: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """A degree-preserving random rewiring of a simple directed graph (CSR in, CSR out).

    Every node keeps its in- and out-degree; no self-loops or duplicate edges are created.
    The same ``seed`` gives the same graph with either backend.

    See Also
    --------
    cycle_significance : the null model this rewiring serves.

    References
    ----------
    S. Maslov and K. Sneppen, "Specificity and stability in topology of protein networks",
    Science 296(5569), 910-913, 2002. doi:10.1126/science.1065103

    Examples
    --------
    >>> import numpy as np
    >>> indptr, indices = randomize([0, 2, 3, 4, 5], [1, 2, 3, 0, 1], seed=0)
    >>> np.diff(indptr).tolist()                      # out-degrees kept
    [2, 1, 1, 1]
    >>> np.bincount(indices, minlength=4).tolist()    # in-degrees kept
    [1, 2, 1, 1]
    """
    check_backend(backend)
    if not (swaps_per_edge >= 0 and math.isfinite(swaps_per_edge)):
        raise ValueError(f"swaps_per_edge: expected a finite number >= 0, got {swaps_per_edge}")
    indptr, indices, _ = _canonical_csr(indptr, indices)
    rng = np.random.default_rng(seed)
    out, _ = _rewire(indptr, indices, int(swaps_per_edge * indices.shape[0] + 0.5), rng,
                     backend)
    indptr2, indices2, _ = _canonical_csr(indptr, out)
    return indptr2, indices2


def null_counts(indptr: Any, indices: Any, max_length: int = 6, *, n_samples: int = 100,
                swaps_per_edge: float = 10.0, seed: int | np.random.Generator | None = 0,
                backend: str = "auto") -> tuple[np.ndarray, float]:
    """Loop counts of ``n_samples`` degree-preserving randomisations.

    Returns ``(counts, acceptance)``: ``counts[s, l]`` is the number of cycles of length
    ``l`` in sample ``s`` (shape ``(n_samples, max_length + 1)``) and ``acceptance`` the share
    of attempted swaps that were made.

    Examples
    --------
    >>> counts, acceptance = null_counts([0, 1, 2], [1, 0], max_length=2, n_samples=3, seed=0)
    >>> counts[:, 2].tolist()                   # a 2-cycle cannot be rewired away
    [1, 1, 1]
    """
    max_length = _check_length(max_length)
    if isinstance(n_samples, bool) or int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples: expected a positive integer, got {n_samples!r}")
    if not (swaps_per_edge >= 0 and math.isfinite(swaps_per_edge)):
        raise ValueError(f"swaps_per_edge: expected a finite number >= 0, got {swaps_per_edge}")
    check_backend(backend)
    indptr, indices, _ = _canonical_csr(indptr, indices)
    rng = np.random.default_rng(seed)
    n_swaps = int(swaps_per_edge * indices.shape[0] + 0.5)
    out = np.zeros((int(n_samples), max_length + 1), dtype=np.int64)
    accepted = 0
    for s in range(int(n_samples)):
        rewired, acc = _rewire(indptr, indices, n_swaps, rng, backend)
        accepted += acc
        out[s] = count_cycles(indptr, rewired, max_length, backend=backend)
    rate = accepted / (n_swaps * n_samples) if n_swaps else 0.0
    return out, rate


@dataclass(frozen=True, eq=False, repr=False)
class CycleSignificance(Result):
    """Observed loop counts against a degree-preserving null model.

    Arrays are indexed by ``lengths`` (``2 … max_length``); the ``*_all`` attributes are for
    all lengths together. ``samples[s, k]`` is sample ``s``'s count of length
    ``lengths[k]``.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c"), ("c", "a")])
    >>> sig = cycle_significance(g, max_length=3, n_samples=20, seed=1)
    >>> int(sig.to_frame().loc[2, "observed"])
    1
    """

    lengths: np.ndarray
    observed: np.ndarray
    null_mean: np.ndarray
    null_std: np.ndarray
    z: np.ndarray
    p_value: np.ndarray
    samples: np.ndarray
    observed_all: int
    null_mean_all: float
    null_std_all: float
    z_all: float
    p_value_all: float
    n_samples: int
    swaps_per_edge: float
    acceptance: float
    seed: int | None

    def to_frame(self) -> pd.DataFrame:
        """One row per loop length and a last row ``"all"``.

        Columns: ``observed``, ``null_mean``, ``null_std``, ``z``, ``p_value``.
        """
        index = [*(int(k) for k in self.lengths), "all"]
        return pd.DataFrame({
            "observed": [*self.observed.tolist(), self.observed_all],
            "null_mean": [*self.null_mean.tolist(), self.null_mean_all],
            "null_std": [*self.null_std.tolist(), self.null_std_all],
            "z": [*self.z.tolist(), self.z_all],
            "p_value": [*self.p_value.tolist(), self.p_value_all],
        }, index=pd.Index(index, name="length", dtype=object))

    def summary(self) -> str:
        """Observed loops against the null model, overall and by length."""
        by = ", ".join(f"{int(k)}: {int(o)} vs {m:,.1f}" for k, o, m in
                       zip(self.lengths, self.observed, self.null_mean, strict=True))
        z = f"{self.z_all:.2f}" if math.isfinite(self.z_all) else "n/a (no spread)"
        return (f"Loops against {self.n_samples} degree-preserving rewirings: "
                f"{self.observed_all:,} observed vs {self.null_mean_all:,.1f} expected "
                f"(z {z}, p {self.p_value_all:.3g})\nby length: {by}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (NaN becomes None)."""
        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        rows = []
        for length, row in self.to_frame().iterrows():
            rows.append({"length": length, "observed": int(row.observed),
                         "null_mean": num(row.null_mean), "null_std": num(row.null_std),
                         "z": num(row.z), "p_value": num(row.p_value)})
        return {"model": "degree-preserving double edge swaps", "n_samples": self.n_samples,
                "swaps_per_edge": self.swaps_per_edge, "acceptance": self.acceptance,
                "seed": self.seed, "rows": rows}


def _stats(observed: np.ndarray, samples: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    samples = samples.astype(float)
    mean = samples.mean(axis=0)
    std = samples.std(axis=0, ddof=1) if samples.shape[0] > 1 else np.zeros_like(mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(std > 0, (observed - mean) / np.where(std > 0, std, 1.0), np.nan)
    p = (1.0 + (samples >= observed).sum(axis=0)) / (1.0 + samples.shape[0])
    return mean, std, z, p


def cycle_significance(net_or_graph: Any, max_length: int = 6, *, n_samples: int = 100,
                       swaps_per_edge: float = 10.0, seed: int | None = 0,
                       min_amount: float = 0.0, backend: str = "auto",
                       **selection: Any) -> CycleSignificance:
    """How many loops of each length the network has, against degree-preserving chance.

    Parameters
    ----------
    net_or_graph : DealNetwork or networkx.DiGraph or networkx.MultiDiGraph
        As for :func:`dealloop.circularity.cycles` (parallel legs merged into one hop).
    max_length : int, default 6
        Longest loop counted.
    n_samples : int, default 100
        Number of randomised graphs.
    swaps_per_edge : float, default 10
        Swaps attempted per hop in each sample.
    seed : int, optional
        Seed of the random generator; the same seed gives the same result.
    min_amount : float, default 0
        Drop hops smaller than this before counting (as ``cycles(min_amount=…)``).
    backend : {"auto", "numba", "numpy"}
        Kernels (see :mod:`dealloop.circularity.cycles`).
    **selection
        ``kinds``, ``statuses``, ``evidence``, ``include_derived``, ``horizon``: which legs
        count (see :func:`dealloop.circularity.cycles`).

    Returns
    -------
    CycleSignificance

    See Also
    --------
    randomize : one degree-preserving randomisation.
    cycles : the loops themselves.

    References
    ----------
    S. Maslov and K. Sneppen, "Specificity and stability in topology of protein networks",
    Science 296(5569), 910-913, 2002. doi:10.1126/science.1065103

    Examples
    --------
    >>> import dealloop as dl
    >>> sig = cycle_significance(dl.load(), max_length=3, n_samples=5, seed=1)
    >>> list(sig.to_frame().columns)
    ['observed', 'null_mean', 'null_std', 'z', 'p_value']
    """
    max_length = _check_length(max_length)
    allowed = {"kinds", "statuses", "evidence", "include_derived", "include_estimates",
               "horizon"}
    unknown = set(selection) - allowed
    if unknown:
        raise TypeError(f"cycle_significance() got unexpected keyword(s): {sorted(unknown)}")
    graph = money_graph(net_or_graph, **selection)
    if min_amount > 0:
        graph = graph.subgraph(graph.amount >= min_amount)
    guess = estimate_loops(graph.indptr, graph.indices, max_length)
    if guess > 10 * LOOP_BUDGET:  # each sample counts about as many loops again
        raise LoopBudgetError(over_budget(guess, max_length))
    observed_full = count_cycles(graph.indptr, graph.indices, max_length, backend=backend)
    samples_full, rate = null_counts(graph.indptr, graph.indices, max_length,
                                     n_samples=n_samples, swaps_per_edge=swaps_per_edge,
                                     seed=seed, backend=backend)
    observed = observed_full[2:].astype(np.int64)
    samples = samples_full[:, 2:]
    mean, std, z, p = _stats(observed.astype(float), samples)
    tot_obs = np.array([float(observed.sum())])
    tmean, tstd, tz, tp = _stats(tot_obs, samples.sum(axis=1, keepdims=True))
    return CycleSignificance(
        lengths=np.arange(2, max_length + 1), observed=observed, null_mean=mean,
        null_std=std, z=z, p_value=p, samples=samples, observed_all=int(tot_obs[0]),
        null_mean_all=float(tmean[0]), null_std_all=float(tstd[0]), z_all=float(tz[0]),
        p_value_all=float(tp[0]), n_samples=int(n_samples),
        swaps_per_edge=float(swaps_per_edge), acceptance=float(rate), seed=seed)
