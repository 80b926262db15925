"""Market value by a stated rule: revenue lost at the firm's multiple (earnings or
price-to-book from its figures), capital flows dollar for dollar; dollar for dollar overall
reproduces the one-to-one rule."""

from __future__ import annotations

import numpy as np
import pytest

from dealloop import mapping, scenarios
from dealloop.mapping.arrays import PRINCIPAL, PURCHASE, Inputs, Structure
from dealloop.scenarios.engine import clear
from dealloop.scenarios.years import clear_years

# firm 0 sells to firm 1 (claim 0, a purchase) and lent to firm 1 (claim 1, debt)
ST = dict(n=2, debtor=np.array([1, 1]), creditor=np.array([0, 0]),
          channel=np.array([PURCHASE, PRINCIPAL], np.int8), market_value=np.array([100.0, 0]))


def _inputs(cash1: float, income0: float = 10.0) -> Inputs:
    a = np.array([[4.0], [2.0]])
    return Inputs(amount=a, accel=a.copy(), e=np.array([[income0], [cash1]]))


def test_revenue_lost_at_the_multiple_capital_dollar_for_dollar() -> None:
    """Firm 0 (multiple 3) loses 1 of outside income (3 of value) and, when its customer
    defaults with nothing, the sale of 4 (3 x 4 = 12) and the loan of 2 (2): 100 - 17."""
    st = Structure(**ST, value_multiple=np.array([3.0, 1.0]))
    base = clear(st, _inputs(6.0))
    out = clear(st, _inputs(0.0, 9.0), reference=base)
    assert out.defaulted[:, 0].tolist() == [False, True]
    assert out.market_value[0, 0] == pytest.approx(100 - 3 * 1 - 3 * 4 - 2)
    flat = Structure(**ST)
    out1 = clear(flat, _inputs(0.0, 9.0), reference=clear(flat, _inputs(6.0)))
    assert out1.market_value[0, 0] == pytest.approx(100 - 1 - 4 - 2)


def test_a_capital_loss_carried_forward_stays_dollar_for_dollar() -> None:
    """Year 1: the customer defaults on its loan (capital, 2) and its purchase (revenue, 4);
    firm 0 carries 6 less cash into year 2. Its value in year 2 still counts the loan once
    and the sale at the multiple: 100 - 3 x 4 - 2, not 3 x 6 as the cash carried would."""
    st = Structure(**ST, value_multiple=np.array([3.0, 1.0]))
    zero = Inputs(amount=np.zeros((2, 1)), accel=np.zeros((2, 1)), e=np.array([[10.0], [0]]))
    ref = clear_years(st, [_inputs(6.0), zero])
    out = clear_years(st, [_inputs(0.0), zero], reference=ref)
    assert out.outcomes[0].market_value[0, 0] == pytest.approx(100 - 12 - 2)
    assert out.outcomes[1].market_value[0, 0] == pytest.approx(100 - 12 - 2)


def test_multiples_from_the_figures_and_flags(net) -> None:
    bs = mapping.build(net, scenarios.loads(
        "name: x\nquestion: q\nmapping: {market_value_rule: earnings}"))
    fr = bs.frame
    # Microsoft: market value / FY2025 net income (F057) per year of the horizon
    assert fr.at["microsoft", "value_multiple"] == pytest.approx(
        fr.at["microsoft", "market_value"] / 101.8 / bs.revenue_years)
    assert "F057" in fr.at["microsoft", "value_figures"]
    # OpenAI reports net losses only: as contract_pv (its sales end inside the horizon: 1)
    assert fr.at["openai", "value_multiple"] == 1.0 and fr.at["openai", "value_assumed"]
    pv = mapping.build(net, scenarios.loads("name: x\nquestion: q")).frame
    pb = mapping.build(net, scenarios.loads(
        "name: x\nquestion: q\nmapping: {market_value_rule: price_to_book}")).frame
    assert pb.at["meta", "value_multiple"] == pytest.approx(
        pb.at["meta", "market_value"] / 217.243 * pv.at["meta", "value_multiple"])
    # contract_pv: Oracle's OpenAI contract (D03) runs to 2031, a year past the horizon
    assert pv.at["oracle", "value_multiple"] > 1.0 and "D03" in pv.at["oracle", "value_legs"]
    assert not pv["value_assumed"].any() and (pv["value_multiple"] >= 1.0).all()
    fixed = mapping.build(net, scenarios.loads(
        "name: x\nquestion: q\nmapping: {market_value_rule: fixed, value_multiple: 2}")).frame
    assert (fixed["value_multiple"] == 2.0).all() and not fixed["value_assumed"].any()


def test_dollar_for_dollar_reproduces_the_one_to_one_rule(net) -> None:
    """With every multiple 1 the split changes nothing: a surviving firm's market value
    moves by its change in net worth, new money raised taken out (it dilutes), floored at
    0."""
    sc = scenarios.load("openai-no-new-money")
    sc = sc.model_copy(update={"mapping": sc.mapping.model_copy(
        update={"market_value_rule": "fixed"})})
    f = scenarios.run(sc, net, band=False).firms
    f = f[~f["defaulted"]]
    loss = (f["net_worth_before"] - f["net_worth_after"]) \
        - (f["new_money_after"] - f["new_money"])
    expect = np.maximum(0.0, f["market_value_before"] - loss)
    assert f["market_value_after"].to_numpy() == pytest.approx(expect.to_numpy(), abs=1e-6)
    earn = scenarios.run(sc.model_copy(update={"mapping": sc.mapping.model_copy(
        update={"market_value_rule": "earnings"})}), net, band=False)
    # Microsoft loses OpenAI's Azure contract: revenue, so more than its book loss
    m = earn.firms.loc["microsoft"]
    assert m["market_value_before"] - m["market_value_after"] > 3 * m["equity_loss"]
    # NVIDIA is released from its OpenAI investment: capital, so it gains nothing
    n = earn.firms.loc["nvidia"]
    assert n["market_value_after"] <= n["market_value_before"] + 1e-9


def test_explain_flags_assumed_figures_and_pledges(net) -> None:
    """--explain says where a figure is missing (0 assumed), which rule moves market value
    and which debt is secured on what."""
    bs = mapping.build(net, scenarios.load("meta-exits-hyperion"))
    sheet = bs.explain("hyperion-jv").set_index("item")
    assert "no cash figure: 0 assumed" in sheet.at["cash", "note"]
    assert "secured on its campus" in sheet.at["debt to repay", "note"]
    msft = bs.explain("microsoft").set_index("item")
    assert "F072" in msft.at["market value", "figures"]   # the market value figure itself
    assert "(rule contract_pv" in msft.at["market value", "note"]
    from dealloop.scenarios.tornado import assumptions

    box = assumptions(bs.scenario, bs)
    assert any(a.startswith("no cash figure (0 assumed)") and "hyperion-jv" in a for a in box)
