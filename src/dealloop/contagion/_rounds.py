"""The fictitious-default rounds (numpy path with exact linear solves, and the compiled
path of :mod:`._kernels`) and the numpy Picard iteration that finishes doubtful
scenarios; see :mod:`._clearing` for the algorithms."""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from . import _kernels
from ._network import (
    GUARD,
    NOISE,
    LiabilityNetwork,
    Solution,
    _inv,
    _phi,
    _residual,
    _scale,
    default_threshold,
)
from ._validation import (
    ConvergenceError,
)

#: Default sets up to this size are solved with dense LU; larger ones with SuperLU.
DENSE_BLOCK_MAX = 384
#: Largest number of float64 entries gathered at once for batched dense solves.
GATHER_CHUNK = 1 << 22


# --------------------------------------------------------------------------------------------
# Linear systems of one round: (diag(pbar_J) - beta * L[J, J]^T) r_J = rhs_J for each scenario


def _solve_dense_group(
    dense: np.ndarray, pbar: np.ndarray, idx: np.ndarray, rhs: np.ndarray, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Batched dense solves for scenarios sharing the block size ``m``; ``idx`` is (k, m)."""
    k, m = idx.shape
    out = np.empty((k, m))
    ok = np.ones(k, dtype=bool)
    step = max(1, GATHER_CHUNK // max(1, m * m))
    diag = np.arange(m)
    for lo in range(0, k, step):
        sl = slice(lo, min(k, lo + step))
        ix = idx[sl]
        # block[s, a, b] = L[ix[a], ix[b]]; the system needs its transpose.
        mat = dense[ix[:, :, None], ix[:, None, :]].transpose(0, 2, 1) * (-beta)
        mat[:, diag, diag] += pbar[ix]
        try:
            out[sl] = np.linalg.solve(mat, rhs[sl][..., None])[..., 0]
        except np.linalg.LinAlgError:
            for s in range(mat.shape[0]):
                try:
                    out[lo + s] = np.linalg.solve(mat[s], rhs[lo + s])
                except np.linalg.LinAlgError:
                    ok[lo + s] = False
    ok &= np.isfinite(out).all(axis=1)
    return out, ok


def _solve_sparse_one(
    net: LiabilityNetwork, idx: np.ndarray, rhs: np.ndarray, beta: float
) -> tuple[np.ndarray, bool]:
    """One scenario's system from the sparse liability matrix."""
    csr = net.csr()
    block = csr[idx][:, idx]
    mat = sp.diags_array(net.pbar[idx]) - beta * block.T
    try:
        if idx.size <= DENSE_BLOCK_MAX:
            sol = scipy.linalg.solve(mat.toarray(), rhs, check_finite=False)
            return sol, bool(np.isfinite(sol).all())
        # Default sets of large networks are mostly acyclic, so a Krylov solve with a
        # diagonal preconditioner converges in a few dozen products; SuperLU is the backup.
        mat = sp.csr_array(mat)
        scale = 1.0 / net.pbar[idx]
        sol, info = spla.bicgstab(
            mat, rhs, rtol=1e-14, atol=0.0, maxiter=200, M=sp.diags_array(scale)
        )
        if info == 0 and np.isfinite(sol).all():
            resid = np.max(np.abs(mat @ sol - rhs) * scale)
            if resid <= 1e-12:
                return sol, True
        sol = spla.splu(sp.csc_array(mat)).solve(rhs)
    except (np.linalg.LinAlgError, RuntimeError, ValueError):
        return np.full(idx.size, np.nan), False
    return sol, bool(np.isfinite(sol).all())


def _solve_blocks(
    net: LiabilityNetwork, unknown: np.ndarray, rhs: np.ndarray, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Solve each scenario's round system on its set of unknowns.

    Returns ``(z, ok)`` with ``z`` shaped like ``rhs`` (zero outside ``unknown``) and ``ok``
    false for scenarios whose system is singular.
    """
    k = unknown.shape[0]
    z = np.zeros(unknown.shape)
    ok = np.ones(k, dtype=bool)
    sizes = unknown.sum(axis=1)
    dense = net.dense_view()
    for m in np.unique(sizes):
        if m == 0:
            continue
        rows = np.flatnonzero(sizes == m)
        cols = np.nonzero(unknown[rows])[1].reshape(rows.size, m)
        if dense is not None and m <= DENSE_BLOCK_MAX:
            sol, good = _solve_dense_group(dense, net.pbar, cols, rhs[rows[:, None], cols], beta)
            z[rows[:, None], cols] = sol
            ok[rows] &= good
        else:
            for row, ix in zip(rows, cols, strict=True):
                sol, solved = _solve_sparse_one(net, ix, rhs[row, ix], beta)
                z[row, ix] = sol
                ok[row] &= solved
    return z, ok


def _round(
    net: LiabilityNetwork,
    a: np.ndarray,
    beta: float,
    defaulted: np.ndarray,
    r_prev: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One fictitious-default round for a batch: payments of ``defaulted`` with the rest paying.

    Solves ``r_i = max(0, a_i + beta * incoming_i(r)) / pbar_i`` on the default set with every
    other firm paying in full, by Chandrasekaran's algorithm: start with every defaulter paying
    nothing, let those with positive resources pay (a linear solve), and add any firm whose
    resources turn positive, until none does. Returns ``(r, incoming, ok)``.
    """
    unknown = defaulted & (net.pbar > 0)
    r_fixed = np.where(unknown, 0.0, r_prev)
    rhs = a + beta * net.incoming(r_fixed)
    paying = unknown & (rhs > 0)
    r = r_fixed.copy()
    ok = np.ones(r.shape[0], dtype=bool)
    todo = np.arange(r.shape[0])
    incoming = np.empty(r.shape)
    while todo.size:
        z, good = _solve_blocks(net, paying[todo], rhs[todo], beta)
        ok[todo] &= good
        rt = np.where(paying[todo], np.clip(z, 0.0, r_prev[todo]), r_fixed[todo])
        r[todo] = rt
        incoming[todo] = net.incoming(rt)
        grow = unknown[todo] & ~paying[todo] & (a[todo] + beta * incoming[todo] > 0)
        grow[~good] = False
        paying[todo] |= grow
        todo = todo[grow.any(axis=1)]
    return r, incoming, ok


def _exact_round(
    net: LiabilityNetwork,
    a: np.ndarray,
    beta: float,
    rows: np.ndarray,
    defaulted: np.ndarray,
    r: np.ndarray,
    incoming: np.ndarray,
    fallback: np.ndarray,
) -> np.ndarray:
    """Solve the round of scenarios ``rows`` exactly (:func:`_round`), in place on ``r`` and
    ``incoming``; a singular round marks its scenario for the Picard ``fallback``. Returns the
    rows that were solved."""
    r_t, inc_t, ok = _round(net, a[rows], beta, defaulted, r[rows])
    good = rows[ok]
    r[good], incoming[good] = r_t[ok], inc_t[ok]
    fallback[rows[~ok]] = True
    return good


def _fictitious_default(
    net: LiabilityNetwork,
    e: np.ndarray,
    a: np.ndarray,
    beta: float,
    tol: float,
    max_iter: int,
) -> Solution:
    k, n = e.shape
    threshold = default_threshold(net, e)
    r = np.ones((k, n))
    incoming = net.incoming(r)
    waves = np.zeros((k, n), dtype=np.int64)
    defaulted = np.zeros((k, n), dtype=bool)
    iterations = np.zeros(k, dtype=np.int64)
    fallback = np.zeros(k, dtype=bool)
    todo = np.arange(k)
    for rnd in range(1, n + 2):
        if todo.size == 0:
            break
        iterations[todo] = rnd
        new = (e[todo] + incoming[todo] < threshold[todo]) & ~defaulted[todo]
        changed = new.any(axis=1)
        todo, new = todo[changed], new[changed]
        if todo.size == 0:
            break
        waves[todo] = np.where(new, rnd, waves[todo])
        defaulted[todo] |= new
        todo = _exact_round(net, a, beta, todo, defaulted[todo], r, incoming, fallback)
    return _finish(net, e, a, beta, tol, max_iter, r, incoming, waves, iterations, fallback)


def _finish(
    net: LiabilityNetwork,
    e: np.ndarray,
    a: np.ndarray,
    beta: float,
    tol: float,
    max_iter: int,
    r: np.ndarray,
    incoming: np.ndarray,
    waves: np.ndarray,
    iterations: np.ndarray,
    fallback: np.ndarray,
    threshold: np.ndarray | None = None,
    residual: np.ndarray | None = None,
) -> Solution:
    """Check the rounds' answer against the map; finish doubtful scenarios by Picard.

    ``threshold``: :func:`default_threshold` of ``e`` if the caller has it (C-contiguous,
    from the compiled rounds), which then also get the check in one compiled pass
    (:func:`_kernels.clearing_residual`, the same numbers). ``residual``: that check if the
    compiled rounds made it already (NaN where they did not finish a scenario: the scenarios
    the exact solve could not take, which Picard finishes).
    """
    inv_pbar = _inv(net.pbar)
    if residual is None and threshold is not None:
        residual = _kernels.clearing_residual(e, a, beta, incoming, r, net.pbar, inv_pbar,
                                              threshold)  # fmt: skip
    if residual is None:
        threshold = default_threshold(net, e)
        phi_r, _ = _phi(net, e, a, beta, incoming, inv_pbar, threshold)
        residual = _residual(net, phi_r, r)
    # A singular round (a closed loop in default with no net outside resources) or a badly
    # conditioned solve: finish those scenarios with Picard from where the rounds stopped,
    # which is above the greatest clearing vector, so Picard still descends to it.
    polish = fallback | (residual > tol * _scale(net))
    if polish.any():
        rows = np.flatnonzero(polish)
        sub = _picard(
            net, e[rows], a[rows], beta, r[rows], waves[rows], iterations[rows], tol, max_iter
        )
        r[rows], incoming[rows], waves[rows] = sub.fraction, sub.incoming, sub.waves
        iterations[rows], residual[rows] = sub.iterations, sub.residual
    return Solution(r, incoming, waves, iterations, residual)


def _fictitious_default_compiled(
    net: LiabilityNetwork,
    e: np.ndarray,
    a: np.ndarray,
    beta: float,
    tol: float,
    max_iter: int,
) -> Solution:
    """The fictitious-default algorithm with each round solved by compiled sweeps.

    Same rounds, waves and answer as :func:`_fictitious_default`, at a cost proportional to
    the debts of the firms that default (times the sweeps a round needs), whatever their
    number. A round whose sweeps contract slowly (a loop of defaulters with little outside
    debt) gets the exact linear solve of :func:`_round` instead, and the sweeps go on from
    there.
    """
    k, n = e.shape
    e = np.ascontiguousarray(e, dtype=np.float64)
    a = np.ascontiguousarray(a, dtype=np.float64)
    threshold = _kernels.default_threshold(net, e, GUARD)
    if threshold is None:
        threshold = np.ascontiguousarray(default_threshold(net, e))
    r = np.ones((k, n))
    incoming = np.empty((k, n))
    incoming[:] = net.colsum
    waves = np.zeros((k, n), dtype=np.int64)
    start = np.zeros(k, dtype=np.int64)
    sweeps = np.zeros(k, dtype=np.int64)
    iterations = np.ones(k, dtype=np.int64)
    fallback = np.zeros(k, dtype=bool)
    limit = tol * _scale(net)
    inv_pbar = _inv(net.pbar)
    # The check of the answer, per scenario: computed by the kernel for every scenario it
    # finishes (the same operations as _kernels.clearing_residual); zero, as that would
    # give, where nobody defaults while everyone pays (every firm pays in full).
    residual = np.zeros(k)
    # Scenarios where nobody defaults while everyone pays are done without a kernel call.
    first = e + net.colsum < threshold
    todo = np.flatnonzero(first.any(axis=1))
    while todo.size:
        if todo.size == k:
            rounds, slow = _kernels.fictitious_default(
                net, e, a, beta, threshold, limit, NOISE * _scale(net), r, incoming, waves,
                start, sweeps, residual=residual, inv_pbar=inv_pbar, first=first,
            )  # fmt: skip
        else:
            sub = [np.ascontiguousarray(x[todo]) for x in (r, incoming, waves, sweeps)]
            res = np.empty(todo.size)
            rounds, slow = _kernels.fictitious_default(
                net, e[todo], a[todo], beta, threshold[todo], limit, NOISE * _scale(net),
                sub[0], sub[1], sub[2], start[todo], sub[3], residual=res, inv_pbar=inv_pbar,
                first=first[todo],
            )  # fmt: skip
            r[todo], incoming[todo], waves[todo], sweeps[todo] = sub
            residual[todo] = res
        iterations[todo] = rounds + 1
        rows = todo[slow]
        if rows.size == 0:
            break
        start[rows] = rounds[slow]
        todo = _exact_round(net, a, beta, rows, waves[rows] > 0, r, incoming, fallback)
    return _finish(
        net, e, a, beta, tol, max_iter, r, incoming, waves, iterations, fallback, threshold,
        residual,
    )  # fmt: skip


def _picard(
    net: LiabilityNetwork,
    e: np.ndarray,
    a: np.ndarray,
    beta: float,
    r0: np.ndarray,
    waves: np.ndarray,
    start: np.ndarray,
    tol: float,
    max_iter: int,
) -> Solution:
    """Monotone iteration ``r <- Phi(r)`` from ``r0`` until no payment moves by > tol*scale."""
    k = e.shape[0]
    r = r0.copy()
    waves = waves.copy()
    iterations = start.copy()
    incoming = net.incoming(r)
    residual = np.full(k, np.inf)
    inv_pbar = _inv(net.pbar)
    limit = tol * _scale(net)
    threshold = default_threshold(net, e)
    todo = np.arange(k)
    prev = np.full(k, np.inf)
    q_last = np.ones(k)
    for _ in range(max_iter):
        r_new, in_default = _phi(
            net, e[todo], a[todo], beta, incoming[todo], inv_pbar, threshold[todo]
        )
        w = waves[todo]
        waves[todo] = np.where(in_default & (w == 0), iterations[todo][:, None] + 1, w)
        iterations[todo] += 1
        step = _residual(net, r_new, r[todo])
        residual[todo] = step
        r[todo] = r_new
        incoming[todo] = net.incoming(r_new)
        # Stop on the error bound step * q / (1 - q), q the contraction over the last two
        # sweeps: a slowly contracting loop takes tiny steps far from its fixed point.
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(np.isfinite(prev[todo]) & (step > 0), step / prev[todo], 1.0)
        q = np.maximum(ratio, q_last[todo])
        q_last[todo], prev[todo] = ratio, step
        done = (step <= NOISE * _scale(net)) | ((q < 1) & (step * q <= limit * (1 - q)))
        todo = todo[~done]
        if todo.size == 0:
            return Solution(r, incoming, waves, iterations, residual)
    raise ConvergenceError(
        f"Picard iteration did not converge in max_iter={max_iter} sweeps: largest payment "
        f"change {np.max(residual):.3g} > tol * max(pbar) = {limit:.3g}. Raise max_iter, "
        "loosen tol, or use method='fictitious_default'."
    )
