"""Leontief (demand-side) and Ghosh (supply-side) input-output models of the purchase layer.

``Z[i, j]`` is what sector (firm) i sells to j, the row-seller convention of Miller and
Blair. dealloop's purchase matrix ``F[i, j]`` is money flowing from i to j, i.e. i *buys*
from j, so ``Z = F.T``. With total output ``x``, input coefficients are
``A = Z diag(x)^-1`` and output is ``x = (I - A)^-1 f`` for final demand ``f``: the Leontief
inverse says how much revenue each supplier loses when a buyer cuts spending.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike

from ._labels import labelled
from ._validation import Matrix, check_matrix, check_vector, is_sparse
from .debtrank import spectral_radius
from .results import InputOutput

__all__ = ["ghosh", "input_output", "leontief"]


def _coefficients(
    Z: Matrix, x: ArrayLike, *, by: str
) -> tuple[np.ndarray | sp.csr_array, np.ndarray]:
    """``A = Z diag(1/x)`` (``by="column"``) or ``B = diag(1/x) Z`` (``by="row"``)."""
    mat = check_matrix(Z, "Z", zero_diagonal=False)
    out = check_vector(x, "x", mat.shape[0], nonnegative=True)
    inv = np.divide(1.0, out, out=np.zeros_like(out), where=out > 0)
    if is_sparse(mat):
        scale = sp.diags_array(inv)
        coef = sp.csr_array(mat @ scale if by == "column" else scale @ mat)
    else:
        coef = mat * inv[None, :] if by == "column" else mat * inv[:, None]
    rho = spectral_radius(coef)
    if rho >= 1.0:
        raise ValueError(
            f"Z, x: the Hawkins-Simon condition fails (spectral radius of the coefficient "
            f"matrix is {rho:.6g} >= 1): some sectors need more input than their output"
        )
    _check_consistent(mat, out, by=by)
    return coef, out


def _check_consistent(Z: np.ndarray | sp.csr_array, x: np.ndarray, *, by: str) -> None:
    """Refuse an ``x`` that contradicts ``Z``: below a sector's sales to other sectors (the
    demand side: negative final demand) or below its purchases from them (the supply side:
    negative value added). A rounding-sized shortfall (1e-9 relative) passes."""
    axis, what, rest = (1, "sales to the sectors (row sum of Z)", "final demand") \
        if by == "column" else (0, "purchases from the sectors (column sum of Z)", "value added")
    used = np.asarray(Z.sum(axis=axis), dtype=np.float64).reshape(-1)
    bad = np.flatnonzero(x < used * (1.0 - 1e-9))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"x: sector {i}'s total output {x[i]:.6g} is below its {what}, {used[i]:.6g}: its "
            f"{rest} would be {x[i] - used[i]:.6g}; x must count every sale and purchase in Z "
            f"({bad.size} sector(s) affected)"
        )


def _dense(M: np.ndarray | sp.csr_array) -> np.ndarray:
    """``M`` as a dense array."""
    return np.asarray(sp.csr_array(M).toarray()) if is_sparse(M) else np.asarray(M)


def _solve_left(coef: np.ndarray | sp.csr_array, rhs: np.ndarray) -> np.ndarray:
    """Rows of ``rhs`` (K, N) solved against ``I - coef``: returns ``(I - coef)^-1 rhs[k]``."""
    n = coef.shape[0]
    if is_sparse(coef):
        lu = spla.splu(sp.csc_array(sp.eye_array(n) - coef))
        return np.asarray(lu.solve(np.ascontiguousarray(rhs.T))).reshape(rhs.T.shape).T
    return np.linalg.solve(np.eye(n) - coef, rhs.T).T


def leontief(Z: Matrix, x: ArrayLike, final_demand: ArrayLike) -> np.ndarray:
    r"""New total output for a new final demand, :math:`x' = (I - A)^{-1} f'`.

    Parameters
    ----------
    Z : (N, N) array_like or scipy.sparse matrix
        Intermediate sales, ``Z[i, j]`` = sales of i to j (row = seller); for dealloop's
        purchase layer ``F`` (money i -> j) pass ``F.T``. Nonnegative; the diagonal may be
        nonzero (a sector buying from itself).
    x : (N,) array_like
        Total output in the base period (``Z.sum(1) + final demand``). A sector with zero
        output has zero input coefficients.
    final_demand : (N,) or (K, N) array_like
        New final demand :math:`f'` (one scenario or a batch). Pass a change
        :math:`\Delta f` to get the change in output (the model is linear).

    Returns
    -------
    numpy.ndarray
        New total output, shaped like ``final_demand``.

    Raises
    ------
    ValueError
        Bad input, or the Hawkins--Simon condition fails (spectral radius of ``A`` >= 1).

    See Also
    --------
    input_output : every multiplier at once.
    ghosh : the supply-side counterpart.

    References
    ----------
    R. E. Miller and P. D. Blair, *Input-Output Analysis: Foundations and Extensions*, 2nd
    ed., Cambridge University Press, 2009 (chapters 2 and 12).

    Examples
    --------
    Miller and Blair's two-sector example (ch. 2):

    >>> import numpy as np
    >>> from dealloop.contagion import leontief
    >>> Z = np.array([[150, 500], [200, 100]])
    >>> leontief(Z, [1000, 2000], [600, 1500]).round(2)
    array([1247.52, 1841.58])

    Revenue lost at each supplier when final demand for sector 2 falls by 100:

    >>> leontief(Z, [1000, 2000], [0, -100]).round(2)
    array([ -33.  , -112.21])
    """
    coef, out = _coefficients(Z, x, by="column")
    f = check_vector(final_demand, "final_demand", out.shape[0], allow_batch=True)
    res = _solve_left(coef, np.atleast_2d(f))
    return res if f.ndim == 2 else res[0]


def ghosh(Z: Matrix, x: ArrayLike, value_added: ArrayLike) -> np.ndarray:
    r"""Supply-side (Ghosh) output for new primary inputs, :math:`x'^\top = v'^\top G`.

    ``G = (I - B)^-1`` with allocation coefficients ``B = diag(x)^-1 Z`` (``B[i, j]`` = share
    of i's output sold to j). Use it to ask how output downstream changes when a supplier's
    primary input (e.g. financing) changes.

    Parameters
    ----------
    Z : (N, N) array_like or scipy.sparse matrix
        Intermediate sales, ``Z[i, j]`` = sales of i to j.
    x : (N,) array_like
        Base-period total output.
    value_added : (N,) or (K, N) array_like
        New primary inputs :math:`v'` (one scenario or a batch).

    Returns
    -------
    numpy.ndarray
        New total output, shaped like ``value_added``.

    See Also
    --------
    input_output : every multiplier at once.
    leontief : the demand-side counterpart.

    References
    ----------
    A. Ghosh, "Input-output approach in an allocation system", Economica 25(97), 1958.

    Examples
    --------
    With the base value added the base output comes back:

    >>> import numpy as np
    >>> from dealloop.contagion import ghosh
    >>> ghosh(np.array([[150, 500], [200, 100]]), [1000, 2000], [650, 1400]).round(6)
    array([1000., 2000.])
    """
    coef, out = _coefficients(Z, x, by="row")
    v = check_vector(value_added, "value_added", out.shape[0], allow_batch=True)
    # x' = v' G  <=>  x = G' v, i.e. solve (I - B)' x = v.
    coef_t = sp.csr_array(coef.T) if is_sparse(coef) else coef.T
    res = _solve_left(coef_t, np.atleast_2d(v))
    return res if v.ndim == 2 else res[0]


@labelled("Z", ('x',))
def input_output(Z: Matrix, x: ArrayLike) -> InputOutput:
    r"""Leontief and Ghosh coefficients, inverses and multipliers (dense).

    Parameters
    ----------
    Z : (N, N) array_like or scipy.sparse matrix
        Intermediate sales, ``Z[i, j]`` = sales of i to j (row = seller).
    x : (N,) array_like
        Total output.

    Returns
    -------
    InputOutput
        ``technical`` (A), ``leontief_inverse``, ``output_multipliers`` (column sums, demand
        side), ``allocation`` (B), ``ghosh_inverse``, ``forward_linkages`` (row sums, supply
        side), ``final_demand`` and ``value_added``; ``new_output(f)`` gives output for a
        new final demand.

    See Also
    --------
    leontief : new output for a final demand.
    ghosh : new output for a value added (supply side).

    Notes
    -----
    Under Hawkins--Simon (checked) the Leontief inverse is nonnegative with diagonal at
    least 1, so every output multiplier is at least 1. ``G = diag(x)^-1 L diag(x)`` where all
    outputs are positive.

    References
    ----------
    R. E. Miller and P. D. Blair, *Input-Output Analysis: Foundations and Extensions*, 2nd
    ed., Cambridge University Press, 2009 (chapters 2 and 12).

    A. Ghosh, "Input-output approach in an allocation system", Economica 25(97), 1958.

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.contagion import input_output
    >>> io = input_output(np.array([[150, 500], [200, 100]]), [1000, 2000])
    >>> io.technical
    array([[0.15, 0.25],
           [0.2 , 0.05]])
    >>> io.output_multipliers.round(3)
    array([1.518, 1.452])
    >>> io.value_added
    array([ 650., 1400.])
    """
    tech, out = _coefficients(Z, x, by="column")
    alloc, _ = _coefficients(Z, out, by="row")
    tech_d, alloc_d = _dense(tech), _dense(alloc)
    n = out.shape[0]
    linv = np.linalg.inv(np.eye(n) - tech_d)
    ginv = np.linalg.inv(np.eye(n) - alloc_d)
    zd = check_matrix(Z, "Z", zero_diagonal=False)
    zd = _dense(zd)
    return InputOutput(
        technical=tech_d,
        leontief_inverse=linv,
        output_multipliers=linv.sum(axis=0),
        allocation=alloc_d,
        ghosh_inverse=ginv,
        forward_linkages=ginv.sum(axis=1),
        output=out.copy(),
        final_demand=out - zd.sum(axis=1),
        value_added=out - zd.sum(axis=0),
    )
