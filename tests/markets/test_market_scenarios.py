"""Scenarios sized by market prices: fail above an implied PD; draw failures in Monte Carlo."""

from __future__ import annotations

import math

import pytest

from dealloop import scenarios
from dealloop.data.problems import DataError
from dealloop.markets import default_probability, implied_pds

BASE = "name: m\nquestion: What do markets say?\n"


@pytest.fixture(scope="module")
def net():
    import dealloop as dl

    return dl.load()


def test_fail_above_fails_exactly_the_firms_over_the_line(net) -> None:
    table = implied_pds(net, as_of="2025-12-31", horizon=1.0)
    over = sorted(f for f, p in table["pd_1y"].items() if p > 0.05)
    assert over == ["coreweave"]                        # 881bp -> 13.7%; Oracle 128bp -> 2.1%
    sc = scenarios.loads(BASE + "markets: {as_of: '2025-12-31', fail_pd_above: 0.05}")
    res = scenarios.run(sc, net, band=False)
    failed = res.firms[res.firms["wave"] == 1].index.tolist()
    assert failed == ["coreweave"]
    lower = scenarios.loads(BASE + "markets: {as_of: '2025-12-31', fail_pd_above: 0.01}")
    res = scenarios.run(lower, net, band=False)
    assert {"coreweave", "oracle"} <= set(res.firms[res.firms["wave"] == 1].index)


def test_added_shocks_say_where_their_probability_comes_from(net) -> None:
    from dealloop.scenarios.marketshocks import market_shocks

    text = BASE + "markets: {as_of: '2025-12-31', fail_pd_above: 0.05}"
    sc = market_shocks(scenarios.loads(text), net)
    note = sc.shocks[-1].note
    assert "cds_5y 881bp" in note and "13.7%" in note and "s-" in note


def test_monte_carlo_draws_failures_with_the_implied_probability(net) -> None:
    sc = scenarios.loads(BASE + "markets: {as_of: '2025-12-31', draw_failures: true}")
    base = scenarios.run(sc, net, band=False)        # a single run: none of them happens
    assert not base.firms.loc["coreweave", "defaulted"]
    n = 4000
    sim = scenarios.simulate(sc, net, draws=n, seed=7, workers=0, chunk=2000)
    p = default_probability(881, recovery=0.4, horizon=1.0)
    assert sim.firms.loc["coreweave", "pd"] == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p)
                                                                                 / n))
    again = scenarios.simulate(sc, net, draws=n, seed=7, workers=0, chunk=2000)
    assert again.firms.loc["coreweave", "pd"] == sim.firms.loc["coreweave", "pd"]


def test_markets_section_is_checked() -> None:
    with pytest.raises(DataError) as info:
        scenarios.loads(BASE + "markets:\n  fail_pd_above: 2\n")
    assert any(p.row == 4 and "markets.fail_pd_above" in str(p) for p in info.value.problems)
    with pytest.raises(DataError):
        scenarios.loads(BASE + "markets: {draw_failure: true}\n")
