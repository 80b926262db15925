"""The fused passes of :mod:`dealloop.mapping.fused` give the same numbers, bit for bit, with
numba as with their numpy reference: on every shipped scenario (Monte Carlo draws, year by
year: backstops, new money caps, warrants, collateral, vehicles) and on the kernels' edge
cases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from unittest import mock

import numpy as np
import pytest

import dealloop as dl
from dealloop import mapping, scenarios
from dealloop.mapping import fused, fused_years
from dealloop.scenarios import library
from dealloop.scenarios._mc_chunks import draw, payload
from dealloop.scenarios.runner import clear_runs

numba = pytest.importorskip("numba")


@contextmanager
def forced(how: str) -> Iterator[None]:
    """The fused passes with numba or numpy, whatever the environment says."""
    with mock.patch.dict(fused._STATE, {"force": how}):
        assert fused.use_numba() is (how == "numba")
        yield


def _arrays(out: object, where: str) -> Iterator[tuple[str, np.ndarray]]:
    for f in fields(out):  # type: ignore[arg-type]
        v = getattr(out, f.name)
        if isinstance(v, np.ndarray):
            yield f"{where}.{f.name}", v


def _runs(name: str, k: int) -> dict[str, np.ndarray]:
    comp = mapping.build(dl.load(), scenarios.load(name)).compile()
    M, values, _ = draw(payload(comp, seed=11, chunk=k), 1, k)
    base, out, ybase, yout = clear_runs(comp, k, mult=M, values=values,
                                        replan=comp.replan(M))
    got = dict(_arrays(base, "base")) | dict(_arrays(out, "out"))
    for tag, y in (("ybase", ybase), ("yout", yout)):
        if y is not None:
            for t, o in enumerate(y.outcomes):
                got.update(_arrays(o, f"{tag}[{t}]"))
    return got


@pytest.mark.slow
@pytest.mark.parametrize("name", library.names())
def test_shipped_scenarios_numba_equals_numpy(name: str) -> None:
    k = 300  # above the engine's compaction threshold (64 draws)
    with forced("numpy"):
        want = _runs(name, k)
    with forced("numba"):
        got = _runs(name, k)
    assert want.keys() == got.keys()
    for key, a in want.items():
        b = got[key]
        assert a.dtype == b.dtype and a.shape == b.shape, key
        assert np.array_equal(a, b), f"{name} {key}: max diff {np.abs(a - b).max()}"


def _both(fn: str, *args: object) -> tuple[object, object]:
    mod = fused if hasattr(fused, fn) else fused_years
    with forced("numpy"):
        want = getattr(mod, fn)(*args)
    with forced("numba"):
        got = getattr(mod, fn)(*args)
    return want, got


def _same(a: object, b: object) -> None:
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
        return
    assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(a, b, equal_nan=True)
    assert np.array_equal(np.signbit(a), np.signbit(b))


@pytest.mark.parametrize("df", [1.0, 0.95926114, 0.0])
def test_kernels_match_numpy_bit_for_bit(df: float) -> None:
    rng = np.random.default_rng(5)
    a = rng.lognormal(0, 3, (7, 33))
    a[2, 3], a[4, 5], a[1, 1] = 0.0, -0.0, 1e-310  # zeros of both signs, a subnormal
    col = rng.random(7)
    _same(*_both("scaled", a, col, df))
    _same(*_both("scaled_twice", a, col, df))
    r = np.vstack([rng.random((4, 33)), np.ones((1, 33))])
    debtor = rng.integers(0, 5, 7)
    _same(*_both("owed_paid", a, r, debtor))
    owed = [rng.lognormal(0, 2, (7, 33)) for _ in range(5)]
    paid = [o * rng.random((7, 33)) for o in owed]
    now = rng.random((7, 33)) < 0.3
    for n in (None, now):
        for years in (1, 2, 5):
            _same(*_both("years_total", owed[:years], paid[:years], n))


def test_kernels_take_other_layouts_through_numpy() -> None:
    """Arrays the kernels are not compiled for (not C-contiguous, not float64) go the numpy
    way with the same result."""
    a = np.arange(12.0).reshape(3, 4).T  # Fortran order
    with forced("numba"):
        got = fused.scaled(a, np.ones(4), 2.0)
        ints = fused.owed_paid(np.ones((2, 3), np.float32), np.ones((2, 3)), np.array([0, 1]))
    assert np.array_equal(got, a * 2.0)
    assert ints[0].dtype == np.float32 and np.array_equal(ints[1], np.ones((2, 3)))


def test_engine_kernels_match_numpy_bit_for_bit() -> None:
    """The engine's kernels (sparse products, shortfalls, means and new money, market
    values, input bounds) on random operands with signed zeros, a subnormal, unsorted and
    duplicate sparse entries."""
    import scipy.sparse as sp

    rng = np.random.default_rng(9)
    n, c, k = 6, 11, 37
    x = rng.lognormal(0, 3, (c, k))
    x[2, 3], x[4, 5], x[1, 1] = 0.0, -0.0, 1e-310
    dense = rng.lognormal(0, 1, (n, c)) * (rng.random((n, c)) < 0.4)
    m = sp.csr_array(dense)
    dup = sp.csr_array((np.array([1.5, -2.0, 0.25, 3.0]), np.array([4, 1, 4, 0]),
                        np.array([0, 3, 3, 4])), shape=(3, c))  # unsorted, a duplicate
    for mat in (m, dup, sp.csr_array((n, c))):
        _same(*_both("csr_times", mat, x))
        base = rng.normal(0, 5, (mat.shape[0], k))
        r = np.vstack([rng.random((n, k)), np.ones((1, k))])
        r[0, :3] = 1.0
        deb = rng.integers(0, n + 1, c)
        _same(*_both("less_short", base, mat, r, deb, x))
    e, rec, stk = (rng.normal(0, 3, (n, k)) for _ in range(3))
    e[0, 0], rec[0, 0], stk[0, 0] = -0.0, 0.0, -0.0
    pbar = rng.lognormal(0, 1, (n, k))
    pbar[1, :4] = (e + rec + stk)[1, :4]  # no gap: a need of exactly 0
    D = rng.random((n, k)) < 0.3
    pf = np.array([1, 4])
    cap = rng.lognormal(0, 1, (2, k))
    cap[0, 5] = 0.0
    for liq in (1.0, 0.5):
        _same(*_both("means_raised", e, rec, stk, liq, pf, pbar, D, cap))
    _same(*_both("means_raised", e, rec, stk, 1.0, np.zeros(0, int), pbar, D,
                 np.zeros((0, k))))
    c0 = rng.normal(0, 3, (n, k))
    c0[2, 2] = -(rec[2, 2] + stk[2, 2])  # a value of exactly 0
    gone = rng.random((n, k)) < 0.2
    _same(*_both("value", c0, rec, stk, None, None, gone))
    _same(*_both("value", c0, rec, stk, rng.random((n, 1)) + 0.5, rng.random((n, k)), gone))
    for arr in (x, np.abs(x), np.where(x > 1e3, np.inf, np.abs(x)), np.where(x > 1e3, np.nan, 1.0),
                np.zeros((0, 3)), np.array([[-0.0, 2.0]])):
        want, got = _both("bounds", arr)
        assert np.array_equal(np.array(want), np.array(got), equal_nan=True), arr


def test_engine_kernels_fall_back_on_other_layouts() -> None:
    """Operands the kernels are not compiled for go the numpy way, with numpy's result."""
    import scipy.sparse as sp

    m = sp.csr_array(np.array([[1.0, 0.0, 2.0]]))
    x = np.arange(6.0).reshape(2, 3).T  # Fortran order
    with forced("numba"):
        assert np.array_equal(fused.csr_times(m, x), m @ x)
        assert np.array_equal(fused.csr_times(sp.csc_array(m), x), m @ x)
        assert fused.bounds(np.array([1, 5])) == (0.0, 5.0)


def test_decision_and_stake_kernels_match_numpy_bit_for_bit() -> None:
    """The default decision, a round's claims and the stakes' values, numba against
    numpy, on random operands with ties at the decision threshold and a zero reference."""
    rng = np.random.default_rng(13)
    n, c, s, k = 5, 9, 7, 41
    pbar = rng.lognormal(0, 1, (n, k))
    means = pbar * rng.uniform(0.8, 1.2, (n, k))
    need, _ = fused.short_of(means, pbar, 1e-9, 3.0, np.zeros((n, k), bool),
                             np.zeros((n, k), bool))
    means[0] = need[0]  # exactly at the threshold: not short
    initial, D = rng.random((n, k)) < 0.1, rng.random((n, k)) < 0.3
    _same(*_both("short_of", means, pbar, 1e-9, 3.0, initial, D))
    A = rng.lognormal(0, 2, (c, k))
    Acc = A * (1 + (rng.random((c, k)) < 0.5))
    rows = np.array([0, 3, 4, 8])
    _same(*_both("round_rows", D, rng.integers(0, n, 4), rows, A, Acc))
    _same(*_both("round_rows", D, np.zeros(0, int), np.zeros(0, int), A, Acc))
    w0 = rng.random((s, k))
    prepaid = rng.random(s)
    holder, issuer = rng.integers(0, n, s), rng.integers(0, n, s)
    r = np.vstack([rng.random((n, k)), np.ones((1, k))])
    V = rng.lognormal(0, 1, (n, k))
    vrows = np.array([1, 2, 5])
    vpaid = rng.lognormal(0, 1, (3, k))
    for vref in (rng.lognormal(0, 1, (s, k)), np.array([[1.0], [0.0], [2.0], [1.0], [1.0],
                                                        [0.5], [1.0]])):
        vref[2, 0] = vpaid[1, 0]  # paid exactly the reference: a factor of 1
        for ps in (np.array([0, 2, 6]), np.zeros(0, int)):
            _same(*_both("stake_values", w0, prepaid, ps, holder, r, vrows, vref, vpaid,
                         issuer, V))
            _same(*_both("stake_values", w0, prepaid, ps, holder, r, np.zeros(0, int), None,
                         None, issuer, V))


@pytest.mark.parametrize("df", [1.0, 0.9])
def test_year_claims_match_numpy_bit_for_bit(df: float) -> None:
    """A year's claims in one pass against the numpy steps, with a debt row whose
    accelerated claim is exactly its claim (a tie) and one paying no interest."""
    rng = np.random.default_rng(17)
    c, k = 12, 29
    amount = rng.lognormal(0, 2, (c, k))
    wt = rng.random(c)
    debt, paying = np.array([1, 4, 6, 9]), np.array([1, 6, 9])
    pos_p = np.searchsorted(debt, paying)
    interest = rng.random((3, k))
    left_t, beyond = rng.lognormal(0, 2, (4, k)), rng.random((4, k))
    left_t[1] = amount[4] * wt[4] * df if df != 1.0 else amount[4] * wt[4]
    beyond[1] = 0.0
    _same(*_both("year_claims", amount, wt, df, paying, interest, debt, pos_p, left_t, beyond))


def test_finish_kernels_match_numpy_bit_for_bit() -> None:
    """A round's claims asked and paid (defaulters' claims with and without collateral,
    backstops, new money with and without a cap) and the net worth, numba against numpy."""
    rng = np.random.default_rng(19)
    n, c, k = 4, 14, 23
    A = rng.lognormal(0, 2, (c, k))
    r = np.vstack([rng.random((n, k)), np.ones((1, k))])
    debtor = rng.integers(0, n + 1, c)
    rows, bidx = np.array([0, 3, 7]), np.array([5, 11])
    plan_rows, pidx = np.array([2, 9, 12]), np.array([2, 9, 12])
    plan_pos = np.array([0, -1, 1])  # -1: a firm without a cap (the ratio's last row)
    owed_rows = rng.lognormal(0, 2, (3, k))
    sec = np.minimum(owed_rows, rng.lognormal(0, 2, (3, k)) * (rng.random((3, k)) < 0.5))
    owed_b = rng.lognormal(0, 1, (2, k))
    ratio = np.vstack([rng.random((2, k)), np.zeros((1, k))])
    for sec_rows, pool in ((None, owed_rows), (sec, owed_rows - sec)):
        for pi, rt in ((pidx, ratio), (np.zeros(0, int), None)):
            _same(*_both("claims_owed_paid", A, r, debtor, rows, owed_rows, pool, sec_rows,
                         bidx, owed_b, plan_rows, pi, plan_pos if len(pi) else pi, rt))
    e, rec, raised, stk = (rng.normal(0, 2, (n, k)) for _ in range(4))
    pbar = (e + rec + raised + stk) * rng.choice([1.0, 0.5, 2.0], (n, k))
    _same(*_both("worth", e, rec, raised, stk, pbar))


def test_year_dues_match_numpy_bit_for_bit() -> None:
    """A year's dues (balances carried, new money stopped, the plan's headroom) numba
    against numpy, in each combination of the two branches."""
    rng = np.random.default_rng(23)
    n, c, k = 4, 10, 31
    A = rng.lognormal(0, 2, (c, k))
    Acc = A * (1 + (rng.random((c, k)) < 0.4))
    carried = (rng.random((c, k)) < 0.3) & (np.arange(c) < 6)[:, None]
    prev_owed = rng.lognormal(0, 2, (c, k))
    prev_paid = prev_owed * rng.random((c, k))
    plan_rows, plan_in = np.array([6, 7, 8, 9]), np.array([6, 8, 9])
    defaulted = rng.random((n, k)) < 0.3
    room = rng.lognormal(0, 1, (n, k))
    room[0, :5] = 0.0
    room_firm = np.array([0, 3, 1, 3])
    for carry in (True, False):
        for rm in (room, None):
            args = (carried, prev_owed, prev_paid) if carry else (None, None, None)
            want, got = _both("year_dues", A, Acc, *args, plan_in, np.array([0, 1, 3]),
                              defaulted, plan_rows, rm, room_firm)
            assert isinstance(want, tuple) and isinstance(got, tuple)
            for x, y in zip(want, got, strict=True):
                assert (x is None) == (y is None)
                if x is not None:
                    _same(x, y)


def test_sum_kernels_match_numpy_bit_for_bit() -> None:
    """A product added to or subtracted from a base, and a chain of sums and differences
    with broadcast columns, numba against numpy."""
    import scipy.sparse as sp

    rng = np.random.default_rng(29)
    n, c, k = 5, 8, 27
    m = sp.csr_array(rng.lognormal(0, 1, (n, c)) * (rng.random((n, c)) < 0.5))
    x, base = rng.lognormal(0, 2, (c, k)), rng.normal(0, 4, (n, k))
    for minus in (False, True):
        _same(*_both("plus_times", base, m, x, minus))
    first, col = rng.normal(0, 1, (n, 1)), rng.normal(0, 1, (n, 1))
    a, b = rng.normal(0, 3, (n, k)), rng.normal(0, 3, (n, k))
    b[0] = a[0] + first[0]  # differences of exactly 0
    _same(*_both("chain", first, ("+", a), ("-", b), ("-", col), ("+", a)))
    _same(*_both("chain", a, ("-", b)))
    _same(*_both("chain", col, ("+", col)))


def test_sales_kernel_matches_numpy_bit_for_bit() -> None:
    """Sales to other firms from a subset of the claims, numba against numpy."""
    import scipy.sparse as sp

    rng = np.random.default_rng(31)
    n, c, k = 5, 12, 19
    rows = np.array([1, 4, 5, 9, 11])
    cred = sp.csr_array(rng.lognormal(0, 1, (n, 5)) * (rng.random((n, 5)) < 0.5))
    credw = sp.csr_array(cred.toarray() * rng.choice([1.0, 0.5], (n, 5)))
    owed = rng.lognormal(0, 2, (c, k))
    paid = owed * rng.choice([1.0, 0.3], (c, k))
    _same(*_both("sales", cred, credw, owed, paid, rows))


def test_cash_left_matches_numpy_bit_for_bit() -> None:
    """The cash carried into the next year, numba against numpy (a payment of exactly what
    the firm had: a carry of 0)."""
    rng = np.random.default_rng(37)
    e, rec = rng.lognormal(0, 1, (4, 21)), rng.lognormal(0, 1, (4, 21))
    pay = (e + rec) * rng.choice([0.5, 1.0, 1.5], (4, 21))
    D = rng.random((4, 21)) < 0.3
    with forced("numpy"):
        want = np.empty((4, 21))
        fused_years.cash_left(want, D, e, rec, pay)
    with forced("numba"):
        got = np.empty((4, 21))
        fused_years.cash_left(got, D, e, rec, pay)
    _same(want, got)
