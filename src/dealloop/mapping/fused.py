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

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..backend import numba_available, numba_disabled

__all__ = ["bounds", "chain", "claims_owed_paid", "csr_times", "less_short",
           "means_raised", "owed_paid", "plus_times", "round_rows", "scaled",
           "scaled_twice", "short_of", "stake_values", "use_numba", "value", "worth",
           "years_total"]

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


def _csr(m: Any) -> bool:
    """A CSR matrix of float64 entries and int32 or int64 indices (what the kernels take)."""
    return isinstance(m, sp.csr_array | sp.csr_matrix) and m.dtype == np.float64 \
        and m.indices.dtype == m.indptr.dtype


def csr_times(m: Any, x: np.ndarray) -> np.ndarray:
    """``np.asarray(m @ x)`` for a sparse matrix ``m`` and a ``(columns, K)`` array: the same
    sums in the same order as scipy's product (each row's entries in storage order, from
    0), without the zeroed result array scipy fills first.

    Examples
    --------
    >>> m = sp.csr_array(np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0]]))
    >>> csr_times(m, np.array([[1.0, 2.0], [5.0, 5.0], [3.0, 4.0]])).tolist()
    [[7.0, 10.0], [0.0, 0.0]]
    """
    kern = _kernels()
    if kern is not None and x.ndim == 2 and _csr(m) and _plain(x) and x.shape[0] == m.shape[1]:
        return kern.csr_times(m.indptr, m.indices, m.data, x, m.shape[0])
    return np.asarray(m @ x)


def less_short(base: np.ndarray, m: Any, r: np.ndarray, deb: np.ndarray, pool: np.ndarray,
               short: np.ndarray | None = None) -> np.ndarray:
    """``base - m @ short`` with ``short = (1.0 - r[deb]) * pool``: what each row of ``m``
    (a creditor or vesting map over the claims ``pool``) no longer receives when debtor
    ``deb`` of each claim pays the share ``r`` (``short``: that array when already made;
    the numpy path makes it otherwise).

    Examples
    --------
    >>> m = sp.csr_array(np.array([[1.0, 1.0]]))
    >>> r = np.array([[0.5], [1.0]])
    >>> less_short(np.array([[10.0]]), m, r, np.array([0, 1]), np.array([[4.0], [3.0]]))
    array([[8.]])
    """
    kern = _kernels()
    if kern is not None and _csr(m) and _plain(base, r, pool) and base.shape[0] == m.shape[0] \
            and pool.shape[0] == m.shape[1] and base.shape[1] == pool.shape[1] == r.shape[1]:
        return kern.less_short(base, m.indptr, m.indices, m.data, r,
                               np.asarray(deb, np.int64), pool)
    if short is None:
        short = (1.0 - r[deb]) * pool
    return base - np.asarray(m @ short)


_ONE = np.ones((1, 1))  # a placeholder operand of the kernels
_INF_BITS = 0x7FF0000000000000  # the bits of +inf; greater words without a sign: NaNs


def bounds(a: np.ndarray) -> tuple[float, float]:
    """``(float(a.min(initial=0.0)), float(a.max(initial=0.0)))`` (NaN for both when ``a``
    holds a NaN): with numba, one pass over the bits when no element has its sign bit set
    (the usual non-negative inputs), numpy's two reductions otherwise.

    Examples
    --------
    >>> bounds(np.array([[3.0, 0.5], [0.0, 2.0]]))
    (0.0, 3.0)
    >>> bounds(np.array([1.0, -0.0, -2.0]))
    (-2.0, 1.0)
    """
    kern = _kernels()
    if kern is not None and a.size and _plain(a):
        lo, hi = kern.bits_range(a.reshape(-1).view(np.int64))
        if lo >= 0:  # no sign bit: +0, positive numbers, +inf, NaNs with a clear sign
            if hi > _INF_BITS:
                return math.nan, math.nan
            return 0.0, float(np.int64(hi).view(np.float64))
    return float(a.min(initial=0.0)), float(a.max(initial=0.0))


def means_raised(e: np.ndarray, rec: np.ndarray, stk: np.ndarray, liq: float, pf: np.ndarray,
                 pbar: np.ndarray, D: np.ndarray, cap: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """A firm's means other than new money, ``e + rec + liq * stk`` (``stk`` itself when
    ``liq`` is 1), and the new money each raises: nothing, but on the rows ``pf`` of firms
    with a plan (the rows of ``cap``, its caps) all of its cap for a defaulter (``D``) and
    what closes the gap to its dues ``pbar`` (up to the cap) otherwise.

    Examples
    --------
    >>> one = np.ones((2, 1))
    >>> other, raised = means_raised(one, one, one, 1.0, np.array([1]), 5 * one,
    ...                              np.zeros((2, 1), bool), np.array([[1.5]]))
    >>> other[:, 0].tolist(), raised[:, 0].tolist()
    ([3.0, 3.0], [0.0, 1.5])
    """
    kern = _kernels()
    if kern is not None and _plain(e, rec, stk, pbar, cap) and D.dtype == np.bool_ \
            and D.flags.c_contiguous and e.shape == rec.shape == stk.shape == pbar.shape \
            == D.shape and cap.shape == (len(pf), rec.shape[1]):
        return kern.means_raised(e, rec, stk, float(liq), np.asarray(pf, np.int64), pbar, D,
                                 cap)
    other = np.add(e, rec)
    other += stk if liq == 1.0 else liq * stk
    raised = np.zeros_like(rec)
    if len(pf):
        need = np.maximum(pbar[pf] - other[pf], 0.0)
        raised[pf] = np.where(D[pf], cap, np.minimum(cap, need))
    return other, raised


def value(c0: np.ndarray, rec: np.ndarray, stk: np.ndarray, vm: np.ndarray | None,
          rec_p: np.ndarray | None, gone: np.ndarray) -> np.ndarray:
    """Market value ``max(0, c0 + rec + stk + (vm - 1) * rec_p)`` (the last term only with
    multiples: ``vm`` ``(rows, 1)`` or per draw ``(rows, K)``, and ``rec_p`` given), 0 where
    ``gone``.

    Examples
    --------
    >>> one = np.ones((2, 1))
    >>> value(one, one, -3 * one, None, None, np.array([[False], [True]]))[:, 0].tolist()
    [0.0, 0.0]
    >>> value(one, one, one, 2 * one, one, np.zeros((2, 1), bool))[:, 0].tolist()
    [4.0, 4.0]
    >>> two = np.ones((2, 2))
    >>> value(two, two, two, np.array([[2.0, 3.0], [1.0, 1.0]]), two,
    ...       np.zeros((2, 2), bool)).tolist()
    [[4.0, 5.0], [3.0, 3.0]]
    """
    kern = _kernels()
    op = vm is not None and rec_p is not None
    vm_, rp = (vm, rec_p) if vm is not None and rec_p is not None else (_ONE, _ONE)
    if kern is not None and _plain(c0, rec, stk, vm_, rp) and c0.shape == rec.shape \
            == stk.shape == gone.shape and gone.dtype == np.bool_ \
            and gone.flags.c_contiguous and (not op or (
                rp.shape == rec.shape and vm_.shape in ((rec.shape[0], 1), rec.shape))):
        return kern.value(c0, rec, stk, op, vm_, rp, gone)
    V = c0 + rec + stk
    if op:
        V = V + (vm_ - 1) * rp
    V = np.maximum(0.0, V)
    V[gone] = 0.0
    return V


def _bools(*arrays: np.ndarray) -> bool:
    """Every array boolean and C-contiguous."""
    return all(a.dtype == np.bool_ and a.flags.c_contiguous for a in arrays)


def short_of(means: np.ndarray, pbar: np.ndarray, tol: float, scale: float,
             initial: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What each firm needs not to default, ``need = pbar - tol * (1 + pbar / scale)`` (its
    dues less the tolerance), and the firms newly in default: short of it (or failed by
    the scenario, ``initial``) and not yet in ``D``.

    Examples
    --------
    >>> no = np.zeros((2, 1), bool)
    >>> need, new = short_of(np.array([[1.0], [3.0]]), np.full((2, 1), 2.0), 0.5, 1.0, no, no)
    >>> need[:, 0].tolist(), new[:, 0].tolist()
    ([0.5, 0.5], [False, False])
    """
    kern = _kernels()
    if kern is not None and _plain(means, pbar) and _bools(initial, D) \
            and means.shape == pbar.shape == initial.shape == D.shape:
        return kern.short_of(means, pbar, float(tol), float(scale), initial, D)
    margin = tol * (1 + pbar / scale)
    need = pbar - margin
    return need, np.asarray(((means < need) | initial) & ~D)


def round_rows(D: np.ndarray, deb: np.ndarray, rows: np.ndarray, A: np.ndarray,
               Acc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The claims ``rows`` as a round asks them, accelerated (``Acc``) where their debtor
    ``deb`` (one per row) is in default (``D``) and as ``A`` asks them otherwise, and their
    change from ``A``.

    Examples
    --------
    >>> A, Acc = np.array([[1.0, 1.0], [2.0, 2.0]]), np.array([[5.0, 5.0], [2.0, 9.0]])
    >>> owed, diff = round_rows(np.array([[True, False]]), np.array([0]), np.array([0]),
    ...                         A, Acc)
    >>> owed.tolist(), diff.tolist()
    ([[5.0, 1.0]], [[4.0, 0.0]])
    """
    kern = _kernels()
    if kern is not None and _plain(A, Acc) and _bools(D) and A.shape == Acc.shape \
            and D.shape[1] == A.shape[1]:
        return kern.round_rows(D, np.asarray(deb, np.int64), np.asarray(rows, np.int64), A,
                               Acc)
    owed = np.where(D[deb], Acc[rows], A[rows])
    return owed, owed - A[rows]


def stake_values(w0: np.ndarray, prepaid: np.ndarray, ps_rows: np.ndarray,
                 holder: np.ndarray, r: np.ndarray, vrows: np.ndarray,
                 vref: np.ndarray | None, vpaid: np.ndarray | None, issuer: np.ndarray,
                 V: np.ndarray) -> np.ndarray:
    """``(S, K)``: the market value of each stake, its weight ``w0`` (fraction times scale)
    times its issuer's market value ``V``; a stake bought inside the horizon (rows
    ``ps_rows``) is held as far as its holder pays (``prepaid + (1 - prepaid) * r``); a
    warrant that can vest less than fully (rows ``vrows``, with ``vpaid`` what its claims
    paid and ``vref`` ``(S, 1)`` or ``(S, K)`` what they vest against) holds the share
    ``min(vpaid / vref, 1)`` of it (all of it against a reference of 0).

    Examples
    --------
    >>> V = np.array([[10.0], [4.0]])
    >>> stake_values(np.array([[0.5]]), np.array([0.0]), np.array([0]), np.array([1]),
    ...              np.array([[1.0], [0.5], [1.0]]), np.zeros(0, int), None, None,
    ...              np.array([0]), V).tolist()
    [[2.5]]
    """
    kern = _kernels()
    vesting = vpaid is not None and vref is not None and len(vrows) > 0
    vref_, vpaid_ = (vref, vpaid) if vref is not None and vpaid is not None else (_ONE, _ONE)
    if kern is not None and _plain(w0, r, V, vref_, vpaid_):
        S = w0.shape[0]
        ps = np.zeros(S, np.bool_)
        ps[ps_rows] = True
        vpos = np.full(S, -1, np.int64)
        if vesting:
            vpos[vrows] = np.arange(len(vrows))
        return kern.stake_values(w0, np.asarray(prepaid, float), ps,
                                 np.asarray(holder, np.int64), r, vpos,
                                 vref_, vpaid_,
                                 np.asarray(issuer, np.int64), V)
    w = w0
    if len(ps_rows):
        w = w.copy()
        pre = prepaid[ps_rows, None]
        w[ps_rows] = w0[ps_rows] * (pre + (1 - pre) * r[holder[ps_rows]])
    if vesting:
        vr = vref_[vrows]
        w = w.copy() if w is w0 else w
        w[vrows] = w[vrows] * np.where(vr > 0,
                                       np.minimum(vpaid_ / np.where(vr > 0, vr, 1), 1.0), 1.0)
    return w * V[issuer]



def claims_owed_paid(A: np.ndarray, r: np.ndarray, debtor: np.ndarray, rows: np.ndarray,
                     owed_rows: np.ndarray, pool_rows: np.ndarray,
                     sec_rows: np.ndarray | None, bidx: np.ndarray, owed_b: np.ndarray,
                     plan_rows: np.ndarray, pidx: np.ndarray, plan_pos: np.ndarray,
                     ratio: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """What each claim asks and gets when the round's debtors pay the shares ``r``: the
    claims ``A`` as asked, but the defaulters' claims ``rows`` as the round asks them
    (``owed_rows``; paid from their collateral ``sec_rows`` first, then pro rata on
    ``pool_rows``), the backstops ``bidx`` as triggered (``owed_b``), and new money
    (``plan_rows``) paid as far as it is raised (``pidx``: row ``plan_pos`` of ``ratio``,
    the share of its cap each firm raised; nothing without ``pidx``).

    Examples
    --------
    >>> A, r = np.array([[4.0], [2.0], [3.0]]), np.array([[0.5], [1.0]])
    >>> none = np.zeros(0, int)
    >>> owed, paid = claims_owed_paid(A, r, np.array([0, 1, 1]), np.array([0]),
    ...                               np.array([[6.0]]), np.array([[6.0]]), None, none,
    ...                               np.zeros((0, 1)), np.array([2]), none, none, None)
    >>> owed[:, 0].tolist(), paid[:, 0].tolist()
    ([6.0, 2.0, 3.0], [3.0, 2.0, 0.0])
    """
    kern = _kernels()
    arrays = [A, r, owed_rows, pool_rows, owed_b] + [x for x in (sec_rows, ratio)
                                                    if x is not None]
    if kern is not None and _plain(*arrays) and owed_rows.shape == pool_rows.shape \
            and (sec_rows is None or sec_rows.shape == owed_rows.shape):
        m = A.shape[0]
        kind = np.zeros(m, np.int64)
        pos = np.zeros(m, np.int64)
        kind[plan_rows] = 4
        if len(pidx):
            kind[pidx] = 3
            pos[pidx] = plan_pos
        kind[rows] = 1
        pos[rows] = np.arange(len(rows))
        kind[bidx] = 2
        pos[bidx] = np.arange(len(bidx))
        return kern.claims_owed_paid(
            A, r, np.asarray(debtor, np.int64), kind, pos, owed_rows, pool_rows,
            _ONE if sec_rows is None else sec_rows, sec_rows is not None, owed_b,
            _ONE if ratio is None else ratio)
    owed, paid = owed_paid(A, r, debtor)
    owed[rows] = owed_rows
    owed[bidx] = owed_b
    paid[rows] = r[debtor[rows]] * owed_rows
    paid[bidx] = r[debtor[bidx]] * owed_b
    if sec_rows is not None:  # secured claims: collateral first, then pro rata
        paid[rows] = sec_rows + r[debtor[rows]] * pool_rows
    paid[plan_rows] = 0.0
    if len(pidx) and ratio is not None:
        paid[pidx] = owed[pidx] * ratio[plan_pos]
    return owed, paid


def worth(e: np.ndarray, rec_other: np.ndarray, raised: np.ndarray, stk: np.ndarray,
          pbar: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What each firm received (``rec_other`` and the new money ``raised``), its net worth
    ``e + received + stk - pbar`` and its equity (the positive part).

    Examples
    --------
    >>> one = np.ones((1, 2))
    >>> [x.tolist() for x in worth(one, one, one, one, np.array([[1.0, 9.0]]))]
    [[[2.0, 2.0]], [[3.0, -5.0]], [[3.0, 0.0]]]
    """
    kern = _kernels()
    if kern is not None and _plain(e, rec_other, raised, stk, pbar) \
            and e.shape == rec_other.shape == raised.shape == stk.shape == pbar.shape:
        return kern.worth(e, rec_other, raised, stk, pbar)
    rec = rec_other + raised
    nw = e + rec + stk - pbar
    return rec, nw, np.maximum(nw, 0.0)



def plus_times(base: np.ndarray, m: Any, x: np.ndarray, minus: bool = False) -> np.ndarray:
    """``base + m @ x`` (``base - m @ x`` with ``minus``) for a sparse ``m``: the product as
    :func:`csr_times` sums it, added to ``base`` row by row, without the product's array.

    Examples
    --------
    >>> m = sp.csr_array(np.array([[1.0, 2.0]]))
    >>> plus_times(np.array([[1.0]]), m, np.array([[3.0], [4.0]])).tolist()
    [[12.0]]
    >>> plus_times(np.array([[1.0]]), m, np.array([[3.0], [4.0]]), minus=True).tolist()
    [[-10.0]]
    """
    kern = _kernels()
    if kern is not None and x.ndim == 2 and _csr(m) and _plain(base, x) \
            and base.shape == (m.shape[0], x.shape[1]) and x.shape[0] == m.shape[1]:
        return kern.plus_times(base, m.indptr, m.indices, m.data, x, bool(minus))
    return base - np.asarray(m @ x) if minus else base + np.asarray(m @ x)


def chain(first: np.ndarray, *terms: tuple[str, np.ndarray]) -> np.ndarray:
    """``first`` then each term added (``"+"``) or subtracted (``"-"``) in order, as numpy
    evaluates ``first + a - b ...`` left to right (operands ``(rows, K)`` or ``(rows, 1)``,
    broadcast), in one pass instead of one new array per operation.

    Examples
    --------
    >>> chain(np.array([[1.0], [2.0]]), ("+", np.array([[1.0, 2.0], [3.0, 4.0]])),
    ...       ("-", np.array([[0.5], [0.5]]))).tolist()
    [[1.5, 2.5], [4.5, 5.5]]
    """
    arrays = [first] + [a for _, a in terms]
    kern = _kernels()
    m = first.shape[0]
    k = max(a.shape[1] for a in arrays)
    if kern is not None and len(terms) and _plain(*arrays) and all(
            a.ndim == 2 and a.shape[0] == m and a.shape[1] in (1, k) for a in arrays):
        signs = np.array([op == "-" for op, _ in terms])
        return kern.chain(first, tuple(a for _, a in terms), signs, m, k)
    out = first
    for op, a in terms:
        out = out - a if op == "-" else out + a
    return np.asarray(out)

