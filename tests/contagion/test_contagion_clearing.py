"""Eisenberg-Noe and Rogers-Veraart: invariants on random networks, knife edges, options."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from dealloop.backend import NumbaUnavailableError
from dealloop.contagion import ConvergenceError, eisenberg_noe, rogers_veraart

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 9)
fractions = st.sampled_from([0.0, 0.25, 0.5, 0.8, 1.0])


def lp_greatest(L: np.ndarray, e: np.ndarray, ext: np.ndarray) -> np.ndarray:
    """Greatest clearing vector as the LP max sum(p) s.t. p <= e + Pi'p, 0 <= p <= pbar."""
    n = L.shape[0]
    pbar = L.sum(axis=1) + ext
    Pi = np.divide(L, pbar[:, None], out=np.zeros_like(L), where=pbar[:, None] > 0)
    res = linprog(
        -np.ones(n),
        A_ub=np.eye(n) - Pi.T,
        b_ub=e,
        bounds=list(zip(np.zeros(n), pbar, strict=True)),
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    assert res.status == 0, res.message
    return res.x


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes, integer=st.booleans())
def test_greatest_fixed_point_three_ways(
    helpers: SimpleNamespace, seed: int, n: int, integer: bool
) -> None:
    L, e, ext = helpers.random_network(seed, n, integer=integer)
    fd = eisenberg_noe(L, e, external_liabilities=ext)
    pic = eisenberg_noe(L, e, external_liabilities=ext, method="picard", backend="numpy")
    lp = lp_greatest(L, e, ext)
    ref = helpers.reference_clearing(L, e, ext)
    scale = max(1.0, fd.pbar.max(initial=0.0))
    np.testing.assert_allclose(fd.payments, ref, atol=1e-9 * scale)
    np.testing.assert_allclose(pic.payments, ref, atol=1e-9 * scale)
    np.testing.assert_allclose(lp, ref, atol=1e-6 * scale)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes, integer=st.booleans())
def test_bounds_and_conservation(
    helpers: SimpleNamespace, seed: int, n: int, integer: bool
) -> None:
    L, e, ext = helpers.random_network(seed, n, integer=integer)
    res = eisenberg_noe(L, e, external_liabilities=ext)
    tol = 1e-9 * max(1.0, res.pbar.max(initial=0.0), e.sum())
    assert np.all(res.payments >= 0) and np.all(res.payments <= res.pbar)
    # Solvent firms pay in full; defaulters pay everything they have.
    np.testing.assert_array_equal(res.payments[~res.defaulted], res.pbar[~res.defaulted])
    d = res.defaulted & (res.pbar > 0)
    np.testing.assert_allclose(res.payments[d], (e + res.received)[d], atol=tol)
    # Value conservation: sum of equity + paid to outsiders = sum of outside assets.
    assert abs(res.equity.sum() + res.paid_external.sum() - e.sum()) <= tol
    np.testing.assert_allclose(res.net_worth, e + res.received - res.pbar, atol=tol)
    np.testing.assert_array_equal(res.equity, np.maximum(res.net_worth, 0))
    np.testing.assert_array_equal(res.defaulted, res.net_worth < 0)
    np.testing.assert_array_equal(res.waves > 0, res.defaulted)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes, alpha=fractions, beta=fractions, method=st.sampled_from(
    ["fictitious_default", "picard"]))  # fmt: skip
def test_rogers_veraart_matches_reference(
    helpers: SimpleNamespace, seed: int, n: int, alpha: float, beta: float, method: str
) -> None:
    L, e, ext = helpers.random_network(seed, n)
    res = rogers_veraart(L, e, alpha=alpha, beta=beta, external_liabilities=ext, method=method)
    ref = helpers.reference_clearing(L, e, ext, alpha=alpha, beta=beta)
    np.testing.assert_allclose(res.payments, ref, atol=1e-9 * max(1.0, res.pbar.max()))
    # Deadweight-loss identity (no negative e here).
    total = res.equity.sum() + res.paid_external.sum() + res.deadweight_loss.sum()
    assert total == pytest.approx(e.sum(), rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes)
def test_rv_with_full_recovery_is_eisenberg_noe(
    helpers: SimpleNamespace, seed: int, n: int
) -> None:
    L, e, ext = helpers.random_network(seed, n)
    rv = rogers_veraart(L, e, alpha=1, beta=1, external_liabilities=ext, method="picard")
    en = eisenberg_noe(L, e, external_liabilities=ext)
    np.testing.assert_allclose(rv.payments, en.payments, atol=1e-9 * max(1.0, en.pbar.max()))
    np.testing.assert_array_equal(rv.defaulted, en.defaulted)
    assert not rv.deadweight_loss.any()


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes, alpha=fractions, beta=fractions)
def test_monotone_in_outside_assets_and_recovery(
    helpers: SimpleNamespace, seed: int, n: int, alpha: float, beta: float
) -> None:
    L, e, ext = helpers.random_network(seed, n)
    bump = np.random.default_rng(seed + 1).exponential(0.5, n)
    tol = 1e-9 * max(1.0, L.sum())
    base = rogers_veraart(L, e, alpha=alpha, beta=beta, external_liabilities=ext)
    richer = rogers_veraart(L, e + bump, alpha=alpha, beta=beta, external_liabilities=ext)
    assert np.all(richer.payments >= base.payments - tol)
    assert np.all(richer.equity >= base.equity - tol)
    assert not np.any(richer.defaulted & ~base.defaulted)
    kinder = rogers_veraart(
        L, e, alpha=min(1.0, alpha + 0.2), beta=min(1.0, beta + 0.2), external_liabilities=ext
    )
    assert np.all(kinder.payments >= base.payments - tol)
    # Eisenberg-Noe itself (alpha = beta = 1 was drawn in 1 example of 25), both backends.
    for backend in ("numpy", "numba"):
        en = eisenberg_noe(L, np.stack([e, e + bump]), external_liabilities=ext,
                           backend=backend)  # fmt: skip
        assert np.all(en.payments[1] >= en.payments[0] - tol)
        assert np.all(en.equity[1] >= en.equity[0] - tol)
        assert not np.any(en.defaulted[1] & ~en.defaulted[0])


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes, integer=st.booleans(), closed=st.booleans())
def test_least_below_greatest_with_same_equity(
    helpers: SimpleNamespace, seed: int, n: int, integer: bool, closed: bool
) -> None:
    L, e, ext = helpers.random_network(seed, n, integer=integer)
    if closed and n > 1:
        # Firms 0..m-1 form a closed group around a ring, next to the rest of the network:
        # no outside assets, nothing owed to or by the rest. Its least payments are zero and
        # its greatest positive, so the two vectors differ (they were equal in 1,000 of
        # 1,000 random networks without it: a positive inflow into a closed group pumps its
        # least vector up to the greatest).
        m = int(np.random.default_rng(seed).integers(2, n + 1))
        e[:m], ext[:m], L[:m, m:], L[m:, :m] = 0.0, 0.0, 0.0, 0.0
        L[np.arange(m), (np.arange(m) + 1) % m] += 1.0
    top = eisenberg_noe(L, e, external_liabilities=ext)
    low = eisenberg_noe(L, e, external_liabilities=ext, which="least", backend="numpy")
    ref = helpers.reference_clearing(L, e, ext, start="bottom")
    scale = max(1.0, top.pbar.max(initial=0.0))
    np.testing.assert_allclose(low.payments, ref, atol=1e-8 * scale)
    fast = eisenberg_noe(L, e, external_liabilities=ext, which="least", backend="numba")
    np.testing.assert_allclose(fast.payments, ref, atol=1e-8 * scale)
    assert np.all(low.payments <= top.payments + 1e-9 * scale)
    if closed and n > 1:
        assert np.all(low.payments[:m] <= 1e-12 * scale)  # nothing ever enters the group
        assert top.payments[:m].sum() > 0.0  # the ring lets it pay itself
    # EN Theorem: equity is the same under every clearing vector.
    np.testing.assert_allclose(low.equity, top.equity, atol=1e-7 * scale)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(2, 7))
def test_negative_outside_assets(helpers: SimpleNamespace, seed: int, n: int) -> None:
    L, e, ext = helpers.random_network(seed, n)
    e = e - np.random.default_rng(seed).exponential(1.0, n)
    fd = eisenberg_noe(L, e, external_liabilities=ext)
    ref = helpers.reference_clearing(L, e, ext)
    np.testing.assert_allclose(fd.payments, ref, atol=1e-9 * max(1.0, fd.pbar.max()))
    rv = rogers_veraart(L, e, alpha=0.5, beta=0.7, external_liabilities=ext)
    ref_rv = helpers.reference_clearing(L, e, ext, alpha=0.5, beta=0.7)
    np.testing.assert_allclose(rv.payments, ref_rv, atol=1e-9 * max(1.0, rv.pbar.max()))


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes, k=st.integers(1, 6))
def test_batch_equals_loop_and_sparse_equals_dense(
    helpers: SimpleNamespace, seed: int, n: int, k: int
) -> None:
    L, e, ext = helpers.random_network(seed, n)
    E = e * np.random.default_rng(seed).uniform(0, 1.5, (k, n))
    batch = rogers_veraart(L, E, alpha=0.6, beta=0.9, external_liabilities=ext)
    sparse = rogers_veraart(sp.csr_array(L), E, alpha=0.6, beta=0.9, external_liabilities=ext)
    assert batch.payments.shape == (k, n) and batch.iterations.shape == (k,)
    for row in range(k):
        one = rogers_veraart(L, E[row], alpha=0.6, beta=0.9, external_liabilities=ext)
        np.testing.assert_allclose(batch.payments[row], one.payments, atol=1e-10)
        np.testing.assert_array_equal(batch.waves[row], one.waves)
    np.testing.assert_allclose(sparse.payments, batch.payments, atol=1e-10)
    np.testing.assert_array_equal(sparse.waves, batch.waves)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes, which=st.sampled_from(["greatest", "least"]))
@example(seed=145139683, n=8, which="greatest")
def test_numba_and_numpy_paths_agree(
    helpers: SimpleNamespace, seed: int, n: int, which: str
) -> None:
    L, e, ext = helpers.random_network(seed, n)
    E = np.stack([e, 0.5 * e, 0 * e])
    # Loops with little leakage converge slowly; a looser tolerance keeps the test quick.
    kw = {"external_liabilities": ext, "which": which, "method": "picard", "tol": 1e-9}
    fast = eisenberg_noe(L, E, backend="numba", max_iter=10**6, **kw)
    slow = eisenberg_noe(L, E, backend="numpy", max_iter=10**6, **kw)
    # tol is relative to the largest obligation; the q estimate makes the bound approximate
    # (seen up to 4.2 x tol * max(pbar) over 2,400 random networks), hence the factor 10.
    scale = 10 * kw["tol"] * max(1.0, float((L.sum(axis=1) + ext).max()))
    # Both stop within that bound of the fixed point, so of each other within twice it: on a
    # slow loop (seed 145139683, n = 8: ~96,000 sweeps) numpy stopped 2.2e-8 short of the
    # greatest vector and numba 3.8e-9, 1.9e-8 apart, both inside the 7.7e-8 bound.
    np.testing.assert_allclose(fast.payments, slow.payments, atol=2 * scale)
    np.testing.assert_array_equal(fast.waves, slow.waves)
    # Iteration counts are not compared: the stopping rule reads the contraction q off the
    # last steps, and when q is near 1 the bound step * q / (1 - q) turns rounding noise in
    # the last sweeps into whole sweeps (seen: 207 against 180 on a 3-firm loop). What a user
    # relies on is that both paths stop within tol of the same fixed point.
    start = "top" if which == "greatest" else "bottom"
    exact = np.stack([helpers.reference_clearing(L, row, ext, start=start) for row in E])
    np.testing.assert_allclose(fast.payments, exact, atol=scale)
    np.testing.assert_allclose(slow.payments, exact, atol=scale)


def test_fallback_without_numba(helpers: SimpleNamespace, no_numba: None) -> None:
    L, e, ext = helpers.random_network(3, 6)
    res = eisenberg_noe(L, e, external_liabilities=ext, method="picard")  # backend auto
    np.testing.assert_allclose(res.payments, helpers.reference_clearing(L, e, ext), atol=1e-9)
    with pytest.raises(NumbaUnavailableError, match="backend='numba'"):
        eisenberg_noe(L, e, method="picard", backend="numba")


def test_picard_waves_and_fictitious_default_waves(backend: str) -> None:
    # A chain 0 -> 1 -> 2 -> 3: each default triggers the next, one round per link.
    L = np.diag([10.0, 10.0, 10.0], k=1)
    e = np.array([1.0, 0.5, 0.5, 0.0])
    fd = eisenberg_noe(L, e)
    pic = eisenberg_noe(L, e, method="picard", backend=backend)
    np.testing.assert_array_equal(fd.waves, [1, 2, 3, 0])
    np.testing.assert_array_equal(pic.waves, [1, 2, 3, 0])
    np.testing.assert_allclose(fd.payments, [1, 1.5, 2, 0])
    np.testing.assert_allclose(pic.payments, fd.payments)


# --- knife edges: default iff e + Pi'p < pbar strictly (exactly zero equity is solvent)


def test_zero_equity_without_contagion_is_solvent() -> None:
    L = np.array([[0, 3.0], [1.0, 0]])
    e = np.array([2.0, 0.0])  # firm 0: 2 + 1 = 3 = pbar exactly; firm 1: 0 + 3 = 1 + 2
    res = eisenberg_noe(L, e)
    assert not res.defaulted.any()
    np.testing.assert_array_equal(res.equity, [0.0, 2.0])
    np.testing.assert_array_equal(res.payments, [3.0, 1.0])


@pytest.mark.parametrize("model", ["en", "rv", "furfine"])
def test_zero_equity_after_contagion(model: str) -> None:
    from dealloop.contagion import furfine

    # Firm 0 owes 8 to firm 1 and has 4: it pays half. Firm 1 owes 4 to firm 2 and has 0.
    L = np.array([[0, 8.0, 0], [0, 0, 4.0], [0, 0, 0]])

    def run(e1: float) -> tuple[np.ndarray, np.ndarray]:
        e = np.array([4.0, e1, 0.0])
        if model == "en":
            r = eisenberg_noe(L, e)
        elif model == "rv":
            r = rogers_veraart(L, e, alpha=0.5, beta=0.5)
        else:
            r = furfine(L, e, recovery=0.5)
        return r.defaulted, r.payments

    # Under EN firm 1 receives exactly 4 = what it owes: zero equity, solvent, pays in full.
    # Under RV (alpha = beta = 0.5) firm 0 pays only 2, so firm 1 defaults either way.
    defaulted, payments = run(0.0)
    if model == "rv":
        assert defaulted.tolist() == [True, True, False]
    else:
        assert defaulted.tolist() == [True, False, False]
        assert payments[1] == 4.0
    # A hair less and firm 1 defaults.
    defaulted, _ = run(-1e-6)
    assert defaulted.tolist() == [True, True, False]
    # RV at its own knife edge: e1 = 2 makes 2 + 2 = 4 exactly; solvent pays in full, no haircut.
    if model == "rv":
        defaulted, payments = run(2.0)
        assert defaulted.tolist() == [True, False, False]
        assert payments[1] == 4.0
        defaulted, payments = run(2.0 - 1e-6)
        assert defaulted.tolist() == [True, True, False]
        assert payments[1] == pytest.approx(0.5 * (2.0 - 1e-6) + 0.5 * 2.0)  # cliff


@pytest.mark.parametrize("method", ["fictitious_default", "picard"])
def test_knife_edge_survives_rounding(backend: str, method: str) -> None:
    # S7 ring with buffer 0.1 and shock 0.5: bank 4 ends with exactly zero equity in exact
    # arithmetic (0.1 + 0.9 = 1), a few ulps negative in floating point. Both backends: the
    # numpy rounds are what an installation without numba runs.
    e = np.full(5, 0.1)
    e[0] -= 0.5
    res = eisenberg_noe(np.roll(np.eye(5), 1, axis=1), e, method=method, backend=backend)
    assert res.defaulted.tolist() == [True, True, True, True, False]
    assert res.net_worth[4] == 0.0 and res.equity[4] == 0.0
    np.testing.assert_allclose(res.payments, [0.6, 0.7, 0.8, 0.9, 1.0], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(res.waves, [1, 2, 3, 4, 0])
    # One ulp short of zero net worth before any default (0.1 + 0.7 < 0.8): no default and
    # nothing to solve, whatever the backend.
    two = eisenberg_noe(np.array([[0.0, 0.7], [0.8, 0.0]]), [5.0, 0.1], method=method,
                        backend=backend)  # fmt: skip
    assert not two.defaulted.any() and two.net_worth[1] == 0.0
    if method == "fictitious_default":
        assert two.iterations == 1


def test_pure_loop_continuum() -> None:
    ring = np.roll(np.eye(4), 1, axis=1) * 7.0
    e = np.zeros(4)
    top = eisenberg_noe(ring, e)
    low = eisenberg_noe(ring, e, which="least")
    np.testing.assert_array_equal(top.payments, 7.0)
    np.testing.assert_array_equal(low.payments, 0.0)
    assert not top.defaulted.any()
    assert low.defaulted.all() and (low.waves == 1).all()
    # Any level in between also clears; equity is zero under all of them.
    np.testing.assert_array_equal(top.equity, low.equity)


def test_failed_round_solves_fall_back_to_picard(
    helpers: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A singular or failed linear solve must not give a wrong answer: the scenario is
    # finished by Picard from the last good round, which is above the greatest vector.
    from dealloop.contagion import _rounds

    def failing(
        net: object, unknown: np.ndarray, rhs: np.ndarray, beta: float
    ) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(unknown.shape), np.zeros(unknown.shape[0], dtype=bool)

    monkeypatch.setattr(_rounds, "_solve_blocks", failing)
    for seed in range(5):
        L, e, ext = helpers.random_network(seed, 7)
        res = rogers_veraart(L, e * 0.5, alpha=0.7, beta=0.9, external_liabilities=ext)
        ref = helpers.reference_clearing(L, e * 0.5, ext, alpha=0.7, beta=0.9)
        np.testing.assert_allclose(res.payments, ref, atol=1e-9 * max(1.0, res.pbar.max()))
        assert np.all(res.waves[res.defaulted] >= 1)


def test_firm_without_liabilities_and_empty_network() -> None:
    L = np.array([[0, 0.0], [5.0, 0]])
    res = eisenberg_noe(L, [0.0, 2.0])
    np.testing.assert_array_equal(res.payments, [0.0, 2.0])
    assert res.defaulted.tolist() == [False, True]
    empty = eisenberg_noe(np.zeros((0, 0)), np.zeros(0))
    assert empty.payments.shape == (0,)
    batch = eisenberg_noe(np.zeros((2, 2)), np.zeros((3, 2)))
    assert batch.payments.shape == (3, 2)


def test_picard_reports_non_convergence(backend: str) -> None:
    # Two firms in default owe each other 10 and 0.1 outside: contraction 10/10.1 per sweep.
    L = np.array([[0, 10.0], [10.0, 0]])
    e = np.array([0.05, 0.05])
    ext = np.array([0.1, 0.1])
    with pytest.raises(ConvergenceError, match="max_iter=50"):
        eisenberg_noe(L, e, external_liabilities=ext, method="picard", max_iter=50, backend=backend)
    res = eisenberg_noe(L, e, external_liabilities=ext, method="picard", backend=backend)
    assert res.iterations > 1000 and res.residual <= 1e-12 * res.pbar.max()
    exact = eisenberg_noe(L, e, external_liabilities=ext)
    assert exact.iterations == 2
    np.testing.assert_allclose(exact.payments, [5.05, 5.05], rtol=1e-12)
    np.testing.assert_allclose(res.payments, exact.payments, atol=1e-9)


def test_large_sparse_network_uses_sparse_solves() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    rows = rng.integers(0, n, 6 * n)
    cols = rng.integers(0, n, 6 * n)
    keep = rows != cols
    L = sp.csr_array((rng.exponential(1.0, keep.sum()), (rows[keep], cols[keep])), (n, n))
    L.sum_duplicates()
    claims = np.asarray(L.sum(axis=0)).ravel()
    owed = np.asarray(L.sum(axis=1)).ravel()
    e = np.maximum(owed - claims, 0) + 0.05 * owed
    e[rng.random(n) < 0.3] *= 0.1
    fd = eisenberg_noe(L, e)
    pic = eisenberg_noe(L, e, method="picard", backend="numpy")
    assert fd.n_defaults > 400  # big default sets go through the sparse solvers
    np.testing.assert_allclose(fd.payments, pic.payments, atol=1e-8 * owed.max())
    np.testing.assert_array_equal(fd.defaulted, pic.defaulted)


# --- bad input


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"L": np.ones((2, 3))}, "L"),
        ({"L": np.ones(3)}, "L"),
        ({"L": np.array([[0, -1.0], [0, 0]])}, "L"),
        ({"L": np.array([[0, np.nan], [0, 0]])}, "L"),
        ({"L": np.array([[0, np.inf], [0, 0]])}, "L"),
        ({"L": np.array([[1.0, 1.0], [0, 0]])}, "L"),
        ({"L": sp.csr_array(np.array([[0, -1.0], [0, 0]]))}, "L"),
        ({"L": np.array([["a", "b"], ["c", "d"]])}, "L"),
        ({"e": np.ones(3)}, "e"),
        ({"e": np.ones((2, 2, 2))}, "e"),
        ({"e": np.array([1.0, np.nan])}, "e"),
        ({"external_liabilities": np.array([-1.0, 0])}, "external_liabilities"),
        ({"external_liabilities": np.ones(3)}, "external_liabilities"),
        ({"alpha": 1.5}, "alpha"),
        ({"alpha": -0.1}, "alpha"),
        ({"beta": np.nan}, "beta"),
        ({"beta": "x"}, "beta"),
        ({"method": "newton"}, "method"),
        ({"tol": 0.0}, "tol"),
        ({"max_iter": 0}, "max_iter"),
        ({"backend": "cuda"}, "backend"),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict[str, object], name: str) -> None:
    args: dict[str, object] = {
        "L": np.array([[0, 1.0], [1.0, 0]]),
        "e": np.ones(2),
        "alpha": 0.5,
        "beta": 0.5,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        rogers_veraart(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize("problem", ["nan", "negative", "diagonal"])
def test_bad_entries_of_a_large_sparse_matrix(
    problem: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sparse input is checked in one compiled pass when numba is there; the messages must be
    # the same as from the numpy checks (the path without numba).
    from dealloop.contagion import _kernels

    if backend == "numpy":
        monkeypatch.setitem(_kernels._STATE, "tried", True)
        monkeypatch.setitem(_kernels._STATE, "kernels", None)
    n = 20_000
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, n, 80_000), rng.integers(0, n, 80_000)
    keep = rows != cols
    data = rng.exponential(1.0, keep.sum())
    rows, cols = rows[keep], cols[keep]
    if problem == "nan":
        data[5] = np.nan
    elif problem == "negative":
        data[7] = -1.0
    else:
        rows, cols = np.append(rows, 11), np.append(cols, 11)
        data = np.append(data, 2.0)
    L = sp.csr_array((data, (rows, cols)), shape=(n, n))
    assert L.nnz >= 50_000
    message = {"nan": "NaN", "negative": "nonnegative", "diagonal": r"\[11, 11\]"}[problem]
    with pytest.raises(ValueError, match=rf"^L: .*{message}"):
        eisenberg_noe(L, np.ones(n))
    from dealloop.contagion import debtrank

    with pytest.raises(ValueError, match=rf"^A: .*{message}"):
        debtrank(L.T.tocsr(), np.ones(n), np.zeros(n), variant="linear", backend=backend)


def test_bad_which_and_method_combination() -> None:
    L = np.array([[0, 1.0], [1.0, 0]])
    with pytest.raises(ValueError, match=r"^which"):
        eisenberg_noe(L, np.ones(2), which="middle")
    with pytest.raises(ValueError, match=r"^method"):
        eisenberg_noe(L, np.ones(2), which="least", method="fictitious_default")


FIELDS = ("payments", "net_worth", "equity", "defaulted", "waves", "received",
          "paid_external", "deadweight_loss", "iterations", "residual")  # fmt: skip


@pytest.mark.parametrize(
    ("model", "which", "method"),
    [("en", "greatest", "fictitious_default"), ("en", "greatest", "picard"),
     ("en", "least", "picard"), ("rv", "greatest", "fictitious_default"),
     ("rv", "greatest", "picard")],
)
def test_compiled_outputs_are_the_numpy_ones_bit_for_bit(
    model: str, which: str, method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large problem's threshold, final check and outputs are computed in compiled passes
    (``_kernels.default_threshold``, ``clearing_residual``, ``settle``): every output must
    be the numpy code's, bit for bit, with firms at exactly zero equity (integer amounts) and
    defaulters whose wave is filled in from the iteration count (the least vector)."""
    pytest.importorskip("numba")
    from dealloop.contagion import _kernels
    from dealloop.synth import chung_lu_network, shock_outside_assets

    net = chung_lu_network(1_000, seed=2)
    L = sp.csr_array(net.L)
    L.data = np.ceil(L.data)  # integer amounts: exact sums, so some equity is exactly zero
    ext = np.ceil(net.external_liabilities)
    pbar = np.asarray(L.sum(axis=1)).ravel() + ext
    claims = np.asarray(L.sum(axis=0)).ravel()
    E = np.ceil(shock_outside_assets(net, scenarios=60, hit_fraction=0.5, seed=3))
    E[:, :50] = np.maximum(pbar - claims, 0.0)[:50]  # zero equity while everyone pays
    E[:, 50:100] -= 3.0  # negative outside assets (senior debt): the deadweight loss is
    # (1 - alpha) * max(e, 0) + (1 - beta) * received, not (1 - alpha) * e
    assert E.size >= _kernels.SETTLE_MIN_SIZE

    def run() -> object:
        if model == "rv":
            return rogers_veraart(L, E, alpha=0.7, beta=0.9, external_liabilities=ext,
                                  method=method, backend="numba")  # fmt: skip
        return eisenberg_noe(L, E, external_liabilities=ext, which=which, method=method,
                             backend="numba")  # fmt: skip

    fast = run()
    monkeypatch.setattr(_kernels, "SETTLE_MIN_SIZE", 10**12)  # numpy passes
    slow = run()
    assert np.any(fast.defaulted) and not np.all(fast.defaulted)  # type: ignore[attr-defined]
    assert np.any(fast.net_worth == 0.0)  # type: ignore[attr-defined]
    assert np.any(fast.defaulted & (E < 0))  # type: ignore[attr-defined]
    for name in FIELDS:
        a, b = np.asarray(getattr(fast, name)), np.asarray(getattr(slow, name))
        assert a.dtype == b.dtype and a.shape == b.shape, name
        assert a.tobytes() == b.tobytes(), name


def test_compiled_outputs_fill_in_missing_waves_and_keep_ties_solvent() -> None:
    """``_kernels.settle`` on a made-up solution: a defaulter whose solver wave is 0 gets
    its scenario's iteration count, a solvent firm a few ulps below zero net worth gets
    exactly zero, and the default test is ``default_threshold``'s."""
    pytest.importorskip("numba")
    from dealloop.contagion import _kernels
    from dealloop.contagion._network import GUARD, LiabilityNetwork, Solution, default_threshold

    rng = np.random.default_rng(8)
    n, k = 1_000, 60
    L = sp.random_array((n, n), density=0.01, format="csr", rng=rng)
    L.setdiag(0.0)
    net = LiabilityNetwork.build(sp.csr_array(L), rng.random(n))
    e = rng.random((k, n)) * net.pbar
    incoming = rng.random((k, n)) * net.colsum
    # a few firms within the rounding guard below zero equity: solvent, net worth zero
    incoming[:, :30] = net.pbar[:30] - e[:, :30] - 1e-3 * GUARD * net.pbar[:30]
    sol = Solution(rng.random((k, n)), incoming, rng.integers(0, 3, (k, n)),
                   np.arange(k) + 7, np.zeros(k))  # fmt: skip
    out = _kernels.settle(net, e, sol, GUARD, 1.0, 1.0)
    assert out is not None
    defaulted = e + incoming < default_threshold(net, e)
    assert defaulted.any() and (~defaulted[:, :30]).all()
    np.testing.assert_array_equal(out["defaulted"], defaulted)
    filled = np.where(sol.waves == 0, sol.iterations[:, None], sol.waves)
    assert (defaulted & (sol.waves == 0)).any()
    np.testing.assert_array_equal(out["waves"], np.where(defaulted, filled, 0))
    net_worth = np.where(defaulted, e + incoming - net.pbar,
                         np.maximum(e + incoming - net.pbar, 0.0))  # fmt: skip
    assert (net_worth[:, :30] == 0.0).all()
    np.testing.assert_array_equal(out["net_worth"], net_worth)
    np.testing.assert_array_equal(out["equity"], np.maximum(net_worth, 0.0))
    np.testing.assert_array_equal(out["payments"], sol.fraction * net.pbar)
    np.testing.assert_array_equal(out["paid_external"], sol.fraction * net.external)
    assert not out["deadweight_loss"].any()


def test_numpy_outputs_fill_in_missing_waves(monkeypatch: pytest.MonkeyPatch) -> None:
    """The numpy packaging of a result (every small problem, and every problem without
    numba) on a solution whose solver left a defaulter at wave 0: the defaulter gets its
    scenario's iteration count and solvent firms wave 0, as the compiled ``settle`` does
    (its test above feeds it a made-up solution the same way)."""
    from dealloop.contagion import _clearing
    from dealloop.contagion._network import Solution

    real = _clearing.solve_clearing

    def without_waves(*args: object, **kwargs: object) -> Solution:
        sol = real(*args, **kwargs)  # type: ignore[arg-type]
        waves = sol.waves.copy()
        waves[:, 0] = 0  # the first firm defaults in every scenario below
        return Solution(sol.fraction, sol.incoming, waves, sol.iterations + 7, sol.residual)

    monkeypatch.setattr(_clearing, "solve_clearing", without_waves)
    L = np.array([[0.0, 2.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    E = np.array([[0.5, 0.0, 0.0], [0.5, 5.0, 5.0]])
    res = eisenberg_noe(L, E, backend="numpy")
    assert res.defaulted[:, 0].all() and not res.defaulted.all()
    np.testing.assert_array_equal(res.waves[:, 0], res.iterations)
    np.testing.assert_array_equal(res.waves[~res.defaulted], 0)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 40),
    entries=st.integers(0, 200),
    seed=st.integers(0, 2**31 - 1),
    zeros=st.booleans(),
    shuffle=st.booleans(),
)
def test_compiled_sums_of_sparse_input_equal_numpys(
    n: int, entries: int, seed: int, zeros: bool, shuffle: bool
) -> None:
    # Sparse input of any size gets its sums and checks from one compiled pass; the path
    # without numba must give the same pbar and column sums (to rounding: scipy adds in
    # another order), with duplicate entries, explicit zeros and unsorted indices in the CSR
    # arrays.
    from dealloop.contagion import _kernels
    from dealloop.contagion._network import LiabilityNetwork

    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(0, n, entries), rng.integers(0, n, entries)
    keep = rows != cols
    data = rng.exponential(1.0, int(keep.sum())) * 10.0 ** rng.integers(-3, 4, int(keep.sum()))
    if zeros and data.size:
        data[rng.random(data.size) < 0.3] = 0.0
    L = sp.csr_array((data, (rows[keep], cols[keep])), shape=(n, n))  # duplicates kept
    if shuffle and L.nnz:
        for i in range(n):
            lo, hi = L.indptr[i], L.indptr[i + 1]
            order = lo + rng.permutation(hi - lo)
            L.indices[lo:hi], L.data[lo:hi] = L.indices[order], L.data[order]
        L.has_sorted_indices = False
    ext = rng.exponential(1.0, n)
    compiled = LiabilityNetwork.build(L, ext)
    assert _kernels.csr_summary(L) is not None
    with pytest.MonkeyPatch.context() as mp:  # as on an installation without numba
        mp.setitem(_kernels._STATE, "tried", True)
        mp.setitem(_kernels._STATE, "kernels", None)
        plain = LiabilityNetwork.build(L, ext)
        assert _kernels.csr_summary(L) is None  # the numpy path did run
    np.testing.assert_allclose(compiled.pbar, plain.pbar, rtol=4e-15, atol=0)
    np.testing.assert_allclose(compiled.colsum, plain.colsum, rtol=4e-15, atol=0)
