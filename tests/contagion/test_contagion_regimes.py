"""Every clearing path gives the greatest clearing vector in every regime of the benchmark grid.

The reference here is written independently of the package: Picard iteration from ``pbar``
followed by an exact dense solve on the default set it ends with (so it is exact even where
Picard alone converges slowly), checked to be a fixed point of the clearing map.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from dealloop.contagion import (
    ConvergenceError,
    _kernels,
    _rounds,
    eisenberg_noe,
    rogers_veraart,
)
from dealloop.synth import (
    chung_lu_network,
    core_periphery_network,
    erdos_renyi_network,
    shock_outside_assets,
    star_network,
)

SHAPES = {
    "chung-lu": chung_lu_network,
    "erdos-renyi": erdos_renyi_network,
    "core-periphery": lambda n, seed: core_periphery_network(n, core=20, seed=seed),
    "star": star_network,
}
#: hit fraction and severity giving about none, 1%, 5%, 20%, 40% and >= 60% defaults
REGIMES = {
    "none": (0.0, (0.2, 1.0)),
    "1%": (0.02, (0.2, 1.0)),
    "5%": (0.08, (0.2, 1.0)),
    "20%": (0.3, (0.2, 1.0)),
    "40%": (0.7, (0.3, 1.0)),
    "60%": (1.0, (0.8, 1.0)),
}


def exact_greatest(
    L: np.ndarray, e: np.ndarray, ext: np.ndarray, alpha: float = 1.0, beta: float = 1.0
) -> np.ndarray:
    """Greatest clearing payments: Picard from pbar, then an exact solve on its default set."""
    n = L.shape[0]
    pbar = L.sum(axis=1) + ext
    Pi = np.divide(L, pbar[:, None], out=np.zeros_like(L), where=pbar[:, None] > 0)
    a = alpha * np.maximum(e, 0) + np.minimum(e, 0)
    p = pbar.copy()
    for _ in range(20_000):
        x = Pi.T @ p
        new = np.where(e + x >= pbar, pbar, np.maximum(0.0, a + beta * x))
        done = np.max(np.abs(new - p), initial=0.0) <= 1e-14 * max(1.0, pbar.max(initial=0))
        p = new
        if done:
            break
    for _ in range(n + 1):  # exact solve on the firms that pay something but not in full
        x = Pi.T @ p
        paying = (e + x < pbar) & (a + beta * x > 0)
        fixed = ~paying
        if not paying.any():
            break
        A = np.eye(paying.sum()) - beta * Pi[np.ix_(paying, paying)].T
        rhs = a[paying] + beta * Pi[np.ix_(fixed, paying)].T @ p[fixed]
        q = p.copy()
        q[paying] = np.linalg.solve(A, rhs)
        if np.allclose(q, p, rtol=0, atol=1e-9 * pbar.max()):
            p = q
            break
        p = np.minimum(q, p)
    x = Pi.T @ p
    phi = np.where(e + x >= pbar, pbar, np.maximum(0.0, a + beta * x))
    assert np.max(np.abs(phi - p)) <= 1e-9 * pbar.max(), "reference is not a fixed point"
    return p


def regime_case(shape: str, regime: str, n: int = 160, seed: int = 0):
    net = SHAPES[shape](n, seed=seed)
    hit, severity = REGIMES[regime]
    e = shock_outside_assets(net, hit_fraction=hit, severity=severity, seed=seed + 1)
    return net, e


@pytest.mark.parametrize("regime", list(REGIMES))
@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_path_matches_the_reference(shape: str, regime: str) -> None:
    net, e = regime_case(shape, regime)
    ext = net.external_liabilities
    dense = net.L.toarray()
    ref = exact_greatest(dense, e, ext)
    scale = ref.max()
    results = {}
    for backend in ("numba", "numpy"):
        for method in ("fictitious_default", "picard"):
            res = eisenberg_noe(net.L, e, external_liabilities=ext, method=method, backend=backend)
            results[backend, method] = res
            np.testing.assert_allclose(res.payments, ref, rtol=0, atol=1e-10 * scale)
        batch = eisenberg_noe(net.L, np.stack([e, e * 0.9]), external_liabilities=ext,
                              backend=backend)  # fmt: skip
        np.testing.assert_allclose(batch.payments[0], ref, rtol=0, atol=1e-10 * scale)
        dense_res = eisenberg_noe(dense, e, external_liabilities=ext, backend=backend)
        np.testing.assert_allclose(dense_res.payments, ref, rtol=0, atol=1e-10 * scale)
    # the compiled and the numpy fictitious-default algorithms default the same firms in
    # the same rounds
    fast, slow = results["numba", "fictitious_default"], results["numpy", "fictitious_default"]
    np.testing.assert_array_equal(fast.defaulted, slow.defaulted)
    np.testing.assert_array_equal(fast.waves, slow.waves)
    if regime == "none":
        assert not fast.defaulted.any()
    if regime == "60%":
        assert fast.defaulted.mean() >= 0.5


@pytest.mark.parametrize("shape", ["chung-lu", "star"])
def test_rogers_veraart_paths_match_the_reference(shape: str) -> None:
    net, e = regime_case(shape, "20%")
    ext = net.external_liabilities
    ref = exact_greatest(net.L.toarray(), e, ext, alpha=0.7, beta=0.9)
    for backend in ("numba", "numpy"):
        res = rogers_veraart(net.L, e, alpha=0.7, beta=0.9, external_liabilities=ext,
                             backend=backend)  # fmt: skip
        np.testing.assert_allclose(res.payments, ref, rtol=0, atol=1e-10 * ref.max())


def near_singular_ring(n: int = 40, leak: float = 1e-5) -> tuple[np.ndarray, np.ndarray, float]:
    """A ring where each firm owes 1 to the next and ``leak`` of its debt is external: the
    spectral radius of the relative liabilities is ``1 / (1 + leak)``. With outside assets
    ``leak / 2`` every firm defaults and pays ``p = leak / 2 + p / (1 + leak)``, that is
    ``(1 + leak) / 2`` (of ``1 + leak`` owed)."""
    L = np.roll(np.eye(n), 1, axis=1)
    return L, np.full(n, leak / 2), leak


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_slowly_contracting_loop_is_solved_exactly(backend: str) -> None:
    L, e, leak = near_singular_ring()
    ext = np.full(L.shape[0], leak)
    res = eisenberg_noe(L, e, external_liabilities=ext, backend=backend)
    np.testing.assert_allclose(res.payments, (1 + leak) / 2, rtol=1e-10)
    assert res.defaulted.all()
    sparse = eisenberg_noe(sp.csr_array(L), e, external_liabilities=ext, backend=backend)
    np.testing.assert_allclose(sparse.payments, (1 + leak) / 2, rtol=1e-10)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_picard_does_not_stop_on_a_small_step_far_from_the_answer(backend: str) -> None:
    """Spectral radius 1 - 1e-5: steps are tiny long before the payments are right."""
    L, e, leak = near_singular_ring(n=6)
    ext = np.full(L.shape[0], leak)
    try:
        res = eisenberg_noe(L, e, external_liabilities=ext, method="picard", backend=backend,
                            max_iter=5_000)  # fmt: skip
    except ConvergenceError:
        return  # honest: not converged in the budget
    np.testing.assert_allclose(res.payments, (1 + leak) / 2, rtol=1e-9)


def test_compiled_rounds_hand_slow_rounds_to_the_exact_solve(monkeypatch) -> None:
    """The exact-solve branch of the compiled algorithm runs and gives the same answer."""
    L, e, leak = near_singular_ring()
    ext = np.full(L.shape[0], leak)
    calls = []
    original = _rounds._round

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(_rounds, "_round", spy)
    res = eisenberg_noe(L, e, external_liabilities=ext, backend="numba")
    assert calls, "the slow round was not handed to the exact solve"
    np.testing.assert_allclose(res.payments, (1 + leak) / 2, rtol=1e-10)


def test_large_default_block_with_hubs_that_would_fill_in() -> None:
    """A default set larger than the dense-solve limit, with hub firms whose rows and columns
    fill in a sparse LU factorisation, is solved right by every path."""
    n = _rounds.DENSE_BLOCK_MAX + 150
    rng = np.random.default_rng(5)
    hubs = 6
    rows, cols = [], []
    for h in range(hubs):  # every hub owes and is owed by every firm
        others = np.setdiff1d(np.arange(n), [h])
        rows += [np.full(others.size, h), others]
        cols += [others, np.full(others.size, h)]
    extra = rng.integers(0, n, (2, 3 * n))
    rows.append(extra[0])
    cols.append(extra[1])
    r, c = np.concatenate(rows), np.concatenate(cols)
    keep = r != c
    L = sp.coo_array((rng.exponential(1.0, keep.sum()), (r[keep], c[keep])), shape=(n, n))
    L = L.tocsr()
    ext = np.asarray(L.sum(axis=1)).ravel() * rng.uniform(0.0, 0.3, n)
    e = rng.uniform(0.0, 0.5, n)
    ref = exact_greatest(L.toarray(), e, ext)
    for backend in ("numba", "numpy"):
        res = eisenberg_noe(L, e, external_liabilities=ext, backend=backend)
        assert res.defaulted.sum() > _rounds.DENSE_BLOCK_MAX
        np.testing.assert_allclose(res.payments, ref, rtol=0, atol=1e-10 * ref.max())


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 12),
    integer=st.booleans(),
    rv=st.booleans(),
)
def test_compiled_fictitious_default_is_the_greatest_vector(
    helpers: SimpleNamespace, seed: int, n: int, integer: bool, rv: bool
) -> None:
    L, e, ext = helpers.random_network(seed, n, integer=integer)
    alpha, beta = (0.6, 0.8) if rv else (1.0, 1.0)
    ref = exact_greatest(L, e, ext, alpha, beta)
    scale = max(1.0, ref.max(initial=0.0))
    E = np.stack([e, 0.3 * e])
    fast = rogers_veraart(L, E, alpha=alpha, beta=beta, external_liabilities=ext,
                          backend="numba")  # fmt: skip
    slow = rogers_veraart(L, E, alpha=alpha, beta=beta, external_liabilities=ext,
                          backend="numpy")  # fmt: skip
    np.testing.assert_allclose(fast.payments[0], ref, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(fast.payments, slow.payments, rtol=0, atol=1e-10 * scale)
    np.testing.assert_array_equal(fast.defaulted, slow.defaulted)


@pytest.fixture(params=["pull", "push"])
def rounds_form(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Force the compiled rounds into one form (pull: transposed gathers; push: worklist)."""
    share = 0.0 if request.param == "pull" else np.inf
    monkeypatch.setattr(_kernels, "FDA_PULL_SHARE", share)
    return request.param


@pytest.mark.parametrize("regime", ["1%", "20%", "60%"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_both_forms_of_the_compiled_rounds_match_the_reference(
    shape: str, regime: str, rounds_form: str
) -> None:
    net, e = regime_case(shape, regime, n=300, seed=4)
    ext = net.external_liabilities
    ref = exact_greatest(net.L.toarray(), e, ext)
    fast = eisenberg_noe(net.L, e, external_liabilities=ext, backend="numba")
    slow = eisenberg_noe(net.L, e, external_liabilities=ext, backend="numpy")
    np.testing.assert_allclose(fast.payments, ref, rtol=0, atol=1e-10 * ref.max())
    np.testing.assert_array_equal(fast.waves, slow.waves)
    batch = eisenberg_noe(net.L, np.stack([e, 0.5 * e, e]), external_liabilities=ext,
                          backend="numba")  # fmt: skip
    np.testing.assert_allclose(batch.payments[2], ref, rtol=0, atol=1e-10 * ref.max())
    np.testing.assert_array_equal(batch.waves[0], slow.waves)


def shaped_network(
    seed: int, n: int, shape: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Small integer networks of a given shape, with some firms at exactly zero equity.

    Amounts are integers, so a firm whose outside assets are set to ``pbar - claims`` has
    exactly zero equity while everyone pays (the knife edge: solvent)."""
    rng = np.random.default_rng(seed)
    L = np.zeros((n, n))
    if shape == "star":  # firm 0 owes and is owed by everyone
        L[0, 1:] = rng.integers(1, 6, n - 1)
        L[1:, 0] = rng.integers(1, 6, n - 1)
    elif shape == "core":  # a dense core of 3 firms, the rest lend to and borrow from it
        core = min(3, n)
        L[:core, :core] = rng.integers(1, 9, (core, core))
        for i in range(core, n):
            L[i, rng.integers(0, core)] = rng.integers(1, 4)
            L[rng.integers(0, core), i] = rng.integers(1, 4)
    elif shape == "ring":
        L[np.arange(n), (np.arange(n) + 1) % n] = rng.integers(1, 5, n)
    else:
        L = np.where(rng.random((n, n)) < 0.35, rng.integers(1, 9, (n, n)), 0).astype(float)
    np.fill_diagonal(L, 0.0)
    ext = rng.integers(0, 4, n).astype(float)
    pbar = L.sum(axis=1) + ext
    claims = L.sum(axis=0)
    e = rng.integers(0, 6, n).astype(float)
    ties = rng.random(n) < 0.3
    e[ties] = np.maximum(pbar - claims, 0.0)[ties]  # zero equity where that is possible
    hit = rng.random(n) < rng.uniform(0.0, 1.0)  # from a few to nearly all firms hit
    e[hit] *= rng.uniform(0.0, 0.9)
    return L, e, ext


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 14),
    shape=st.sampled_from(["star", "core", "ring", "random"]),
    rv=st.booleans(),
)
def test_compiled_forms_on_hubs_cores_rings_and_ties(
    seed: int, n: int, shape: str, rv: bool
) -> None:
    L, e, ext = shaped_network(seed, n, shape)
    alpha, beta = (0.6, 0.8) if rv else (1.0, 1.0)
    ref = exact_greatest(L, e, ext, alpha, beta)
    scale = max(1.0, ref.max(initial=0.0))
    slow = rogers_veraart(L, e, alpha=alpha, beta=beta, external_liabilities=ext,
                          backend="numpy")  # fmt: skip
    for share in (0.0, np.inf):  # pull form, push form
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(_kernels, "FDA_PULL_SHARE", share)
            fast = rogers_veraart(L, e, alpha=alpha, beta=beta, external_liabilities=ext,
                                  backend="numba")  # fmt: skip
        np.testing.assert_allclose(fast.payments, ref, rtol=0, atol=1e-10 * scale)
        np.testing.assert_array_equal(fast.defaulted, slow.defaulted)
        np.testing.assert_array_equal(fast.waves, slow.waves)


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("regime", ["40%", "60%"])
def test_accelerated_final_round_matches_plain_sweeps_and_the_reference(
    shape: str, regime: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pull form finishes a round whose default set is final by Anderson-accelerated
    sweeps: that path runs here, and gives the reference answer and the waves of the plain
    sweeps (``FDA_ANDERSON = 0``) and of the numpy algorithm. These rounds are small, so
    the accelerated sweeps start from the large rounds' contraction (``AA_MIN_Q``) here."""
    net, e = regime_case(shape, regime, n=400, seed=7)
    ext = net.external_liabilities
    ref = exact_greatest(net.L.toarray(), e, ext)
    from dealloop.contagion import _numba_fda

    monkeypatch.setattr(_kernels, "FDA_PULL_SHARE", 0.0)  # pull form
    monkeypatch.setattr(_kernels, "FDA_AA_SMALL_Q", _numba_fda.AA_MIN_Q)
    seen: list[np.ndarray] = []
    original = _kernels.fictitious_default

    def spy(*args, **kwargs):
        acc = np.zeros(args[1].shape[0], dtype=np.int64)
        out = original(*args, accelerated=acc, **kwargs)
        seen.append(acc)
        return out

    monkeypatch.setattr(_kernels, "fictitious_default", spy)
    E = np.stack([e, 0.8 * e])
    fast = eisenberg_noe(net.L, E, external_liabilities=ext, backend="numba")
    assert sum(int(acc.sum()) for acc in seen) > 0, "the accelerated finish did not run"
    monkeypatch.setattr(_kernels, "FDA_ANDERSON", 0)
    plain = eisenberg_noe(net.L, E, external_liabilities=ext, backend="numba")
    slow = eisenberg_noe(net.L, E, external_liabilities=ext, backend="numpy")
    scale = ref.max()
    np.testing.assert_allclose(fast.payments[0], ref, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(fast.payments, plain.payments, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(fast.payments, slow.payments, rtol=0, atol=1e-10 * scale)
    np.testing.assert_array_equal(fast.waves, plain.waves)
    np.testing.assert_array_equal(fast.waves, slow.waves)


@pytest.mark.parametrize(
    ("shape", "n", "seed", "hit", "low", "k"),
    [
        ("erdos-renyi", 405, 399106337, 0.4525286946393249, 0.5818455295275775, 1),
        ("core-periphery", 614, 468399725, 0.6982124711913849, 0.32415233373187, 0),
        # decided on an estimate less than 2x short (DECIDE_SAFETY), from the fourth sweep
        ("core-periphery", 479, 767571464, 0.625229277213692, 0.2781753722965117, 1),
    ],
)
def test_rounds_are_not_decided_on_the_first_contraction_ratios(
    shape: str, n: int, seed: int, hit: float, low: float, k: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two scenarios of a differential run (pull form forced) where deciding a round after
    three sweeps, on a contraction estimate still in its transient, put one firm in default
    a round late: every firm's wave must be the numpy algorithm's (exact round solves)."""
    net = (erdos_renyi_network(n, seed=seed) if shape == "erdos-renyi"
           else core_periphery_network(n, core=n // 20, seed=seed))  # fmt: skip
    e = shock_outside_assets(net, hit_fraction=hit, severity=(low, 1.0), seed=seed + k)
    ext = net.external_liabilities
    monkeypatch.setattr(_kernels, "FDA_PULL_SHARE", 0.0)  # pull form
    fast = eisenberg_noe(net.L, e, external_liabilities=ext, backend="numba")
    slow = eisenberg_noe(net.L, e, external_liabilities=ext, backend="numpy")
    ref = exact_greatest(net.L.toarray(), e, ext)
    np.testing.assert_allclose(fast.payments, ref, rtol=0, atol=1e-10 * ref.max())
    np.testing.assert_array_equal(fast.waves, slow.waves)



def test_a_round_decided_on_its_third_sweep_can_put_a_firm_in_default_late(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Scenario 477 of the benchmark's batched core-periphery ~40% cell (K = 1,000, N =
    1,000): decided from the third sweep on (``MIN_DECIDE = 2``), even on twice the
    estimate's error bound, a round put firm 443 in default a round late; from the fourth
    it is right. Every firm's wave must be the numpy algorithm's."""
    net = core_periphery_network(1_000, seed=3)
    e = shock_outside_assets(net, scenarios=1_000, hit_fraction=0.666259765625, seed=4)[477]
    ext = net.external_liabilities
    slow = eisenberg_noe(net.L, e, external_liabilities=ext, backend="numpy")
    for share in (_kernels.FDA_PULL_SHARE, 0.0):  # as chosen (pull form here), forced
        monkeypatch.setattr(_kernels, "FDA_PULL_SHARE", share)
        fast = eisenberg_noe(net.L, e, external_liabilities=ext, backend="numba")
        np.testing.assert_array_equal(fast.waves, slow.waves)
        np.testing.assert_allclose(fast.payments, slow.payments, rtol=0,
                                   atol=1e-10 * slow.pbar.max())  # fmt: skip


def accelerated_sweeps(net: object, e: np.ndarray, ext: np.ndarray) -> int:
    """Sweeps of the accelerated rounds in a pull-form run of ``eisenberg_noe``."""
    seen: list[int] = []
    original = _kernels.fictitious_default

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        acc = np.zeros(args[1].shape[0], dtype=np.int64)
        out = original(*args, accelerated=acc, **kwargs)
        seen.append(int(acc.sum()))
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_kernels, "fictitious_default", spy)
        eisenberg_noe(net.L, e, external_liabilities=ext, backend="numba")  # type: ignore[attr-defined]
    return sum(seen)


def test_small_rounds_are_accelerated_from_a_higher_contraction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A round of fewer than ``AA_SMALL_ROUND`` defaulters goes on by accelerated sweeps only
    from ``FDA_AA_SMALL_Q`` on: a case whose rounds contract at 0.25-0.4 is accelerated at
    the large rounds' threshold and not at the small rounds' one, with the same waves as the
    numpy algorithm either way."""
    from dealloop.contagion import _numba_fda

    monkeypatch.setattr(_kernels, "FDA_PULL_SHARE", 0.0)  # pull form
    assert _numba_fda.AA_MIN_Q < _kernels.FDA_AA_SMALL_Q
    net, e = regime_case("erdos-renyi", "40%", n=400, seed=7)
    ext = net.external_liabilities
    assert net.n < _numba_fda.AA_SMALL_ROUND
    slow = eisenberg_noe(net.L, e, external_liabilities=ext, backend="numpy")
    assert accelerated_sweeps(net, e, ext) == 0
    fast = eisenberg_noe(net.L, e, external_liabilities=ext, backend="numba")
    np.testing.assert_array_equal(fast.waves, slow.waves)
    monkeypatch.setattr(_kernels, "FDA_AA_SMALL_Q", _numba_fda.AA_MIN_Q)
    assert accelerated_sweeps(net, e, ext) > 0
    fast = eisenberg_noe(net.L, e, external_liabilities=ext, backend="numba")
    np.testing.assert_array_equal(fast.waves, slow.waves)
    np.testing.assert_allclose(fast.payments, slow.payments, rtol=0,
                               atol=1e-10 * slow.pbar.max())  # fmt: skip


def test_one_slow_ratio_in_a_round_does_not_start_the_acceleration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A round goes on by accelerated sweeps only when both of its last two step ratios are
    slow (from ``AA_MIN_Q`` here): in this case a round's larger ratio crossed it while its
    contraction was fast, and the rule on the larger ratio alone ran 4 accelerated sweeps
    (before 2026-12-06, er60). None now, with the numpy algorithm's waves and the reference
    payments."""
    from dealloop.contagion import _numba_fda

    monkeypatch.setattr(_kernels, "FDA_PULL_SHARE", 0.0)  # pull form
    monkeypatch.setattr(_kernels, "FDA_AA_SMALL_Q", _numba_fda.AA_MIN_Q)
    net, e = regime_case("erdos-renyi", "40%", n=400, seed=2)
    ext = net.external_liabilities
    assert accelerated_sweeps(net, e, ext) == 0
    fast = eisenberg_noe(net.L, e, external_liabilities=ext, backend="numba")
    slow = eisenberg_noe(net.L, e, external_liabilities=ext, backend="numpy")
    ref = exact_greatest(net.L.toarray(), e, ext)
    np.testing.assert_array_equal(fast.waves, slow.waves)
    assert fast.waves.max() >= 2  # several rounds: the test sees their sweeps
    np.testing.assert_allclose(fast.payments, ref, rtol=0, atol=1e-10 * ref.max())
