"""DebtRank: distress propagation without default (Battiston et al. 2012; Bardoscia 2015).

A firm's distress ``h_i = 1 - E_i / E_i(0)`` is the share of its equity lost. When a borrower
loses value, its lenders lose in proportion to their exposure relative to their own equity:
the leverage matrix is ``Lam[i, j] = A[i, j] / E_i`` with ``A[i, j]`` = what i lent to j.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import connected_components

from . import _kernels
from ._labels import labelled
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
)
from .results import DebtRankResult

__all__ = ["debtrank", "leverage_matrix", "spectral_radius"]

VARIANTS = ("battiston", "linear")


def leverage_matrix(A: Matrix, equity: ArrayLike) -> np.ndarray | sp.csr_array:
    """``Lam[i, j] = A[i, j] / equity[i]``: i's relative loss per unit of j's distress.

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.contagion.debtrank import leverage_matrix
    >>> leverage_matrix(np.array([[0, 4], [1, 0]]), [2, 10])
    array([[0. , 2. ],
           [0.1, 0. ]])
    """
    mat = check_matrix(A, "A")
    eq = check_vector(equity, "equity", mat.shape[0])
    if (eq <= 0).any():
        raise ValueError("equity: entries must be positive (distress is relative to equity)")
    return _leverage(mat, eq)


def _leverage(mat: np.ndarray | sp.csr_array, eq: np.ndarray) -> np.ndarray | sp.csr_array:
    if is_sparse(mat):
        csr: Any = mat
        per_row = np.repeat(1.0 / eq, np.diff(csr.indptr))
        return sp.csr_array((np.asarray(csr.data) * per_row, csr.indices, csr.indptr),
                            shape=csr.shape)
    return mat / eq[:, None]


def _batch_size(shock: ArrayLike) -> int:
    shape = np.shape(shock)  # type: ignore[arg-type]
    return int(shape[0]) if len(shape) == 2 else 1


def _times_transpose(mat: np.ndarray | sp.csr_array, x: np.ndarray) -> np.ndarray:
    """``x @ mat.T`` for a (K, N) batch ``x``: row k is ``mat @ x[k]`` (a new array)."""
    if x.shape[0] == 1:
        return np.asarray(mat @ x[0])[None, :]
    return np.ascontiguousarray(np.asarray(mat @ x.T).T)


@labelled("A", ('equity', 'shock', 'weights'))
def debtrank(
    A: Matrix,
    equity: ArrayLike,
    shock: ArrayLike,
    *,
    variant: str = "battiston",
    weights: ArrayLike | None = None,
    tol: float = 1e-12,
    max_iter: int = 10_000,
    backend: str = "auto",
) -> DebtRankResult:
    r"""DebtRank of a shock: how much equity is lost through the network.

    Parameters
    ----------
    A : (N, N) array_like or scipy.sparse matrix
        Exposures, ``A[i, j]`` = what firm i lent to firm j (row = creditor; ``A = L.T``
        for a liability matrix ``L``). Nonnegative, zero diagonal.
    equity : (N,) array_like
        Equity (capital) before the shock, positive.
    shock : (N,) or (K, N) array_like
        Initial relative equity loss ``h(1)`` in [0, 1], one scenario or a batch.
    variant : {"battiston", "linear"}
        ``"battiston"``: the single-hit DebtRank of Battiston et al. (2012). Impacts are
        capped, :math:`W_{ji} = \min(1, A_{ij}/E_i)`, and each firm passes on its distress
        once, in the round after it first becomes distressed, so distress does not
        reverberate around loops. ``"linear"``: the linear DebtRank of Bardoscia et al.
        (2015), :math:`h(t+1) = \min(1, h(t) + \Lambda (h(t) - h(t-1)))` with the uncapped
        leverage matrix :math:`\Lambda_{ij} = A_{ij}/E_i`; increments keep travelling round
        loops until they die out or every firm on the loop is wiped out.
    weights : (N,) array_like, optional
        Economic weights ``v``; default ``equity / equity.sum()``.
    tol : float
        The linear variant stops when no ``h_i`` moves by more than ``tol`` in a round.
    max_iter : int
        Round budget of the linear variant (:class:`ConvergenceError` beyond it).
    backend : {"auto", "numba", "numpy"}
        Linear variant only. ``"auto"``: a batch of shocks runs in compiled code, one thread
        per scenario, when numba is installed; a single shock runs a scipy.sparse loop that
        drops saturated rows as it goes (faster than a compiled loop over all rows).

    Returns
    -------
    DebtRankResult
        ``h`` (final relative loss), ``debtrank`` (:math:`\sum_j (h_j - h_j(1)) v_j`),
        ``iterations``, ``residual`` and, computed on first access, ``spectral_radius`` of
        the impact matrix used (capped for Battiston, :math:`\Lambda` for linear): above 1,
        distress is amplified around loops.

    See Also
    --------
    leverage_matrix : the impacts ``A / equity`` propagated.
    spectral_radius : above 1, distress is amplified around loops.
    eisenberg_noe : losses on default only, with clearing payments.

    Notes
    -----
    Linear DebtRank is never below the single-hit version. They coincide when each firm is
    hit at most once (for instance a layered acyclic network shocked in its first layer)
    and no exposure exceeds the lender's equity; on a loop, linear DebtRank is larger.

    References
    ----------
    S. Battiston, M. Puliga, R. Kaushik, P. Tasca and G. Caldarelli, "DebtRank: too central
    to fail?", Scientific Reports 2, 541, 2012. doi:10.1038/srep00541

    M. Bardoscia, S. Battiston, F. Caccioli and G. Caldarelli, "DebtRank: a microscopic
    foundation for shock propagation", PLoS ONE 10(6), e0130406, 2015.
    doi:10.1371/journal.pone.0130406

    M. Bardoscia, S. Battiston, F. Caccioli and G. Caldarelli, "Pathways towards instability
    in financial networks", Nature Communications 8, 14416, 2017. doi:10.1038/ncomms14416

    Examples
    --------
    Two firms lend 5 to each other and each has equity 10; firm 0 loses half its equity.

    >>> import numpy as np
    >>> from dealloop.contagion import debtrank
    >>> A = np.array([[0, 5], [5, 0]])
    >>> single = debtrank(A, [10, 10], [0.5, 0.0])
    >>> single.h  # firm 1 passes 0.25 * 0.5 back once; firm 0 does not pass it on again
    array([0.625, 0.25 ])
    >>> linear = debtrank(A, [10, 10], [0.5, 0.0], variant="linear")
    >>> linear.h.round(6)  # the loss reverberates: 0.5 + 0.125 + ..., 0.25 + 0.0625 + ...
    array([0.666667, 0.333333])
    >>> round(linear.spectral_radius, 6)
    0.5
    """
    variant = check_choice(variant, "variant", VARIANTS)
    backend = check_choice(backend, "backend", _kernels.BACKENDS)
    tol = check_tol(tol)
    max_iter = check_positive_int(max_iter, "max_iter")
    # The compiled kernel pays off for batches (one thread per scenario); for one shock the
    # row-compacting scipy loop below is faster (scipy's CSR product beats a numba loop).
    compiled = variant == "linear" and (
        backend == "numba" or (backend == "auto" and _batch_size(shock) > 1)
    )
    compiled = compiled and _kernels.use_numba(backend)
    mat = check_matrix(A, "A")
    n = mat.shape[0]
    eq = check_vector(equity, "equity", n)
    if (eq <= 0).any():
        raise ValueError("equity: entries must be positive (distress is relative to equity)")
    h0, batched = check_scenarios(shock, "shock", n)
    if ((h0 < 0) | (h0 > 1)).any():
        raise ValueError("shock: relative equity losses must be in [0, 1]")
    if weights is None:
        v = eq / eq.sum()
    else:
        v = check_vector(weights, "weights", n, nonnegative=True).copy()
    impact: Any
    if variant == "battiston":
        lam = _leverage(mat, eq)
        impact = lam.minimum(1.0) if is_sparse(lam) else np.minimum(lam, 1.0)  # type: ignore[union-attr]
        h, iterations, residual = _single_hit(impact, h0)
    else:
        impact = partial(_leverage, mat, eq)  # built only if the spectral radius is asked for
        if compiled:
            h, iterations, residual, ok = _kernels.debtrank_linear(mat, 1.0 / eq, h0, tol, max_iter)
            if not ok:
                raise ConvergenceError(
                    f"linear DebtRank did not converge in max_iter={max_iter} rounds to tol={tol}"
                )
        else:
            h, iterations, residual = _linear(mat, 1.0 / eq, h0, tol, max_iter)
    dr = ((h - h0) * v).sum(axis=1)
    return DebtRankResult(
        h=h if batched else h[0],
        h_initial=h0.copy() if batched else h0[0].copy(),
        debtrank=dr if batched else float(dr[0]),
        weights=v,
        iterations=iterations if batched else int(iterations[0]),
        residual=residual if batched else float(residual[0]),
        variant=variant,
        impact=impact,
    )


def _single_hit(
    impact: np.ndarray | sp.csr_array, h0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Battiston et al. (2012): states U -> D -> I, each firm propagates once."""
    k, n = h0.shape
    h = h0.copy()
    distressed = h > 0
    inactive = np.zeros_like(distressed)
    iterations = np.zeros(k, dtype=np.int64)
    residual = np.zeros(k)
    todo = np.arange(k)
    for _ in range(n + 1):
        todo = todo[distressed[todo].any(axis=1)]
        if todo.size == 0:
            break
        push = np.where(distressed[todo], h[todo], 0.0)
        new = np.minimum(1.0, h[todo] + _times_transpose(impact, push))
        residual[todo] = np.max(new - h[todo], axis=1)
        inactive[todo] |= distressed[todo]
        distressed[todo] = (new > 0) & ~inactive[todo]
        h[todo] = new
        iterations[todo] += 1
    return h, iterations, residual


def _linear(
    mat: np.ndarray | sp.csr_array,
    inv_equity: np.ndarray,
    h0: np.ndarray,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bardoscia et al. (2015): propagate increments through the uncapped leverage matrix.

    ``h(t+1) = min(1, h(t) + Lam (h(t) - h(t-1)))`` with ``Lam = diag(1/E) A`` applied as
    ``(A @ dh) / E`` (no scaled copy of A). A lender at h = 1 can no longer move, so once
    half of the rows still in play have saturated in every scenario, the rows left are
    sliced out and later rounds cost only their exposures.
    """
    k, n = h0.shape
    out = h0.copy()
    iterations = np.zeros(k, dtype=np.int64)
    residual = np.full(k, np.inf)
    todo = np.arange(k)
    h, delta = h0.copy(), h0.copy()  # scenarios still running, all N columns
    rows: np.ndarray | None = None  # rows still open (None: all)
    stale = np.empty(0, dtype=np.intp)  # rows dropped last round: their delta expires
    sub, inv = mat, inv_equity
    if k == 0:
        return out, iterations, residual
    for _ in range(max_iter):
        new = _times_transpose(sub, delta)
        new *= inv
        live = h if rows is None else h[:, rows]
        new += live
        np.minimum(new, 1.0, out=new)
        step = new - live
        if rows is None:
            h, delta = new, step
        else:
            delta[:, stale] = 0.0
            delta[:, rows] = step
            h[:, rows] = new
            stale = stale[:0]
        iterations[todo] += 1
        residual[todo] = np.max(step, axis=1, initial=0.0)
        done = residual[todo] <= tol
        if done.any():
            out[todo[done]] = h[done]
            todo, h, delta = todo[~done], h[~done], delta[~done]
            if todo.size == 0:
                return out, iterations, residual
        # Saturated lenders cannot move again: once half the open rows are saturated in
        # every running scenario, slice them out.
        live = h if rows is None else h[:, rows]
        open_rows = (live < 1.0).any(axis=0)
        if 2 * np.count_nonzero(open_rows) < open_rows.size:
            current = np.arange(n) if rows is None else rows
            stale = current[~open_rows]
            rows, sub, inv = current[open_rows], sub[open_rows], inv[open_rows]
    raise ConvergenceError(
        f"linear DebtRank did not converge in max_iter={max_iter} rounds to tol={tol}"
    )


def spectral_radius(M: Matrix) -> float:
    """Spectral radius of a nonnegative square matrix (dense or sparse).

    Computed on each strongly connected component that contains a cycle (the radius of a
    reducible nonnegative matrix is the largest over its irreducible diagonal blocks), with
    dense eigenvalues for small blocks and ARPACK, then power iteration on ``I + M``, for
    large ones. An acyclic matrix has radius 0.

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.contagion import spectral_radius
    >>> spectral_radius(np.array([[0, 2], [0.5, 0]]))
    1.0
    >>> spectral_radius(np.array([[0, 3], [0, 0]]))
    0.0
    """
    mat = check_matrix(M, "M", zero_diagonal=False)
    n = mat.shape[0]
    if n == 0:
        return 0.0
    csr = sp.csr_array(mat, copy=True)  # never touch the caller's matrix
    csr.eliminate_zeros()
    n_comp, labels = connected_components(csr, directed=True, connection="strong")
    sizes = np.bincount(labels, minlength=n_comp)
    diag = csr.diagonal()
    best = float(np.max(diag)) if diag.size else 0.0
    for comp in np.flatnonzero(sizes > 1):
        idx = np.flatnonzero(labels == comp)
        block = csr[idx][:, idx]
        best = max(best, _radius_irreducible(block))
    return best


def _radius_irreducible(block: sp.csr_array) -> float:
    m = block.shape[0]
    if m <= 1500:
        return float(np.max(np.abs(np.linalg.eigvals(block.toarray()))))
    try:
        vals = spla.eigs(block, k=1, which="LM", return_eigenvectors=False, maxiter=5000)
        return float(np.abs(vals[0]))
    except (spla.ArpackNoConvergence, spla.ArpackError):
        pass
    # Perron root by power iteration on I + M (aperiodic, same Perron vector).
    x = np.ones(m) / m
    shifted = block + sp.eye_array(m, format="csr")
    rho = 0.0
    for _ in range(100_000):
        y = shifted @ x
        rho_new = float(y.sum())
        x = y / rho_new
        if abs(rho_new - rho) <= 1e-12 * rho_new:
            break
        rho = rho_new
    return rho_new - 1.0
