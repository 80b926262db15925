"""cycles() reads networkx graphs, scipy.sparse matrices and edge arrays alike; the vectorised
conversion of a graph gives the same money graph as reading it leg by leg."""

from __future__ import annotations

import importlib
import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from dealloop.circularity import cycles

# the package exports the function ``cycles``, which hides the module of the same name
cyc = importlib.import_module("dealloop.circularity.cycles")
mg = importlib.import_module("dealloop.circularity._money_graph")


def random_graph(seed: int, n: int, m: int, multi: bool, attrs: bool) -> nx.DiGraph:
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph() if multi else nx.DiGraph()
    g.add_nodes_from(f"f{i}" for i in range(n))
    for e in range(m):
        u, v = (f"f{x}" for x in rng.integers(0, n, 2))
        data = {}
        if attrs:
            pick = rng.integers(0, 6)
            if pick == 0:
                data["amount"] = float(rng.exponential(3.0))
            elif pick == 1:
                data["amount_usd_bn"] = float(rng.exponential(3.0))
            elif pick == 2:
                data["weight"] = int(rng.integers(0, 5))
            elif pick == 3:
                data["amount"] = None  # undisclosed
            if rng.random() < 0.5:
                data["date"] = f"2025-0{rng.integers(1, 10)}-1{rng.integers(0, 10)}"
            if rng.random() < 0.3:
                data["announced"] = "2024-12-01"
            if rng.random() < 0.5:
                data["kind"] = str(rng.choice(["equity", "compute", "loan"]))
            if rng.random() < 0.3:
                data["id"] = f"d{e}"
        if multi:
            g.add_edge(u, v, key=f"k{e}", **data)
        else:
            g.add_edge(u, v, **data)
    return g


def leg_by_leg(graph, monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as mp:
        mp.setattr(mg, "_graph_fast", lambda g: None)
        return cyc.money_graph(graph)


def assert_same(a: cyc.MoneyGraph, b: cyc.MoneyGraph) -> None:
    assert a.labels == b.labels
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.amount, b.amount)
    assert a.legs == b.legs
    assert a.dates == b.dates
    assert a.kinds == b.kinds
    for x, y in zip(a.amounts, b.amounts, strict=True):
        assert all((math.isnan(p) and math.isnan(q)) or p == q for p, q in zip(x, y, strict=True))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), m=st.integers(0, 40),
       multi=st.booleans(), attrs=st.booleans())
def test_vectorised_conversion_matches_leg_by_leg(seed, n, m, multi, attrs) -> None:
    g = random_graph(seed, n, m, multi, attrs)
    fast = mg._graph_fast(g)
    assert fast is not None
    with pytest.MonkeyPatch.context() as mp:
        slow = leg_by_leg(g, mp)
    assert_same(fast, slow)
    # and the loops found on either are the same
    a = cyc.loops_of(fast, 4).to_frame()
    b = cyc.loops_of(slow, 4).to_frame()
    assert a.equals(b)


def test_graph_with_leg_lists_takes_the_general_path() -> None:
    g = nx.DiGraph()
    g.add_edge("a", "b", legs=["x", "y"], amounts=[1.0, 2.0])
    g.add_edge("b", "a", amount=2.0)
    assert mg._graph_fast(g) is None
    assert cycles(g)[0].legs == ("x", "y", "b->a")


def test_graph_with_basis_or_caveats_keeps_their_filters_and_marks() -> None:
    g = nx.DiGraph()
    g.add_edge("a", "b", amount=1.0, basis="estimate")
    g.add_edge("b", "a", amount=2.0)
    assert mg._graph_fast(g) is None
    assert len(cycles(g)) == 0  # estimates are left out by default, as leg by leg
    assert cycles(g, include_estimates=True)[0].caveats == ("estimate",)
    g = nx.DiGraph()
    g.add_edge("a", "b", amount=1.0, caveats=[("stock",)])
    g.add_edge("b", "a", amount=2.0)
    assert mg._graph_fast(g) is None
    assert cycles(g)[0].caveats == ("stock",)


def test_bad_amount_gets_the_general_error() -> None:
    g = nx.DiGraph()
    g.add_edge("a", "b", amount=-1.0)
    with pytest.raises(ValueError, match="amount: negative amount"):
        cycles(g)
    g = nx.DiGraph()
    g.add_edge("a", "b", amount="lots")
    with pytest.raises(ValueError, match="amount: not a number"):
        cycles(g)


def test_sparse_matrix_and_edge_arrays_give_the_same_loops() -> None:
    src = np.array([0, 1, 2, 2, 3, 1])
    dst = np.array([1, 2, 0, 3, 2, 1])  # 1 -> 1 is a self-loop: ignored
    amount = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 9.0])
    g = nx.DiGraph()
    for s, d, a in zip(src.tolist(), dst.tolist(), amount.tolist(), strict=True):
        g.add_edge(s, d, amount=a)
    ref = cycles(g).to_frame()[["firms", "bottleneck", "total"]]
    F = sp.csr_array((amount, (src, dst)), shape=(4, 4))
    by_matrix = cycles(F).to_frame()[["firms", "bottleneck", "total"]]
    by_arrays = cycles((src, dst, amount)).to_frame()[["firms", "bottleneck", "total"]]
    assert ref.equals(by_matrix) and ref.equals(by_arrays)
    assert list(ref["bottleneck"]) == [3.0, 1.0]
    # labels need not be integers
    names = np.array(["a", "b", "c", "d"])
    labelled = cycles((names[src], names[dst], amount))
    assert labelled[0].path == "a → b → c → a"


def test_sparse_stored_zeros_are_no_payment() -> None:
    F = sp.csr_array((np.array([1.0, 0.0]), (np.array([0, 1]), np.array([1, 0]))), shape=(2, 2))
    assert len(cycles(F)) == 0


def test_bad_arrays_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        cycles((np.array([0, 1]), np.array([1])))
    with pytest.raises(ValueError, match="non-negative"):
        cycles((np.array([0, 1]), np.array([1, 0]), np.array([1.0, -2.0])))
    with pytest.raises(ValueError, match="square"):
        cycles(sp.csr_array(np.ones((2, 3))))
    with pytest.raises(ValueError, match="expected a DealNetwork"):
        cycles([1, 2, 3])
