"""Furfine sequential defaults."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from dealloop.contagion import eisenberg_noe, furfine, rogers_veraart

seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 9), integer=st.booleans())
def test_zero_recovery_is_rogers_veraart_with_zero_recovery(
    helpers: SimpleNamespace, seed: int, n: int, integer: bool
) -> None:
    L, e, ext = helpers.random_network(seed, n, integer=integer)
    e = e * 0.6
    ff = furfine(L, e, recovery=0.0, external_liabilities=ext)
    rv = rogers_veraart(L, e, alpha=0.0, beta=0.0, external_liabilities=ext)
    np.testing.assert_array_equal(ff.defaulted, rv.defaulted)
    np.testing.assert_array_equal(ff.waves, rv.waves)
    np.testing.assert_allclose(ff.payments, rv.payments, atol=1e-12)
    np.testing.assert_allclose(ff.net_worth, rv.net_worth, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 9), recovery=st.sampled_from([0.0, 0.3, 0.7, 1.0]))
def test_rounds_are_consistent_and_monotone(
    helpers: SimpleNamespace, seed: int, n: int, recovery: float
) -> None:
    L, e, ext = helpers.random_network(seed, n)
    res = furfine(L, e, recovery=recovery, external_liabilities=ext)
    pbar = L.sum(axis=1) + ext
    # Final state: every failed firm is short given who failed; every survivor is not.
    lost = (1 - recovery) * (L * res.defaulted[:, None]).sum(axis=0)
    np.testing.assert_allclose(res.losses, lost, atol=1e-12)
    worth = e + L.sum(axis=0) - lost - pbar
    assert np.all(worth[~res.defaulted] >= -1e-9)
    np.testing.assert_array_equal(res.waves > 0, res.defaulted)
    # Round by round: the firms failing in round t are short given the failures before
    # round t, and every firm failing later (or never) is not, so none fails late.
    for t in range(1, int(res.waves.max(initial=0)) + 1):
        before = (res.waves > 0) & (res.waves < t)
        worth_t = e + L.sum(axis=0) - (1 - recovery) * (L * before[:, None]).sum(0) - pbar
        assert np.all(worth_t[res.waves == t] < 0)
        assert np.all(worth_t[(res.waves > t) | (res.waves == 0)] >= -1e-9)
    # More recovery never causes more failures.
    kinder = furfine(L, e, recovery=min(1.0, recovery + 0.3), external_liabilities=ext)
    assert not np.any(kinder.defaulted & ~res.defaulted)


def test_initial_defaults_and_batch() -> None:
    L = np.array([[0, 10.0, 0], [0, 0, 8.0], [0, 0, 0]])
    e = np.array([20.0, 1.0, 1.0])
    assert not furfine(L, e).defaulted.any()
    forced = furfine(L, e, recovery=0.5, initial_defaults=np.array([True, False, False]))
    np.testing.assert_array_equal(forced.waves, [1, 2, 0])
    batch = furfine(sp.csr_array(L), np.stack([e, e * 0.1]), recovery=0.5)
    assert batch.defaulted.shape == (2, 3)
    np.testing.assert_array_equal(batch.waves[1], [1, 2, 0])
    assert batch.iterations.tolist() == [1, 3]
    frame = batch.to_frame(index=["a", "b", "c"])
    assert len(frame) == 6 and set(frame["scenario"]) == {0, 1}
    assert "Furfine" in batch.summary()
    with pytest.raises(ValueError, match=r"^initial_defaults"):
        furfine(L, e, initial_defaults=[1, 0, 0])
    with pytest.raises(ValueError, match=r"^recovery"):
        furfine(L, e, recovery=2.0)


@settings(max_examples=60, deadline=None)
@given(seed=seeds, n=st.integers(1, 6), recovery=st.sampled_from([0.0, 0.4, 0.8]))
def test_cascade_is_the_smallest_self_consistent_failure_set(
    helpers: SimpleNamespace, seed: int, n: int, recovery: float
) -> None:
    """Checked against every one of the 2^n failure sets: a set S is self-consistent when
    the firms short given S's losses are exactly S; the cascade from no failures reaches
    the smallest such set (the least fixed point of a monotone map). Thin buffers (net
    worth before losses in [-0.3, 1]) give several self-consistent sets in about 15% of
    the networks (2.5% with random_network's own outside assets)."""
    L, e, ext = helpers.random_network(seed, n)
    pbar = L.sum(axis=1) + ext
    e = np.maximum(pbar - L.sum(axis=0), 0.0) + np.random.default_rng(seed).uniform(-0.3, 1, n)
    res = furfine(L, e, recovery=recovery, external_liabilities=ext)

    def short(failed: np.ndarray) -> np.ndarray:
        return e + L.sum(axis=0) - (1 - recovery) * L[failed].sum(axis=0) - pbar < 0

    assert np.array_equal(short(res.defaulted), res.defaulted)
    for bits in itertools.product([False, True], repeat=n):
        S = np.array(bits)
        if np.array_equal(short(S), S):
            assert not np.any(res.defaulted & ~S), (S, res.defaulted)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 9), recovery=st.sampled_from([0.0, 0.4, 0.8]))
def test_more_outside_assets_never_cause_a_failure(
    helpers: SimpleNamespace, seed: int, n: int, recovery: float
) -> None:
    L, e, ext = helpers.random_network(seed, n)
    bump = np.random.default_rng(seed + 1).exponential(0.5, n)
    base = furfine(L, e, recovery=recovery, external_liabilities=ext)
    richer = furfine(L, e + bump, recovery=recovery, external_liabilities=ext)
    assert not np.any(richer.defaulted & ~base.defaulted)
    assert np.all(richer.losses <= base.losses + 1e-12)
    # Losses are exactly what the failed debtors do not pay.
    np.testing.assert_allclose(base.losses, (1 - recovery) * L[base.defaulted].sum(axis=0),
                               rtol=0, atol=1e-12)  # fmt: skip


@pytest.mark.parametrize("recovery", [0.0, 0.5, 1.0])
def test_exactly_zero_net_worth_survives_rounding(recovery: float) -> None:
    """Firm 1 holds 0.1 and a claim of 0.7 and owes 0.8: zero net worth in exact arithmetic,
    one ulp below zero in floating point (0.1 + 0.7 < 0.8). Failure is strict, as in
    eisenberg_noe: it survives, with net worth exactly zero."""
    L = np.array([[0.0, 0.7], [0.8, 0.0]])
    e = np.array([5.0, 0.1])
    assert e[1] + L[0, 1] - L[1, 0] < 0  # the rounding this test is about
    res = furfine(L, e, recovery=recovery)
    assert not res.defaulted.any() and res.iterations == 1
    assert res.net_worth[1] == 0.0
    np.testing.assert_array_equal(res.defaulted, eisenberg_noe(L, e).defaulted)


def test_a_self_fulfilling_failure_set_is_not_chosen() -> None:
    """Two firms owe each other 1 and each holds 0.1: both failing is self-consistent with
    zero recovery (0.1 - 1 < 0), and so is neither failing. The cascade starts from no
    failures and stops there."""
    L = np.array([[0.0, 1.0], [1.0, 0.0]])
    e = np.array([0.1, 0.1])
    res = furfine(L, e, recovery=0.0)
    assert not res.defaulted.any() and res.iterations == 1
    both = furfine(L, e, recovery=0.0, initial_defaults=np.array([True, False]))
    np.testing.assert_array_equal(both.waves, [1, 2])
