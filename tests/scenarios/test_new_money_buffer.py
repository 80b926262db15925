"""The share of the plan's new money held back (``mapping.new_money_buffer``): no knife edge.

The toy: a buyer (an AI lab with nothing but the plan's new money) owes a supplier 10 a year
for three years (2029-2031, 30 in all); no discounting, no headroom. Its gap is 30. With
``new_money_buffer: b`` its round is ``30 / (1 - b)``, of which it draws the gap; a funding
shock cutting the round by 20% leaves it ``0.8 x 30 / (1 - b)``."""

from __future__ import annotations

import pytest

from dealloop import scenarios
from dealloop.scenarios.tornado import ASSUMPTIONS, assumptions


@pytest.fixture(scope="module")
def toy(buyer_seller):
    return buyer_seller()


def _scenario(buffer: float, cut: float, timing: str):
    return scenarios.loads("name: t\nquestion: q\nhorizon: [2029, 2031]\n"
            f"shocks: [{{type: funding, entity: buyer, cut: [plan], fraction: {cut}}}]\n"
            f"mapping: {{discount_rate: 0, new_money_headroom: 0, new_money_buffer: {buffer}, "
            f"operating_margin: {{seller: 0.3}}, stranded_share: {{default: 0}}, "
            f"timing: {timing}}}\n")


def _run(net, buffer: float, cut: float, timing: str):
    return scenarios.run(_scenario(buffer, cut, timing), net, band=False)


@pytest.mark.parametrize(("timing", "unpaid"), [("static", 6.0), ("years", 22.0)])
def test_a_quarter_held_back_absorbs_a_fifth_cut(toy, timing, unpaid) -> None:
    """b = 0.25: the round is 40, cut by 20% to 32 >= 30: the buyer pays in full and draws
    the same 30 as before. b = 0: the round is 30, cut to 24: it defaults. In one step the
    supplier goes without 6; year by year the buyer can raise 8 of the 10 due in 2029,
    defaults then, and raises nothing after: 2 + 10 + 10 = 22 unpaid."""
    held = _run(toy, 0.25, 0.2, timing)
    assert not held.firms.at["buyer", "defaulted"]
    assert held.system["payment_shortfall"] == pytest.approx(0.0, abs=1e-9)
    assert held.system["new_money_extra"] == pytest.approx(0.0, abs=1e-9)
    edge = _run(toy, 0.0, 0.2, timing)
    assert edge.firms.at["buyer", "defaulted"]
    assert edge.system["payment_shortfall"] == pytest.approx(unpaid, rel=1e-9)


def test_the_round_stretches_by_b_over_one_minus_b(toy) -> None:
    """b = 0.1: the round is 30 / 0.9 = 33.33, cut by 20% to 26.67 < 30: a default leaving
    3.33 unpaid (the static step pays what the cut round brings)."""
    out = _run(toy, 0.1, 0.2, "static")
    assert out.firms.at["buyer", "defaulted"]
    assert out.system["payment_shortfall"] == pytest.approx(30 - 0.8 * 30 / 0.9, rel=1e-9)


def test_unshocked_nothing_changes(toy) -> None:
    """Without a cut the buffer changes nothing: the gap is drawn, no more."""
    a, b = _run(toy, 0.0, 0.0, "years"), _run(toy, 0.5, 0.0, "years")
    assert a.system["new_money_needed"] == pytest.approx(30.0, rel=1e-9)
    assert b.system["new_money_needed"] == pytest.approx(30.0, rel=1e-9)
    assert a.system["market_value_lost"] == b.system["market_value_lost"] == 0.0


def test_the_assumption_is_stated_and_in_the_tornado(toy) -> None:
    res = _run(toy, 0.0, 0.2, "years")
    lines = assumptions(_scenario(0.0, 0.2, "years"), res.balance)
    line = next(x for x in lines if x.startswith("new money held back"))
    assert "0% of each round" in line and "assumed" in line and "https://" in line
    assert "new money held back" in ASSUMPTIONS


def test_the_buffer_is_a_share_below_one() -> None:
    with pytest.raises(ValueError, match="new_money_buffer"):
        scenarios.loads("name: t\nquestion: q\nmapping: {new_money_buffer: 1}")
