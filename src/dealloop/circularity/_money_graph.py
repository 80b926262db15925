"""The collapsed money graph: one hop per (payer, payee), from a DealNetwork, a networkx
(Multi)DiGraph, a scipy.sparse matrix or edge arrays (:func:`money_graph`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ._cycle_search import _from_edges
from ._inputs import network_only

__all__ = ["MoneyGraph", "money_graph"]


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


def _kept(leg: tuple[Any, ...], filters: dict[str, set[str] | None], include_derived: bool,
          include_estimates: bool) -> bool:
    """Whether a leg read from a graph passes the filters (legs without the attribute do)."""
    _, _, _, kind, status, evid, basis, _ = leg
    for name, value in (("kinds", kind), ("statuses", status), ("evidence", evid)):
        allowed = filters[name]
        if allowed is not None and value is not None and value not in allowed:
            return False
    if not include_derived and basis == "derived":
        return False
    return include_estimates or basis != "estimate"


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
            if _kept(leg, filters, include_derived, include_estimates):
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
