"""Loop-count budget for cycles (issue #20): estimated before the search, enforced during it."""

from __future__ import annotations

import json
from itertools import permutations
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from dealloop.circularity import count_cycles, enumerate_cycles, money_graph, to_csr
from dealloop.circularity.budget import LoopBudgetError, estimate_loops, top_loops
from dealloop.circularity.cycles import loops_of

from ..conftest import cli, dense_dataset

MINI = Path(__file__).parents[1] / "data" / "mini"


def complete(n: int) -> tuple[np.ndarray, np.ndarray]:
    pairs = np.array(list(permutations(range(n), 2)))
    return to_csr(n, pairs[:, 0], pairs[:, 1])


@pytest.mark.parametrize(("n", "k"), [(5, 4), (7, 5), (9, 6)])
def test_estimate_is_the_right_order_of_magnitude(n: int, k: int) -> None:
    indptr, indices = complete(n)
    true = int(count_cycles(indptr, indices, k).sum())
    assert true <= estimate_loops(indptr, indices, k) <= 5 * true  # an over-estimate here


def test_estimate_of_an_acyclic_graph_is_zero() -> None:
    indptr, indices = to_csr(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    assert estimate_loops(indptr, indices, 6) == 0.0


def test_search_stops_at_the_cap() -> None:
    indptr, indices = complete(7)
    assert len(enumerate_cycles(indptr, indices, 5)) > 500
    with pytest.raises(LoopBudgetError, match="more than 500 loops"):
        enumerate_cycles(indptr, indices, 5, max_cycles=500)
    assert len(enumerate_cycles(indptr, indices, 5, max_cycles=10**6)) == \
        int(count_cycles(indptr, indices, 5).sum())


def _dense(n: int) -> nx.DiGraph:
    g = nx.DiGraph()
    for i, j in permutations(range(n), 2):
        g.add_edge(f"f{i:02d}", f"f{j:02d}", amount=float(1 + (7 * i + 13 * j) % 97))
    return g


def test_far_over_budget_is_refused_before_searching() -> None:
    graph = money_graph(_dense(30))
    with pytest.raises(LoopBudgetError, match="loops of up to 6 hops, more than the 1,000"):
        loops_of(graph, 6, budget=1_000)


def test_top_loops_are_the_exact_top_by_bottleneck() -> None:
    """On a graph small enough to list, the budgeted search finds the same top loops."""
    g = _dense(8)
    graph = money_graph(g)
    everything = loops_of(graph, 4, budget=None)
    top, threshold, done = top_loops(graph, 4, 10, budget=200)
    assert not done and top.n_loops >= 10
    want = everything.to_frame().head(10)[["firms", "bottleneck"]]
    got = top.to_frame().head(10)[["firms", "bottleneck"]]
    assert got["bottleneck"].tolist() == want["bottleneck"].tolist()
    assert (everything.to_frame()["bottleneck"] >= threshold).sum() == top.n_loops


def test_cycles_command_on_a_dense_graph_lists_the_top_in_bounded_work(tmp_path: Path) -> None:
    data = dense_dataset(tmp_path)
    res = cli("cycles", "--data", str(data), "--limit", "2", "--json")
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout)
    assert out["complete"] is False and "more than the 2,000,000" in out["note"]
    g = nx.DiGraph((f"f{i:02d}", f"f{j:02d}") for i, j in permutations(range(60), 2)
                   if 1 + (7 * i + 13 * j) % 97 >= out["loops"][0]["bottleneck"])
    best = out["loops"][0]["bottleneck"]
    assert any(True for _ in nx.simple_cycles(g, length_bound=6))  # it is a loop's bottleneck
    higher = nx.DiGraph((f"f{i:02d}", f"f{j:02d}") for i, j in permutations(range(60), 2)
                        if 1 + (7 * i + 13 * j) % 97 > best)
    assert not any(True for _ in nx.simple_cycles(higher, length_bound=6))  # and the top one
    assert len(out["loops"]) == 2
    for args in (("circularity",), ("cycles", "--null", "2")):
        res = cli(*args, "--data", str(data))
        assert res.returncode == 1 and "Traceback" not in res.stderr
        assert "more than the 2,000,000 a search may list" in res.stderr
