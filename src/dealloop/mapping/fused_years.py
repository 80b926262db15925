"""Fused passes of the year-by-year runs (a year's claims and dues, sales, cash carried);
see :mod:`.fused` for the rule: numba kernels with the numpy code as the reference, the
same numbers bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np

from .fused import _ONE, _bools, _csr, _kernels, _plain, scaled_twice

__all__ = ["cash_left", "sales", "year_claims", "year_dues"]


def year_claims(amount: np.ndarray, wt: np.ndarray, df: float, paying: np.ndarray,
                interest: np.ndarray, debt: np.ndarray, pos_p: np.ndarray, left_t: np.ndarray,
                beyond: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A year's claims ``A_t`` and their accelerated copy ``Acc_t``: the horizon's
    ``amount`` times the year's share ``wt`` at the discount ``df``
    (:func:`scaled_twice`), the year's ``interest`` added on the rows ``paying`` (row
    ``pos_p`` of the debt rows), and on the debt rows ``debt`` an accelerated claim of at
    least what is left of the debt (``left_t``), the principal beyond the horizon
    (``beyond``, at the year's discount) and the interest.

    Examples
    --------
    >>> A, Acc = year_claims(np.array([[10.0], [4.0]]), np.array([0.5, 0.25]), 1.0,
    ...                      np.array([0]), np.array([[1.0]]), np.array([0]), np.array([0]),
    ...                      np.array([[8.0]]), np.array([[2.0]]))
    >>> A[:, 0].tolist(), Acc[:, 0].tolist()
    ([6.0, 1.0], [11.0, 1.0])
    """
    kern = _kernels()
    if kern is not None and _plain(amount, interest, left_t, beyond) \
            and interest.shape == (len(paying), amount.shape[1]) \
            and left_t.shape == beyond.shape == (len(debt), amount.shape[1]):
        return kern.year_claims(amount, np.ascontiguousarray(wt, float), float(df),
                                np.asarray(paying, np.int64), interest,
                                np.asarray(debt, np.int64), np.asarray(pos_p, np.int64),
                                left_t, beyond)
    A_t, Acc_t = scaled_twice(amount, wt, df)
    A_t[paying] += interest
    Acc_t[paying] = A_t[paying]
    int_d = np.zeros_like(left_t)
    int_d[pos_p] = interest
    Acc_t[debt] = np.maximum(A_t[debt], left_t + beyond * df + int_d)
    return A_t, Acc_t


def year_dues(A: np.ndarray, Acc: np.ndarray, carried: np.ndarray | None,
              prev_owed: np.ndarray | None, prev_paid: np.ndarray | None,
              plan_in: np.ndarray, plan_in_firm: np.ndarray, defaulted: np.ndarray,
              plan_rows: np.ndarray, room: np.ndarray | None, room_firm: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A year's dues ``(A, Acc, caps)`` from the year's claims ``A``/``Acc`` (never
    written): with ``carried`` (earlier defaulters' accelerated claims) their balances left
    unpaid the year before (``prev_owed - prev_paid``) and no new money ``plan_in`` to a
    defaulted firm ``plan_in_firm``; with ``room`` (the plan's headroom per firm) the plan
    rows ``plan_rows`` raised by their firm's (``room_firm``) headroom, ``caps`` their
    amounts before it, and the accelerated claims at least the claims.

    Examples
    --------
    >>> A = np.array([[2.0], [1.0]])
    >>> none, no = np.zeros(0, int), np.zeros((1, 1), bool)
    >>> a, acc, caps = year_dues(A, A, None, None, None, none, none, no, np.array([1]),
    ...                          np.array([[3.0]]), np.array([0]))
    >>> a[:, 0].tolist(), acc[:, 0].tolist(), caps.tolist()
    ([2.0, 4.0], [2.0, 4.0], [[1.0]])
    """
    kern = _kernels()
    carry = carried is not None and prev_owed is not None and prev_paid is not None
    budget = room is not None and len(plan_rows) > 0
    if not carry and not budget:
        return A, Acc, None
    po, pp = (prev_owed, prev_paid) if prev_owed is not None and prev_paid is not None \
        else (_ONE, _ONE)
    cr = carried if carried is not None else np.zeros((1, 1), bool)
    rm = room if room is not None else _ONE
    if kern is not None and _plain(A, Acc, po, pp, rm) and _bools(cr, defaulted) \
            and A.shape == Acc.shape and (not carry or cr.shape == po.shape == pp.shape
                                           == A.shape):
        m = A.shape[0]
        pos = np.full(m, -1, np.int64)
        pos[plan_rows] = np.arange(len(plan_rows))
        firm = np.full(m, -1, np.int64)
        firm[plan_in] = plan_in_firm
        rf = np.zeros(m, np.int64)
        rf[plan_rows] = room_firm
        A2, Acc2, caps = kern.year_dues(A, Acc, carry, cr, po, pp, pos, firm, defaulted,
                                        budget, rm, rf)
        return A2, Acc2, caps if budget else None
    own = False  # A and Acc copied: ours to write
    if carry:
        A, Acc, own = A.copy(), Acc.copy(), True
        rows = np.flatnonzero(cr.any(axis=1))  # balances of earlier defaulters
        if len(rows):
            left_unpaid = po[rows] - pp[rows]
            A[rows] = np.where(cr[rows], left_unpaid, A[rows])
            Acc[rows] = np.where(cr[rows], left_unpaid, Acc[rows])
        stop = defaulted[plan_in_firm]  # no new money reaches a defaulter
        A[plan_in] = np.where(stop, 0.0, A[plan_in])
        Acc[plan_in] = np.where(stop, 0.0, Acc[plan_in])
    caps = None
    if budget:
        caps = A[plan_rows]
        A = A if own else A.copy()
        A[plan_rows] = caps + rm[room_firm]
        Acc = np.maximum(Acc, A, out=Acc if own else None)
    return A, Acc, caps


def sales(cred: Any, credw: Any, owed: np.ndarray, paid: np.ndarray, rows: np.ndarray
          ) -> np.ndarray:
    """``cred @ owed[rows] - credw @ (owed[rows] - paid[rows])``: what the claims ``rows``
    bring their creditors (``cred``: their creditor map, ``credw``: at the loss weights),
    without copies of the rows.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> m = sp.csr_array(np.array([[1.0, 1.0]]))
    >>> owed, paid = np.array([[9.0], [4.0], [2.0]]), np.array([[9.0], [1.0], [2.0]])
    >>> sales(m, m, owed, paid, np.array([1, 2])).tolist()
    [[3.0]]
    """
    kern = _kernels()
    if kern is not None and _csr(cred) and _csr(credw) and _plain(owed, paid) \
            and owed.shape == paid.shape and cred.shape == credw.shape \
            and cred.shape[1] == len(rows):
        return kern.sales(cred.indptr, cred.indices, cred.data, credw.indptr, credw.indices,
                          credw.data, owed, paid, np.asarray(rows, np.int64), cred.shape[0])
    owed, paid = owed[rows], paid[rows]
    return np.asarray(cred @ owed) - np.asarray(credw @ (owed - paid))


def cash_left(out: np.ndarray, D: np.ndarray, e: np.ndarray, rec: np.ndarray,
              payments: np.ndarray) -> None:
    """Into ``out``: the cash a firm carries into the next year, what it had and received
    less what it paid (never below 0), none for a defaulter (``D``).

    Examples
    --------
    >>> out = np.empty((2, 1))
    >>> cash_left(out, np.array([[False], [True]]), np.full((2, 1), 5.0), np.ones((2, 1)),
    ...           np.full((2, 1), 2.0))
    >>> out[:, 0].tolist()
    [4.0, 0.0]
    """
    kern = _kernels()
    if kern is not None and _plain(out, e, rec, payments) and _bools(D) \
            and out.shape == D.shape == e.shape == rec.shape == payments.shape:
        kern.cash_left(out, D, e, rec, payments)
        return
    out[...] = np.where(D, 0.0, np.maximum(e + rec - payments, 0.0))
