"""Year-by-year clearing with cash carried forward, and debt service schedules by hand."""

from __future__ import annotations

import numpy as np
import pytest

from dealloop.contagion import eisenberg_noe
from dealloop.mapping.arrays import PLAN, PRINCIPAL, Inputs, Structure
from dealloop.scenarios.engine import clear, debt_only
from dealloop.scenarios.years import clear_years, debt_schedule


def _year(L: np.ndarray, e: np.ndarray) -> tuple[Structure, Inputs]:
    return debt_only(L, e)


def test_toy_pays_two_years_and_fails_in_the_third() -> None:
    """A has 10 of cash and 3 of income a year and owes B 8 each year: in 2026 it pays 8 and
    keeps 5; in 2027 it has 5 + 3 = 8 and pays; in 2028 it has 3 for 8 and fails, having
    paid in full before. B keeps everything it receives."""
    L = np.array([[0.0, 8.0], [0.0, 0.0]])
    st, y1 = _year(L, np.array([13.0, 0.0]))
    _, y2 = _year(L, np.array([3.0, 0.0]))
    _, y3 = _year(L, np.array([3.0, 0.0]))
    out = clear_years(st, [y1, y2, y3], years=[2026, 2027, 2028])
    assert out.default_year[:, 0].tolist() == [2028, 0]
    assert [bool(o.defaulted[0, 0]) for o in out.outcomes] == [False, False, True]
    assert out.cash[:, 0, 0].tolist() == [5.0, 0.0, 0.0]
    assert out.cash[:, 1, 0].tolist() == [8.0, 16.0, 19.0]
    assert float(out.outcomes[2].payments[0, 0]) == pytest.approx(3.0)


def test_two_year_toy_fails_in_year_two_only() -> None:
    """A has 10 of cash, no income, and owes B 8 in each of two years: it pays 8 in year 1
    (not in default) and fails in year 2 paying the 2 it kept. Folded into one static step
    (16 against 10) it fails at once, with no date."""
    L = np.array([[0.0, 8.0], [0.0, 0.0]])
    st, y1 = _year(L, np.array([10.0, 0.0]))
    _, y2 = _year(L, np.array([0.0, 0.0]))
    out = clear_years(st, [y1, y2], years=[2026, 2027])
    assert [bool(o.defaulted[0, 0]) for o in out.outcomes] == [False, True]
    assert out.default_year[:, 0].tolist() == [2027, 0]
    assert [float(o.payments[0, 0]) for o in out.outcomes] == pytest.approx([8.0, 2.0])
    st1, one = _year(np.array([[0.0, 16.0], [0.0, 0.0]]), np.array([10.0, 0.0]))
    static = clear(st1, one)
    assert static.defaulted[0, 0] and static.payments[0, 0] == pytest.approx(10.0)


def test_one_year_is_eisenberg_noe() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        L = rng.uniform(0, 10, (5, 5)) * (rng.random((5, 5)) < 0.5)
        np.fill_diagonal(L, 0.0)
        e = rng.uniform(0, 10, 5)
        st, inp = debt_only(L, e)
        y = clear_years(st, [inp])
        en = eisenberg_noe(L, e)
        np.testing.assert_allclose(y.outcomes[0].payments[:, 0], en.payments, atol=1e-9)
        assert y.default_year[:, 0].tolist() == [1 if d else 0 for d in en.defaulted]


def test_debt_schedules_by_hand() -> None:
    """100 at 5% over 2026-2029. Linear: 25 a year, interest on what is left (5, 3.75, 2.5,
    1.25). Bullet: 5 a year and 100 at the end. Annuity: the same payment every year,
    100 x 0.05 / (1 - 1.05^-4) = 28.2012."""
    lin = debt_schedule(100.0, 0.05, 2026, 2029, repayment="linear")
    assert lin["year"].tolist() == [2026, 2027, 2028, 2029]
    assert lin["interest"].tolist() == pytest.approx([5.0, 3.75, 2.5, 1.25])
    assert lin["payment"].tolist() == pytest.approx([30.0, 28.75, 27.5, 26.25])
    assert lin["closing"].iloc[-1] == pytest.approx(0.0)
    bullet = debt_schedule(100.0, 0.05, 2026, 2029)
    assert bullet["payment"].tolist() == pytest.approx([5.0, 5.0, 5.0, 105.0])
    ann = debt_schedule(100.0, 0.05, 2026, 2029, repayment="annuity")
    assert ann["payment"].tolist() == pytest.approx([28.2012] * 4, abs=1e-4)
    assert ann["principal"].sum() == pytest.approx(100.0)
    assert ann["interest"].iloc[0] == pytest.approx(5.0)
    inside = debt_schedule(100.0, 0.05, 2024, 2033, years=range(2026, 2031))
    assert inside["year"].tolist() == list(range(2026, 2031))
    assert inside["payment"].tolist() == pytest.approx([5.0] * 5)
    with pytest.raises(ValueError, match="maturity"):
        debt_schedule(1.0, 0.1, 2030, 2029)


def test_discounting_at_a_stated_rate() -> None:
    L = np.array([[0.0, 10.0], [0.0, 0.0]])
    st, inp = _year(L, np.array([10.0, 0.0]))
    y = clear_years(st, [inp, inp, inp])
    assert y.discounted("payments", 0.0)[0, 0] == pytest.approx(30.0)
    assert y.discounted("payments", 0.05)[0, 0] == pytest.approx(10 + 10 / 1.05 + 10 / 1.05 ** 2)


def test_accelerated_debt_is_owed_once_and_the_estate_pays_it_off() -> None:
    """A owes B a loan of 30, 10 due each year, accelerated whole on default; A has 5 of
    income a year. Year 1: 5 for 10 due, A defaults and owes all 30 (pays 5, 25 left).
    Years 2 and 3: the 25 then 20 left stay owed (not asked again in full), A pays its 5.
    What is left unpaid at the end is 15, counted once."""
    L = np.array([[0.0, 10.0], [0.0, 0.0]])
    st, y1 = _year(L, np.array([5.0, 0.0]))
    acc = np.array([[30.0]])
    ys = [Inputs(amount=y1.amount, accel=acc, e=y1.e) for _ in range(3)]
    out = clear_years(st, ys)
    assert [float(o.owed[0, 0]) for o in out.outcomes] == pytest.approx([30.0, 25.0, 20.0])
    assert [float(o.paid[0, 0]) for o in out.outcomes] == pytest.approx([5.0, 5.0, 5.0])
    assert out.default_year[:, 0].tolist() == [1, 0]
    assert out.unpaid()[:, 0, 0].tolist() == pytest.approx([25.0, 20.0, 15.0])
    tot = out.total()
    assert tot.owed[0, 0] == pytest.approx(30.0) and tot.paid[0, 0] == pytest.approx(15.0)
    assert tot.pbar[0, 0] - tot.payments[0, 0] == pytest.approx(15.0)


def test_purchases_are_not_accelerated_and_each_year_shortfall_adds_up() -> None:
    """A buys 10 a year from B (not accelerated) with 4 of income a year: it defaults in
    year 1 and pays 4 of 10 every year; the shortfall is 6 a year, 18 in all."""
    L = np.array([[0.0, 10.0], [0.0, 0.0]])
    st, y = _year(L, np.array([4.0, 0.0]))
    out = clear_years(st, [y, y, y])
    assert out.unpaid()[:, 0, 0].tolist() == pytest.approx([6.0, 12.0, 18.0])
    assert out.total().owed[0, 0] == pytest.approx(30.0)


def test_the_plan_headroom_is_one_budget_over_the_years() -> None:
    """A raises new money from outside (a plan claim) up to 2 a year plus a headroom of 3
    over all the years; it owes 5 a year and has nothing else. Year 1: 2 + 3 = 5, paid.
    Year 2: the headroom is spent, 2 for 5: it defaults (and takes all it can raise)."""
    st = Structure(n=2, debtor=np.array([0, 2]), creditor=np.array([1, 0]),
                   channel=np.array([PRINCIPAL, PLAN], np.int8))
    a = np.array([[5.0], [2.0]])
    y = Inputs(amount=a, accel=a.copy(), e=np.zeros((2, 1)))
    out = clear_years(st, [y, y], headroom=np.array([[3.0], [0.0]]))
    assert [float(o.new_money[0, 0]) for o in out.outcomes] == pytest.approx([5.0, 2.0])
    assert out.default_year[:, 0].tolist() == [2, 0]


def _principal_row(comp, deal: str) -> int:
    st = comp.structure
    return int(np.flatnonzero((st.channel == PRINCIPAL)
                              & (comp.claim_deal == comp.deal_index[deal]))[0])


def test_coupons_and_amortisation_by_hand(net) -> None:
    """Year by year at a zero discount rate, a debt asks its coupon on what is outstanding
    and its principal as it falls due, as :func:`debt_schedule` computes by hand: the xAI GPU
    vehicle's private credit (D76, due 2030-09; what its $12.5B leaves beside Apollo's
    parts D148 and D149, 12.5 - 3.5 - 3.4 = 5.6) at a stated 9% is a bullet (0.504 a year,
    5.6 more in 2030); Oracle's reported debt beyond its legs, all maturing inside
    the horizon with no rollover, is repaid in five equal parts at the default rate
    (discount rate 0 + the 2% credit spread)."""
    from dealloop import mapping
    from dealloop.scenarios import loads

    sc = loads("name: x\nquestion: q\nmapping: {discount_rate: 0, debt_rates: {D76: 0.09}, "
               "debt_maturing_share: {oracle: 1}, rollover: {oracle: 0, xai-gpu-spv: 0}}")
    comp = mapping.build(net, sc).compile()
    ys = comp.year_inputs(shocked=False)
    d76 = [float(y.amount[_principal_row(comp, "D76"), 0]) for y in ys]
    by_hand = debt_schedule(12.5 - 3.5 - 3.4, 0.09, 2026, 2030)
    assert d76 == pytest.approx(by_hand["payment"].tolist())
    row = _principal_row(comp, "debt:oracle")
    extra = float(comp.accel[row])
    oracle = [float(y.amount[row, 0]) for y in ys]
    lin = debt_schedule(extra, 0.02, 2026, 2030, repayment="linear")
    assert oracle == pytest.approx(lin["payment"].tolist())
    # once Oracle defaults its whole outstanding principal and the year's interest fall due
    assert float(ys[2].accel[row, 0]) == pytest.approx(lin["opening"][2] * 1.02)
    # the static step charges no interest: the years add up to the principal alone
    whole = comp.inputs(shocked=False)
    assert float(whole.amount[row, 0]) == pytest.approx(extra)


def test_a_rate_discounts_every_year(net) -> None:
    from dealloop import mapping
    from dealloop.scenarios import loads

    sc = loads("name: x\nquestion: q\nmapping: {discount_rate: 0.05, debt_rates: {D76: 0.09}, "
               "rollover: {xai-gpu-spv: 0}}")
    comp = mapping.build(net, sc).compile()
    d76 = [float(y.amount[_principal_row(comp, "D76"), 0]) for y in comp.year_inputs()]
    by_hand = debt_schedule(12.5 - 3.5 - 3.4, 0.09, 2026, 2030)["payment"].to_numpy()
    assert d76 == pytest.approx((by_hand / 1.05 ** np.arange(5)).tolist())
