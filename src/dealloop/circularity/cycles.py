"""Money loops: every simple directed cycle up to a length, with the deal legs behind it.

A *loop* is a sequence of distinct firms ``f0 → f1 → … → f(L-1) → f0`` where each firm pays
the next one. Loops are found on the *collapsed* money graph: all legs from one payer to one
payee are merged into one *hop* that keeps the list of legs and their summed amount, so
three parallel contracts between the same two firms give one loop, not three.

How the loops are found: :mod:`dealloop.circularity._cycle_search` (the kernels return flat
arrays, so counting loops on a large graph creates no Python object per loop; :class:`Loop`
objects are built only for the loops that are looked at). How a DealNetwork, a networkx graph,
a scipy.sparse matrix or edge arrays become the collapsed graph:
:mod:`dealloop.circularity._money_graph`.

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
from typing import Any

import numpy as np
import pandas as pd

from ..result import Result
from ._cycle_search import (
    CycleArrays,
    _check_length,
    count_cycles,
    enumerate_cycles,
    to_csr,
)
from ._jit import check_backend
from ._money_graph import MoneyGraph, money_graph
from .budget import LOOP_BUDGET, LoopBudgetError, estimate_loops, over_budget

__all__ = [
    "CycleArrays",
    "Hop",
    "Loop",
    "LoopSet",
    "MoneyGraph",
    "count_cycles",
    "cycles",
    "enumerate_cycles",
    "money_graph",
    "to_csr",
]

ARROW = " → "


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
