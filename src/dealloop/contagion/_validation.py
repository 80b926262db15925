"""Input checks shared by the contagion models.

Every public function of :mod:`dealloop.contagion` runs its arguments through these helpers,
so that bad input fails early with a :class:`ValueError` whose message starts with the name of
the offending argument (``"L: ..."``, ``"e: ..."``), and so that the numerical code can assume
float64 arrays of the right shape.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

__all__ = [
    "ConvergenceError",
    "Matrix",
    "check_choice",
    "check_fraction",
    "check_matrix",
    "check_positive_int",
    "check_scenarios",
    "check_tol",
    "check_vector",
    "is_sparse",
    "matrix_value_errors",
]

Matrix: TypeAlias = ArrayLike | sp.sparray | sp.spmatrix
"""A dense ``(N, N)`` array-like or a :mod:`scipy.sparse` matrix or array."""


class ConvergenceError(RuntimeError):
    """An iterative solver did not reach its tolerance within its iteration budget.

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.contagion import ConvergenceError, eisenberg_noe
    >>> try:
    ...     eisenberg_noe(np.array([[0, 2.0], [2.0, 0]]), [0.5, 0.0], method="picard", max_iter=1)
    ... except ConvergenceError:
    ...     print("raised")
    raised
    """


def is_sparse(x: object) -> bool:
    """Whether ``x`` is a :mod:`scipy.sparse` matrix or array."""
    return sp.issparse(x)


def _as_float_array(x: object, name: str) -> np.ndarray:
    if isinstance(x, np.ma.MaskedArray):
        masked = int(np.ma.count_masked(x))
        if masked:
            raise ValueError(
                f"{name}: has {masked} masked entries; fill them (x.filled(0)) or drop the "
                "firms before clearing"
            )
        x = x.data
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name}: cannot be read as a numeric array ({exc})") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise ValueError(f"{name}: must be numeric, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{name}: must be real, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def check_matrix(
    M: Matrix,
    name: str,
    *,
    square: bool = True,
    nonnegative: bool = True,
    zero_diagonal: bool = True,
    n: int | None = None,
    values: bool = True,
) -> np.ndarray | sp.csr_array:
    """Validate a 2-D matrix and return it as float64 (dense ndarray or CSR array).

    Parameters
    ----------
    M
        Dense array-like or scipy.sparse matrix/array.
    name
        Argument name used in error messages.
    square, nonnegative, zero_diagonal
        Which properties to enforce.
    n
        Required number of rows (and columns when ``square``), if known.
    values
        Check the entries (finite, sign, diagonal). ``False`` checks only type and shape, for
        callers that check the entries in their own pass (see :func:`matrix_value_errors`).

    Returns
    -------
    numpy.ndarray or scipy.sparse.csr_array
        The matrix as float64; sparse input stays sparse (as CSR). The input is never
        modified; a copy is made only when a conversion is needed.
    """
    data: np.ndarray
    if is_sparse(M):
        S: Any = M  # a scipy.sparse array or matrix
        if S.ndim != 2:
            raise ValueError(f"{name}: must be 2-D, got {S.ndim}-D")
        if np.issubdtype(S.dtype, np.complexfloating) or not (
            np.issubdtype(S.dtype, np.number) or np.issubdtype(S.dtype, np.bool_)
        ):
            raise ValueError(f"{name}: must be real numeric, got dtype {S.dtype}")
        out: np.ndarray | sp.csr_array = sp.csr_array(S).astype(np.float64, copy=False)
        data = np.asarray(out.data)
    else:
        out = _as_float_array(M, name)
        if out.ndim != 2:
            raise ValueError(f"{name}: must be a 2-D matrix, got shape {out.shape}")
        data = out
    rows, cols = out.shape
    if square and rows != cols:
        raise ValueError(f"{name}: must be square (N, N), got shape {out.shape}")
    if n is not None and rows != n:
        raise ValueError(f"{name}: expected {n} rows, got shape {out.shape}")
    if not values:
        return out
    nonfinite = negative = 0
    if data.size:
        # Two reductions settle the common case; count only when something is wrong.
        low, high = data.min(), data.max()  # NaN propagates into both
        if not (np.isfinite(low) and np.isfinite(high)):
            nonfinite = int(np.count_nonzero(~np.isfinite(data)))
        if nonnegative and not low >= 0:
            negative = int(np.count_nonzero(data < 0))
    diagonal = -1
    if zero_diagonal and square and rows > 0 and not (nonfinite or negative):
        diagonal = first_diagonal_row(out)
    matrix_value_errors(out, name, nonfinite, negative, diagonal)
    return out


def first_diagonal_row(M: np.ndarray | sp.csr_array) -> int:
    """Index of the first nonzero diagonal entry of a square matrix, or -1."""
    if is_sparse(M):
        from . import _kernels

        row = _kernels.csr_diagonal_row(M)
        if row is not None:
            return row
    nonzero = np.flatnonzero(M.diagonal())
    return int(nonzero[0]) if nonzero.size else -1


def matrix_value_errors(
    M: np.ndarray | sp.csr_array, name: str, nonfinite: int, negative: int, diagonal: int
) -> None:
    """Raise the ValueError for the first problem found in a matrix's entries, if any."""
    if nonfinite:
        raise ValueError(f"{name}: contains NaN or infinite entries ({nonfinite} of them)")
    if negative:
        raise ValueError(f"{name}: entries must be nonnegative ({negative} are negative)")
    if diagonal >= 0:
        raise ValueError(
            f"{name}: diagonal must be zero (a firm cannot owe or hold itself); "
            f"entry [{diagonal}, {diagonal}] = {float(M[diagonal, diagonal])!r}"
        )


def check_vector(
    v: object,
    name: str,
    n: int,
    *,
    nonnegative: bool = False,
    allow_batch: bool = False,
    low: float | None = None,
    high: float | None = None,
) -> np.ndarray:
    """Validate a per-firm vector ``(N,)`` (or, with ``allow_batch``, a batch ``(K, N)``).

    Returns a float64 array of the same shape. Bounds ``low``/``high`` are inclusive.
    """
    arr = _as_float_array(v, name)
    if arr.ndim == 1 or (allow_batch and arr.ndim == 2):
        if arr.shape[-1] != n:
            raise ValueError(
                f"{name}: last dimension must match the {n} firms of the network, "
                f"got shape {arr.shape}"
            )
    else:
        want = "(N,) or (K, N)" if allow_batch else "(N,)"
        raise ValueError(f"{name}: must have shape {want} with N = {n}, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: contains NaN or infinite entries")
    if nonnegative and (arr < 0).any():
        raise ValueError(f"{name}: entries must be nonnegative")
    if low is not None and (arr < low).any():
        raise ValueError(f"{name}: entries must be >= {low}")
    if high is not None and (arr > high).any():
        raise ValueError(f"{name}: entries must be <= {high}")
    return arr


def check_scenarios(e: object, name: str, n: int) -> tuple[np.ndarray, bool]:
    """Validate one scenario ``(N,)`` or a batch ``(K, N)``; return ``((K, N) array, batched)``."""
    arr = check_vector(e, name, n, allow_batch=True)
    if arr.ndim == 1:
        return arr[None, :], False
    return arr, True


def check_fraction(x: object, name: str) -> float:
    """Validate a scalar in ``[0, 1]`` (a recovery rate, a loss given default)."""
    if isinstance(x, bool | np.bool_):
        raise ValueError(f"{name}: must be a number in [0, 1], got the boolean {x!r}")
    try:
        value = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name}: must be a number in [0, 1], got {x!r}") from None
    if not 0.0 <= value <= 1.0:  # also rejects NaN
        raise ValueError(f"{name}: must be in [0, 1], got {x!r}")
    return value


def check_tol(tol: object, name: str = "tol") -> float:
    """Validate a positive finite tolerance."""
    try:
        value = float(tol)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name}: must be a positive number, got {tol!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name}: must be a positive finite number, got {tol!r}")
    return value


def check_positive_int(x: object, name: str) -> int:
    """Validate a positive integer (an iteration budget)."""
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or x < 1:
        raise ValueError(f"{name}: must be a positive integer, got {x!r}")
    return int(x)


def check_choice(x: object, name: str, choices: tuple[str, ...]) -> str:
    """Validate a string option."""
    if x not in choices:
        raise ValueError(f"{name}: must be one of {', '.join(map(repr, choices))}; got {x!r}")
    return str(x)
