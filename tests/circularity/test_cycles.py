"""Loop enumeration: kernel vs brute force, backends, results, the bundled dataset."""

from __future__ import annotations

import itertools
import json
import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealloop.circularity import (
    count_cycles,
    cycles,
    enumerate_cycles,
    money_graph,
    to_csr,
)
from dealloop.circularity._jit import numba_available

# numba is a test dependency: both backends always run.
BACKENDS = ["numpy", "numba"]


def brute_force(n: int, edges: set[tuple[int, int]], max_length: int) -> set[tuple[int, ...]]:
    """Every simple cycle (2 ≤ length ≤ max_length) as a tuple starting at its smallest node."""
    found = set()
    for start in range(n):
        rest = [v for v in range(start + 1, n)]
        for k in range(1, max_length):
            for perm in itertools.permutations(rest, k):
                seq = (start, *perm)
                if all((seq[i], seq[(i + 1) % len(seq)]) in edges for i in range(len(seq))):
                    found.add(seq)
    return found


def as_set(arrays) -> set[tuple[int, ...]]:
    return {tuple(arrays.cycle(c)) for c in range(len(arrays))}


edge_lists = st.integers(1, 7).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                       st.floats(0, 100, allow_nan=False)), max_size=30)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=edge_lists, max_length=st.integers(2, 6))
def test_kernel_matches_brute_force(data, max_length):
    n, triples = data
    edges = {(u, v) for u, v, _ in triples if u != v}
    expected = brute_force(n, edges, max_length)
    src = [u for u, _, _ in triples]
    dst = [v for _, v, _ in triples]
    indptr, indices = to_csr(n, src, dst)
    counts_ref = np.bincount([len(c) for c in expected], minlength=max_length + 1)
    for backend in ("numpy", "numba") if numba_available() else ("numpy",):
        got = enumerate_cycles(indptr, indices, max_length, backend=backend)
        assert as_set(got) == expected
        assert len(got) == len(expected)  # each cycle exactly once
        counts = count_cycles(indptr, indices, max_length, backend=backend)
        assert counts.tolist() == counts_ref.tolist()
        # the raw (unsorted, duplicated, self-looped) edge list gives the same counts
        order = np.argsort(src, kind="stable")
        raw_ptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n))])
        raw_idx = np.asarray(dst, dtype=np.int64)[order]
        assert count_cycles(raw_ptr, raw_idx, max_length, backend=backend).tolist() \
            == counts_ref.tolist()


@settings(max_examples=60, deadline=None)
@given(data=edge_lists, max_length=st.integers(2, 5))
def test_loops_on_multigraph_merge_parallel_legs(data, max_length):
    n, triples = data
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(n))
    for k, (u, v, a) in enumerate(triples):
        g.add_edge(u, v, key=f"d{k}", amount=a)
    loops = cycles(g, max_length, backend="numpy")
    hop = {}
    for u, v, a in triples:
        if u != v:
            hop[(u, v)] = hop.get((u, v), 0.0) + a
    expected = brute_force(n, set(hop), max_length)
    assert loops.n_loops == len(expected)
    for loop in loops:
        pairs = list(zip(loop.firms, (*loop.firms[1:], loop.firms[0]), strict=True))
        assert math.isclose(loop.bottleneck, min(hop[p] for p in pairs), abs_tol=1e-9)
        assert math.isclose(loop.total, sum(hop[p] for p in pairs), abs_tol=1e-9)
        # rotation: the first hop is (one of) the largest
        assert loop.hops[0].amount == max(h.amount for h in loop.hops)
    b = [lp.bottleneck for lp in loops]
    assert b == sorted(b, reverse=True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_complete_graph_counts_and_buffer_growth(backend):
    # K8 has sum_k C(8,k)(k-1)! cycles; the enumeration outgrows its first buffer
    n = 8
    src, dst = zip(*[(u, v) for u in range(n) for v in range(n) if u != v], strict=True)
    indptr, indices = to_csr(n, src, dst)
    expected = [0, 0] + [math.comb(n, k) * math.factorial(k - 1) for k in range(2, 7)]
    assert count_cycles(indptr, indices, 6, backend=backend).tolist() == expected
    found = enumerate_cycles(indptr, indices, 6, backend=backend)
    assert np.bincount(found.lengths, minlength=7).tolist() == expected
    assert len(as_set(found)) == len(found)
    # edges index the CSR: the hop from nodes[k] ends at the next node of the cycle
    for c in range(0, len(found), 97):
        nodes = found.cycle(c)
        lo = found.offsets[c]
        for i, e in enumerate(found.edges[lo:found.offsets[c + 1]]):
            assert indices[e] == nodes[(i + 1) % len(nodes)]


@pytest.mark.parametrize("budget", [0, 1, 8, 10**9])
def test_budget_never_changes_the_result(budget):
    rng = np.random.default_rng(3)
    n = 60
    src, dst = rng.integers(0, n, 300), rng.integers(0, n, 300)
    indptr, indices = to_csr(n, src, dst)
    ref = count_cycles(indptr, indices, 5, backend="numpy", budget=10**9)
    assert count_cycles(indptr, indices, 5, backend="numpy", budget=budget).tolist() \
        == ref.tolist()


def test_random_graph_agrees_with_networkx():
    rng = np.random.default_rng(0)
    n = 200
    src, dst = rng.integers(0, n, 600), rng.integers(0, n, 600)
    indptr, indices = to_csr(n, src, dst)
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from((u, v) for u, v in zip(src.tolist(), dst.tolist(), strict=True) if u != v)
    ref = np.bincount([len(c) for c in nx.simple_cycles(g, length_bound=5)], minlength=6)
    assert count_cycles(indptr, indices, 5).tolist() == ref.tolist()


def test_csr_validation():
    with pytest.raises(ValueError, match="indptr"):
        count_cycles([0, 2], [1], 3)
    with pytest.raises(ValueError, match="indices"):
        count_cycles([0, 1, 1], [5], 3)
    with pytest.raises(ValueError, match="max_length"):
        count_cycles([0, 1, 2], [1, 0], 1)
    with pytest.raises(ValueError, match="backend"):
        count_cycles([0, 1, 2], [1, 0], 2, backend="fortran")
    assert count_cycles([0], [], 4).tolist() == [0, 0, 0, 0, 0]


def test_self_loops_are_ignored():
    g = nx.DiGraph()
    g.add_edge("a", "a", amount=9.0)
    g.add_edge("a", "b", amount=1.0)
    g.add_edge("b", "a", amount=2.0)
    loops = cycles(g)
    assert loops.n_loops == 1
    assert loops[0].firms == ("b", "a")


def flow_graph_like() -> nx.DiGraph:
    """Edges shaped like DealNetwork.flow_graph output."""
    g = nx.DiGraph()
    g.add_node("idle")

    def edge(u, v, legs, amounts, dates, kinds, statuses):
        g.add_edge(u, v, amount=float(np.nansum(amounts)), legs=legs, amounts=amounts,
                   dates=dates, kinds=kinds, statuses=statuses)

    edge("nvidia", "openai", ["D01", "D02"], [100.0, 30.0], ["2025-09-22", "2026-02-20"],
         ["equity_investment"] * 2, ["conditional", "committed"])
    edge("openai", "oracle", ["D03"], [300.0], ["2025-09-10"], ["compute_contract"],
         ["committed"])
    edge("oracle", "nvidia", ["D04"], [40.0], ["2025-05-23"], ["chip_purchase"], ["reported"])
    edge("nvidia", "coreweave", ["D15", "D16"], [2.0, math.nan], ["2026-01-26", None],
         ["equity_investment", "compute_contract"], ["committed", "committed"])
    edge("coreweave", "nvidia", ["X01"], [10.75], [None], ["chip_purchase"], ["reported"])
    return g


class FakeNetwork:
    """Anything with flow_graph() is treated as a DealNetwork."""

    def __init__(self):
        self.calls = []

    def flow_graph(self, **kwargs):
        self.calls.append(kwargs)
        return flow_graph_like()


def test_flow_graph_attributes_and_frame():
    loops = cycles(flow_graph_like())
    assert loops.counts == {2: 1, 3: 1, 4: 0, 5: 0, 6: 0}
    top = loops[0]
    assert top.path == "openai → oracle → nvidia → openai"
    assert top.bottleneck == 40.0 and top.total == 470.0
    assert top.legs == ("D03", "D04", "D01", "D02")
    assert top.first_date == "2025-05-23" and top.last_date == "2026-02-20"
    # oracle -> nvidia (May 2025), nvidia -> openai (Sep 22), then openai -> oracle would
    # need a date >= Sep 22 but is Sep 10; no other rotation is in time order either.
    assert top.temporal is False
    cw = loops.find("nvidia", "coreweave")
    assert cw is not None and cw.bottleneck == 2.0 and cw.undisclosed == 1
    assert cw.temporal is None  # the chip purchase is undated
    frame = loops.to_frame()
    assert list(frame.columns) == ["rank", "length", "firms", "bottleneck", "total", "temporal",
                                   "first_date", "last_date", "legs", "undisclosed_legs",
                                   "rests_on"]
    # D15 is a disclosed cash leg, so the hop does not rest on D16's missing amount
    assert cw.caveats == () and top.caveats == ()
    assert frame.loc[0, "legs"] == "D03; D04; D01+D02"
    part = loops.participation()
    assert part.loc["nvidia", "n_loops"] == 2
    assert part.loc["nvidia", "loop_money"] == 42.0
    assert part.loc["idle", "n_loops"] == 0
    d = loops.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["loops"][0]["amount"] == 40.0
    assert d["loops"][1]["hops"][1]["amounts"] == [2.0, None]


def test_temporal_loop():
    g = nx.DiGraph()
    g.add_edge("a", "b", amount=1.0, dates=["2025-01-01"], legs=["x"])
    g.add_edge("b", "c", amount=1.0, dates=["2025-02-01"], legs=["y"])
    g.add_edge("c", "a", amount=1.0, dates=["2024-12-01"], legs=["z"])
    # rotation c->a (Dec 2024), a->b (Jan), b->c (Feb) is in time order
    assert cycles(g)[0].temporal is True


def test_filters_limit_and_min_amount():
    g = flow_graph_like()
    assert cycles(g, min_amount=5.0).n_loops == 1
    assert cycles(g, min_amount=41.0).n_loops == 0
    limited = cycles(g, limit=1)
    assert len(limited) == 1 and limited.n_loops == 2
    assert limited.participation().loc["coreweave", "n_loops"] == 1
    assert cycles(g, max_length=2).n_loops == 1
    # per-leg filters on a plain graph: without equity only the CoreWeave loop is left
    assert cycles(g, kinds=["compute_contract", "chip_purchase"]).n_loops == 1
    only_firm = cycles(g, statuses="committed reported")
    assert only_firm.find("nvidia", "openai", "oracle").hops[2].legs == ("D02",)
    with pytest.raises(ValueError, match="min_amount"):
        cycles(g, min_amount=-1)
    with pytest.raises(ValueError, match="limit"):
        cycles(g, limit=-2)


def test_network_is_asked_for_its_flow_graph():
    net = FakeNetwork()
    loops = cycles(net, kinds=["chip_purchase"], statuses=["committed"], evidence="A B",
                   include_derived=False)
    assert net.calls == [{"kinds": ["chip_purchase"], "statuses": ["committed"],
                          "evidence": "A B", "include_derived": False}]
    assert loops.n_loops == 2  # filters are the network's job


def test_bad_inputs():
    with pytest.raises(ValueError, match="directed"):
        cycles(nx.Graph([(1, 2)]))
    with pytest.raises(ValueError, match="expected a DealNetwork"):
        cycles([(1, 2)])
    with pytest.raises(ValueError, match="negative"):
        cycles(nx.DiGraph([(1, 2, {"amount": -1.0})]))


def test_graph_without_amounts_and_multigraph_records():
    g = nx.MultiDiGraph()
    g.add_edge("a", "b", key="L1", amount_usd_bn=None, announced="2025-01-01",
               kind="loan", status="committed")
    g.add_edge("b", "a", key="L2", amount_usd_bn=3.0, announced="2025-02-01",
               kind="loan", status="committed")
    mg = money_graph(g)
    assert mg.amounts[0] == (math.nan,) or math.isnan(mg.amounts[0][0])
    loop = cycles(g)[0]
    assert loop.bottleneck == 0.0 and loop.undisclosed == 1
    h = cycles(nx.DiGraph([(1, 2), (2, 1)]))[0]
    assert h.bottleneck == 1.0 and h.legs == ("1->2", "2->1")


def test_bundled_dataset_known_loops():
    import dealloop as dl

    net = dl.load()
    loops = cycles(net)
    assert loops.find("nvidia", "openai", "oracle") is not None
    assert loops.find("nvidia", "coreweave") is not None
    assert loops.find("oracle", "nvidia", "openai") is loops.find("nvidia", "openai", "oracle")
    json.dumps(loops.to_dict(), allow_nan=False)
    assert sum(loops.counts.values()) == loops.n_loops


def test_engine_switches(monkeypatch):
    from dealloop.circularity._cycle_search import _cycle_kernel
    from dealloop.circularity._jit import pick

    assert pick(_cycle_kernel, "numpy") is _cycle_kernel
    assert pick(_cycle_kernel, "auto", size=10) is _cycle_kernel  # too small to compile
    monkeypatch.setenv("DEALLOOP_NO_NUMBA", "1")
    assert pick(_cycle_kernel, "auto", size=10**9) is _cycle_kernel
    with pytest.raises(ImportError, match="numba"):
        pick(_cycle_kernel, "numba")
    indptr, indices = to_csr(3, [0, 1, 2], [1, 2, 0])
    assert count_cycles(indptr, indices, 3).tolist() == [0, 0, 0, 1]


def test_loop_resting_on_undisclosed_or_estimated_hops_is_marked():
    g = nx.DiGraph()
    g.add_edge("amd", "openai", amount=0.0, legs=["W"], amounts=[math.nan], caveats=[()])
    g.add_edge("openai", "amd", amount=0.0, legs=["P"], amounts=[math.nan], caveats=[()])
    g.add_edge("a", "b", amount=5.0, legs=["E"], amounts=[5.0], basis="estimate")
    g.add_edge("b", "a", amount=4.0, legs=["R"], amounts=[4.0])
    loops = cycles(g, include_estimates=True)
    assert loops.find("amd", "openai").caveats == ("undisclosed",)
    assert loops.find("a", "b").caveats == ("estimate",)
    assert loops.find("a", "b").to_dict()["rests_on"] == ["estimate"]
    # estimates are left out unless asked for: the a-b loop disappears
    assert cycles(g).find("a", "b") is None


def test_bundled_loops_mark_their_caveats():
    import dealloop as dl

    net = dl.load()
    loops = cycles(net, max_length=3)
    amd = loops.find("openai", "amd")
    assert amd is not None and amd.bottleneck == 0.0
    assert "undisclosed" in amd.caveats
    classic = loops.find("openai", "oracle", "nvidia")
    assert classic is not None and classic.caveats == ()
