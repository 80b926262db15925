"""The pull form of the compiled fictitious-default rounds: its sub-matrix of candidates, the
choice of form by the liabilities the first defaulters owe, and the start of a round from the
first estimate of the greatest vector."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from dealloop.contagion import _kernels, eisenberg_noe
from dealloop.contagion._network import LiabilityNetwork, default_threshold
from dealloop.synth import chung_lu_network, shock_outside_assets

pytest.importorskip("numba")


def test_pulls_over_the_candidates_sub_matrix_are_bit_identical() -> None:
    """Where only kept firms pay less than in full, a pull over the kept rows and columns
    gives the sum over the whole row, bit for bit; rows not kept are empty."""
    from dealloop.contagion import _numba_fda

    net = chung_lu_network(2_000, seed=5)
    csr_t = net.L.T.tocsr()
    tp, ti, td = (_kernels.unsigned(csr_t.indptr), _kernels.unsigned(csr_t.indices),
                  csr_t.data)  # fmt: skip
    rng = np.random.default_rng(6)
    keep = (rng.random(net.n) < 0.4).astype(np.uint8)
    r = np.where(keep == 1, rng.random(net.n), 1.0)
    colsum = np.asarray(net.L.sum(axis=0)).ravel()
    sp_, si, sd = _numba_fda._restrict(tp, ti, td, keep)
    assert sp_[-1] < td.size  # something was dropped
    for i in range(net.n):
        whole = _numba_fda._pull(tp, ti, td, colsum, r, i)
        if keep[i]:
            assert _numba_fda._pull(sp_, si, sd, colsum, r, i) == whole
            assert np.all(keep[si[sp_[i]:sp_[i + 1]]] == 1)
        else:
            assert sp_[i] == sp_[i + 1]


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_padded_rows_give_the_same_pulls_bit_for_bit(dtype: type) -> None:
    """Rows padded with zero entries (the whole matrix once per batch, and the candidates'
    sub-matrix) hold a multiple of ``ROW_PAD`` entries, the original ones first and in their
    order, and every pull over them is the unpadded pull, bit for bit."""
    from dealloop.contagion import _numba_fda, _numba_kernels

    net = chung_lu_network(1_500, seed=9)
    csr_t = net.L.T.tocsr()
    tp = _kernels.unsigned(csr_t.indptr.astype(dtype))
    ti = _kernels.unsigned(csr_t.indices.astype(dtype))
    td = csr_t.data
    rng = np.random.default_rng(10)
    r = rng.random(net.n)
    r[rng.random(net.n) < 0.3] = 1.0
    colsum = np.asarray(net.L.sum(axis=0)).ravel()
    keep = (rng.random(net.n) < 0.6).astype(np.uint8)
    r_kept = np.where(keep == 1, r, 1.0)
    pp, pi, pd = _numba_kernels.pad_rows(tp, ti, td)
    sp_, si, sd = _numba_kernels._restrict(tp, ti, td, keep)
    pad = _numba_kernels.ROW_PAD
    assert np.all(np.diff(pp.astype(np.int64)) % pad == 0)
    assert np.all(np.diff(sp_.astype(np.int64)) % pad == 0)
    assert pp[-1] > tp[-1]  # something was padded
    for i in range(net.n):
        lo, hi = int(tp[i]), int(tp[i + 1])
        row = slice(int(pp[i]), int(pp[i]) + hi - lo)
        np.testing.assert_array_equal(pi[row], ti[lo:hi])
        np.testing.assert_array_equal(pd[row], td[lo:hi])
        assert np.all(pd[int(pp[i]) + hi - lo : int(pp[i + 1])] == 0.0)
        whole = _numba_fda._pull(tp, ti, td, colsum, r, i)
        assert _numba_fda._pull(pp, pi, pd, colsum, r, i) == whole
        if keep[i]:
            kept = _numba_fda._pull(tp, ti, td, colsum, r_kept, i)
            assert _numba_fda._pull(sp_, si, sd, colsum, r_kept, i) == kept


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_compiled_transpose_is_scipys(dtype: type) -> None:
    """The compiled transpose (record scatter, then split) gives scipy's transpose exactly:
    same row pointers, indices (in increasing order) and values, for both index widths,
    with empty rows and columns and a rectangular shape."""
    rng = np.random.default_rng(11)
    rows, cols = 6_000, 5_000
    mat = sp.random_array((rows, cols), density=0.003, format="csr", rng=rng)
    mat = sp.csr_array(mat.multiply(rng.random((rows, 1)) < 0.8))  # some empty rows
    mat.indices, mat.indptr = mat.indices.astype(dtype), mat.indptr.astype(dtype)
    from dealloop.contagion import _numba_kernels

    tp, ti, td = _numba_kernels.csr_transpose(
        _kernels.unsigned(mat.indptr), _kernels.unsigned(mat.indices), mat.data, cols
    )
    got = sp.csr_array((td, ti.view(dtype), tp.view(dtype)), shape=(cols, rows), copy=False)
    want = sp.csr_array(mat.T)
    want.sort_indices()
    assert got.shape == (cols, rows) and got.indices.dtype == dtype
    np.testing.assert_array_equal(got.indptr, want.indptr)
    np.testing.assert_array_equal(got.indices, want.indices)
    np.testing.assert_array_equal(got.data, want.data)


def first_defaulters(net: LiabilityNetwork, e: np.ndarray) -> np.ndarray:
    return e + net.colsum < default_threshold(net, e[None])[0]


def hub_case(n: int = 2_000) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """A hub that owes every firm one unit and is owed one unit by each; a quarter of the
    small firms default while everyone pays: a quarter of the firms, an eighth of the
    liabilities."""
    hub = np.zeros(n - 1, dtype=np.int64)
    small = np.arange(1, n)
    rows = np.concatenate([hub, small])
    cols = np.concatenate([small, hub])
    L = sp.csr_array((np.ones(2 * (n - 1)), (rows, cols)), shape=(n, n))
    ext = np.full(n, 0.5)
    ext[0] = 0.0
    e = np.ones(n)
    e[1 : n // 4 + 1] = 0.0
    return L, e, ext


def test_the_form_follows_the_liabilities_the_first_defaulters_owe() -> None:
    """Around a hub, many small firms can default first while owing a small share of the
    liabilities: that takes the push form (a batch makes no transpose); the same share as
    the threshold takes the pull form. Both give the numpy rounds' answer."""
    L, e, ext = hub_case()
    net = LiabilityNetwork.build(L, ext)
    first = first_defaulters(net, e)
    owed = np.diff(L.indptr)[first].sum() / L.nnz
    assert first.mean() >= 0.2 and owed < _kernels.FDA_PULL_SHARE  # a count would say pull

    def transposed(share: float) -> bool:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(_kernels, "FDA_PULL_SHARE", share)
            e2 = np.tile(e, (2, 1))  # a batch: one scenario's pull form has no transpose
            _kernels.fictitious_default(
                net, e2, e2, 1.0, default_threshold(net, e2), 1e-12, 1e-15,
                np.ones((2, net.n)), np.tile(net.colsum, (2, 1)),
                np.zeros((2, net.n), dtype=np.int64), np.zeros(2, dtype=np.int64),
                np.zeros(2, dtype=np.int64),
            )  # fmt: skip
            fast = eisenberg_noe(L, e, external_liabilities=ext, backend="numba")
        built = net._pull is not None
        net._pull = None
        slow = eisenberg_noe(L, e, external_liabilities=ext, backend="numpy")
        np.testing.assert_array_equal(fast.waves, slow.waves)
        np.testing.assert_allclose(fast.payments, slow.payments, rtol=0,
                                   atol=1e-10 * slow.pbar.max())  # fmt: skip
        return built

    assert not transposed(_kernels.FDA_PULL_SHARE)
    assert transposed(owed * (1 - 1e-9))  # at the threshold (below it by rounding only)


@pytest.mark.parametrize("seed", range(6))
def test_rounds_started_from_the_first_estimate_keep_the_reference_waves(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dense default regime in pull form, where the last round starts from the first
    estimate of the greatest vector (and the rounds pull over the candidates only): same
    waves and payments as the numpy rounds, for first estimates from coarse to fine."""
    syn = chung_lu_network(1_500, seed=seed)
    e = shock_outside_assets(syn, hit_fraction=1.0, severity=(0.5 + 0.05 * seed, 1.0),
                             seed=seed + 10)  # fmt: skip
    ext = syn.external_liabilities
    monkeypatch.setattr(_kernels, "FDA_PULL_SHARE", 0.0)
    slow = eisenberg_noe(syn.L, e, external_liabilities=ext, backend="numpy")
    assert slow.waves.max() >= 3
    for coarse in (1e6, 1e9, 1e11):
        monkeypatch.setattr(_kernels, "FDA_COARSE", coarse)
        fast = eisenberg_noe(syn.L, e, external_liabilities=ext, backend="numba")
        np.testing.assert_array_equal(fast.waves, slow.waves)
        np.testing.assert_allclose(fast.payments, slow.payments, rtol=0,
                                   atol=1e-10 * slow.pbar.max())  # fmt: skip


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_transpose_padded_and_restrict_from_the_csr(dtype: type) -> None:
    """The padded transpose is the transpose with ``pad_rows``, bit for bit; the candidates'
    sub-matrix made from the CSR (no transpose) is the one made from the transpose, padded
    or not, bit for bit."""
    from dealloop.contagion import _numba_csr, _numba_kernels

    net = chung_lu_network(1_500, seed=12)
    csr = sp.csr_array(net.L)
    ip = _kernels.unsigned(csr.indptr.astype(dtype))
    ix = _kernels.unsigned(csr.indices.astype(dtype))
    tp, ti, td = _numba_kernels.csr_transpose(ip, ix, csr.data, net.n)
    want = _numba_kernels.pad_rows(tp, ti, td)
    got = _numba_kernels.transpose_padded(ip, ix, csr.data, net.n)
    for w, g in zip(want, got, strict=True):
        assert w.dtype == g.dtype
        np.testing.assert_array_equal(w, g)
    rng = np.random.default_rng(13)
    for share in (0.0, 0.3, 0.7, 1.0):
        keep = (rng.random(net.n) < share).astype(np.uint8)
        cp, ci, cd = _numba_csr._restrict_csr(ip, ix, csr.data, keep)
        assert cp.dtype == tp.dtype and ci.dtype == ti.dtype
        for source in ((tp, ti, td), got):
            sp_, si, sd = _numba_kernels._restrict(*source, keep)
            np.testing.assert_array_equal(cp, sp_)
            np.testing.assert_array_equal(ci, si[: int(sp_[-1])])
            np.testing.assert_array_equal(cd, sd[: int(sp_[-1])])


@pytest.mark.parametrize("start", [0, 1])
def test_pull_form_without_the_transpose_matches_it(start: int) -> None:
    """One scenario's pull form runs on the CSR alone (first estimate pushed, candidates'
    sub-matrix made from the CSR, last test and sums pushed; the transpose made in the
    kernel only when every firm is a candidate, as after an exact round, ``start = 1``):
    the same waves, rounds and payments as the same rounds on the transpose."""
    from dealloop.contagion import _numba_fda
    from dealloop.contagion._rounds import _round

    syn = chung_lu_network(1_500, seed=14)
    e = shock_outside_assets(syn, hit_fraction=1.0, severity=(0.6, 1.0), seed=15)
    net = LiabilityNetwork.build(sp.csr_array(syn.L), syn.external_liabilities)
    threshold = default_threshold(net, e[None])[0]
    csr = net.csr()
    ip, ix = _kernels.unsigned(csr.indptr), _kernels.unsigned(csr.indices)
    padded = net.pull_matrix()
    empty = (np.zeros(net.n + 1, ip.dtype), ix[:0], csr.data[:0])
    limit = 1e-12 * net.pbar.max()
    first = e + net.colsum < threshold
    # after round 1 solved exactly (the state a restart after an exact round finds)
    r1, inc1, ok = _round(net, e[None], 1.0, first[None], np.ones((1, net.n)))
    assert ok.all()
    out = {}
    for transposed in (True, False):
        mats = padded if transposed else empty
        r = r1[0].copy() if start else np.ones(net.n)
        inc = inc1[0].copy() if start else net.colsum.copy()
        waves = np.where(first, 1, 0) if start else np.zeros(net.n, dtype=np.int64)
        res = _numba_fda._fda_pull(
            ip, ix, csr.data, *mats, *mats, transposed, net.pbar, net.colsum, e, e, threshold,
            1.0, limit, 1e9 * limit, 1e-15 * net.pbar.max(), 40, 400, 2, 0.4, r, inc, waves,
            start,
        )  # fmt: skip
        out[transposed] = res, r, inc, waves
    (res_t, r_t, inc_t, waves_t), (res_c, r_c, inc_c, waves_c) = out[True], out[False]
    assert res_t[2] == res_c[2] == _numba_fda.FDA_DONE and res_t[0] == res_c[0] >= 2 + start
    np.testing.assert_array_equal(waves_t, waves_c)
    np.testing.assert_allclose(r_c, r_t, rtol=0, atol=1e-12)
    np.testing.assert_allclose(inc_c, inc_t, rtol=0, atol=1e-12 * net.colsum.max())
