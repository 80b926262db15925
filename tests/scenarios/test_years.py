"""Year-by-year clearing with cash carried forward, and debt service schedules by hand."""

from __future__ import annotations

import numpy as np
import pytest

from dealloop.contagion import eisenberg_noe
from dealloop.mapping.arrays import Inputs, Structure
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
    assert float(out.outcomes[2].pay[0, 0]) == pytest.approx(3.0)


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
    assert [float(o.pay[0, 0]) for o in out.outcomes] == pytest.approx([8.0, 2.0])
    st1, one = _year(np.array([[0.0, 16.0], [0.0, 0.0]]), np.array([10.0, 0.0]))
    static = clear(st1, one)
    assert static.defaulted[0, 0] and static.pay[0, 0] == pytest.approx(10.0)


def test_one_year_is_eisenberg_noe() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        L = rng.uniform(0, 10, (5, 5)) * (rng.random((5, 5)) < 0.5)
        np.fill_diagonal(L, 0.0)
        e = rng.uniform(0, 10, 5)
        st, inp = debt_only(L, e)
        y = clear_years(st, [inp])
        en = eisenberg_noe(L, e)
        np.testing.assert_allclose(y.outcomes[0].pay[:, 0], en.payments, atol=1e-9)
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
    assert y.discounted("pay", 0.0)[0, 0] == pytest.approx(30.0)
    assert y.discounted("pay", 0.05)[0, 0] == pytest.approx(10 + 10 / 1.05 + 10 / 1.05 ** 2)
