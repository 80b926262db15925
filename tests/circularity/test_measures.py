"""Self-financed revenue, customer concentration, commitment coverage, double counting."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dealloop.circularity import (
    commitment_coverage,
    customer_concentration,
    double_counting,
    self_financed_revenue,
)


# ------------------------------------------------------------------ self-financed revenue
def test_worked_example():
    # V invests 10 in L; L has 30 of outside money; L pays 20 to V -> 5 of 20 is V's money
    r = self_financed_revenue([[0, 10], [20, 0]], outside_inflow=[0, 30], labels=["V", "L"])
    assert r.self_financed.tolist() == [5.0, 10.0]
    assert r.share[0] == 0.25
    assert r.origin_share[0, 1] == 0.25
    assert r.by_payer[0, 1] == 5.0
    frame = r.to_frame()
    assert frame.loc["V", "top_payer"] == "L" and frame.loc["L", "top_payer"] == "V"
    # With revenue = flows, L's "revenue" is V's 10; V's pool (20) is all L's money, so
    # s_L(V) = 1 and all of it counts as L's own money coming back.
    assert r.share[1] == 1.0
    json.dumps(r.to_dict(), allow_nan=False)


def test_money_back_home_is_not_counted_twice():
    F = [[0, 10], [20, 0]]
    short = self_financed_revenue(F, outside_inflow=[0, 30], max_length=2)
    long = self_financed_revenue(F, outside_inflow=[0, 30], max_length=10)
    assert long.self_financed[0] == pytest.approx(short.self_financed[0]) == 5.0


def test_chain_and_hop_limit():
    # N invests 100 in A; A (200 own money) pays C 300; C (500 other revenue) pays N 40
    F = [[0, 100, 0], [0, 0, 300], [40, 0, 0]]
    o = [0, 200, 500]
    r = self_financed_revenue(F, outside_inflow=o, labels=list("NAC"))
    assert r.self_financed[0] == pytest.approx(40 * 100 / 800)
    assert r.origin_share[0, 2] == pytest.approx(100 / 800)
    assert self_financed_revenue(F, outside_inflow=o, max_length=2).self_financed[0] == 0.0
    pairs = r.pairs().set_index(["firm", "paid_by"])
    assert pairs.loc[("N", "C"), "self_financed"] == pytest.approx(5.0)
    # with revenue = flows, C's sale to A (300) is 40/300 C-money: C paid N 40, N's pool is
    # its outflow 100, and N passed those 40 on to A (pool 300)
    assert pairs.loc[("C", "A"), "self_financed"] == pytest.approx(40.0)


def test_pool_covers_outflows_larger_than_inflows():
    # L receives 10 from V but pays 50 to V: the 40 extra is outside money (cash)
    r = self_financed_revenue([[0, 10], [50, 0]])
    assert r.pool[1] == 50.0
    assert r.self_financed[0] == pytest.approx(50 * 10 / 50)


def test_separate_revenue_matrix_and_reported_revenue():
    F = np.array([[0, 10, 0], [0, 0, 10], [10, 0, 0]], dtype=float)  # all flows
    R = np.array([[0, 0, 0], [0, 0, 10], [10, 0, 0]], dtype=float)  # revenue legs only
    r = self_financed_revenue(F, revenue=R, reported_revenue=pd.Series({"0": 100.0}),
                              labels=["0", "1", "2"])
    assert r.revenue.tolist() == [10.0, 0.0, 10.0]
    assert r.self_financed[0] == pytest.approx(10.0)  # a closed ring: all comes back
    assert r.share_of_reported[0] == pytest.approx(0.1)
    assert np.isnan(r.share[1])


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6).flatmap(lambda n: st.tuples(
    arrays(float, (n, n), elements=st.floats(0, 100)),
    arrays(float, (n,), elements=st.floats(0, 100)))), st.integers(1, 6))
def test_shares_are_bounded(model, hops):
    F, o = model
    r = self_financed_revenue(F, outside_inflow=o, max_length=hops + 1)
    assert np.all((r.origin_share >= 0) & (r.origin_share <= 1))
    assert np.all(r.self_financed <= r.revenue + 1e-9)
    more = self_financed_revenue(F, outside_inflow=o, max_length=hops + 2)
    assert np.all(more.self_financed >= r.self_financed - 1e-9)  # longer chains add


def test_self_financed_errors():
    with pytest.raises(ValueError, match="max_length"):
        self_financed_revenue([[0, 1], [1, 0]], max_length=1)
    with pytest.raises(ValueError, match="outside_inflow"):
        self_financed_revenue([[0, 1], [1, 0]], outside_inflow=[-1, 0])
    with pytest.raises(ValueError, match="square"):
        self_financed_revenue([[0, 1]])


# ------------------------------------------------------------------ concentration
def test_concentration_hand_example():
    V = pd.DataFrame([[0, 300, 0], [0, 0, 0], [0, 100, 0]], index=list("ABC"),
                     columns=list("ABC"), dtype=float)
    c = customer_concentration(V, backlog={"B": 500.0})
    f = c.to_frame()
    assert f.loc["B", "top_customer"] == "A"
    assert f.loc["B", "top_share"] == 0.75
    assert f.loc["B", "hhi"] == pytest.approx(0.75**2 + 0.25**2)
    assert f.loc["B", "n_customers"] == 2
    assert f.loc["B", "effective_customers"] == pytest.approx(1 / 0.625)
    assert f.loc["B", "top_share_of_backlog"] == pytest.approx(300 / 500)
    assert np.isnan(f.loc["A", "hhi"]) and pd.isna(f.loc["A", "top_customer"])
    json.dumps(c.to_dict(), allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 7).flatmap(lambda n: arrays(float, (n, n), elements=st.floats(0, 1e3))))
def test_hhi_bounds(V):
    c = customer_concentration(V)
    has = c.n_customers > 0
    assert np.all(np.isnan(c.hhi[~has]))
    k = c.n_customers[has]
    assert np.all(c.hhi[has] >= 1.0 / k - 1e-12)
    assert np.all(c.hhi[has] <= 1.0 + 1e-12)
    assert np.all(c.top_share[has] >= 1.0 / k - 1e-12)
    assert np.all(c.top_share[has] ** 2 <= c.hhi[has] + 1e-12)


# ------------------------------------------------------------------ coverage
def test_coverage_openai_like():
    c = commitment_coverage(pd.Series({"openai": 1400.0, "oracle": 40.0}),
                            {"openai": 20.0, "oracle": 57.4}, {"openai": 40.0},
                            horizon_years=5)
    f = c.to_frame()
    assert f.loc["openai", "years_of_revenue"] == pytest.approx(70.0)
    assert f.loc["openai", "commitments_to_cash"] == pytest.approx(35.0)
    assert f.loc["openai", "coverage"] == pytest.approx((40 + 100) / 1400)
    assert f.loc["openai", "shortfall"] == pytest.approx(1260.0)
    assert np.isnan(f.loc["oracle", "cash"])  # unknown, counted as 0 in coverage
    assert f.loc["oracle", "coverage"] == pytest.approx(57.4 * 5 / 40)
    json.dumps(c.to_dict(), allow_nan=False)


def test_coverage_is_unknown_without_cash_or_revenue():
    """No cash and no revenue figure (Dell, IREN in the bundled data): the coverage and the
    shortfall are unknown (NaN, shown as n/a), not 0; one known figure gives a floor."""
    c = commitment_coverage(pd.Series({"dell": 3.7, "iren": 5.3, "amd": 0.0}),
                            {"dell": np.nan, "iren": np.nan, "amd": np.nan},
                            {"dell": np.nan, "iren": 2.0, "amd": np.nan}, horizon_years=5)
    f = c.to_frame()
    assert np.isnan(f.loc["amd", "coverage"]) and f.loc["amd", "shortfall"] == 0.0
    assert np.isnan(f.loc["dell", "coverage"]) and np.isnan(f.loc["dell", "shortfall"])
    assert f.loc["iren", "coverage"] == pytest.approx(2.0 / 5.3)
    assert f.loc["iren", "shortfall"] == pytest.approx(3.3)
    assert "not covered by cash plus revenue 3.3 bn" in c.summary()
    json.dumps(c.to_dict(), allow_nan=False)


def test_coverage_of_bundled_firms_without_figures_is_unknown():
    import dealloop as dl

    net = dl.load()
    ents = net.entities.set_index("id")
    cov = commitment_coverage(net, horizon=(2026, 2030)).to_frame()
    blind = [f for f in cov.index if f in ents.index
             and pd.isna(ents.at[f, "cash_usd_bn"]) and pd.isna(ents.at[f, "revenue_usd_bn"])
             and cov.at[f, "commitments"] > 0]
    assert blind  # the data has such firms (dell, iren at 2026.12)
    assert cov.loc[blind, "coverage"].isna().all()
    known = cov[cov["commitments"] > 0].drop(index=blind)
    assert known["coverage"].notna().all()


def test_coverage_matrix():
    K = [[0, 300, 100], [0, 0, 0], [0, 50, 0]]
    c = commitment_coverage(K, [20, 50, 5], [10, 10, 10], labels=["openai", "oracle", "cw"])
    f = c.to_frame()
    assert f["commitments"].tolist() == [400.0, 0.0, 50.0]
    assert f.loc["openai", "largest_payee"] == "oracle"
    assert f.loc["openai", "largest_commitment"] == 300.0
    assert np.isnan(f.loc["oracle", "coverage"])
    with pytest.raises(ValueError, match="horizon_years"):
        commitment_coverage([1.0], [1.0], [1.0], horizon_years=-1)


# ------------------------------------------------------------------ double counting
def test_double_counting_hand_example():
    d = double_counting([[0, 0.5], [0.5, 0]], [1.0, 1.0], labels=["a", "b"])
    assert d.book_value.tolist() == pytest.approx([2.0, 2.0])
    assert d.market_value.tolist() == pytest.approx([1.0, 1.0])
    assert d.total_double_count == pytest.approx(2.0)
    assert d.share_double_counted == pytest.approx(0.5)
    json.dumps(d.to_dict(), allow_nan=False)


def test_double_counting_matches_formula():
    rng = np.random.default_rng(4)
    n = 6
    C = rng.uniform(0, 1, (n, n)) * (rng.uniform(size=(n, n)) < 0.4)
    np.fill_diagonal(C, 0)
    C = C / np.maximum(C.sum(axis=0), 1.0) * 0.8
    p = rng.uniform(1, 10, n)
    d = double_counting(C, p)
    V = np.linalg.solve(np.eye(n) - C, p)
    assert d.book_value == pytest.approx(V)
    assert d.market_value == pytest.approx((1 - C.sum(axis=0)) * V)
    assert d.total_double_count == pytest.approx(float(np.ones(n) @ C @ V))
    assert d.market_value.sum() == pytest.approx(p.sum())
    with pytest.raises(ValueError, match="primitive"):
        double_counting(C)


# ------------------------------------------------------------------ networks
class TinyNet:
    """The smallest object the wrappers accept: flow_graph, entities, ids, legs."""

    ids = ("nvidia", "openai", "oracle")
    entities = pd.DataFrame({"id": list(ids), "revenue_usd_bn": [130.0, 13.0, 57.0],
                             "cash_usd_bn": [40.0, 17.5, 11.0],
                             "backlog_usd_bn": [np.nan, np.nan, 455.0],
                             "market_cap_usd_bn": [4000.0, 500.0, 700.0]})

    def flow_graph(self, statuses=None, evidence=None, include_derived=True, kinds=None,
                   *, horizon=None):
        legs = [("nvidia", "openai", "equity_investment", 100.0),
                ("openai", "oracle", "compute_contract", 300.0),
                ("oracle", "nvidia", "chip_purchase", 40.0)]
        g = nx.DiGraph()
        g.add_nodes_from(self.ids)
        for u, v, kind, amount in legs:
            if kinds is None or kind in kinds:
                g.add_edge(u, v, amount=amount, legs=[f"{u}-{v}"], amounts=[amount],
                           dates=[None], kinds=[kind], statuses=["committed"])
        return g

    def legs(self, *, horizon=None, selection=None):
        return pd.DataFrame({
            "id": ["L1", "L2", "L3"], "payer": ["nvidia", "openai", "oracle"],
            "payee": ["openai", "oracle", "nvidia"],
            "kind": ["equity_investment", "compute_contract", "chip_purchase"],
            "value": [100.0, 300.0, 40.0], "value_in_horizon": [100.0, 300.0, 40.0],
            "stake": [0.05, np.nan, np.nan], "start": [None] * 3, "announced": [None] * 3})


def test_wrappers_on_a_network():
    net = TinyNet()
    c = customer_concentration(net)
    assert c.to_frame().loc["oracle", "top_customer"] == "openai"
    assert c.to_frame().loc["oracle", "top_share_of_backlog"] == pytest.approx(300 / 455)
    k = commitment_coverage(net)
    assert k.to_frame().loc["openai", "commitments"] == 300.0
    assert k.to_frame().loc["openai", "years_of_revenue"] == pytest.approx(300 / 13)
    s = self_financed_revenue(net, horizon=None)
    f = s.to_frame()
    # openai's pool = max(100 + 13, 300) = 300, 100 of it nvidia's; it all goes to oracle,
    # whose pool is 300 (its outside revenue 57 is below the 300 in-network): 1/3 is
    # nvidia's money, so 40/3 of nvidia's chip revenue comes back round the loop.
    assert f.loc["nvidia", "revenue_in_network"] == 40.0
    assert f.loc["nvidia", "self_financed"] == pytest.approx(40 / 3)
    d = double_counting(net)
    assert d.to_frame().loc["openai", "held_in_network"] == 0.05
    assert d.book_value[1] == pytest.approx(500.0)


def test_bundled_dataset_measures():
    import dealloop as dl

    net = dl.load()
    for fn in (self_financed_revenue, customer_concentration, commitment_coverage,
               double_counting):
        res = fn(net)
        frame = res.to_frame()
        assert set(net.ids) <= set(frame.index)
        json.dumps(res.to_dict(), allow_nan=False)
    cov = commitment_coverage(net).to_frame()
    assert cov.loc["openai", "years_of_revenue"] > 10


def test_overview_on_a_network():
    from dealloop.circularity import circularity

    res = circularity(TinyNet(), max_length=4, horizon=None, n_samples=5)
    frame = res.to_frame()
    assert frame.loc["nvidia", "n_loops"] == 1
    assert frame.loc["openai", "commitments"] == 300.0
    assert res.system["n_loops"] == 1 and res.system["largest_bottleneck"] == 40.0
    assert "loops_z" in res.system and "double_count" in res.system
    json.dumps(res.to_dict(), allow_nan=False)
    with pytest.raises(ValueError, match="DealNetwork"):
        circularity(nx.DiGraph())


@pytest.mark.parametrize(("func", "kwargs"), [
    (self_financed_revenue, {"kinds": ["loan"]}),
    (self_financed_revenue, {"horizon": (2026, 2027)}),
    (customer_concentration, {"statuses": ["committed"]}),
    (commitment_coverage, {"horizon": (2026, 2030)}),
    (double_counting, {"statuses": ["committed"]}),
])
def test_leg_selections_with_a_matrix_are_refused(func, kwargs):
    """kinds/statuses/horizon select legs of a network; with a matrix they were ignored."""
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        func([[0.0, 1.0], [1.0, 0.0]], **kwargs)


@pytest.mark.parametrize("kwargs", [{"kinds": ["bond"]}, {"statuses": ["committed"]},
                                    {"horizon": (2026, 2027)}])
def test_ena_refuses_leg_selections_with_a_matrix(kwargs):
    """ena's kinds/statuses/horizon select legs of a network; a matrix has none to select."""
    from dealloop.circularity import ena

    F = [[0.0, 1.0], [1.0, 0.0]]
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        ena(F, inputs=[1.0, 1.0], outputs=[1.0, 1.0], **kwargs)
    assert ena(F, inputs=[1.0, 1.0], outputs=[1.0, 1.0]).fci > 0  # without them it runs


@pytest.mark.parametrize("kwargs", [{"kinds": ["bond"]}, {"statuses": ["committed"]},
                                    {"evidence": ["A"]}, {"horizon": (2026, 2027)},
                                    {"include_derived": False}, {"include_estimates": True}])
def test_money_graph_refuses_leg_selections_with_arrays(kwargs):
    """Arrays carry no kinds, statuses, grades, bases or dates: a selection would be ignored."""
    import numpy as np

    from dealloop.circularity import money_graph

    arrays = (np.array([0, 1]), np.array([1, 0]), np.array([2.0, 3.0]))
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        money_graph(arrays, **kwargs)
    assert money_graph(arrays).matrix().sum() == 5.0


def test_money_graph_refuses_a_horizon_with_a_graph():
    """A networkx graph's edges have no horizon shares; its kinds and statuses still filter."""
    import networkx as nx

    from dealloop.circularity import money_graph

    g = nx.DiGraph()
    g.add_edge("a", "b", amount=2.0, kind="bond")
    g.add_edge("b", "a", amount=3.0, kind="loan")
    with pytest.raises(ValueError, match="horizon"):
        money_graph(g, horizon=(2026, 2027))
    assert money_graph(g, kinds=["bond"]).matrix().sum() == 2.0
