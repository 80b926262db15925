"""Equity cross-holdings: book vs market value, double counting, and the EGJ cascade.

``C[i, j]`` is the fraction of firm j's equity held by firm i (``C[i, i] = 0``, column sums
at most 1; ``1 - C.sum(0)`` is held by outside shareholders). With ``primitive`` the value of
each firm's own (outside) assets net of its debts, book values solve ``V = primitive + C V``
(Brioschi, Buzzacchi and Colombo 1989), and what outside shareholders own is the market value
``v = diag(1 - 1'C) V = A primitive`` with the dependency matrix
``A = diag(1 - 1'C) (I - C)^-1`` (Elliott, Golub and Jackson 2014). Adding up book values
counts ``1'C V`` twice: this is the sense in which "NVIDIA invests in OpenAI" equity loops
inflate aggregate valuations.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike

from ._labels import labelled
from ._validation import Matrix, check_matrix, check_scenarios, check_vector, is_sparse
from .results import CrossHoldings, EGJCascade

__all__ = ["cross_holdings", "dependency_matrix", "egj_cascade"]

#: Column sums of C may exceed 1 by this much (rounding in reported stakes).
COLSUM_SLACK = 1e-12
#: Largest N for which the dense dependency matrix is formed.
DEPENDENCY_MAX_N = 20_000


def _check_stakes(C: Matrix) -> tuple[np.ndarray | sp.csr_array, np.ndarray]:
    mat = check_matrix(C, "C")
    colsum = np.asarray(mat.sum(axis=0), dtype=np.float64).reshape(mat.shape[0])
    if (colsum > 1.0 + COLSUM_SLACK).any():
        j = int(np.argmax(colsum))
        raise ValueError(
            f"C: column sums must be at most 1 (C[i, j] is the fraction of j held by i); "
            f"column {j} sums to {colsum[j]:.6g}"
        )
    return mat, np.clip(1.0 - colsum, 0.0, 1.0)


#: ``I - C`` with a larger 1-norm condition number is refused as singular: the book values
#: would carry no correct digit beyond the third.
MAX_CONDITION = 1e13


def _factor(mat: np.ndarray | sp.csr_array) -> Callable[[np.ndarray], np.ndarray]:
    """A solver for ``(I - C) X = B`` with B of shape (N,) or (N, K)."""
    n = mat.shape[0]
    singular = ValueError(
        "C: I - C is singular: a group of firms is wholly owned within itself, so its "
        "value is not determined by primitive assets"
    )
    if is_sparse(mat):
        system = sp.csc_array(sp.eye_array(n) - mat)
        try:
            lu = spla.splu(system)
        except RuntimeError:
            raise singular from None
        # The same test as for dense input, by the 1-norm condition number that SuperLU's
        # factors give cheaply (Hager-Higham estimate of the inverse's norm): a nearly
        # singular system must not pass here and fail as a dense array.
        inverse = spla.LinearOperator(
            (n, n), matvec=lu.solve, rmatvec=lambda b: lu.solve(b, trans="T"), dtype=float
        )
        if n and spla.norm(system, 1) * spla.onenormest(inverse) > MAX_CONDITION:
            raise singular
        return lu.solve
    system = np.eye(n) - mat
    if n and np.linalg.cond(system, 1) > MAX_CONDITION:
        raise singular
    factors = scipy.linalg.lu_factor(system, check_finite=False)
    return lambda b: scipy.linalg.lu_solve(factors, b, check_finite=False)


def _solve_batch(solve: Callable[[np.ndarray], np.ndarray], rhs: np.ndarray) -> np.ndarray:
    """Solve for a (K, N) batch of right-hand sides."""
    if rhs.shape[1] == 0:
        return rhs.copy()
    return np.asarray(solve(np.ascontiguousarray(rhs.T))).reshape(rhs.T.shape).T.copy()


@labelled("C", ('primitive',))
def cross_holdings(C: Matrix, primitive: ArrayLike) -> CrossHoldings:
    r"""Book values, market values and the double-counted value of equity cross-holdings.

    Parameters
    ----------
    C : (N, N) array_like or scipy.sparse matrix
        ``C[i, j]`` = fraction of firm j's equity held by firm i. Nonnegative, zero diagonal,
        column sums at most 1.
    primitive : (N,) or (K, N) array_like
        Primitive (outside) value of each firm: its own assets net of its debts, ``D p - b``
        in Elliott--Golub--Jackson. One scenario or a batch.

    Returns
    -------
    CrossHoldings
        ``book_value`` :math:`V = (I - C)^{-1}` primitive, ``market_value``
        :math:`v = \hat C V` with :math:`\hat C = \mathrm{diag}(1 - \mathbf 1^\top C)`,
        ``double_count`` :math:`\mathbf 1^\top C V = \mathbf 1^\top V - \mathbf 1^\top`
        primitive, ``outside_share``, and ``dependency`` (:math:`\hat C (I - C)^{-1}`,
        dense, computed on first access).

    Raises
    ------
    ValueError
        Bad shapes or values, a column sum of ``C`` above 1, or a group of firms wholly
        owned within itself (``I - C`` singular).

    See Also
    --------
    egj_cascade : failures with thresholds and failure costs on the same stakes.
    dependency_matrix : ``A = diag(1 - 1'C) (I - C)^-1``.

    Notes
    -----
    Market values add up to total primitive value (the columns of the dependency matrix sum
    to 1), so only market values, not book values, may be summed across firms.

    References
    ----------
    M. Elliott, B. Golub and M. O. Jackson, "Financial networks and contagion", American
    Economic Review 104(10), 3115-3153, 2014. doi:10.1257/aer.104.10.3115

    F. Brioschi, L. Buzzacchi and M. G. Colombo, "Risk capital financing and the separation
    of ownership and control in business groups", Journal of Banking & Finance 13(4-5),
    1989.

    Examples
    --------
    Two firms that each own half of the other (Jackson, *Social and Economic Networks*,
    lecture 5.8b), with primitive values 1 and 0:

    >>> import numpy as np
    >>> from dealloop.contagion import cross_holdings
    >>> res = cross_holdings(np.array([[0, 0.5], [0.5, 0]]), [1.0, 0.0])
    >>> res.book_value.round(6)
    array([1.333333, 0.666667])
    >>> res.market_value.round(6)
    array([0.666667, 0.333333])
    >>> round(res.double_count, 6)
    1.0
    >>> res.dependency.round(6)
    array([[0.666667, 0.333333],
           [0.333333, 0.666667]])
    """
    mat, outside = _check_stakes(C)
    prim, batched = check_scenarios(primitive, "primitive", mat.shape[0])
    book = _solve_batch(_factor(mat), prim)
    market = book * outside
    double = (book * (1.0 - outside)).sum(axis=1)
    prim_out = prim.copy()
    return CrossHoldings(
        book_value=book if batched else book[0],
        market_value=market if batched else market[0],
        double_count=double if batched else float(double[0]),
        outside_share=outside,
        primitive=prim_out if batched else prim_out[0],
        stakes=mat,
    )


def dependency_matrix(C: Matrix) -> np.ndarray:
    r"""The EGJ dependency matrix :math:`A = \hat C (I - C)^{-1}` (dense).

    ``A[i, j]`` is the share of firm j's primitive value that ends up with firm i's outside
    shareholders. Its columns sum to 1 whenever every firm has some outside shareholder.

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.contagion import dependency_matrix
    >>> dependency_matrix(np.array([[0, 0.5], [0.5, 0]])).round(6)
    array([[0.666667, 0.333333],
           [0.333333, 0.666667]])
    """
    mat, outside = _check_stakes(C)
    n = mat.shape[0]
    if n > DEPENDENCY_MAX_N:
        raise ValueError(
            f"C: the dependency matrix of {n} firms is dense ({n}x{n}); use "
            "cross_holdings(C, primitive) for values instead"
        )
    inv = np.asarray(_factor(mat)(np.eye(n)))
    return outside[:, None] * inv


@labelled("C", ('primitive', 'thresholds', 'failure_costs'))
def egj_cascade(
    C: Matrix,
    primitive: ArrayLike,
    *,
    thresholds: ArrayLike,
    failure_costs: ArrayLike,
) -> EGJCascade:
    r"""Elliott--Golub--Jackson failure cascade with thresholds and failure costs.

    Round 1 computes market values with no failure costs and fails every firm whose market
    value is below its threshold; each later round charges the failure costs of the firms
    failed so far (``primitive - b``), recomputes market values and fails any firm now below
    its threshold, until the failure set stops changing.

    Parameters
    ----------
    C : (N, N) array_like or scipy.sparse matrix
        ``C[i, j]`` = fraction of j's equity held by i (as :func:`cross_holdings`).
    primitive : (N,) or (K, N) array_like
        Primitive value of each firm (one scenario or a batch).
    thresholds : (N,) array_like
        Failure thresholds :math:`\underline v_i` on market value; a firm fails when its
        market value is strictly below it (e.g. ``theta * market value before the shock``).
    failure_costs : (N,) array_like
        Cost :math:`\beta_i \ge 0` subtracted from a failed firm's primitive value.

    Returns
    -------
    EGJCascade
        Final ``market_value`` and ``book_value``, ``defaulted`` (the firms that fail, named
        as in every contagion result), ``waves`` (round of failure), ``failure_costs_paid``
        and ``iterations`` (rounds).

    See Also
    --------
    cross_holdings : the values without failures.

    Notes
    -----
    Failure costs only lower values, so failure sets grow from round to round; the result
    is the equilibrium with the fewest failures (the "best case" of EGJ). Other equilibria
    may exist because failure costs are discontinuous.

    References
    ----------
    M. Elliott, B. Golub and M. O. Jackson, "Financial networks and contagion", American
    Economic Review 104(10), 3115-3153, 2014. doi:10.1257/aer.104.10.3115

    Examples
    --------
    Firm 1 fails on its own; its failure cost drags firm 0, which holds half of it, below
    its threshold in round 2.

    >>> import numpy as np
    >>> from dealloop.contagion import egj_cascade
    >>> C = np.array([[0, 0.5], [0, 0]])
    >>> res = egj_cascade(C, [1.0, 0.2], thresholds=[0.95, 0.5], failure_costs=[0.5, 0.4])
    >>> res.waves
    array([2, 1])
    >>> res.market_value
    array([ 0.4, -0.1])
    """
    mat, outside = _check_stakes(C)
    n = mat.shape[0]
    prim, batched = check_scenarios(primitive, "primitive", n)
    floor = check_vector(thresholds, "thresholds", n)
    cost = check_vector(failure_costs, "failure_costs", n, nonnegative=True)
    solve = _factor(mat)
    k = prim.shape[0]
    failed = np.zeros((k, n), dtype=bool)
    waves = np.zeros((k, n), dtype=np.int64)
    iterations = np.zeros(k, dtype=np.int64)
    book = _solve_batch(solve, prim)
    todo = np.arange(k)
    for rnd in range(1, n + 2):
        iterations[todo] = rnd
        new = (book[todo] * outside < floor) & ~failed[todo]
        keep = new.any(axis=1)
        todo, new = todo[keep], new[keep]
        if todo.size == 0:
            break
        waves[todo] = np.where(new, rnd, waves[todo])
        failed[todo] |= new
        book[todo] = _solve_batch(solve, prim[todo] - cost * failed[todo])
    market = book * outside
    paid = cost * failed

    def unbatch(x: np.ndarray) -> np.ndarray:
        return x if batched else x[0]

    return EGJCascade(
        market_value=unbatch(market),
        book_value=unbatch(book),
        defaulted=unbatch(failed),
        waves=unbatch(waves),
        failure_costs_paid=unbatch(paid),
        iterations=iterations if batched else int(iterations[0]),
    )
