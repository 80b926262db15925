"""Edge cases found by a differential run against textbook solvers: each gets a clear error
or the right answer."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from dealloop.contagion import eisenberg_noe, rogers_veraart, spectral_radius


def test_row_sums_overflowing_to_inf_are_refused() -> None:
    big = np.finfo(np.float64).max * 0.6  # finite, but two of them are not
    L = np.array([[0.0, big, big], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="overflows to infinity"):
        eisenberg_noe(L, np.ones(3))
    with pytest.raises(ValueError, match="overflows to infinity"):
        eisenberg_noe(sp.csr_array(L), np.ones(3))


def test_column_sums_overflowing_are_refused() -> None:
    big = np.finfo(np.float64).max * 0.6  # finite, but two of them are not
    L = np.array([[0.0, 0.0, big], [0.0, 0.0, big], [1.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match=r"claims \(column sum\)"):
        eisenberg_noe(L, np.ones(3))


def test_subnormal_debts_are_refused() -> None:
    L = np.array([[0.0, 5e-324], [1.0, 0.0]])
    with pytest.raises(ValueError, match=r"owes 5e-324 in all, a subnormal"):
        eisenberg_noe(L, np.zeros(2))


def test_spectral_radius_leaves_the_callers_stored_zeros_alone() -> None:
    M = sp.csr_array((np.array([2.0, 0.0, 0.5]), np.array([1, 0, 0]), np.array([0, 2, 3])),
                     shape=(2, 2))
    before = M.nnz
    assert spectral_radius(M) == pytest.approx(1.0)
    assert M.nnz == before


def test_masked_entries_are_refused_and_unmasked_arrays_accepted() -> None:
    L = np.ma.masked_array([[0.0, 2.0], [1.0, 0.0]], mask=[[False, True], [False, False]])
    with pytest.raises(ValueError, match="L: has 1 masked entries"):
        eisenberg_noe(L, np.ones(2))
    e = np.ma.masked_array([1.0, 1.0], mask=[True, False])
    with pytest.raises(ValueError, match="e: has 1 masked entries"):
        eisenberg_noe(np.array([[0.0, 2.0], [1.0, 0.0]]), e)
    plain = np.ma.masked_array([[0.0, 2.0], [1.0, 0.0]])
    res = eisenberg_noe(plain, np.ones(2))
    np.testing.assert_allclose(res.payments, [2.0, 1.0])


@pytest.mark.parametrize("flag", [True, False, np.True_])
def test_boolean_recovery_rates_are_refused(flag: object) -> None:
    L = np.array([[0.0, 2.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="alpha: must be a number in \\[0, 1\\], got the boolean"):
        rogers_veraart(L, np.ones(2), alpha=flag, beta=0.5)
