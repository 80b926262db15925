"""Fused passes over the ``(claims, draws)`` arrays of a year-by-year run (#18).

A Monte Carlo chunk spends much of its time in plain numpy passes over ``(C, K)`` arrays
(claims by draws), each reading and writing whole arrays of megabytes. Where a few such
passes always come together, the functions here do them in one: with numba when it is
available (:mod:`dealloop.backend`: installed and not switched off by ``DEALLOOP_NO_NUMBA``),
otherwise with the numpy code below, which is the reference. Both do the same
floating-point operations on each element in the same order, so they give the same numbers
bit for bit (``tests/scenarios/test_fused.py`` runs the shipped scenarios both ways).

Examples
--------
>>> import numpy as np
>>> A, r = np.array([[2.0, 4.0], [1.0, 3.0]]), np.array([[0.5, 1.0], [1.0, 1.0]])
>>> owed, paid = owed_paid(A, r, np.array([0, 1]))
>>> paid.tolist()
[[1.0, 4.0], [1.0, 3.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..backend import numba_available, numba_disabled

__all__ = ["owed_paid", "scaled", "scaled_twice", "use_numba", "years_total"]

_STATE: dict[str, Any] = {"tried": False, "kernels": None, "force": None}


def use_numba() -> bool:
    """Whether the numba kernels run (``_STATE["force"]``: ``"numpy"`` or ``"numba"`` for
    the tests; ``DEALLOOP_NO_NUMBA`` is read at every call).

    Examples
    --------
    >>> isinstance(use_numba(), bool)
    True
    """
    return _kernels() is not None


def _kernels() -> Any:
    force = _STATE["force"]
    if force == "numpy" or (force is None and numba_disabled()):
        return None
    if not _STATE["tried"]:
        _STATE["tried"] = True
        if numba_available():
            from . import _numba_fused

            _STATE["kernels"] = _numba_fused
    return _STATE["kernels"]


def _plain(*arrays: np.ndarray) -> bool:
    """Every array float64 and C-contiguous (what the kernels are compiled for)."""
    return all(a.dtype == np.float64 and a.flags.c_contiguous for a in arrays)


def scaled(a: np.ndarray, col: np.ndarray, df: float) -> np.ndarray:
    """``a * col[:, None]``, then times ``df`` unless it is 1 (a new array).

    Examples
    --------
    >>> scaled(np.array([[1.0, 2.0]]), np.array([3.0]), 0.5).tolist()
    [[1.5, 3.0]]
    """
    kern = _kernels()
    col = np.ascontiguousarray(col, float)
    if kern is not None and _plain(a):
        return kern.scaled(a, col, float(df))
    out = np.multiply(a, col[:, None])
    if df != 1.0:  # x * 1.0 is x
        out *= df
    return out


def scaled_twice(a: np.ndarray, col: np.ndarray, df: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`scaled`, and a copy of it.

    Examples
    --------
    >>> x, y = scaled_twice(np.array([[1.0, 2.0]]), np.array([3.0]), 1.0)
    >>> x.tolist() == y.tolist(), x is y
    (True, False)
    """
    kern = _kernels()
    col = np.ascontiguousarray(col, float)
    if kern is not None and _plain(a):
        return kern.scaled_twice(a, col, float(df))
    out = scaled(a, col, df)
    return out, out.copy()


def owed_paid(A: np.ndarray, r: np.ndarray, debtor: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """``A.copy()`` and ``r[debtor] * A``: what each claim asks and gets when its debtor
    pays the share ``r`` of its dues (``r`` ``(N + 1, K)``, the last row the outside).

    Examples
    --------
    >>> owed, paid = owed_paid(np.array([[4.0, 2.0]]), np.array([[0.5, 1.0]]), np.array([0]))
    >>> owed.tolist(), paid.tolist()
    ([[4.0, 2.0]], [[2.0, 2.0]])
    """
    kern = _kernels()
    if kern is not None and _plain(A, r):
        return kern.owed_paid(A, r, np.asarray(debtor, np.int64))
    return A.copy(), r[debtor] * A


def years_total(owed: Sequence[np.ndarray], paid: Sequence[np.ndarray],
                now: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Over the years: ``paid`` summed in year order, and ``owed`` = that sum plus what is
    left unpaid at the end, each year's gap ``owed - paid`` summed in year order but the
    last year's alone where ``now`` (a balance carried into the last year).

    Examples
    --------
    >>> o = [np.array([[4.0]]), np.array([[4.0]])]
    >>> p = [np.array([[4.0]]), np.array([[1.0]])]
    >>> [x.tolist() for x in years_total(o, p, None)]
    [[[5.0]], [[8.0]]]
    """
    kern = _kernels()
    if kern is not None and _plain(*owed, *paid) and len({a.shape for a in owed}) == 1:
        carried = now is not None
        mask = now if now is not None else np.zeros((1, 1), bool)
        return kern.years_total(tuple(owed), tuple(paid), mask, carried)
    p_sum = np.array(paid[0], copy=True)
    for x in paid[1:]:
        p_sum += x
    gaps = owed[0] - paid[0]
    gap = np.empty_like(gaps) if len(owed) > 1 else gaps
    for o, p in zip(owed[1:], paid[1:], strict=True):
        gaps += np.subtract(o, p, out=gap)
    if now is not None:
        rows = np.flatnonzero(now.any(axis=1))
        if len(rows):
            gaps[rows] = np.where(now[rows], (owed[-1] - paid[-1])[rows], gaps[rows])
    return p_sum, p_sum + gaps
