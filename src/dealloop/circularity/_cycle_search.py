"""Loop search kernels: every simple directed cycle up to a length on a CSR adjacency.

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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._jit import check_backend, pick
from .budget import LoopBudgetError

__all__ = ["CycleArrays", "count_cycles", "enumerate_cycles", "to_csr"]


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
