"""How many loops a search would find, estimated before it starts, and the budget it must fit.

Listing every simple loop of a dense graph is hopeless: 60 firms that all pay each other have
about 59**6 / 6 = 7e9 loops of six hops. :func:`estimate_loops` gives the order of magnitude
from the graph alone, in a few sparse products: a graph whose adjacency matrix has spectral
radius ``rho`` has about ``rho**L / L`` cycles of length ``L`` (exact for a directed cycle or
a complete graph's leading term; the number of closed walks of length ``L`` is the trace of
``A**L``, which ``rho**L`` dominates, and each cycle is ``L`` closed walks). Searches refuse a
graph estimated above :data:`LOOP_BUDGET` loops, and the search itself stops (raising
:class:`LoopBudgetError`) once it has stored that many, so neither time nor memory can run
away when the estimate is low.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["LOOP_BUDGET", "LoopBudgetError", "estimate_loops", "over_budget", "spectral_radius",
           "top_loops"]

#: Most loops a search lists or counts in one go (memory: about 12 bytes per firm on a loop,
#: so at most ~300 MB at 12 hops).
LOOP_BUDGET = 2_000_000


class LoopBudgetError(ValueError):
    """A loop search over the budget: the message says how many loops and what to change.

    Examples
    --------
    >>> issubclass(LoopBudgetError, ValueError)     # the CLI prints it as one line, exit code 1
    True
    """


def spectral_radius(indptr: Any, indices: Any, *, steps: int = 64) -> float:
    """Growth rate of walks in a graph (the largest eigenvalue of its 0/1 adjacency matrix),
    by power iteration from the all-ones vector: ``steps`` sparse products, linear in hops.

    Examples
    --------
    >>> round(spectral_radius([0, 1, 2, 3], [1, 2, 0]), 6)      # a 3-cycle
    1.0
    >>> round(spectral_radius([0, 2, 4, 6], [1, 2, 0, 2, 0, 1]), 6)  # complete on 3 firms
    2.0
    >>> spectral_radius([0, 1, 1], [1])                         # no loop: walks die out
    0.0
    """
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    n = indptr.shape[0] - 1
    if n <= 0 or indices.shape[0] == 0:
        return 0.0
    src = np.repeat(np.arange(n), np.diff(indptr))
    x = np.ones(n)
    logs = [0.0]
    for _ in range(steps):
        x = np.bincount(src, weights=x[indices], minlength=n)
        norm = float(x.max())
        if norm == 0.0:
            return 0.0
        x = x / norm
        logs.append(logs[-1] + math.log(norm))
    half = steps // 2  # the second half: past the transient of the starting vector
    return math.exp((logs[-1] - logs[half]) / (steps - half))


def estimate_loops(indptr: Any, indices: Any, max_length: int) -> float:
    """About how many simple loops of 2 to ``max_length`` hops a graph has (an estimate from
    its spectral radius, before any search; see the module docstring).

    Examples
    --------
    >>> round(estimate_loops([0, 2, 4, 6], [1, 2, 0, 2, 0, 1], 3))  # true count: 3 + 2 = 5
    5
    """
    rho = spectral_radius(indptr, indices)
    if rho <= 1.0 + 1e-9:  # loops that share no firm: at most one per firm
        return float(np.diff(np.asarray(indptr)).astype(bool).sum()) if rho > 0 else 0.0
    return float(sum(rho ** length / length for length in range(2, max_length + 1)))


def over_budget(n_loops: float, max_length: int, budget: int = LOOP_BUDGET) -> str:
    """The message for a search of about ``n_loops`` loops over ``budget``.

    Examples
    --------
    >>> over_budget(7e9, 6, 2_000_000)[:60]
    'about 7e+09 loops of up to 6 hops, more than the 2,000,000 a'
    """
    return (f"about {n_loops:.2g} loops of up to {max_length} hops, more than the "
            f"{budget:,} a search may list; use a smaller --max-length or a higher "
            "--min-amount")


def top_loops(graph: Any, max_length: int, want: int, *, min_amount: float = 0.0,
              budget: int = LOOP_BUDGET) -> tuple[Any, float, bool]:
    """The top ``want`` loops by bottleneck of a graph with too many loops to list them all.

    A loop's bottleneck is its smallest hop, so the loops with a bottleneck of at least ``t``
    are exactly the loops of the graph cut to the hops of at least ``t``. Starting from the
    largest hops and doubling how many are kept, each search stays within ``budget`` and the
    first cut that holds ``want`` loops gives the exact top ``want``. Returns the
    :class:`~dealloop.circularity.cycles.LoopSet` of the last cut that fitted, its threshold,
    and whether that cut kept every hop (the search was in fact complete).

    Examples
    --------
    >>> import networkx as nx
    >>> from dealloop.circularity.cycles import money_graph
    >>> g = nx.DiGraph([("a", "b", {"amount": 5.0}), ("b", "a", {"amount": 4.0}),
    ...                 ("b", "c", {"amount": 1.0}), ("c", "a", {"amount": 1.0})])
    >>> loops, t, complete = top_loops(money_graph(g), 6, 1)
    >>> loops[0].path, t, complete
    ('a → b → a', 4.0, False)
    """
    from .cycles import loops_of

    amounts = np.unique(graph.amount[graph.amount >= min_amount])[::-1]  # largest first
    best: Any = None
    searched = math.inf
    keep = 1
    while len(amounts):
        t = float(amounts[min(keep, len(amounts)) - 1])
        try:
            found = loops_of(graph, max_length, min_amount=max(t, min_amount), budget=budget)
        except LoopBudgetError:
            break
        best, searched = found, t
        if found.n_loops >= want or keep >= len(amounts):
            break
        keep *= 2
    if best is None:
        raise LoopBudgetError(f"even the loops through the largest hops alone are more than "
                              f"{budget:,}; use a smaller --max-length")
    return best, searched, bool(searched <= float(amounts[-1]))
