"""Leontief and Ghosh input-output models."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from dealloop.contagion import ghosh, input_output, leontief

seeds = st.integers(0, 2**32 - 1)


def random_economy(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    Z = rng.exponential(1.0, (n, n)) * (rng.random((n, n)) < 0.6)
    final = rng.exponential(1.0, n) + 0.01
    added = rng.exponential(1.0, n) + 0.01
    # output covers both what a sector sells to the others plus its final demand and what it
    # buys from them plus its value added: both are then positive
    return Z, np.maximum(Z.sum(axis=1) + final, Z.sum(axis=0) + added)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 8))
def test_leontief_invariants(seed: int, n: int) -> None:
    Z, x = random_economy(seed, n)
    io = input_output(Z, x)
    L = io.leontief_inverse
    assert np.all(L >= np.eye(n) - 1e-12)
    assert np.all(io.output_multipliers >= 1 - 1e-12)
    np.testing.assert_allclose(leontief(Z, x, io.final_demand), x, rtol=1e-10)
    np.testing.assert_allclose(ghosh(Z, x, io.value_added), x, rtol=1e-10)
    # G = diag(x)^-1 L diag(x)
    np.testing.assert_allclose(io.ghosh_inverse, L * x[None, :] / x[:, None], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(io.forward_linkages, io.ghosh_inverse.sum(axis=1))
    # Linear in final demand; a cut at one buyer lowers every supplier's output.
    cut = np.zeros(n)
    cut[0] = -1.0
    delta = leontief(Z, x, cut)
    np.testing.assert_allclose(delta, io.output_change(cut), atol=1e-12)
    assert np.all(delta <= 1e-15) and delta[0] <= -1 + 1e-12
    batch = leontief(sp.csr_array(Z), x, np.stack([io.final_demand, cut]))
    np.testing.assert_allclose(batch[1], delta, atol=1e-12)
    np.testing.assert_allclose(io.new_output(cut), delta, atol=1e-12)


def test_hawkins_simon_violation_and_bad_input() -> None:
    Z = np.array([[0, 10.0], [10.0, 0]])
    with pytest.raises(ValueError, match="Hawkins-Simon"):
        leontief(Z, [5.0, 5.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"^Z"):
        leontief(-Z, [50.0, 50.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"^x"):
        leontief(Z, [50.0, -1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"^final_demand"):
        leontief(Z, [50.0, 50.0], [1.0, 1.0, 1.0])


def test_zero_output_sector() -> None:
    # Sector 1 has no output: its input coefficients are zero, not 0/0.
    Z = np.array([[2.0, 0.0], [0.0, 0.0]])
    x = leontief(Z, [10.0, 0.0], [16.0, 0.0])
    np.testing.assert_allclose(x, [20.0, 0.0])
    io = input_output(Z, [10.0, 0.0])
    assert np.isfinite(io.leontief_inverse).all() and np.isfinite(io.ghosh_inverse).all()
    assert "sectors" in io.summary()


@pytest.mark.parametrize("sparse", [False, True])
def test_output_that_contradicts_z_is_refused(sparse: bool) -> None:
    # Sector 0 sells 6 to the other sectors but is said to produce 5 (final demand -1);
    # sector 1 buys 6 but produces 5 (value added -1). Both used to pass silently.
    Z = np.array([[0.0, 3.0, 3.0], [0.5, 0.0, 0.5], [0.5, 3.0, 0.0]])
    Zs = sp.csr_array(Z) if sparse else Z
    x_short_sales = np.array([5.0, 10.0, 10.0])
    with pytest.raises(ValueError, match=r"^x: sector 0's total output 5 is below its sales"):
        leontief(Zs, x_short_sales, np.ones(3))
    with pytest.raises(ValueError, match=r"^x: sector 0's .* final demand would be -1"):
        input_output(Zs, x_short_sales)
    x_short_inputs = np.array([10.0, 5.0, 10.0])
    with pytest.raises(ValueError, match=r"^x: sector 1's total output 5 is below its purch"):
        ghosh(Zs, x_short_inputs, np.ones(3))
    # the demand side alone does not need value added to be positive, and vice versa
    assert np.isfinite(leontief(Zs, x_short_inputs, np.ones(3))).all()
    assert np.isfinite(ghosh(Zs, x_short_sales, np.ones(3))).all()
    # exact balance (zero final demand or value added) is consistent
    exact = np.maximum(Z.sum(axis=1) + np.array([0.0, 1.0, 1.0]), Z.sum(axis=0) + 1.0)
    assert input_output(Zs, exact).final_demand[0] == 0.0


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 8))
def test_accounts_balance_and_multipliers_are_output_per_unit_of_demand(
    seed: int, n: int
) -> None:
    """Value conservation: total final demand = total value added (both are total output
    less intermediate use). Output multiplier j is the total output one more unit of final
    demand for sector j calls forth, and more final demand never lowers any output."""
    Z, x = random_economy(seed, n)
    io = input_output(Z, x)
    assert io.final_demand.sum() == pytest.approx(io.value_added.sum(), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(io.final_demand, x - Z.sum(axis=1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(io.value_added, x - Z.sum(axis=0), rtol=1e-12, atol=1e-12)
    units = leontief(Z, x, np.eye(n))  # row j: output for one unit of demand for j
    np.testing.assert_allclose(io.output_multipliers, units.sum(axis=1), rtol=1e-10)
    more = io.final_demand + np.random.default_rng(seed).exponential(1.0, n)
    assert np.all(leontief(Z, x, more) >= x - 1e-9 * x.max())
