"""The multi-layer clearing engine: the published cases, its reduction to Eisenberg--Noe and
Rogers--Veraart on debt, and each layer (backstops, warrants, stakes, new money)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dealloop.contagion import eisenberg_noe, rogers_veraart
from dealloop.mapping.arrays import BACKSTOP, EQUITY, PLAN, PRINCIPAL, PURCHASE
from dealloop.scenarios.engine import Inputs, Params, Structure, clear, debt_only


def test_case_r1_eisenberg_noe() -> None:
    """Reference case R1 (NetworkValuation): p* = [270/11, 290/11, 10], waves 1, 2, 0."""
    L = np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]], float)
    out = clear(debt_only(L, np.array([10.0, 10, 10])))
    np.testing.assert_allclose(out.payments[:, 0], [270 / 11, 290 / 11, 10], rtol=1e-10)
    np.testing.assert_allclose(out.net_worth[:, 0], [-5.4545454545, -2.6363636364, 30],
                               atol=1e-8)
    assert out.waves[:, 0].tolist() == [1, 2, 0]
    assert out.equity[:, 0].sum() == pytest.approx(30.0)  # conservation: sum V = sum e


def test_case_r3_rogers_veraart() -> None:
    """Reference case R3: alpha = 0.4, beta = 1 gives Lambda = [18, 20, 10] and book net
    worth [-6, -2, 11]; deadweight 9 (20 = 11 + 9)."""
    L = np.array([[0, 30, 0], [5, 0, 20], [10, 0, 0]], float)
    out = clear(debt_only(L, np.array([10.0, 5, 5])), params=Params(alpha=0.4, beta=1.0))
    np.testing.assert_allclose(out.payments[:, 0], [18, 20, 10], atol=1e-9)
    np.testing.assert_allclose(out.net_worth[:, 0], [-6, -2, 11], atol=1e-9)
    assert out.deadweight.sum() == pytest.approx(9.0)


def _money(hi: int) -> st.SearchStrategy[float]:
    """Amounts in USD bn on a 0.001 grid, as in the data."""
    return st.integers(0, hi * 1000).map(lambda x: x / 1000)


@st.composite
def debt_networks(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 7))
    k = draw(st.integers(1, 3))
    # fill=nothing: every entry drawn on its own (the default fill made 44% of the
    # networks empty, all debts zero)
    L = draw(arrays(np.float64, (n, n), elements=_money(10), fill=st.nothing()))
    mask = draw(arrays(np.bool_, (n, n), elements=st.booleans(), fill=st.nothing()))
    L = L * mask
    np.fill_diagonal(L, 0.0)
    e = draw(arrays(np.float64, (k, n), elements=_money(10)))
    el = draw(arrays(np.float64, (n,), elements=_money(5)))
    return L, e, el


def _same_defaults(ours: np.ndarray, ref_defaulted: np.ndarray, ref_nw: np.ndarray) -> bool:
    """Defaults agree away from the knife edge (net worth exactly 0, where conventions and
    rounding differ: the engine counts a firm short by less than 1e-10 as solvent)."""
    clear_cut = np.abs(ref_nw) > 1e-6
    return bool((ours.T == ref_defaulted)[clear_cut].all())


@settings(max_examples=150, deadline=None)
@given(debt_networks())
def test_only_debt_is_eisenberg_noe(args: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    L, e, el = args
    ref = eisenberg_noe(L, e, external_liabilities=el)
    out = clear(debt_only(L, e, el))
    # Both are exact to rounding: 1.0e-12 x max(pbar) at most over 1,500 draws (the old
    # atol = rtol = 1e-7 would pass errors 10^5 times larger).
    tol = 1e-10 * max(1.0, ref.pbar.max())
    np.testing.assert_allclose(out.payments.T, ref.payments, atol=tol, rtol=0)
    np.testing.assert_allclose(out.net_worth.T, ref.net_worth, atol=tol, rtol=0)
    assert _same_defaults(out.defaulted, ref.defaulted, ref.net_worth)
    if (np.abs(ref.net_worth) > 1e-6).all():
        assert (out.waves.T == ref.waves).all()


@settings(max_examples=100, deadline=None)
@given(debt_networks(), st.floats(0, 1), st.floats(0, 1))
def test_only_debt_with_default_costs_is_rogers_veraart(
        args: tuple[np.ndarray, np.ndarray, np.ndarray], alpha: float, beta: float) -> None:
    L, e, el = args
    ref = rogers_veraart(L, e, alpha=alpha, beta=beta, external_liabilities=el)
    out = clear(debt_only(L, e, el), params=Params(alpha=alpha, beta=beta))
    tol = 1e-10 * max(1.0, ref.pbar.max())  # seen: 4.6e-13 x max(pbar) in 1,500 draws
    np.testing.assert_allclose(out.payments.T, ref.payments, atol=tol, rtol=0)
    assert _same_defaults(out.defaulted, ref.defaulted, ref.net_worth)


@settings(max_examples=100, deadline=None)
@given(debt_networks(), st.floats(0, 1))
def test_more_shock_no_fewer_defaults(args: tuple[np.ndarray, np.ndarray, np.ndarray],
                                      cut: float) -> None:
    """Monotonicity: less outside assets never removes a default nor raises a payment."""
    L, e, el = args
    a = clear(debt_only(L, e, el))
    b = clear(debt_only(L, e * (1 - cut), el))
    assert (b.defaulted | ~a.defaulted).all()
    assert (b.payments <= a.payments + 1e-9).all()


def test_batch_equals_one_by_one() -> None:
    """A batch of 300 draws (large enough for the engine to carry on with the draws still
    changing alone) gives each draw's own clearing, and Eisenberg--Noe's."""
    rng = np.random.default_rng(7)
    L = rng.exponential(1, (8, 8)) * (rng.random((8, 8)) < 0.5)
    np.fill_diagonal(L, 0)
    e = rng.exponential(1, (300, 8)) * rng.random((300, 1))
    both = clear(debt_only(L, e))
    ref = eisenberg_noe(L, e)
    np.testing.assert_allclose(both.payments.T, ref.payments, atol=1e-9)
    assert (both.waves.T == ref.waves).all()
    assert (both.rounds == np.maximum(ref.waves.max(axis=1), 0) + 1).all()
    for k in range(0, 300, 37):
        one = clear(debt_only(L, e[k]))
        np.testing.assert_allclose(both.payments[:, k], one.payments[:, 0], atol=1e-12)
        assert (both.waves[:, k] == one.waves[:, 0]).all()


def _structure(n: int, claims: list[tuple[int, int, int]], **kw: object) -> Structure:
    debtor, creditor, channel = (np.array(x, int) for x in zip(*claims, strict=True))
    return Structure(n=n, debtor=debtor, creditor=creditor, channel=channel.astype(np.int8),
                     **kw)


def _inputs(amount: list[float], e: list[float], **kw: object) -> Inputs:
    a = np.array(amount, float)[:, None]
    acc = kw.pop("accel", None)
    acc = a.copy() if acc is None else np.array(acc, float)[:, None]
    return Inputs(amount=a, accel=acc, e=np.array(e, float)[:, None], **kw)


def test_backstop_turns_into_a_liability_when_the_backed_firm_would_fail() -> None:
    """Firm 0 owes 10 outside and has 5; firm 1 backstops it for 8. On failure the backstop
    pays 8 and firm 0 survives; if only a call can trigger it, firm 0 defaults."""
    st_ = _structure(2, [(0, 2, PRINCIPAL), (1, 0, BACKSTOP)])
    inp = _inputs([10, 8], [5, 20])
    out = clear(st_, inp, Params(backstops="on_failure"))
    assert out.triggered[1, 0]
    assert out.paid[1, 0] == pytest.approx(8.0)
    assert not out.defaulted[0, 0]
    assert out.net_worth[1, 0] == pytest.approx(12.0)
    out = clear(st_, inp, Params(backstops="called_only"))
    assert not out.triggered[1, 0] and out.defaulted[0, 0]
    assert out.payments[0, 0] == pytest.approx(5.0)
    called = np.array([[0.0], [0.5]])
    out = clear(st_, _inputs([10, 8], [5, 20], called=called), Params(backstops="called_only"))
    assert out.paid[1, 0] == pytest.approx(4.0)  # half the backstop called


def test_debt_is_accelerated_on_default() -> None:
    """A defaulter owes its whole principal, pari passu with its contract."""
    st_ = _structure(2, [(0, 1, PURCHASE), (0, 2, PRINCIPAL)])
    inp = _inputs([6, 0], [4, 0], accel=[6, 10])  # principal rolled over unless default
    out = clear(st_, inp)
    assert out.defaulted[0, 0]
    assert out.owed[:, 0].tolist() == [6, 10]
    np.testing.assert_allclose(out.paid[:, 0], [4 * 6 / 16, 4 * 10 / 16])


def test_warrant_stops_vesting_when_purchases_stop() -> None:
    """Firm 0 buys 10 from firm 1 and holds a 10% warrant on firm 1 (market value 100) that
    vests with those purchases. Paying half, it holds half the warrant."""
    vest = sp.csr_array(np.array([[1.0]]))
    st_ = _structure(2, [(0, 1, PURCHASE)], stake_holder=np.array([0]),
                     stake_issuer=np.array([1]), stake_fraction=np.array([0.1]),
                     stake_prepaid=np.array([1.0]), vest=vest, vest_reference=np.array([10.0]),
                     market_value=np.array([0.0, 100.0]))
    out = clear(st_, _inputs([10], [20, 0]), Params(stake_liquidity=0.0))
    assert out.stakes[0, 0] == pytest.approx(10.0)
    out = clear(st_, _inputs([10], [5, 0]), Params(stake_liquidity=0.0))
    assert out.defaulted[0, 0] and out.payments[0, 0] == pytest.approx(5.0)
    assert out.stakes[0, 0] == pytest.approx(5.0)


def test_stakes_mark_down_when_the_issuer_fails() -> None:
    """Firm 0 holds 20% of firm 1 (worth 50). Firm 1 fails in the shocked run: firm 0 loses
    10 of market value (value multiple 1), and 10 of the 50 lost by firm 1 is counted twice."""
    st_ = _structure(2, [(1, 2, PRINCIPAL)], stake_holder=np.array([0]),
                     stake_issuer=np.array([1]), stake_fraction=np.array([0.2]),
                     stake_prepaid=np.array([1.0]), market_value=np.array([200.0, 50.0]))
    base = clear(st_, _inputs([5], [10, 10]))
    out = clear(st_, _inputs([5], [10, 1]), reference=base)
    assert out.defaulted[1, 0]
    assert out.market_value[:, 0].tolist() == pytest.approx([190.0, 0.0])


def test_new_money_is_raised_as_needed_up_to_its_cap() -> None:
    """Firm 0 owes 20, has 5 and may raise up to 12 of new money: it raises 15 - wait, its
    need is 15 > 12, so it defaults and takes all 12; with dues of 14 it raises 9."""
    st_ = _structure(1, [(0, 1, PURCHASE), (1, 0, PLAN)])
    out = clear(st_, _inputs([20, 12], [5]))
    assert out.defaulted[0, 0] and out.new_money[0, 0] == pytest.approx(12.0)
    assert out.payments[0, 0] == pytest.approx(17.0)
    out = clear(st_, _inputs([14, 12], [5]))
    assert not out.defaulted[0, 0]
    assert out.new_money[0, 0] == pytest.approx(9.0)
    assert out.paid[1, 0] == pytest.approx(9.0)


def test_equity_paid_in_buys_the_stake() -> None:
    """Firm 0 commits 10 of equity for 10% of firm 1 (worth 100), bought inside the horizon:
    the stake is held as far as the equity is paid."""
    st_ = _structure(2, [(0, 1, EQUITY)], stake_holder=np.array([0]),
                     stake_issuer=np.array([1]), stake_fraction=np.array([0.1]),
                     stake_prepaid=np.array([0.0]), market_value=np.array([0.0, 100.0]))
    out = clear(st_, _inputs([10], [4, 0]), Params(stake_liquidity=0.0))
    assert out.payments[0, 0] == pytest.approx(4.0)
    assert out.stakes[0, 0] == pytest.approx(4.0)


@pytest.mark.parametrize(("amount", "e", "match"), [
    ([np.nan], [1, 1], "NaN"),
    ([-1.0], [1, 1], "negative"),
    ([1.0], [-1, 1], "negative"),
])
def test_bad_inputs_name_the_argument(amount: list[float], e: list[float], match: str) -> None:
    st_ = _structure(2, [(0, 1, PURCHASE)])
    with pytest.raises(ValueError, match=match):
        clear(st_, _inputs(amount, e))
    with pytest.raises(ValueError, match="expected amount/accel"):
        clear(st_, Inputs(amount=np.ones((2, 1)), accel=np.ones((2, 1)), e=np.ones((2, 1))))


def test_unpaid_purchase_costs_the_supplier_its_lost_margin() -> None:
    """Toy by hand: a customer with nothing owes its supplier 100 for compute. The supplier
    (margin 0.3, half of its delivery cost stranded) loses 0.3 + 0.7 x 0.5 = 0.65 per dollar
    not paid, not the gross 100; a lender owed by the supplier is unaffected."""
    st = Structure(n=2, debtor=np.array([0, 1]), creditor=np.array([1, 2]),
                   channel=np.array([PURCHASE, PRINCIPAL], np.int8),
                   loss_weight=np.array([0.65, 1.0]))
    amount = np.array([[100.0], [10.0]])
    full = clear(st, Inputs(amount=amount, accel=amount, e=np.array([[100.0], [20.0]])))
    none = clear(st, Inputs(amount=amount, accel=amount, e=np.array([[0.0], [20.0]])))
    assert none.paid[0, 0] == 0.0 and none.defaulted[0, 0]
    assert full.net_worth[1, 0] - none.net_worth[1, 0] == pytest.approx(65.0)
    assert none.paid[1, 0] == pytest.approx(10.0)  # the supplier still pays its lender


def test_spv_tenant_walks_away_bondholders_recover_the_collateral() -> None:
    """Toy SPV (Hyperion-like): the vehicle owns a campus worth 30 (its only outside asset),
    leases it to a tenant for 50 over the horizon and owes bondholders 80. With the lease
    paid it is solvent; when the tenant walks away it defaults and its bondholders recover
    exactly the collateral value."""
    # firm 0 = tenant, 1 = vehicle; 2 = outside (bondholders)
    st = Structure(n=2, debtor=np.array([0, 1]), creditor=np.array([1, 2]),
                   channel=np.array([PURCHASE, PRINCIPAL], np.int8),
                   loss_weight=np.array([1.0, 1.0]))
    e = np.array([[500.0, 500.0], [30.0, 30.0]])
    amount = np.array([[50.0, 0.0], [80.0, 80.0]])  # draw 1: the lease is gone
    out = clear(st, Inputs(amount=amount, accel=amount, e=e))
    assert not out.defaulted[1, 0] and out.paid[1, 0] == pytest.approx(80.0)
    assert out.defaulted[1, 1] and out.paid[1, 1] == pytest.approx(30.0)


def test_a_batched_outcome_reads_as_the_contagion_clearing() -> None:
    """The engine's (N, K) outcome, seen scenarios first under the contagion field names,
    equals Eisenberg--Noe on a batch of outside assets with external creditors."""
    from dealloop.contagion import eisenberg_noe
    from dealloop.scenarios.engine import clear, debt_only

    L = np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]], float)
    ext = np.array([3.0, 0.0, 2.0])
    E = np.array([[10.0, 10, 10], [0.0, 5, 1], [40, 40, 40]])
    st, inp = debt_only(L, E, ext)
    got = clear(st, inp).to_clearing(st, labels=("a", "b", "c"))
    want = eisenberg_noe(L, E, external_liabilities=ext)
    assert got.payments.shape == (3, 3) == want.payments.shape
    for name in ("payments", "net_worth", "equity", "paid_external", "received"):
        assert np.allclose(getattr(got, name), getattr(want, name)), name
    assert (got.defaulted == want.defaulted).all() and (got.waves == want.waves).all()
    assert got.labels == ("a", "b", "c") and got.batched
