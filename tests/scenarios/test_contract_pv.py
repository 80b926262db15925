"""Market value by ``contract_pv`` (the default rule): a surviving supplier loses the present
value of the margin and stranded costs of the contracts it no longer gets paid for, over
the years they run and no longer; a defaulter's equity goes to zero.

The toy: one buyer (an AI lab with nothing but the plan's new money) owes one supplier
10 a year for three years (2029-2031, no leap year); the supplier's margin is 0.3, no
stranded costs, no other business; the discount rate is 5%."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealloop import scenarios


@pytest.fixture(scope="module")
def toy(buyer_seller):
    return buyer_seller()


def _run(net, *, horizon: str = "[2029, 2033]", amount: float = 30.0, margin: float = 0.3,
         recovery: float = 0.0, rule: str = "contract_pv", timing: str = "years",
         stranded: float = 0.0):
    text = (f"name: t\nquestion: q\nhorizon: {horizon}\n"
            f"shocks: [{{type: fail, entity: buyer, recovery: {recovery}}}]\n"
            f"legs: {{amounts: {{T1: {amount}}}}}\n"
            f"mapping: {{discount_rate: 0.05, operating_margin: {{seller: {margin}}}, "
            f"stranded_share: {{default: {stranded}}}, market_value_rule: {rule}, "
            f"timing: {timing}, new_money: plan}}\n")
    return scenarios.run(scenarios.loads(text), net, band=False).firms


ANNUITY = 1 + 1.05 ** -1 + 1.05 ** -2  # three payments, the first at the horizon's start


def test_lost_margin_is_the_annuity_by_hand(toy) -> None:
    """The buyer fails and pays nothing: the supplier loses 0.3 x 10 x (1 + 1/1.05 +
    1/1.05^2) = 8.578 of market value, its book equity the same; the buyer's equity is
    wiped out."""
    f = _run(toy)
    s = f.loc["seller"]
    assert not s["defaulted"]
    assert s["market_value_before"] - s["market_value_after"] == pytest.approx(
        0.3 * 10 * ANNUITY, rel=1e-9)
    assert s["equity_loss"] == pytest.approx(0.3 * 10 * ANNUITY, rel=1e-9)
    assert f.at["buyer", "defaulted"] and f.at["buyer", "market_value_after"] == 0.0


def test_a_contract_past_the_horizon_counts_its_later_years(toy) -> None:
    """A two-year horizon sees 2029-30 only; the market value still loses the whole
    three-year annuity (2031 discounted two years), while book equity counts two years."""
    f = _run(toy, horizon="[2029, 2030]")
    s = f.loc["seller"]
    assert s["market_value_before"] - s["market_value_after"] == pytest.approx(
        0.3 * 10 * ANNUITY, rel=1e-9)
    assert s["equity_loss"] == pytest.approx(0.3 * 10 * (1 + 1.05 ** -1), rel=1e-9)


def test_the_static_step_discounts_too(toy) -> None:
    """In the one-period step book equity loses the undiscounted 9; market value the same
    annuity as year by year."""
    f = _run(toy, timing="static")
    s = f.loc["seller"]
    assert s["equity_loss"] == pytest.approx(9.0, rel=1e-9)
    assert s["market_value_before"] - s["market_value_after"] == pytest.approx(
        0.3 * 10 * ANNUITY, rel=1e-9)


def test_stranded_costs_add_to_the_margin(toy) -> None:
    """Half of the cost of delivering (1 - 0.3) is sunk: the loss per dollar is 0.3 +
    0.7 x 0.5 = 0.65, over the same annuity."""
    s = _run(toy, stranded=0.5).loc["seller"]
    assert s["market_value_before"] - s["market_value_after"] == pytest.approx(
        0.65 * 10 * ANNUITY, rel=1e-9)


def test_earnings_is_the_upper_reading_fixed_the_lower(toy) -> None:
    """The other rules stay: ``fixed`` loses what the horizon counts, ``earnings`` falls back
    to the contract value for a firm with no net income figure (flagged)."""
    fixed = _run(toy, horizon="[2029, 2030]", rule="fixed").loc["seller"]
    assert fixed["market_value_before"] - fixed["market_value_after"] == pytest.approx(
        0.3 * 10 * (1 + 1.05 ** -1), rel=1e-9)
    earn = _run(toy, horizon="[2029, 2030]", rule="earnings").loc["seller"]
    assert earn["market_value_before"] - earn["market_value_after"] == pytest.approx(
        0.3 * 10 * ANNUITY, rel=1e-9)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=st.floats(1.0, 5000.0).map(lambda x: round(x, 3)),
       margin=st.floats(0.0, 1.0).map(lambda x: round(x, 4)),
       r=st.tuples(*[st.floats(0.0, 1.0).map(lambda x: round(x, 4))] * 2))
def test_survivor_loss_is_bounded_and_monotone_in_the_unpaid_amount(toy, amount, margin,
                                                                    r) -> None:
    """Whatever the contract's size and margin: the supplier (it owes nothing, so it
    survives) never loses more than its market value before the shock, and recovering
    less from the buyer (more left unpaid) never loses it less."""
    lo, hi = sorted(r)
    more = _run(toy, amount=amount, margin=margin, recovery=lo, horizon="[2029, 2030]")
    less = _run(toy, amount=amount, margin=margin, recovery=hi, horizon="[2029, 2030]")
    for f in (more, less):
        s = f.loc["seller"]
        assert not s["defaulted"]
        assert 0.0 <= s["market_value_after"] <= s["market_value_before"] + 1e-9
    lost_more = more.at["seller", "market_value_before"] - more.at["seller",
                                                                    "market_value_after"]
    lost_less = less.at["seller", "market_value_before"] - less.at["seller",
                                                                    "market_value_after"]
    assert lost_more >= lost_less - 1e-9
