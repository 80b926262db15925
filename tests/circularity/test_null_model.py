"""Degree-preserving null model and loop z-scores."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealloop.circularity import cycle_significance, null_counts, randomize, to_csr
from dealloop.circularity._jit import numba_available

# numba is a test dependency: both backends always run.
BACKENDS = ["numpy", "numba"]


def degrees(indptr, indices, n):
    return np.diff(indptr).tolist(), np.bincount(indices, minlength=n).tolist()


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 12), edges=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)),
                                             max_size=40), seed=st.integers(0, 10**6))
def test_randomize_preserves_degrees_and_simplicity(n, edges, seed):
    edges = [(u % n, v % n) for u, v in edges]
    indptr, indices = to_csr(n, [u for u, _ in edges], [v for _, v in edges])
    before = degrees(indptr, indices, n)
    for backend in ("numpy", "numba") if numba_available() else ("numpy",):
        p2, i2 = randomize(indptr, indices, swaps_per_edge=5, seed=seed, backend=backend)
        assert degrees(p2, i2, n) == before
        src = np.repeat(np.arange(n), np.diff(p2))
        assert not np.any(src == i2)  # no self-loops
        assert len(set(zip(src.tolist(), i2.tolist(), strict=True))) == len(i2)  # no dups


@pytest.mark.parametrize("backend", BACKENDS)
def test_randomize_actually_rewires(backend):
    rng = np.random.default_rng(1)
    n = 50
    indptr, indices = to_csr(n, rng.integers(0, n, 200), rng.integers(0, n, 200))
    p2, i2 = randomize(indptr, indices, seed=2, backend=backend)
    assert not np.array_equal(i2, indices)
    assert degrees(p2, i2, n) == degrees(indptr, indices, n)


def test_engines_give_the_same_samples():
    assert numba_available(), "numba is a test dependency"
    rng = np.random.default_rng(5)
    n = 40
    indptr, indices = to_csr(n, rng.integers(0, n, 160), rng.integers(0, n, 160))
    a, ra = null_counts(indptr, indices, 4, n_samples=5, seed=9, backend="numpy")
    b, rb = null_counts(indptr, indices, 4, n_samples=5, seed=9, backend="numba")
    assert np.array_equal(a, b) and ra == rb


def test_reciprocal_graph_is_more_circular_than_chance():
    # every hop is reciprocated: many 2-loops; the null destroys most of them
    rng = np.random.default_rng(0)
    g = nx.DiGraph()
    n = 30
    for u, v in zip(rng.integers(0, n, 45).tolist(), rng.integers(0, n, 45).tolist(),
                    strict=True):
        if u != v:
            g.add_edge(u, v)
            g.add_edge(v, u)
    sig = cycle_significance(g, max_length=4, n_samples=40, seed=3)
    frame = sig.to_frame()
    assert frame.loc[2, "observed"] == g.number_of_edges() // 2
    assert frame.loc[2, "z"] > 3
    assert frame.loc[2, "p_value"] == pytest.approx(1 / 41)
    assert list(frame.index) == [2, 3, 4, "all"]
    assert sig.samples.shape == (40, 3)
    json.dumps(sig.to_dict(), allow_nan=False)
    # same seed, same answer
    again = cycle_significance(g, max_length=4, n_samples=40, seed=3)
    assert np.array_equal(again.samples, sig.samples)


def test_zero_variance_gives_nan_z():
    g = nx.DiGraph([("a", "b"), ("b", "a")])  # no swap is possible
    sig = cycle_significance(g, max_length=3, n_samples=5)
    assert np.isnan(sig.z[0]) and sig.acceptance == 0.0
    assert sig.to_dict()["rows"][0]["z"] is None


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_samples"):
        null_counts([0, 1, 2], [1, 0], 2, n_samples=0)
    with pytest.raises(ValueError, match="swaps_per_edge"):
        randomize([0, 1, 2], [1, 0], swaps_per_edge=-1)
    with pytest.raises(TypeError, match="unexpected"):
        cycle_significance(nx.DiGraph(), colour="red")
