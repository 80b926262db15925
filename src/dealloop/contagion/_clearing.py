"""Shared clearing engine for Eisenberg--Noe and Rogers--Veraart.

Both models are solved here, Eisenberg--Noe being Rogers--Veraart with ``alpha = beta = 1``.
The state of the engine is the *fraction paid* ``r_i = p_i / pbar_i`` (``r_i = 1`` for a firm
that owes nothing), so that the payments firm ``i`` receives from the network are

    incoming_i = sum_j L[j, i] r_j = colsum_i - sum_j L[j, i] (1 - r_j),

a sum over defaulters only: a firm that pays in full contributes exactly its column sum, and
the work per sweep is proportional to the debts of the firms in default, not to the size of
the network. A firm defaults iff ``e_i + incoming_i < pbar_i`` (strict; exactly zero equity
is solvent). A defaulter pays ``max(0, alpha * e_i^+ - e_i^- + beta * incoming_i)``: a
negative ``e`` (senior outside debt larger than outside assets) is a claim at face value
and is not haircut.

Two algorithms share the map:

* ``fictitious_default`` (greatest vector): the fictitious-default algorithm of Eisenberg and
  Noe (2001), which is the Greatest-Algorithm of Rogers and Veraart (2013) when ``beta < 1``.
  Each round takes the firms that default at the current payments and solves the linear
  system for their payments exactly; zero payments (negative ``e``) are found inside the round
  by Chandrasekaran's algorithm for the Z-matrix complementarity problem. The round in which
  a firm joins the default set is its *wave*.
* ``picard``: the monotone iteration ``p <- Phi(p)``, from ``pbar`` (greatest) or from ``0``
  (least), stopped when no payment moves by more than ``tol * max(pbar)`` in a sweep.

Everything is batched: the engine works on ``(K, N)`` scenario arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike

from . import _kernels
from ._validation import (
    ConvergenceError,
    Matrix,
    check_choice,
    check_matrix,
    check_positive_int,
    check_scenarios,
    check_tol,
    check_vector,
    is_sparse,
    matrix_value_errors,
)
from .results import Clearing

#: Solvers for the greatest clearing vector (the least one is Picard from zero).
METHODS = ("fictitious_default", "picard")

__all__ = ["LiabilityNetwork", "Solution", "clear", "default_threshold", "solve_clearing"]

#: Sparse networks up to this size get a cached dense copy for batched block solves.
DENSE_VIEW_MAX_N = 2048
#: Default sets up to this size are solved with dense LU; larger ones with SuperLU.
DENSE_BLOCK_MAX = 384
#: Largest number of float64 entries gathered at once for batched dense solves.
GATHER_CHUNK = 1 << 22
#: Rounding guard of the default test, relative to a firm's balance-sheet size.
GUARD = 2.0**-40
#: Steps below this share of max(pbar) are rounding noise: an iteration stops there.
NOISE = 2.0**-49


def _check_sums(name: str, pbar: np.ndarray, colsum: np.ndarray) -> None:
    """Refuse sums that overflow to inf, and debts too small for ``1 / pbar`` to exist."""
    for what, x in (("what a firm owes (row sum + external)", pbar), ("claims (column sum)",
                                                                       colsum)):
        bad = np.flatnonzero(~np.isfinite(x))
        if bad.size:
            raise ValueError(
                f"{name}: {what} of firm {int(bad[0])} overflows to infinity although every "
                "entry is finite; rescale the amounts (e.g. to billions)"
            )
    tiny = np.flatnonzero((pbar > 0) & (pbar < np.finfo(np.float64).tiny))
    if tiny.size:
        raise ValueError(
            f"{name}: firm {int(tiny[0])} owes {pbar[tiny[0]]!r} in all, a subnormal number "
            "whose reciprocal overflows; rescale the amounts or set such debts to zero"
        )


@dataclass
class LiabilityNetwork:
    """A validated liability matrix with the vectors every solver needs."""

    L: np.ndarray | sp.csr_array
    pbar: np.ndarray
    colsum: np.ndarray
    external: np.ndarray
    _dense: np.ndarray | None = field(default=None, repr=False)
    _csr: sp.csr_array | None = field(default=None, repr=False)
    _csr_t: sp.csr_array | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls, L: Matrix, external_liabilities: ArrayLike | None = None, *, name: str = "L"
    ) -> LiabilityNetwork:
        """Validate ``L`` (``L[i, j]`` = what i owes j) and precompute ``pbar`` and claims."""
        mat = check_matrix(L, name, values=not is_sparse(L))
        summary = _kernels.csr_summary(mat) if is_sparse(mat) else None
        if summary is not None:
            # One compiled pass over a large sparse L: checks and both sums together.
            owed, colsum, nonfinite, negative, diagonal = summary
            matrix_value_errors(mat, name, nonfinite, negative, diagonal)
        elif is_sparse(mat):
            mat = check_matrix(mat, name)
        n = mat.shape[0]
        if external_liabilities is None:
            ext = np.zeros(n)
        else:
            ext = check_vector(external_liabilities, "external_liabilities", n, nonnegative=True)
        with np.errstate(over="ignore"):  # an overflowing sum is refused just below
            if summary is None:
                owed = np.asarray(mat.sum(axis=1), dtype=np.float64).reshape(n)
                colsum = np.asarray(mat.sum(axis=0), dtype=np.float64).reshape(n)
            pbar = owed + ext
        _check_sums(name, pbar, colsum)
        return cls(L=mat, pbar=pbar, colsum=colsum, external=ext)

    @property
    def n(self) -> int:
        return int(self.pbar.shape[0])

    @property
    def sparse(self) -> bool:
        return is_sparse(self.L)

    def dense_view(self) -> np.ndarray | None:
        """Dense ``L`` if it is dense or small enough to densify, else ``None``."""
        if not self.sparse:
            return self.L  # type: ignore[return-value]
        if self._dense is None and self.n <= DENSE_VIEW_MAX_N:
            self._dense = self.L.toarray()  # type: ignore[union-attr]
        return self._dense

    def csr(self) -> sp.csr_array:
        """``L`` as a CSR array (converted once for dense input)."""
        if self.sparse:
            return self.L  # type: ignore[return-value]
        if self._csr is None:
            self._csr = sp.csr_array(self.L)
        return self._csr

    def csr_t(self) -> sp.csr_array:
        """``L`` transposed, as a CSR array (row ``i``: what each debtor owes firm ``i``)."""
        if self._csr_t is None:
            csr = self.csr()
            fast = _kernels.csr_transpose(csr)
            self._csr_t = fast if fast is not None else sp.csr_array(csr.T)
        return self._csr_t

    def incoming(self, r: np.ndarray) -> np.ndarray:
        """Payments received, ``colsum - (1 - r) @ L``, for a ``(k, N)`` batch of ``r``.

        Only firms that pay less than in full enter the product, so a network with few
        defaulters costs little, and a firm whose debtors all pay gets exactly its column
        sum (no rounding: knife-edge solvency tests stay exact).
        """
        short = 1.0 - r
        rows, cols = np.nonzero(short)
        out = np.empty(r.shape)
        out[:] = self.colsum
        if rows.size == 0:
            return out
        if not self.sparse and rows.size * 8 > short.size:
            out -= short @ self.L
            return out
        if self.sparse and r.shape[0] <= 4:
            # A few scenarios on a big sparse network: slicing the defaulters' rows beats a
            # sparse-sparse product, whose setup is linear in the network size.
            csr = self.L
            for row in range(r.shape[0]):
                idx = np.flatnonzero(short[row])
                if idx.size:
                    out[row] -= csr[idx].T @ short[row, idx]  # type: ignore[index]
            return out
        w = sp.csr_array((short[rows, cols], (rows, cols)), shape=r.shape)
        lost = w @ self.L
        out -= lost.toarray() if is_sparse(lost) else lost
        return out


@dataclass
class Solution:
    """Raw output of the engine, all ``(K, N)`` except the per-scenario counters."""

    fraction: np.ndarray
    incoming: np.ndarray
    waves: np.ndarray
    iterations: np.ndarray
    residual: np.ndarray


def _recovery(a: np.ndarray, beta: float, incoming: np.ndarray, inv_pbar: np.ndarray) -> np.ndarray:
    """Fraction paid by a defaulter: ``max(0, a + beta * incoming) / pbar``, at most 1."""
    return np.clip((a + beta * incoming) * inv_pbar, 0.0, 1.0)


def default_threshold(net: LiabilityNetwork, e: np.ndarray) -> np.ndarray:
    """``pbar`` less a rounding guard: firm i defaults iff ``e_i + incoming_i < threshold_i``.

    The guard is ``GUARD * (|e_i| + colsum_i + pbar_i)`` (about 1e-12 of the firm's balance
    sheet), so that equity that is zero in exact arithmetic but a few ulps negative after
    floating-point sums is still the knife edge "exactly zero equity = solvent".
    """
    return net.pbar - GUARD * (np.abs(e) + net.colsum + net.pbar)


def _phi(
    net: LiabilityNetwork,
    e: np.ndarray,
    a: np.ndarray,
    beta: float,
    incoming: np.ndarray,
    inv_pbar: np.ndarray,
    threshold: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The clearing map in fraction-paid form; returns ``(r, in_default)``."""
    in_default = e + incoming < threshold
    pays = in_default & (net.pbar > 0)
    r = np.where(pays, _recovery(a, beta, incoming, inv_pbar), 1.0)
    return r, in_default


def _residual(net: LiabilityNetwork, r_new: np.ndarray, r_old: np.ndarray) -> np.ndarray:
    """Largest change in any payment, per scenario."""
    if r_new.shape[1] == 0:
        return np.zeros(r_new.shape[0])
    return np.max(np.abs(r_new - r_old) * net.pbar, axis=1)


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
) -> Solution:
    """Check the rounds' answer against the map; finish doubtful scenarios by Picard."""
    threshold = default_threshold(net, e)
    inv_pbar = _inv(net.pbar)
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
    # Scenarios where nobody defaults while everyone pays are done without a kernel call.
    todo = np.flatnonzero((e + incoming < threshold).any(axis=1))
    while todo.size:
        if todo.size == k:
            rounds, slow = _kernels.fictitious_default(
                net, e, a, beta, threshold, limit, NOISE * _scale(net), r, incoming, waves,
                start, sweeps,
            )  # fmt: skip
        else:
            sub = [np.ascontiguousarray(x[todo]) for x in (r, incoming, waves, sweeps)]
            rounds, slow = _kernels.fictitious_default(
                net, e[todo], a[todo], beta, threshold[todo], limit, NOISE * _scale(net),
                sub[0], sub[1], sub[2], start[todo], sub[3],
            )  # fmt: skip
            r[todo], incoming[todo], waves[todo], sweeps[todo] = sub
        iterations[todo] = rounds + 1
        rows = todo[slow]
        if rows.size == 0:
            break
        start[rows] = rounds[slow]
        todo = _exact_round(net, a, beta, rows, waves[rows] > 0, r, incoming, fallback)
    return _finish(net, e, a, beta, tol, max_iter, r, incoming, waves, iterations, fallback)


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


def _inv(x: np.ndarray) -> np.ndarray:
    return np.divide(1.0, x, out=np.zeros_like(x), where=x > 0)


def _scale(net: LiabilityNetwork) -> float:
    return float(net.pbar.max()) if net.n and net.pbar.max() > 0 else 1.0


def solve_clearing(
    net: LiabilityNetwork,
    e: np.ndarray,
    *,
    alpha: float,
    beta: float,
    which: str,
    method: str,
    tol: float,
    max_iter: int,
    backend: str,
) -> Solution:
    """Clearing fractions for a ``(K, N)`` batch of outside assets ``e``.

    ``which`` is ``"greatest"`` or ``"least"`` (the latter by Picard from zero);
    ``method`` is ``"fictitious_default"`` or ``"picard"``; ``backend`` is ``"auto"``,
    ``"numba"`` or ``"numpy"`` and only matters for Picard.
    """
    a = e if alpha == 1.0 else alpha * np.maximum(e, 0.0) + np.minimum(e, 0.0)
    k, n = e.shape
    if which == "least":
        r0 = np.where(net.pbar > 0, 0.0, 1.0) * np.ones((k, 1))
        sol = _picard_dispatch(net, e, a, beta, r0, tol, max_iter, backend)
        # From below there is no default sequence: every defaulter is marked wave 1.
        defaulted = e + sol.incoming < default_threshold(net, e)
        sol.waves = defaulted.astype(np.int64)
        return sol
    if method == "picard":
        return _picard_dispatch(net, e, a, beta, np.ones((k, n)), tol, max_iter, backend)
    if _kernels.use_numba(backend):
        return _fictitious_default_compiled(net, e, a, beta, tol, max_iter)
    return _fictitious_default(net, e, a, beta, tol, max_iter)


def _picard_dispatch(
    net: LiabilityNetwork,
    e: np.ndarray,
    a: np.ndarray,
    beta: float,
    r0: np.ndarray,
    tol: float,
    max_iter: int,
    backend: str,
) -> Solution:
    k = e.shape[0]
    zeros = np.zeros(k, dtype=np.int64)
    if _kernels.use_numba(backend):
        threshold = default_threshold(net, e)
        out = _kernels.picard(
            net, e, a, beta, r0, threshold, tol * _scale(net), NOISE * _scale(net), max_iter
        )
        if out is not None:
            return Solution(*out)
        raise ConvergenceError(
            f"Picard iteration did not converge in max_iter={max_iter} sweeps to "
            f"tol * max(pbar) = {tol * _scale(net):.3g}. Raise max_iter, loosen tol, or use "
            "method='fictitious_default'."
        )
    return _picard(net, e, a, beta, r0, np.zeros(r0.shape, dtype=np.int64), zeros, tol, max_iter)


def clear(
    L: Matrix,
    e: ArrayLike,
    *,
    alpha: float,
    beta: float,
    external_liabilities: ArrayLike | None,
    which: str,
    method: str,
    tol: float,
    max_iter: int,
    backend: str,
    model: str,
) -> Clearing:
    """Validate, solve and package a clearing problem (shared by EN and RV)."""
    method = check_choice(method, "method", METHODS)
    backend = check_choice(backend, "backend", _kernels.BACKENDS)
    tol = check_tol(tol)
    max_iter = check_positive_int(max_iter, "max_iter")
    net = LiabilityNetwork.build(L, external_liabilities)
    e2, batched = check_scenarios(e, "e", net.n)
    sol = solve_clearing(
        net, e2, alpha=alpha, beta=beta, which=which, method=method, tol=tol,
        max_iter=max_iter, backend=backend,
    )  # fmt: skip
    r, received = sol.fraction, sol.incoming
    payments = r * net.pbar
    defaulted = e2 + received < default_threshold(net, e2)
    net_worth = e2 + received - net.pbar
    # Within the rounding guard a solvent firm's net worth is exactly zero.
    net_worth[~defaulted & (net_worth < 0)] = 0.0
    equity = np.maximum(net_worth, 0.0)
    waves = np.where(defaulted, sol.waves, 0)
    waves[defaulted & (waves == 0)] = np.broadcast_to(sol.iterations[:, None], waves.shape)[
        defaulted & (waves == 0)
    ]
    paid_external = r * net.external
    if alpha == 1.0 and beta == 1.0:
        deadweight = np.zeros_like(payments)
    else:
        lost = (1.0 - alpha) * np.maximum(e2, 0.0) + (1.0 - beta) * received
        deadweight = np.where(defaulted, lost, 0.0)

    def unbatch(x: np.ndarray) -> np.ndarray:
        return x if batched else x[0]

    return Clearing(
        payments=unbatch(payments),
        net_worth=unbatch(net_worth),
        equity=unbatch(equity),
        defaulted=unbatch(defaulted),
        waves=unbatch(waves),
        pbar=net.pbar,
        received=unbatch(received),
        paid_external=unbatch(paid_external),
        deadweight_loss=unbatch(deadweight),
        iterations=sol.iterations if batched else int(sol.iterations[0]),
        residual=sol.residual if batched else float(sol.residual[0]),
        model=model,
        which=which,
        method=method,
        alpha=alpha,
        beta=beta,
    )
