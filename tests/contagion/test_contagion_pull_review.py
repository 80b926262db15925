"""Review of the compiled pull form of one scenario (no transpose of the whole matrix): random
sparse networks in every default regime, forced through the pull form, against the numpy
rounds and the batched (transposed) path; knife edges and the round's map with ``beta < 1``
at kernel level."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dealloop.contagion import _kernels, eisenberg_noe
from dealloop.contagion._network import LiabilityNetwork, default_threshold

pytest.importorskip("numba")


def messy_network(
    seed: int, n: int, density: float, hubs: int, messy: bool
) -> tuple[sp.csr_array, np.ndarray]:
    """A random sparse liability matrix with ``hubs`` firms owing and owed by many, some
    firms with no debts at all (``pbar = 0``) and some owed nothing (empty columns); if
    ``messy``, the CSR as a caller may hand it: duplicate entries, explicit zeros (also on
    the diagonal) and unsorted indices within rows."""
    rng = np.random.default_rng(seed)
    m = max(int(density * n * n), n)
    rows = rng.integers(0, n, m)
    cols = rng.integers(0, n, m)
    for h in range(hubs):  # hubs owe a fifth of the firms and are owed by another fifth
        pick = rng.choice(n, size=max(n // 5, 1), replace=False)
        rows = np.concatenate([rows, np.full(pick.size, h), pick])
        cols = np.concatenate([cols, pick, np.full(pick.size, h)])
    vals = rng.lognormal(0.0, 1.0, rows.size)
    keep = rows != cols
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    idle = rng.random(n) < 0.05  # no debts, no claims: pbar = 0 unless external debt
    idle[:hubs] = False
    keep = ~idle[rows] & ~idle[cols]
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    unowed = rng.random(n) < 0.05  # owed nothing: empty columns
    unowed[:hubs] = False
    keep = ~unowed[cols]
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    ext = np.where(idle, 0.0, rng.random(n) * np.bincount(rows, vals, minlength=n) * 0.3)
    if not messy:
        return sp.csr_array((vals, (rows, cols)), shape=(n, n)), ext
    # duplicates (COO -> CSR keeps them when built from the raw arrays), explicit zeros
    dup = rng.random(rows.size) < 0.1
    zero_r = rng.integers(0, n, n // 10 + 1)
    zero_c = rng.integers(0, n, n // 10 + 1)
    rows = np.concatenate([rows, rows[dup], zero_r, zero_r])
    cols = np.concatenate([cols, cols[dup], zero_c, zero_r])  # also (i, i) = 0.0
    vals = np.concatenate([vals, vals[dup] * 0.5, np.zeros(2 * zero_r.size)])
    order = rng.permutation(rows.size)  # unsorted within rows after a stable sort by row
    rows, cols, vals = rows[order], cols[order], vals[order]
    by_row = np.argsort(rows, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    L = sp.csr_array((vals[by_row], cols[by_row], indptr), shape=(n, n))
    assert not L.has_canonical_format
    return L, ext


def shock(seed: int, L: sp.csr_array, ext: np.ndarray, hit: float, severity: float) -> np.ndarray:
    """Outside assets: a firm's buffer over its debts less its claims, cut for a random
    share ``hit`` of firms by ``severity`` of its balance sheet; firm 0 (a hub if any)
    always defaults while everyone pays (so the kernel is called)."""
    rng = np.random.default_rng(seed + 1)
    pbar = np.asarray(L.sum(axis=1)).ravel() + ext
    colsum = np.asarray(L.sum(axis=0)).ravel()
    e = pbar - colsum + 0.05 * (pbar + colsum) * rng.random(L.shape[0])
    hit_mask = rng.random(L.shape[0]) < hit
    e = np.where(hit_mask, e - severity * (pbar + colsum) * rng.random(L.shape[0]), e)
    e[0] = pbar[0] - colsum[0] - 0.5 * pbar[0] - 1.0
    return e


FIELDS = ("waves", "defaulted", "payments", "equity")


def agree(fast: Any, slow: Any, k: int | None, what: str) -> None:
    """Waves and default set equal, payments and equity to 1e-9 of the largest debt;
    ``k``: the scenario of a batched ``fast``."""
    got = [getattr(fast, x) if k is None else getattr(fast, x)[k] for x in FIELDS]
    want = [getattr(slow, x) for x in FIELDS]
    np.testing.assert_array_equal(got[0], want[0], err_msg=what)
    np.testing.assert_array_equal(got[1], want[1], err_msg=what)
    atol = 1e-9 * max(float(slow.pbar.max()), 1.0)
    np.testing.assert_allclose(got[2], want[2], rtol=0, atol=atol, err_msg=what)
    np.testing.assert_allclose(got[3], want[3], rtol=0, atol=atol, err_msg=what)


@settings(max_examples=25, deadline=None)
@example(seed=2_721_270_966, n=384, density=3.0, hubs=0, hit=0.4, severity=1.5, messy=True)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(50, 3_000),
    density=st.sampled_from([1.0, 3.0, 8.0]),
    hubs=st.integers(0, 3),
    hit=st.sampled_from([0.0, 0.1, 0.4, 1.0]),
    severity=st.sampled_from([0.05, 0.3, 0.8, 1.5]),
    messy=st.booleans(),
)
def test_one_scenario_pull_form_matches_reference_and_batch(
    seed: int, n: int, density: float, hubs: int, hit: float, severity: float, messy: bool
) -> None:
    """One scenario forced through the pull form (``FDA_PULL_SHARE = 0``: first estimate
    pushed, candidates' sub-matrix from the CSR, last test pushed, the transpose made in the
    kernel only on a restart) gives the numpy rounds' waves, default set and payments, and
    the batched path (transpose cached on the network) gives the same for each scenario."""
    L, ext = messy_network(seed, n, density / n, hubs, messy)
    e = shock(seed, L, ext, hit, severity)
    slow = eisenberg_noe(L, e, external_liabilities=ext, backend="numpy")
    assert slow.defaulted[0]
    # a second scenario that also defaults first (a batch runs only scenarios that do)
    e2 = np.vstack([e, e - 0.1 * np.abs(e)])
    slow2 = eisenberg_noe(L, e2[1], external_liabilities=ext, backend="numpy")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_kernels, "FDA_PULL_SHARE", 0.0)
        one = eisenberg_noe(L, e, external_liabilities=ext, backend="numba")
        batch = eisenberg_noe(L, e2, external_liabilities=ext, backend="numba")
    agree(one, slow, None, "one scenario, pull form")
    # (not the iterations: a scenario whose rounds end a little above the tolerance is
    # finished by Picard, which adds its own; e.g. the example above, 7 against 4, at
    # 22a1f77 too, payments within 2.2e-13)
    for k, ref in enumerate((slow, slow2)):
        agree(batch, ref, k, f"batch scenario {k}, pull form")


@pytest.mark.parametrize("max_sweeps", [1, 3, 8])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_scenario_pull_form_fallbacks(seed: int, max_sweeps: int) -> None:
    """The fallbacks of one scenario's pull form: a first estimate that does not converge
    in ``FDA_MAX_SWEEPS`` sweeps (every firm a candidate: the kernel makes the transpose),
    rounds handed to the exact solve and restarted from it (``start_round > 0``), on a
    messy CSR with hubs: the numpy rounds' answer, whatever the sweep budget."""
    L, ext = messy_network(seed, 1_500, 4.0 / 1_500, 2, True)
    e = shock(seed, L, ext, 0.6, 0.5)
    slow = eisenberg_noe(L, e, external_liabilities=ext, backend="numpy")
    assert slow.waves.max() >= 2
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_kernels, "FDA_PULL_SHARE", 0.0)
        mp.setattr(_kernels, "FDA_MAX_SWEEPS", max_sweeps)
        mp.setattr(_kernels, "FDA_SLOW_AFTER", max_sweeps)
        mp.setattr(_kernels, "FDA_COARSE", 1.0)
        one = eisenberg_noe(L, e, external_liabilities=ext, backend="numba")
    agree(one, slow, None, f"max_sweeps {max_sweeps}")


def ring_knife_edge(n: int) -> tuple[sp.csr_array, np.ndarray]:
    """A ring of ``n`` firms owing 1 to the next, each with a buffer of 0.1 except firm 0,
    shocked by 0.5; firm 4 is then left with exactly zero equity in exact arithmetic
    (0.1 + 0.9 = 1), a few ulps negative in floating point; firms 5.. solvent with margin."""
    rows = np.arange(n)
    L = sp.csr_array((np.ones(n), (rows, (rows + 1) % n)), shape=(n, n))
    e = np.full(n, 0.1)
    e[0] -= 0.5
    e[5:] = 1.0
    return L, e


@pytest.mark.parametrize("n", [5, 40])
@pytest.mark.parametrize("batch", [False, True])
def test_knife_edge_in_the_compiled_pull_form(n: int, batch: bool) -> None:
    """Zero equity in exact arithmetic is solvent, in the compiled pull form (one scenario
    without the transpose, and a batch with it): the round test compares against the
    guarded threshold, not ``pbar`` itself."""
    L, e = ring_knife_edge(n)
    net = LiabilityNetwork.build(L)
    assert (e[:1] + net.colsum[:1] < default_threshold(net, e[None])[0][:1]).all()
    ref = eisenberg_noe(L, e, backend="numpy")
    x = net.colsum[4] - (1.0 - ref.payments[3] / net.pbar[3])  # firm 4's incoming payments
    assert e[4] + x < net.pbar[4]  # a few ulps short: the guard is what keeps it solvent
    es = np.vstack([e, e]) if batch else e
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_kernels, "FDA_PULL_SHARE", 0.0)
        res = eisenberg_noe(L, es, backend="numba", method="fictitious_default")
    defaulted = np.atleast_2d(res.defaulted)
    waves = np.atleast_2d(res.waves)
    want = np.zeros(n, dtype=bool)
    want[:4] = True
    # the same rounds as the numpy rounds (a knife-edge firm counted in default in the
    # kernel would add a round, the only trace it leaves in the outputs)
    np.testing.assert_array_equal(res.iterations, np.full(defaulted.shape[0], ref.iterations)
                                  if batch else ref.iterations)  # fmt: skip
    for k in range(defaulted.shape[0]):
        np.testing.assert_array_equal(defaulted[k], want)
        np.testing.assert_array_equal(waves[k, :5], [1, 2, 3, 4, 0])


@pytest.mark.parametrize("beta", [0.3, 0.7])
def test_sweep_free_applies_beta(beta: float) -> None:
    """``_sweep_free`` (the round's map once payments may lie below its fixed point) pays
    ``min(max((a + beta * incoming) / pbar, 0), 1)`` from the latest incoming payments:
    checked against that formula with ``beta < 1``, one firm at a time in sweep order."""
    from dealloop.contagion import _numba_fda

    rng = np.random.default_rng(3)
    n = 60
    dense = np.where(rng.random((n, n)) < 0.1, rng.random((n, n)), 0.0)
    np.fill_diagonal(dense, 0.0)
    L = sp.csr_array(dense)
    net = LiabilityNetwork.build(L)
    tp, ti, td = net.pull_matrix()
    a = rng.random(n) * 0.5
    r = rng.random(n)
    rows = np.flatnonzero(net.pbar > 0).astype(np.uint64)
    inc = np.empty(n)
    r_got = r.copy()
    _numba_fda._sweep_free(tp, ti, td, net.pbar, net.colsum, a, beta, rows, rows.size,
                           r_got, inc)  # fmt: skip
    r_want = r.copy()
    for i in rows:
        x = net.colsum[i] - dense[:, i] @ (1.0 - r_want)
        r_want[i] = min(max((a[i] + beta * x) / net.pbar[i], 0.0), 1.0)
    np.testing.assert_allclose(r_got, r_want, rtol=0, atol=1e-12)
