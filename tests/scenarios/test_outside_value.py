"""The ``contract_pv`` factor applies to sales inside the network only.

The toy of ``test_contract_pv``, with outside revenue: the supplier sells 20 a year outside
the network and 10 a year to the buyer (2029-2031); a two-year horizon (2029-30) sees two
years of the contract, so the supplier's contract factor is the three-year annuity over
the two years counted. Margin 0.3, no stranded costs, 5% discount rate. Outside revenue in
the horizon: 2 x 30 - 20 booked from the buyer = 40, spread evenly over the two years."""

from __future__ import annotations

import pytest

from dealloop import scenarios

TWO = 1 + 1.05 ** -1                  # the two years the horizon counts
FACTOR = (TWO + 1.05 ** -2) / TWO     # the contract's three years over the two counted
HALF = 0.5 * 0.3 * (30 * 730 / 365.2425 - 20) / 2 * TWO  # half the outside revenue, margin


@pytest.fixture(scope="module")
def toy(buyer_seller):
    return buyer_seller(30)


def _run(net, shocks: str, rule: str = "contract_pv"):
    text = (f"name: t\nquestion: q\nhorizon: [2029, 2030]\nshocks: [{shocks}]\n"
            "mapping: {discount_rate: 0.05, operating_margin: {seller: 0.3}, "
            f"stranded_share: {{default: 0}}, market_value_rule: {rule}}}\n")
    return scenarios.run(scenarios.loads(text), net, band=False)


def _lost(res) -> float:
    s = res.firms.loc["seller"]
    return float(s["market_value_before"] - s["market_value_after"])


def test_outside_revenue_lost_moves_value_dollar_for_dollar(toy) -> None:
    """Half the outside revenue goes: 0.5 x 0.3 of it, each year's half discounted; market
    value loses the same (no contract factor), as does book equity."""
    res = _run(toy, "{type: revenue, entity: seller, fall: 0.5}")
    assert res.balance.frame.at["seller", "value_multiple"] == pytest.approx(FACTOR)
    assert res.balance.frame.at["seller", "outside_multiple"] == 1.0
    assert _lost(res) == pytest.approx(HALF, rel=1e-9)
    assert res.firms.at["seller", "equity_loss"] == pytest.approx(HALF, rel=1e-9)


def test_sales_to_the_network_keep_their_factor(toy) -> None:
    """The buyer fails as well: the contract's margin over its three years (3 a year) plus
    the outside loss at 1."""
    res = _run(toy, "{type: revenue, entity: seller, fall: 0.5}, {type: fail, entity: buyer}")
    assert _lost(res) == pytest.approx(3 * TWO * FACTOR + HALF, rel=1e-9)


def test_fixed_and_contract_pv_agree_on_outside_revenue(toy) -> None:
    shock = "{type: revenue, entity: seller, fall: 0.5}"
    assert _lost(_run(toy, shock, "fixed")) == pytest.approx(_lost(_run(toy, shock)),
                                                             rel=1e-12)
