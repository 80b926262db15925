"""Money loops: every simple directed cycle up to a length, with the deal legs behind it.

A *loop* is a sequence of distinct firms ``f0 → f1 → … → f(L-1) → f0`` where each firm pays
the next one. Loops are found on the *collapsed* money graph: all legs from one payer to one
payee are merged into one *hop* that keeps the list of legs and their summed amount, so
three parallel contracts between the same two firms give one loop, not three.

How the loops are found
-----------------------
The kernel reads the collapsed graph as a CSR adjacency (``indptr``, ``indices``; each row
sorted, no duplicates, no self-loops) and enumerates every simple cycle of length
``2 … max_length`` exactly once, rooted at its smallest node index (Johnson's ordering: from
root ``r`` only nodes ``> r`` are visited). Before the depth-first search from ``r`` a
breadth-first search on the *reversed* edges, restricted to nodes ``> r``, gives each node's
distance back to ``r``; the search extends a path of ``l`` hops to ``v`` only when
``l + 1 + dist_back[v] <= max_length``. Paths that cannot close in time are never walked, so
the work grows with the number of short loops, not with the number of paths. When the
backward search would grow larger than a budget it stops early and every node it did not
reach gets the lower bound ``level + 1`` (still a valid, weaker, pruning).

Self-loops (a firm paying itself) are ignored: a loop has at least two firms.

The kernel is compiled with numba when it is installed (``backend="auto"`` does so for graphs
of 500 hops or more), and otherwise runs as plain Python; both give the same loops in the
same order. It returns flat integer arrays (:class:`CycleArrays`), so counting loops on a
large graph creates no Python object per loop; :class:`Loop` objects are built only for the
loops that are looked at.

Examples
--------
>>> import networkx as nx
>>> g = nx.DiGraph()
>>> g.add_edge("nvidia", "openai", amount=100.0, legs=["d1"])
>>> g.add_edge("openai", "oracle", amount=300.0, legs=["d2"])
>>> g.add_edge("oracle", "nvidia", amount=40.0, legs=["d3"])
>>> g.add_edge("nvidia", "coreweave", amount=6.3, legs=["d4"])
>>> g.add_edge("coreweave", "nvidia", amount=7.5, legs=["d5"])
>>> loops = cycles(g)
>>> for loop in loops:
...     print(loop.path, loop.bottleneck)
openai → oracle → nvidia → openai 40.0
coreweave → nvidia → coreweave 6.3
>>> loops.counts
{2: 1, 3: 1, 4: 0, 5: 0, 6: 0}
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..result import Result
from ._inputs import network_only
from ._jit import check_backend, pick
from .budget import LOOP_BUDGET, LoopBudgetError, estimate_loops, over_budget

__all__ = [
    "CycleArrays",
    "Hop",
    "Loop",
    "LoopSet",
    "count_cycles",
    "cycles",
    "enumerate_cycles",
    "to_csr",
]

ARROW = " → "


# ---------------------------------------------------------------------------------- kernels
def _cycle_kernel(indptr, indices, rindptr, rindices, max_length, budget,  # pragma: no cover
                  root_start, root_stop, emit, counts, out_nodes, out_edges, out_ends):
    """Enumerate (or count) simple cycles rooted at ``root_start … root_stop - 1``.

    Written in the subset of Python that numba compiles. ``counts[l]`` is increased for each
    cycle of length ``l`` when ``emit`` is false; when ``emit`` is true each cycle's nodes and
    CSR edge positions are written to ``out_nodes``/``out_edges`` and its end offset to
    ``out_ends``. Returns ``(next_root, n_cycles, n_items)``: ``next_root < root_stop`` means
    the output buffers filled up while at that root (its cycles are not written) and the
    caller must resume from it.
    """
    n = indptr.shape[0] - 1
    stamp = np.full(n, -1, np.int64)
    dist = np.zeros(n, np.int64)
    queue = np.empty(n, np.int64)
    onpath = np.zeros(n, np.bool_)
    path = np.empty(max_length, np.int64)
    ptr = np.empty(max_length, np.int64)
    cap_items = out_nodes.shape[0]
    cap_cycles = out_ends.shape[0]
    n_cycles = 0
    n_items = 0
    never = max_length + 1
    for r in range(root_start, root_stop):
        # A cycle through r (as its smallest node) needs an out- and an in-neighbour > r.
        if indptr[r + 1] == indptr[r] or indices[indptr[r + 1] - 1] <= r:
            continue
        if rindptr[r + 1] == rindptr[r] or rindices[rindptr[r + 1] - 1] <= r:
            continue
        # Backward BFS: distance from each node (> r) back to r, level by level.
        stamp[r] = r
        dist[r] = 0
        queue[0] = r
        lo = 0
        hi = 1
        level = 0
        scanned = 0
        unknown = never
        while lo < hi and level < max_length - 1:
            if scanned > budget:
                unknown = level + 1
                break
            tail = hi
            for q in range(lo, hi):
                u = queue[q]
                first = rindptr[u]
                e = rindptr[u + 1] - 1
                while e >= first:
                    w = rindices[e]
                    if w <= r:
                        break
                    if stamp[w] != r:
                        stamp[w] = r
                        dist[w] = level + 1
                        queue[tail] = w
                        tail += 1
                    e -= 1
                scanned += rindptr[u + 1] - e
            lo = hi
            hi = tail
            level += 1
        # Depth-first search over paths that can still close within max_length hops.
        base_cycles = n_cycles
        base_items = n_items
        path[0] = r
        onpath[r] = True
        ptr[0] = indptr[r + 1] - 1
        depth = 0
        while depth >= 0:
            u = path[depth]
            p = ptr[depth]
            if p < indptr[u] or indices[p] < r:
                onpath[u] = False
                depth -= 1
                continue
            ptr[depth] = p - 1
            v = indices[p]
            if v == r:
                if depth >= 1:
                    length = depth + 1
                    if emit:
                        if n_items + length > cap_items or n_cycles >= cap_cycles:
                            for i in range(depth + 1):
                                onpath[path[i]] = False
                            return r, base_cycles, base_items
                        for i in range(depth):
                            out_nodes[n_items + i] = path[i]
                            out_edges[n_items + i] = ptr[i] + 1
                        out_nodes[n_items + depth] = u
                        out_edges[n_items + depth] = p
                        n_items += length
                        out_ends[n_cycles] = n_items
                    else:
                        counts[length] += 1
                    n_cycles += 1
                continue
            if onpath[v]:
                continue
            back = dist[v] if stamp[v] == r else unknown
            if depth + 1 + back > max_length:
                continue
            depth += 1
            path[depth] = v
            onpath[v] = True
            ptr[depth] = indptr[v + 1] - 1
    return root_stop, n_cycles, n_items


def _transpose_kernel(indptr, indices, rindptr, rindices):  # pragma: no cover
    """Fill the reversed CSR (``rindptr`` already holds the row starts); rows stay sorted."""
    n = indptr.shape[0] - 1
    fill = rindptr[:-1].copy()
    for u in range(n):
        for p in range(indptr[u], indptr[u + 1]):
            v = indices[p]
            rindices[fill[v]] = u
            fill[v] += 1


# ---------------------------------------------------------------------------------- CSR
def _canonical_csr(indptr: Any, indices: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(indptr int64, indices int32, changed)``: rows sorted, no duplicates, no self-loops."""
    indptr = np.asarray(indptr)
    indices = np.asarray(indices)
    if indptr.ndim != 1 or indptr.shape[0] < 1 or not np.issubdtype(indptr.dtype, np.integer):
        raise ValueError("indptr: expected a 1-D integer array of length n + 1")
    if indices.ndim != 1 or not (np.issubdtype(indices.dtype, np.integer) or indices.size == 0):
        raise ValueError("indices: expected a 1-D integer array")
    n = indptr.shape[0] - 1
    indptr = indptr.astype(np.int64, copy=False)
    if indptr[0] != 0 or indptr[-1] != indices.shape[0] or np.any(np.diff(indptr) < 0):
        raise ValueError("indptr: must start at 0, be non-decreasing and end at len(indices)")
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ValueError(f"indices: node ids must lie in [0, {n})")
    if n >= 2**31 - 1:
        raise ValueError("indptr: at most 2**31 - 2 nodes")
    indices = indices.astype(np.int32, copy=False)
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
    if indices.size == 0:
        return indptr, indices, False
    step = np.diff(indices.astype(np.int64))
    same_row = rows[1:] == rows[:-1]
    if not np.any(indices == rows) and not np.any(same_row & (step <= 0)):
        return indptr, indices, False
    key = np.unique(rows.astype(np.int64) * n + indices)
    src, dst = key // n, key % n
    keep = src != dst
    return (*_from_edges(n, src[keep], dst[keep]), True)


def _from_edges(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR of edges already sorted by (src, dst)."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, np.asarray(dst, dtype=np.int32)


def to_csr(n: int, src: Any, dst: Any) -> tuple[np.ndarray, np.ndarray]:
    """CSR adjacency (``indptr`` int64, ``indices`` int32) of a simple directed graph.

    Duplicate edges are merged and self-loops dropped; each row is sorted.

    Examples
    --------
    >>> indptr, indices = to_csr(3, [0, 0, 1, 2, 2], [1, 1, 2, 0, 2])
    >>> indptr.tolist(), indices.tolist()
    ([0, 1, 2, 3], [1, 2, 0])
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    if src.shape != dst.shape or src.ndim != 1:
        raise ValueError("src, dst: expected two 1-D arrays of the same length")
    if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise ValueError(f"src, dst: node ids must lie in [0, {n})")
    key = np.unique(src * n + dst)
    s, d = key // n, key % n
    keep = s != d
    return _from_edges(n, s[keep], d[keep])


def _transpose(indptr: np.ndarray, indices: np.ndarray, backend: str
               ) -> tuple[np.ndarray, np.ndarray]:
    n = indptr.shape[0] - 1
    rindptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(indices, minlength=n), out=rindptr[1:])
    rindices = np.empty(indices.shape[0], dtype=np.int32)
    if backend == "numpy":  # numpy is faster than interpreted loops here
        rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
        rindices[:] = rows[np.argsort(indices, kind="stable")]
    else:
        pick(_transpose_kernel, "numba")(indptr, indices, rindptr, rindices)
    return rindptr, rindices


def _default_budget(n: int, m: int, max_length: int) -> int:
    """Edges the backward search may scan per root before it falls back to a bound."""
    # Balance the two searches: knowing distances up to h costs about degree**h per root,
    # and leaves about degree**(max_length - h) forward steps, so stop near h = max_length/2.
    degree = max(m / max(n, 1), 1.0)
    return int(max(8.0, min(1e7, 0.3 * degree ** (max_length / 2.0))))


#: ``backend="auto"`` runs the compiled loop search from this many hops on.
CYCLE_NUMBA_MIN_HOPS = 500


def _resolve(backend: str, m: int) -> str:
    check_backend(backend)
    # The compiled kernel is cached on disk, so it pays off from a few hundred hops.
    kernel = pick(_cycle_kernel, backend, size=m, threshold=CYCLE_NUMBA_MIN_HOPS)
    return "numpy" if kernel is _cycle_kernel else "numba"


def count_cycles(indptr: Any, indices: Any, max_length: int = 6, *, backend: str = "auto",
                 budget: int | None = None) -> np.ndarray:
    """Number of simple directed cycles of each length ``2 … max_length``.

    Parameters
    ----------
    indptr, indices : array_like of int
        CSR adjacency of the graph (``indices[indptr[u]:indptr[u+1]]`` = successors of u).
        Duplicates are merged, self-loops dropped and rows sorted when needed.
    max_length : int
        Longest cycle counted (number of hops), at least 2.
    backend : {"auto", "numba", "numpy"}
        Compiled kernel or plain Python (see the module docstring).
    budget : int, optional
        Edges the backward search may scan per root before falling back to a bound;
        a tuning knob that never changes the result.

    Returns
    -------
    numpy.ndarray of int64, shape ``(max_length + 1,)``
        ``counts[l]`` = number of cycles with ``l`` hops (``counts[0] = counts[1] = 0``).

    Examples
    --------
    >>> count_cycles([0, 2, 3, 4], [1, 2, 2, 0], max_length=3).tolist()
    [0, 0, 1, 1]
    """
    max_length = _check_length(max_length)
    indptr, indices, _ = _canonical_csr(indptr, indices)
    n, m = indptr.shape[0] - 1, indices.shape[0]
    counts = np.zeros(max_length + 1, dtype=np.int64)
    if m == 0:
        return counts
    used = _resolve(backend, m)
    rindptr, rindices = _transpose(indptr, indices, used)
    kernel = pick(_cycle_kernel, used)
    b = _default_budget(n, m, max_length) if budget is None else int(budget)
    empty = np.empty(0, dtype=np.int64)
    kernel(indptr, indices, rindptr, rindices, max_length, b, 0, n, False, counts,
           empty, empty, empty)
    return counts


@dataclass(frozen=True, eq=False)
class CycleArrays:
    """Cycles as flat arrays: cycle ``c`` is ``nodes[offsets[c]:offsets[c+1]]``.

    ``edges`` has the same layout and holds CSR positions: ``edges[k]`` is the hop from
    ``nodes[k]`` to the next node of the cycle (the last one closes it). Each cycle starts at
    its smallest node.

    Examples
    --------
    >>> from dealloop.circularity.cycles import enumerate_cycles
    >>> found = enumerate_cycles([0, 2, 3, 4], [1, 2, 2, 0], max_length=3)
    >>> len(found), found.cycle(0)
    (2, [0, 2])
    """

    offsets: np.ndarray
    nodes: np.ndarray
    edges: np.ndarray

    def __len__(self) -> int:
        return int(self.offsets.shape[0] - 1)

    @property
    def lengths(self) -> np.ndarray:
        """Number of hops of each cycle."""
        return np.diff(self.offsets)

    def cycle(self, c: int) -> list[int]:
        """The nodes of cycle ``c``."""
        return self.nodes[self.offsets[c]:self.offsets[c + 1]].tolist()


def enumerate_cycles(indptr: Any, indices: Any, max_length: int = 6, *, backend: str = "auto",
                     budget: int | None = None, max_cycles: int | None = None) -> CycleArrays:
    """Every simple directed cycle of length ``2 … max_length``, as flat arrays.

    Same arguments as :func:`count_cycles`. The ``edges`` of the result index the canonical
    CSR (rows sorted, duplicates merged, no self-loops); it is the input's when that was
    already canonical, as :func:`to_csr` makes it.
    With ``max_cycles``, the search stops and raises
    :class:`~dealloop.circularity.budget.LoopBudgetError` as soon as it has found more
    cycles than that (memory and time stay bounded whatever the graph).

    Examples
    --------
    >>> found = enumerate_cycles([0, 2, 3, 4], [1, 2, 2, 0], max_length=3)
    >>> [found.cycle(c) for c in range(len(found))]
    [[0, 2], [0, 1, 2]]
    """
    max_length = _check_length(max_length)
    indptr, indices, _ = _canonical_csr(indptr, indices)
    n, m = indptr.shape[0] - 1, indices.shape[0]
    if m == 0:
        z = np.zeros(0, dtype=np.int64)
        return CycleArrays(np.zeros(1, dtype=np.int64), z.astype(np.int32), z)
    used = _resolve(backend, m)
    rindptr, rindices = _transpose(indptr, indices, used)
    kernel = pick(_cycle_kernel, used)
    b = _default_budget(n, m, max_length) if budget is None else int(budget)
    counts = np.zeros(max_length + 1, dtype=np.int64)
    cap = first_cap = max(1024, 4 * m)
    node_parts: list[np.ndarray] = []
    edge_parts: list[np.ndarray] = []
    end_parts: list[np.ndarray] = []
    base = 0
    root = 0
    found = 0
    while True:
        out_nodes = np.empty(cap, dtype=np.int64)
        out_edges = np.empty(cap, dtype=np.int64)
        out_ends = np.empty(cap // 2, dtype=np.int64)
        nxt, n_cyc, n_items = kernel(indptr, indices, rindptr, rindices, max_length, b, root,
                                     n, True, counts, out_nodes, out_edges, out_ends)
        node_parts.append(out_nodes[:n_items].astype(np.int32))
        edge_parts.append(out_edges[:n_items].copy())
        end_parts.append(out_ends[:n_cyc] + base)
        base += n_items
        found += n_cyc
        if nxt >= n:
            break
        if n_cyc == 0:  # one root alone overflows the buffer
            cap *= 2
        if max_cycles is not None and (found > max_cycles
                                       or cap > max(first_cap, 2 * max_cycles * max_length)):
            raise LoopBudgetError(f"more than {max_cycles:,} loops of up to {max_length} hops, "
                                  "the most a search may list; use a smaller --max-length or "
                                  "a higher --min-amount")
        root = nxt
    if max_cycles is not None and found > max_cycles:
        raise LoopBudgetError(f"more than {max_cycles:,} loops of up to {max_length} hops, "
                              "the most a search may list; use a smaller --max-length or a "
                              "higher --min-amount")
    offsets = np.concatenate([np.zeros(1, dtype=np.int64), *end_parts])
    return CycleArrays(offsets, np.concatenate(node_parts), np.concatenate(edge_parts))


def _check_length(max_length: Any) -> int:
    if isinstance(max_length, bool) or not isinstance(max_length, int | np.integer):
        raise ValueError(f"max_length: expected an integer >= 2, got {max_length!r}")
    if max_length < 2:
        raise ValueError(f"max_length: expected an integer >= 2, got {max_length}")
    return int(max_length)


# ---------------------------------------------------------------------------------- graphs
class _PerHop(Sequence[tuple[Any, ...]]):
    """Per-hop tuples of a per-leg column, built only for the hops that are looked at.

    ``ptr`` gives hop ``p`` the legs ``ptr[p]:ptr[p + 1]`` (``None``: one leg per hop).
    """

    def __init__(self, values: Sequence[Any], ptr: np.ndarray | None = None) -> None:
        self._values = values
        self._ptr = ptr

    def __len__(self) -> int:
        return len(self._values) if self._ptr is None else len(self._ptr) - 1

    def __getitem__(self, p: Any) -> Any:
        if isinstance(p, slice):
            return tuple(self[i] for i in range(*p.indices(len(self))))
        if self._ptr is None:
            return (self._values[p],)
        return tuple(self._values[i] for i in range(self._ptr[p], self._ptr[p + 1]))

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return (self[p] for p in range(len(self)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(tuple(self))


class _Repeat(Sequence[Any]):
    """``value`` ``n`` times, without the list."""

    def __init__(self, value: Any, n: int) -> None:
        self._value, self._n = value, n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: Any) -> Any:
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return self._value


class _EdgeNames(Sequence[str]):
    """Leg ids ``"u->v"`` of edges given as label positions, formatted when read."""

    def __init__(self, labels: tuple[Hashable, ...], src: np.ndarray, dst: np.ndarray) -> None:
        self._labels, self._src, self._dst = labels, src, dst

    def __len__(self) -> int:
        return len(self._src)

    def __getitem__(self, i: Any) -> str:
        return f"{self._labels[self._src[i]]}->{self._labels[self._dst[i]]}"


@dataclass(frozen=True, eq=False, repr=False)
class MoneyGraph:
    """A collapsed money graph: one hop per (payer, payee), in CSR order.

    ``labels[i]`` is node ``i``; hop ``p`` goes from ``src[p]`` to ``indices[p]`` and carries
    ``amount[p]`` (sum of the known leg amounts) and, per leg, ``legs[p]``, ``amounts[p]``
    (NaN when undisclosed), ``dates[p]`` (ISO strings or None), ``kinds[p]`` and
    ``caveats[p]`` (per leg, why its amount is not a plain stated cash flow; empty when the
    graph did not say).

    Examples
    --------
    >>> from dealloop.circularity import money_graph
    >>> g = money_graph((["a", "a", "b"], ["b", "b", "a"], [1.0, 2.0, 4.0]))
    >>> g.labels, g.amount.tolist()              # the two a -> b legs merged into one hop
    (('a', 'b'), [3.0, 4.0])
    >>> g.matrix().tolist()
    [[0.0, 3.0], [4.0, 0.0]]
    >>> g.subgraph(g.amount > 3.5).matrix().tolist()
    [[0.0, 0.0], [4.0, 0.0]]
    """

    labels: tuple[Hashable, ...]
    indptr: np.ndarray
    indices: np.ndarray
    amount: np.ndarray
    legs: Sequence[tuple[str, ...]]
    amounts: Sequence[tuple[float, ...]]
    dates: Sequence[tuple[str | None, ...]]
    kinds: Sequence[tuple[str | None, ...]]
    caveats: Sequence[tuple[tuple[str, ...], ...]] = ()

    @property
    def n(self) -> int:
        """Number of firms (nodes)."""
        return len(self.labels)

    def __repr__(self) -> str:
        return (f"<MoneyGraph: {self.n:,} firms, {len(self.indices):,} hops, "
                f"{float(np.sum(self.amount)):,.1f} bn>")

    @cached_property
    def src(self) -> np.ndarray:
        """The payer of each hop (row index, aligned with ``indices`` and ``amount``)."""
        return np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.indptr))

    def matrix(self) -> np.ndarray:
        """Dense ``F[i, j]`` = amount from ``labels[i]`` to ``labels[j]``."""
        out = np.zeros((self.n, self.n))
        out[self.src, self.indices] = self.amount
        return out

    def subgraph(self, keep: np.ndarray) -> MoneyGraph:
        """The same nodes with only the hops where ``keep`` is true."""
        keep = np.asarray(keep, dtype=bool)
        idx = np.flatnonzero(keep)
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.src[idx], minlength=self.n), out=indptr[1:])
        take = idx.tolist()
        return MoneyGraph(self.labels, indptr, self.indices[idx], self.amount[idx],
                          tuple(self.legs[p] for p in take),
                          tuple(self.amounts[p] for p in take),
                          tuple(self.dates[p] for p in take),
                          tuple(self.kinds[p] for p in take),
                          tuple(self.caveats[p] for p in take) if self.caveats else ())


def _as_list(value: Any, n: int) -> list[Any] | None:
    if isinstance(value, list | tuple) and len(value) == n:
        return list(value)
    return None


def _iso(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    text = str(value).strip()
    return text or None


def _number(value: Any, where: str) -> float:
    if value is None:
        return math.nan
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"amount: not a number on {where}: {value!r}") from None
    if x < 0:
        raise ValueError(f"amount: negative amount {x} on {where}")
    return x


_AMOUNT_KEYS = ("amount", "amount_usd_bn", "weight")


def _edge_legs(u: Any, v: Any, key: Any, data: dict[str, Any], multi: bool
               ) -> list[tuple[Any, ...]]:
    """One edge's legs: ``(id, amount, date, kind, status, evidence, basis, caveats)``."""
    where = f"edge {u!r} → {v!r}"
    legs = data.get("legs")
    if isinstance(legs, str):
        legs = [legs]
    if isinstance(legs, list | tuple) and len(legs) > 0:
        ids = [str(x) for x in legs]
    elif data.get("id") is not None:
        ids = [str(data["id"])]
    elif multi:
        ids = [str(key)]
    else:
        ids = [f"{u}->{v}"]
    k = len(ids)
    amounts = _as_list(data.get("amounts"), k)
    if amounts is not None:
        values = [_number(a, where) for a in amounts]
    else:
        total = 1.0
        for name in _AMOUNT_KEYS:
            if name in data:
                total = _number(data[name], where)
                break
        if k > 1:  # one amount for several legs: keep them together as one record
            ids = ["+".join(ids)]
            k = 1
        values = [total]
    dates = _as_list(data.get("dates"), k) or [data.get("date", data.get("announced"))] * k
    kinds = _as_list(data.get("kinds"), k) or [data.get("kind")] * k
    statuses = _as_list(data.get("statuses"), k) or [data.get("status")] * k
    evidence = data.get("evidence")
    basis = data.get("basis")
    caveats = _as_list(data.get("caveats"), k) or [
        tuple(m for m in (basis,) if m in ("estimate", "derived"))] * k
    return [(ids[i], values[i], _iso(dates[i]), kinds[i], statuses[i], evidence, basis,
             tuple(caveats[i])) for i in range(k)]


def _node_order(nodes: Iterable[Hashable]) -> tuple[Hashable, ...]:
    """Nodes sorted, or in the graph's order when their labels do not compare (mixed types)."""
    labels: list[Any] = list(nodes)
    try:
        return tuple(sorted(labels))
    except TypeError:  # e.g. ints and strings: no order between them
        return tuple(labels)


def _as_set(values: Iterable[str] | str | None) -> set[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        return {v for v in values.replace(",", " ").split() if v}
    return set(values)


#: Edge attributes that carry per-leg lists, a leg's basis (filtered by ``include_derived`` /
#: ``include_estimates``) or its caveats: graphs with them take the general path.
_LEG_LISTS = frozenset({"legs", "amounts", "dates", "kinds", "statuses", "basis", "caveats"})


def _hops_from_arrays(labels: tuple[Hashable, ...], src: np.ndarray, dst: np.ndarray,
                      amount: np.ndarray, ids: Sequence[str] | None,
                      dates: Sequence[str | None] | None,
                      kinds: Sequence[str | None] | None) -> MoneyGraph:
    """A :class:`MoneyGraph` from one leg per edge, given as arrays (vectorised).

    ``src``/``dst`` index ``labels``; ``amount`` is NaN where undisclosed; ``ids`` default to
    ``"u->v"``. Parallel edges are merged into one hop, self-loops dropped.
    """
    n = len(labels)
    m = int(src.shape[0])
    keep = src != dst
    if not keep.all():
        idx = np.flatnonzero(keep)
        src, dst, amount = src[idx], dst[idx], amount[idx]
        pick_ = idx.tolist()
        ids = None if ids is None else [ids[i] for i in pick_]
        dates = None if dates is None else [dates[i] for i in pick_]
        kinds = None if kinds is None else [kinds[i] for i in pick_]
        m = int(idx.size)
    order = np.lexsort((dst, src))
    src, dst, amount = src[order], dst[order], amount[order]
    first = np.ones(m, dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    starts = np.flatnonzero(first)
    hop_src, hop_dst = src[starts], dst[starts]
    indptr, indices = _from_edges(n, hop_src, hop_dst)
    known = np.where(np.isnan(amount), 0.0, amount)
    if starts.size == m:
        hop_amount = known
    else:  # parallel legs: an exactly rounded sum, as the leg-by-leg path gives
        ends = [*starts[1:].tolist(), m]
        hop_amount = np.array([math.fsum(known[a:b]) for a, b in zip(starts.tolist(), ends,
                                                                        strict=True)])
    ordered = order.tolist() if ids is not None or dates is not None or kinds is not None \
        else []
    per_leg: list[Sequence[Any]] = [
        _EdgeNames(labels, src, dst) if ids is None else [ids[i] for i in ordered],
        amount.tolist(),
        _Repeat(None, m) if dates is None else [dates[i] for i in ordered],
        _Repeat(None, m) if kinds is None else [kinds[i] for i in ordered],
    ]
    ptr = None if starts.size == m else np.append(starts, m)
    legs, amounts, dates_, kinds_ = (_PerHop(col, ptr) for col in per_leg)
    return MoneyGraph(labels=labels, indptr=indptr, indices=indices, amount=hop_amount,
                      legs=legs, amounts=amounts, dates=dates_, kinds=kinds_)


def _label_positions(labels: tuple[Hashable, ...], values: Sequence[Hashable]) -> np.ndarray:
    pos = {lab: i for i, lab in enumerate(labels)}
    return np.fromiter(map(pos.__getitem__, values), dtype=np.int64, count=len(values))


def _graph_fast(graph: Any) -> MoneyGraph | None:
    """Vectorised conversion of a networkx graph whose edges carry one leg each.

    The edge attributes are read once (a list of the edge dicts); everything after that is
    array work. Returns ``None`` (use the general path, which also words the errors) when an
    edge carries per-leg lists or a value that is not a plain non-negative number.
    """
    multi = graph.is_multigraph()
    if multi:
        edges = list(graph.edges(keys=True, data=True))
        us, vs, keys, ds = (list(x) for x in zip(*edges, strict=True)) if edges else \
            ([], [], [], [])
    else:
        edges = list(graph.edges(data=True))
        us, vs, ds = (list(x) for x in zip(*edges, strict=True)) if edges else ([], [], [])
        keys = None
    seen: set[str] = set().union(*map(dict.keys, ds)) if ds else set()
    if seen & _LEG_LISTS:
        return None
    m = len(ds)
    amount = np.ones(m)
    todo = np.ones(m, dtype=bool)
    for name in _AMOUNT_KEYS:  # first key present on each edge wins
        if name not in seen:
            continue
        raw = [d.get(name, 1.0) if t else 1.0 for d, t in zip(ds, todo.tolist(), strict=True)]
        has = np.fromiter((name in d for d in ds), dtype=bool, count=m)
        try:
            vals = np.array([math.nan if x is None else x for x in raw], dtype=float)
        except (TypeError, ValueError):
            return None
        if vals.shape != (m,) or (vals < 0).any():
            return None
        amount = np.where(todo & has, vals, amount)
        todo &= ~has
    if "id" in seen:
        ids = [str(d["id"]) if d.get("id") is not None else
               (str(k) if multi else f"{u}->{v}")
               for d, k, u, v in zip(ds, keys or [None] * m, us, vs, strict=True)]
    elif multi:
        ids = [str(k) for k in keys]  # type: ignore[union-attr]
    else:
        ids = None
    dates = None
    if "date" in seen or "announced" in seen:
        dates = [_iso(d.get("date", d.get("announced"))) for d in ds]
    kinds = [d.get("kind") for d in ds] if "kind" in seen else None
    labels = _node_order(graph.nodes)
    return _hops_from_arrays(labels, _label_positions(labels, us),
                             _label_positions(labels, vs), amount, ids, dates, kinds)


def _arrays_graph(obj: Any) -> MoneyGraph | None:
    """A scipy.sparse matrix (``F[i, j]`` = amount i pays j) or edge arrays
    ``(src, dst)`` / ``(src, dst, amount)`` as a :class:`MoneyGraph`; ``None`` otherwise."""
    import scipy.sparse as sp

    if sp.issparse(obj):
        if obj.ndim != 2 or obj.shape[0] != obj.shape[1]:
            raise ValueError(f"net_or_graph: a sparse matrix must be square, got {obj.shape}")
        coo = sp.coo_array(obj)
        data = np.asarray(coo.data, dtype=float)
        if not np.isfinite(data).all() or (data < 0).any():
            raise ValueError("net_or_graph: sparse amounts must be finite and non-negative")
        stored = data != 0  # an explicit zero is no payment
        n = obj.shape[0]
        return _hops_from_arrays(tuple(range(n)), coo.row[stored].astype(np.int64),
                                 coo.col[stored].astype(np.int64), data[stored], None, None,
                                 None)
    if not isinstance(obj, tuple) or len(obj) not in (2, 3):
        return None
    src = np.asarray(obj[0])
    dst = np.asarray(obj[1])
    if src.ndim != 1 or src.shape != dst.shape:
        raise ValueError("net_or_graph: edge arrays must be 1-D and of the same length")
    if len(obj) == 3:
        amount = np.asarray(obj[2], dtype=float)
        if amount.shape != src.shape:
            raise ValueError("net_or_graph: amounts must have one value per edge")
        if (amount < 0).any():
            raise ValueError("net_or_graph: amounts must be non-negative")
    else:
        amount = np.ones(src.shape[0])
    ends = np.concatenate([src, dst])
    if ends.dtype.kind in "iu":
        if ends.size and ends.min() < 0:
            raise ValueError("net_or_graph: integer node ids must be >= 0")
        n = int(ends.max()) + 1 if ends.size else 0
        return _hops_from_arrays(tuple(range(n)), src.astype(np.int64), dst.astype(np.int64),
                                 amount, None, None, None)
    uniq, inverse = np.unique(ends, return_inverse=True)
    labels = tuple(uniq.tolist())
    m = src.shape[0]
    return _hops_from_arrays(labels, inverse[:m].astype(np.int64),
                             inverse[m:].astype(np.int64), amount, None, None, None)


def money_graph(obj: Any, *, kinds: Iterable[str] | str | None = None,
                statuses: Iterable[str] | str | None = None,
                evidence: Iterable[str] | str | None = None, include_derived: bool = True,
                horizon: Any = None, include_estimates: bool = False) -> MoneyGraph:
    """Collapse a DealNetwork, a networkx (Multi)DiGraph, a scipy.sparse matrix or edge
    arrays ``(src, dst[, amount])`` into a :class:`MoneyGraph`.

    A graph whose edges carry one leg each (no per-leg lists, no ``basis`` or ``caveats``)
    and no filter is converted by array operations after one read of the edge attributes;
    other graphs leg by leg.

    A DealNetwork (anything with a ``flow_graph`` method) is asked for
    ``flow_graph(statuses=…, evidence=…, include_derived=…, kinds=…)`` (and ``horizon=`` when
    given). On a graph, edge attributes are read as follows: amount from ``amount``, else
    ``amount_usd_bn``, else ``weight``, else 1.0 (``None``/NaN = undisclosed, counted as 0);
    legs from ``legs`` (list), else ``id``, else the edge key (multigraphs) or ``"u->v"``;
    per-leg ``amounts``/``dates``/``kinds``/``statuses`` lists when present (they take
    precedence), else ``date``/``announced``, ``kind``, ``status``. The filters apply to
    graphs too, on the legs that carry the attribute (``evidence``, ``basis`` for
    ``include_derived`` and ``include_estimates``). Per-leg ``caveats`` lists are kept
    (see ``dealloop.network.leg_caveats``); a graph without them gets ``estimate`` or
    ``derived`` from ``basis``.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.circularity import money_graph
    >>> g = money_graph(dl.load(), statuses=["committed"])
    >>> "nvidia" in g.labels
    True
    """
    import networkx as nx

    filters = {"kinds": _as_set(kinds), "statuses": _as_set(statuses),
               "evidence": _as_set(evidence)}
    if hasattr(obj, "flow_graph"):
        args: dict[str, Any] = {"kinds": kinds, "statuses": statuses, "evidence": evidence,
                                "include_derived": include_derived}
        if include_estimates:  # flow_graph leaves estimates out by default
            args["include_estimates"] = True
        if horizon is not None:
            args["horizon"] = horizon
        graph = obj.flow_graph(**args)
        filters = {"kinds": None, "statuses": None, "evidence": None}
        include_derived = include_estimates = True
    elif isinstance(obj, nx.Graph):
        network_only("net_or_graph (a graph, whose edges carry no horizon shares)",
                     horizon=(horizon, None))
        graph = obj
    else:
        network_only("net_or_graph (a matrix or arrays)", kinds=(kinds, None),
                     statuses=(statuses, None), evidence=(evidence, None),
                     include_derived=(include_derived, True),
                     include_estimates=(include_estimates, False), horizon=(horizon, None))
        arrays = _arrays_graph(obj)
        if arrays is None:
            raise ValueError("net_or_graph: expected a DealNetwork, a networkx DiGraph, a "
                             "scipy.sparse matrix or (src, dst[, amount]) arrays, got "
                             f"{type(obj).__name__}")
        return arrays
    if not graph.is_directed():
        raise ValueError("net_or_graph: the graph must be directed (money flows payer → payee)")
    if all(v is None for v in filters.values()) and include_derived:
        fast = _graph_fast(graph)
        if fast is not None:
            return fast
    labels = _node_order(graph.nodes)
    pos = {lab: i for i, lab in enumerate(labels)}
    multi = graph.is_multigraph()
    edge_iter = graph.edges(keys=True, data=True) if multi else (
        (u, v, None, d) for u, v, d in graph.edges(data=True))
    hops: dict[tuple[int, int], list[tuple[Any, ...]]] = {}
    for u, v, key, data in edge_iter:
        if u == v:
            continue
        for leg in _edge_legs(u, v, key, data, multi):
            _, _, _, kind, status, evid, basis, _ = leg
            if filters["kinds"] is not None and kind is not None and kind not in filters["kinds"]:
                continue
            if filters["statuses"] is not None and status is not None \
                    and status not in filters["statuses"]:
                continue
            if filters["evidence"] is not None and evid is not None \
                    and evid not in filters["evidence"]:
                continue
            if not include_derived and basis == "derived":
                continue
            if not include_estimates and basis == "estimate":
                continue
            hops.setdefault((pos[u], pos[v]), []).append(leg)
    n = len(labels)
    pairs = sorted(hops)
    src = np.array([p[0] for p in pairs], dtype=np.int64)
    dst = np.array([p[1] for p in pairs], dtype=np.int64)
    indptr, indices = _from_edges(n, src, dst)
    rows = [hops[p] for p in pairs]
    amount = np.array([math.fsum(x[1] for x in r if not math.isnan(x[1])) for r in rows],
                      dtype=float)
    return MoneyGraph(
        labels=labels, indptr=indptr, indices=indices, amount=amount,
        legs=tuple(tuple(x[0] for x in r) for r in rows),
        amounts=tuple(tuple(x[1] for x in r) for r in rows),
        dates=tuple(tuple(x[2] for x in r) for r in rows),
        kinds=tuple(tuple(x[3] for x in r) for r in rows),
        caveats=tuple(tuple(x[7] for x in r) for r in rows),
    )


# ---------------------------------------------------------------------------------- results
def _json_float(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Hop:
    """One step of a loop: every leg from ``payer`` to ``payee``, merged.

    ``amount`` is the sum of the disclosed leg amounts; ``amounts`` has one entry per leg
    (NaN when undisclosed), in the order of ``legs``; ``dates`` likewise (ISO or None).

    Examples
    --------
    >>> loop = cycles(([0, 1], [1, 0], [5.0, 3.0]))[0]
    >>> [(h.payer, h.payee, h.amount) for h in loop.hops]
    [(0, 1, 5.0), (1, 0, 3.0)]
    >>> loop.hops[0].to_dict()["legs"]
    ['0->1']
    """

    payer: Hashable
    payee: Hashable
    amount: float
    legs: tuple[str, ...]
    amounts: tuple[float, ...]
    dates: tuple[str | None, ...]
    kinds: tuple[str | None, ...]
    leg_caveats: tuple[tuple[str, ...], ...] = ()

    @property
    def caveats(self) -> tuple[str, ...]:
        """Why this hop's money is not a stated cash flow: empty when some leg is a disclosed
        cash amount with no caveat, else every caveat its legs carry (e.g. ``undisclosed``,
        ``estimate``, ``non_cash``)."""
        per_leg = self.leg_caveats or tuple(() for _ in self.legs)
        marks = [("undisclosed", *c) if math.isnan(a) and "undisclosed" not in c else c
                 for a, c in zip(self.amounts, per_leg, strict=True)]
        if any(not m for m in marks):
            return ()
        return tuple(sorted({x for m in marks for x in m}))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (NaN becomes None)."""
        return {"payer": str(self.payer), "payee": str(self.payee),
                "amount": _json_float(self.amount), "legs": list(self.legs),
                "amounts": [_json_float(a) for a in self.amounts],
                "dates": list(self.dates), "kinds": list(self.kinds),
                "caveats": list(self.caveats)}


@dataclass(frozen=True)
class Loop:
    """A simple money loop ``firms[0] → firms[1] → … → firms[0]``.

    Rotation: the loop starts at the payer of its largest hop, so the first hop is the
    biggest flow (ties: the first such hop going round from the firm that sorts first).

    Attributes
    ----------
    firms : the firms in the order money flows; ``firms[0]`` is paid by ``firms[-1]``.
    hops : one :class:`Hop` per step, ``hops[i]`` from ``firms[i]`` to the next firm.
    bottleneck : the smallest hop amount: the most money that can go all the way round.
    total : the sum of the hop amounts.
    first_date, last_date : earliest and latest leg date on the loop (ISO), or None.
    temporal : True when some rotation has hop dates in non-decreasing order (choosing one
        dated leg per hop), so money paid out can come back after it left; False when none
        has; None when a hop has no dated leg.

    Examples
    --------
    >>> loop = cycles((["a", "b", "c"], ["b", "c", "a"], [5.0, 3.0, 4.0]))[0]
    >>> loop.path, loop.bottleneck, loop.total
    ('a → b → c → a', 3.0, 12.0)
    >>> d = loop.to_dict()
    >>> d["amount"], d["legs"]
    (3.0, ['a->b', 'b->c', 'c->a'])
    """

    firms: tuple[Hashable, ...]
    hops: tuple[Hop, ...]
    bottleneck: float
    total: float
    first_date: str | None
    last_date: str | None
    temporal: bool | None

    @property
    def length(self) -> int:
        """Number of hops (= number of firms)."""
        return len(self.firms)

    @property
    def path(self) -> str:
        """``"A → B → C → A"``."""
        return ARROW.join(str(f) for f in (*self.firms, self.firms[0]))

    @property
    def legs(self) -> tuple[str, ...]:
        """Every leg on the loop, hop by hop."""
        return tuple(leg for h in self.hops for leg in h.legs)

    @property
    def undisclosed(self) -> int:
        """Number of legs on the loop whose amount is not known."""
        return sum(1 for h in self.hops for a in h.amounts if math.isnan(a))

    @property
    def caveats(self) -> tuple[str, ...]:
        """What the loop rests on besides stated cash flows: the caveats of every hop that
        has no plain disclosed cash leg (``undisclosed``, ``estimate``, ``derived``,
        ``stock``, ``non_cash``); empty for a loop of stated cash flows only."""
        return tuple(sorted({c for h in self.hops for c in h.caveats}))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form; ``amount`` repeats the bottleneck."""
        return {"firms": [str(f) for f in self.firms], "path": self.path,
                "length": self.length, "amount": _json_float(self.bottleneck),
                "bottleneck": _json_float(self.bottleneck), "total": _json_float(self.total),
                "temporal": self.temporal, "first_date": self.first_date,
                "last_date": self.last_date, "legs": list(self.legs),
                "undisclosed_legs": self.undisclosed, "rests_on": list(self.caveats),
                "hops": [h.to_dict() for h in self.hops]}


def _temporal(dates: Sequence[Sequence[str | None]]) -> bool | None:
    per_hop = [sorted(d for d in hop if d) for hop in dates]
    if any(not d for d in per_hop):
        return None
    k = len(per_hop)
    for start in range(k):
        t = ""
        ok = True
        for i in range(k):
            nxt = next((d for d in per_hop[(start + i) % k] if d >= t), None)
            if nxt is None:
                ok = False
                break
            t = nxt
        if ok:
            return True
    return False


@dataclass(frozen=True, eq=False, repr=False)
class LoopSet(Result):
    """The loops of one money graph, ranked by bottleneck amount.

    Iterating gives the listed :class:`Loop` objects (the top ``limit`` when a limit was
    given); :attr:`counts`, :attr:`n_loops` and :meth:`participation` always cover every loop
    found. Ranking: bottleneck (descending), then total (descending), then length, then the
    order found.

    Examples
    --------
    >>> loops = cycles((["a", "b", "b"], ["b", "a", "c"], [5.0, 3.0, 1.0]))
    >>> len(loops), loops.counts[2]
    (1, 1)
    >>> loops.to_frame()[["firms", "bottleneck"]].values.tolist()
    [['a → b → a', 3.0]]
    >>> loops.loop(0).path, loops.find("b", "a").path, loops.find("a", "c")
    ('a → b → a', 'a → b → a', None)
    >>> loops.participation()["n_loops"].to_dict()
    {'a': 1, 'b': 1, 'c': 0}
    """

    graph: MoneyGraph
    found: CycleArrays
    bottleneck: np.ndarray
    total: np.ndarray
    order: np.ndarray
    max_length: int
    min_amount: float = 0.0
    _memo: dict[int, Loop] = field(default_factory=dict, repr=False)

    # -- sizes
    @property
    def n_loops(self) -> int:
        """Number of loops found (all of them, whatever the limit)."""
        return len(self.found)

    def __len__(self) -> int:
        return int(self.order.shape[0])

    @property
    def counts(self) -> dict[int, int]:
        """Number of loops of each length found, ``{2: …, 3: …, …, max_length: …}``."""
        c = np.bincount(self.found.lengths, minlength=self.max_length + 1)
        return {k: int(c[k]) for k in range(2, self.max_length + 1)}

    # -- loops
    def loop(self, c: int) -> Loop:
        """Loop number ``c`` in the order found (not the rank)."""
        hit = self._memo.get(c)
        if hit is not None:
            return hit
        g = self.graph
        lo, hi = int(self.found.offsets[c]), int(self.found.offsets[c + 1])
        nodes = self.found.nodes[lo:hi].tolist()
        edges = self.found.edges[lo:hi].tolist()
        amounts = g.amount[edges]
        s = int(np.argmax(amounts))
        nodes = nodes[s:] + nodes[:s]
        edges = edges[s:] + edges[:s]
        hops = tuple(
            Hop(g.labels[nodes[i]], g.labels[nodes[(i + 1) % len(nodes)]], float(g.amount[e]),
                g.legs[e], g.amounts[e], g.dates[e], g.kinds[e],
                g.caveats[e] if g.caveats else ())
            for i, e in enumerate(edges))
        dates = [d for h in hops for d in h.dates if d]
        loop = Loop(
            firms=tuple(g.labels[v] for v in nodes), hops=hops,
            bottleneck=float(self.bottleneck[c]), total=float(self.total[c]),
            first_date=min(dates) if dates else None, last_date=max(dates) if dates else None,
            temporal=_temporal([h.dates for h in hops]))
        self._memo[c] = loop
        return loop

    def __iter__(self) -> Iterator[Loop]:
        return (self.loop(int(c)) for c in self.order)

    def __getitem__(self, rank: int) -> Loop:
        """The loop of rank ``rank`` (0 = largest bottleneck)."""
        return self.loop(int(self.order[rank]))

    def find(self, *firms: Hashable) -> Loop | None:
        """The loop through ``firms`` in this cyclic order (any rotation), or None.

        Searches every loop found, not only the listed ones.
        """
        pos = {lab: i for i, lab in enumerate(self.graph.labels)}
        if len(firms) == 1 and isinstance(firms[0], list | tuple):
            firms = tuple(firms[0])
        if len(firms) > 1 and firms[0] == firms[-1]:
            firms = firms[:-1]
        if any(f not in pos for f in firms) or len(set(firms)) != len(firms):
            return None
        ids = [pos[f] for f in firms]
        s = ids.index(min(ids))
        want = np.array(ids[s:] + ids[:s], dtype=np.int32)
        lengths = self.found.lengths
        for c in np.flatnonzero(lengths == len(want)):
            lo = self.found.offsets[c]
            if np.array_equal(self.found.nodes[lo:lo + len(want)], want):
                return self.loop(int(c))
        return None

    # -- tables
    def to_frame(self) -> pd.DataFrame:
        """One row per listed loop, best first.

        Columns: ``rank`` (1 = largest bottleneck), ``length``, ``firms``
        (``"A → B → C → A"``), ``bottleneck``, ``total``, ``temporal``, ``first_date``,
        ``last_date``, ``legs`` (deal ids, hops separated by ``"; "``, parallel legs
        by ``"+"``), ``undisclosed_legs``, ``rests_on`` (the loop's caveats joined by
        ``", "``; empty for a loop of stated cash flows only).
        """
        rows = []
        for rank, loop in enumerate(self, start=1):
            rows.append({
                "rank": rank, "length": loop.length, "firms": loop.path,
                "bottleneck": loop.bottleneck, "total": loop.total,
                "temporal": loop.temporal, "first_date": loop.first_date,
                "last_date": loop.last_date,
                "legs": "; ".join("+".join(h.legs) for h in loop.hops),
                "undisclosed_legs": loop.undisclosed,
                "rests_on": ", ".join(loop.caveats),
            })
        cols = ["rank", "length", "firms", "bottleneck", "total", "temporal", "first_date",
                "last_date", "legs", "undisclosed_legs", "rests_on"]
        frame = pd.DataFrame(rows, columns=cols)
        frame["temporal"] = frame["temporal"].astype("boolean")
        return frame

    def participation(self) -> pd.DataFrame:
        """Per firm: how many loops run through it and how much money.

        Columns: ``n_loops``, ``share_of_loops`` (of all loops found), ``loop_money`` (sum of
        the bottlenecks of the loops through the firm) and ``max_bottleneck``; one row per
        firm of the graph, most loop money first. Loops share hops, so ``loop_money`` counts
        the same dollar once per loop it can travel round: read it as exposure to
        circularity, not as cash.
        """
        g = self.graph
        lengths = self.found.lengths
        per_item = np.repeat(self.bottleneck, lengths)
        n_loops = np.bincount(self.found.nodes, minlength=g.n)
        money = np.bincount(self.found.nodes, weights=per_item, minlength=g.n)
        top = np.zeros(g.n)
        if per_item.size:
            np.maximum.at(top, self.found.nodes, per_item)
        total = max(self.n_loops, 1)
        frame = pd.DataFrame({
            "n_loops": n_loops.astype(np.int64),
            "share_of_loops": n_loops / total,
            "loop_money": money,
            "max_bottleneck": top,
        }, index=pd.Index([str(x) for x in g.labels], name="firm"))
        return frame.sort_values(["loop_money", "n_loops"], ascending=False, kind="stable")

    def summary(self) -> str:
        """How many loops of each length, and the largest."""
        by = ", ".join(f"{k} legs: {v:,}" for k, v in self.counts.items() if v)
        lines = [f"{self.n_loops:,} loops of up to {self.max_length} legs"
                 + (f" ({by})" if by else "")]
        lines += [f"  {loop.path}: {loop.bottleneck:,.1f}" for _, loop in zip(range(3), self,
                                                                               strict=False)]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary: counts, the listed loops and participation."""
        part = self.participation()
        return {
            "max_length": self.max_length,
            "min_amount": self.min_amount,
            "n_loops": self.n_loops,
            "n_listed": len(self),
            "counts_by_length": {str(k): v for k, v in self.counts.items()},
            "loops": [dict(rank=r, **loop.to_dict()) for r, loop in enumerate(self, start=1)],
            "participation": [
                {"firm": f, "n_loops": int(row.n_loops),
                 "share_of_loops": float(row.share_of_loops),
                 "loop_money": float(row.loop_money),
                 "max_bottleneck": float(row.max_bottleneck)}
                for f, row in part.iterrows()],
        }


def loops_of(graph: MoneyGraph, max_length: int = 6, *, min_amount: float = 0.0,
             limit: int | None = None, backend: str = "auto",
             budget: int | None = LOOP_BUDGET) -> LoopSet:
    """Loops of an already collapsed :class:`MoneyGraph` (see :func:`cycles`).

    With a ``budget`` (the default), a graph estimated at ten times more loops than that is
    refused before the search, and the search stops past ``budget`` loops; both raise
    :class:`~dealloop.circularity.budget.LoopBudgetError` saying what to change.
    """
    max_length = _check_length(max_length)
    if not (min_amount >= 0 and math.isfinite(min_amount)):
        raise ValueError(f"min_amount: expected a finite number >= 0, got {min_amount!r}")
    if limit is not None and (isinstance(limit, bool) or int(limit) != limit or limit < 0):
        raise ValueError(f"limit: expected a non-negative integer or None, got {limit!r}")
    if min_amount > 0:
        graph = graph.subgraph(graph.amount >= min_amount)
    if budget is not None:
        guess = estimate_loops(graph.indptr, graph.indices, max_length)
        if guess > 10 * budget:  # an estimate: only far over the budget is refused unseen
            raise LoopBudgetError(over_budget(guess, max_length, budget))
    found = enumerate_cycles(graph.indptr, graph.indices, max_length, backend=backend,
                             max_cycles=budget)
    k = len(found)
    if k:
        hop_amount = graph.amount[found.edges]
        starts = found.offsets[:-1]
        bottleneck = np.minimum.reduceat(hop_amount, starts)
        total = np.add.reduceat(hop_amount, starts)
    else:
        bottleneck = np.zeros(0)
        total = np.zeros(0)
    order = np.lexsort((np.arange(k), found.lengths, -total, -bottleneck))
    if limit is not None:
        order = order[: int(limit)]
    return LoopSet(graph, found, bottleneck, total, order, max_length, float(min_amount))


def cycles(net_or_graph: Any, max_length: int = 6, *, min_amount: float = 0.0,
           kinds: Iterable[str] | str | None = None,
           statuses: Iterable[str] | str | None = None,
           evidence: Iterable[str] | str | None = None, include_derived: bool = True,
           limit: int | None = None, horizon: Any = None, backend: str = "auto",
           include_estimates: bool = False, budget: int | None = LOOP_BUDGET) -> LoopSet:
    """Every simple money loop up to ``max_length`` hops, ranked by bottleneck amount.

    Parameters
    ----------
    net_or_graph : DealNetwork, networkx (Multi)DiGraph, scipy.sparse matrix or edge arrays
        A dataset's network (its ``flow_graph`` is used: by default every live leg, firm and
        conditional, except contingent backstops), any directed graph with money flowing
        along the edges (attributes: see :func:`money_graph`), a square sparse matrix
        ``F[i, j]`` = amount i pays j (stored zeros are no payment), or a tuple
        ``(src, dst)`` / ``(src, dst, amount)`` of arrays (integer ids ``0..n-1`` or any
        sortable labels). Parallel legs between the same two firms are merged into one hop.
    max_length : int, default 6
        Longest loop, in hops (= firms), at least 2.
    min_amount : float, default 0
        Keep only loops whose bottleneck is at least this (hops below it are dropped before
        the search, which gives the same loops faster).
    kinds, statuses, evidence, include_derived, include_estimates
        Which legs count (see ``DealNetwork.flow_graph``; on a plain graph they filter the
        legs that carry ``kind``/``kinds``, ``status``/``statuses``, ``evidence``, ``basis``).
    limit : int, optional
        List only the top ``limit`` loops; counts and participation still cover all.
    horizon : optional
        Passed to ``flow_graph`` (a network's amounts inside the horizon).
    backend : {"auto", "numba", "numpy"}
        Loop-search kernel (see the module docstring).
    budget : int or None, default :data:`~dealloop.circularity.budget.LOOP_BUDGET`
        Most loops the search may find; more raises
        :class:`~dealloop.circularity.budget.LoopBudgetError` (see :func:`loops_of`).
        ``None`` searches without a limit.

    Returns
    -------
    LoopSet
        Iterate for :class:`Loop` objects; ``to_frame()``, ``participation()``,
        ``to_dict()``, ``counts``, ``find(...)``.

    See Also
    --------
    count_cycles : the counts alone, without the loop records.
    cycle_significance : loop counts against degree-preserving randomisations.
    money_graph : the merged graph the loops run on.

    References
    ----------
    D. B. Johnson, "Finding all the elementary circuits of a directed graph", SIAM Journal
    on Computing 4(1), 77-84, 1975. doi:10.1137/0204007

    Examples
    --------
    Two parallel legs make one hop, and the money that can go round is the smaller side:

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("a", "b", key="d1", amount=5.0, announced="2025-01-10")
    >>> _ = g.add_edge("a", "b", key="d2", amount=2.0, announced="2025-03-01")
    >>> _ = g.add_edge("b", "a", key="d3", amount=4.0, announced="2025-02-01")
    >>> loops = cycles(g)
    >>> loops.to_frame()[["firms", "bottleneck", "total", "temporal", "legs"]]
           firms  bottleneck  total  temporal       legs
    0  a → b → a         4.0   11.0      True  d1+d2; d3
    >>> loops.participation()[["n_loops", "loop_money"]].to_dict("index")
    {'a': {'n_loops': 1, 'loop_money': 4.0}, 'b': {'n_loops': 1, 'loop_money': 4.0}}
    """
    check_backend(backend)
    graph = money_graph(net_or_graph, kinds=kinds, statuses=statuses, evidence=evidence,
                        include_derived=include_derived, horizon=horizon,
                        include_estimates=include_estimates)
    return loops_of(graph, max_length, min_amount=min_amount, limit=limit, backend=backend,
                    budget=budget)
