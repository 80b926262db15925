"""Cross-holdings (Brioschi / EGJ) and the EGJ failure cascade."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from dealloop.contagion import cross_holdings, dependency_matrix, egj_cascade

seeds = st.integers(0, 2**32 - 1)


def random_stakes(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    C = rng.random((n, n)) * (rng.random((n, n)) < 0.5)
    np.fill_diagonal(C, 0)
    col = C.sum(axis=0)
    target = rng.uniform(0, 0.95, n)  # every firm keeps some outside shareholders
    scale = np.divide(target, col, out=np.zeros(n), where=col > 0)
    return C * scale[None, :]


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 8))
def test_market_values_sum_to_primitive_value(seed: int, n: int) -> None:
    C = random_stakes(seed, n)
    prim = np.random.default_rng(seed).exponential(1.0, n)
    res = cross_holdings(C, prim)
    assert res.market_value.sum() == pytest.approx(prim.sum(), rel=1e-10)
    np.testing.assert_allclose(res.book_value, C @ res.book_value + prim, atol=1e-10)
    # Double counting 1'CV = 1'V - 1'primitive >= 0.
    assert res.double_count == pytest.approx((C @ res.book_value).sum(), rel=1e-9, abs=1e-12)
    assert res.double_count == pytest.approx(res.book_value.sum() - prim.sum(), abs=1e-9)
    assert res.double_count >= -1e-12
    A = res.dependency
    np.testing.assert_allclose(A.sum(axis=0), np.ones(n), atol=1e-10)
    np.testing.assert_allclose(A @ prim, res.market_value, atol=1e-10)
    sparse = cross_holdings(sp.csr_array(C), np.stack([prim, 2 * prim]))
    np.testing.assert_allclose(sparse.book_value[1], 2 * res.book_value, rtol=1e-10)


def test_book_value_of_the_nvidia_openai_loop() -> None:
    # A holds 10% of B, B holds 20% of A; B's primitive value is 100, A's is 50.
    C = np.array([[0, 0.1], [0.2, 0]])
    res = cross_holdings(C, [50.0, 100.0])
    V = np.linalg.solve(np.eye(2) - C, [50.0, 100.0])
    np.testing.assert_allclose(res.book_value, V)
    np.testing.assert_allclose(res.market_value, [0.8 * V[0], 0.9 * V[1]])
    assert res.market_value.sum() == pytest.approx(150.0)
    assert res.double_count == pytest.approx(0.1 * V[1] + 0.2 * V[0])


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 7), theta=st.sampled_from([0.5, 0.8, 0.95]))
def test_egj_cascade_rounds(seed: int, n: int, theta: float) -> None:
    C = random_stakes(seed, n)
    rng = np.random.default_rng(seed)
    prim = rng.exponential(1.0, n)
    before = cross_holdings(C, prim).market_value
    shocked = prim * rng.uniform(0.3, 1.0, n)
    costs = rng.exponential(0.3, n)
    res = egj_cascade(C, shocked, thresholds=theta * before, failure_costs=costs)
    # Final state is consistent: failed exactly where market value is below threshold.
    again = cross_holdings(C, shocked - costs * res.defaulted)
    np.testing.assert_allclose(res.market_value, again.market_value, atol=1e-10)
    np.testing.assert_array_equal(res.defaulted, again.market_value < theta * before)
    np.testing.assert_array_equal(res.waves > 0, res.defaulted)
    # Round 1 failures are exactly those below threshold with no failure costs.
    first = cross_holdings(C, shocked).market_value < theta * before
    np.testing.assert_array_equal(res.waves == 1, first)
    # Zero failure costs: no contagion beyond round 1.
    free = egj_cascade(C, shocked, thresholds=theta * before, failure_costs=np.zeros(n))
    np.testing.assert_array_equal(free.defaulted, first)
    assert free.iterations <= 2


def test_egj_batch_and_summary() -> None:
    C = np.array([[0, 0.5], [0, 0]])
    res = egj_cascade(C, [[1.0, 0.2], [1.0, 1.0]], thresholds=[0.95, 0.5], failure_costs=[0.5, 0.4])
    np.testing.assert_array_equal(res.waves, [[2, 1], [0, 0]])
    assert res.iterations.tolist() == [3, 1]
    assert "EGJ" in res.summary() and len(res.to_frame()) == 4


@pytest.mark.parametrize(
    ("C", "match"),
    [
        (np.array([[0, 0.7], [0, 0], [0, 0]]), "^C"),
        (np.array([[0, 0.7], [0.6, 0.5]]), "^C: diagonal"),
        (np.array([[0, 0.7, 0], [0, 0, 0], [0, 0.6, 0]]), "^C: column sums"),
        (np.array([[0, 1.0], [1.0, 0]]), "^C: I - C is singular"),
        (np.array([[0, -0.1], [0, 0]]), "^C"),
    ],
)
def test_bad_stakes(C: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        cross_holdings(C, np.ones(C.shape[0]))


def test_bad_primitive_and_thresholds() -> None:
    C = np.array([[0, 0.5], [0.5, 0]])
    with pytest.raises(ValueError, match=r"^primitive"):
        cross_holdings(C, [1.0, np.nan])
    with pytest.raises(ValueError, match=r"^failure_costs"):
        egj_cascade(C, [1.0, 1.0], thresholds=[0, 0], failure_costs=[-1, 0])
    with pytest.raises(ValueError, match=r"^thresholds"):
        egj_cascade(C, [1.0, 1.0], thresholds=[0], failure_costs=[0, 0])
    assert dependency_matrix(np.zeros((0, 0))).shape == (0, 0)


def ring_of_owners(n: int, keep: float) -> np.ndarray:
    """Firm i holds ``1 - keep`` of firm i + 1 (a ring): ``I - C`` is singular at keep 0."""
    C = np.zeros((n, n))
    C[np.arange(n), (np.arange(n) + 1) % n] = 1.0 - keep
    return C


@pytest.mark.parametrize("n", [2, 3, 7, 40])
@pytest.mark.parametrize("keep", [1e-14, 1e-15, 0.0])
def test_nearly_singular_holdings_are_refused_dense_and_sparse_alike(n: int, keep: float
                                                                     ) -> None:
    # Sparse input used to factor such a system and return values off by ~1e-3 where dense
    # input raised: both forms now take the same condition test.
    C = ring_of_owners(n, keep)
    for form in (C, sp.csr_array(C)):
        with pytest.raises(ValueError, match=r"^C: I - C is singular"):
            cross_holdings(form, np.ones(n))


@pytest.mark.parametrize("n", [2, 3, 7, 40])
@pytest.mark.parametrize("keep", [1e-9, 1e-4, 0.3])
def test_well_posed_rings_agree_dense_and_sparse_with_the_closed_form(n: int, keep: float
                                                                       ) -> None:
    # With equal primitive assets p on a ring the book values solve V = p + (1 - keep) V.
    C = ring_of_owners(n, keep)
    exact = np.full(n, 1.0 / keep)
    for form in (C, sp.csr_array(C)):
        np.testing.assert_allclose(cross_holdings(form, np.ones(n)).book_value, exact,
                                   rtol=1e-6)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 8))
def test_values_are_monotone_in_primitive_value(seed: int, n: int) -> None:
    """(I - C)^-1 >= 0 when every firm keeps outside shareholders: more primitive value
    anywhere never lowers a book or market value, and one more unit at firm j adds exactly
    the column j of the dependency matrix to the market values."""
    C = random_stakes(seed, n)
    rng = np.random.default_rng(seed)
    prim = rng.exponential(1.0, n)
    bump = rng.exponential(1.0, n) * (rng.random(n) < 0.5)
    base, more = cross_holdings(C, np.stack([prim, prim + bump])).book_value
    assert np.all(more >= base - 1e-12)
    assert np.all(dependency_matrix(C) >= -1e-15)
    j = int(rng.integers(n))
    unit = np.zeros(n)
    unit[j] = 1.0
    gain = cross_holdings(C, prim + unit).market_value - cross_holdings(C, prim).market_value
    np.testing.assert_allclose(gain, dependency_matrix(C)[:, j], atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 6), theta=st.sampled_from([0.5, 0.8, 0.95]))
def test_egj_cascade_is_the_smallest_self_consistent_failure_set(
    seed: int, n: int, theta: float
) -> None:
    """Against all 2^n failure sets: S is self-consistent when the firms whose market value,
    with the failure costs of S charged, is below threshold are exactly S. The cascade from
    no failures reaches the smallest such set; more primitive value or lower failure costs
    never add a failure."""
    C = random_stakes(seed, n)
    rng = np.random.default_rng(seed)
    prim = rng.exponential(1.0, n)
    floor = theta * cross_holdings(C, prim).market_value
    shocked = prim * rng.uniform(0.3, 1.0, n)
    costs = rng.exponential(0.3, n)
    res = egj_cascade(C, shocked, thresholds=floor, failure_costs=costs)
    V = np.linalg.solve(np.eye(n) - C, np.eye(n))  # book values per unit, independently
    outside = 1.0 - C.sum(axis=0)

    def below(failed: np.ndarray) -> np.ndarray:
        return outside * (V @ (shocked - costs * failed)) < floor

    for bits in itertools.product([False, True], repeat=n):
        S = np.array(bits)
        if np.array_equal(below(S), S):
            assert not np.any(res.defaulted & ~S), (S, res.defaulted)
    richer = egj_cascade(C, shocked + rng.exponential(0.5, n), thresholds=floor,
                         failure_costs=costs)  # fmt: skip
    assert not np.any(richer.defaulted & ~res.defaulted)
    cheaper = egj_cascade(C, shocked, thresholds=floor, failure_costs=0.5 * costs)
    assert not np.any(cheaper.defaulted & ~res.defaulted)
