"""numba kernels of :mod:`.fused`; imported only through it (importing this module requires
numba).

Each kernel does, element by element, the same floating-point operations in the same order
as the numpy code it stands for in :mod:`.fused` (no fast-math: no reassociation, no fused
multiply-add), so both give the same numbers bit for bit; it reads and writes each
``(claims, draws)`` array once instead of once per numpy operation.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def scaled(a, col, df):  # pragma: no cover - compiled
    """``a * col[:, None]``, then ``* df`` unless ``df`` is 1."""
    m, k = a.shape
    out = np.empty((m, k))
    for i in range(m):
        w = col[i]
        for j in range(k):
            x = a[i, j] * w
            if df != 1.0:
                x = x * df
            out[i, j] = x
    return out


@njit(cache=True, nogil=True)
def scaled_twice(a, col, df):  # pragma: no cover - compiled
    """:func:`scaled` and a copy of it (the year's claims and their accelerated copy)."""
    out = scaled(a, col, df)
    return out, out.copy()


@njit(cache=True, nogil=True)
def owed_paid(A, r, debtor):  # pragma: no cover - compiled
    """``A.copy()`` and ``r[debtor] * A``."""
    m, k = A.shape
    owed = np.empty((m, k))
    paid = np.empty((m, k))
    for i in range(m):
        d = debtor[i]
        for j in range(k):
            x = A[i, j]
            owed[i, j] = x
            paid[i, j] = r[d, j] * x
    return owed, paid


@njit(cache=True, nogil=True)
def years_total(owed, paid, now, carried):  # pragma: no cover - compiled
    """Over the years (tuples of ``(C, K)`` arrays): ``paid`` summed in year order, and
    ``owed`` = that sum plus what is left unpaid at the end (the gaps ``owed - paid``
    summed in year order; the last year's gap where ``now`` and ``carried``)."""
    T = len(paid)
    m, k = paid[0].shape
    p_sum = np.empty((m, k))
    o_sum = np.empty((m, k))
    for i in range(m):
        for j in range(k):
            p = paid[0][i, j]
            g = owed[0][i, j] - paid[0][i, j]
            last = g
            for t in range(1, T):
                p = p + paid[t][i, j]
                last = owed[t][i, j] - paid[t][i, j]
                g = g + last
            if carried and now[i, j]:
                g = last
            p_sum[i, j] = p
            o_sum[i, j] = p + g
    return p_sum, o_sum


@njit(cache=True, nogil=True)
def csr_times(indptr, indices, data, X, nrow):  # pragma: no cover - compiled
    """``M @ X`` for a CSR matrix ``M`` (``nrow`` rows) and a ``(columns, K)`` array, as
    scipy's ``csr_matvecs`` adds it: each row from 0, its entries in storage order."""
    out = np.empty((nrow, X.shape[1]))
    for i in range(nrow):
        _row_times(out[i], indptr, indices, data, X, i)
    return out


@njit(cache=True, nogil=True, inline="always")
def _row_times(y, indptr, indices, data, X, i):  # pragma: no cover - compiled
    """Row ``i`` of ``M @ X`` into ``y``: from 0, the row's entries in storage order."""
    y[:] = 0.0
    for jj in range(indptr[i], indptr[i + 1]):
        a = data[jj]
        x = X[indices[jj]]
        for t in range(y.shape[0]):
            y[t] += a * x[t]


@njit(cache=True, nogil=True)
def less_short(base, indptr, indices, data, r, deb, pool):  # pragma: no cover - compiled
    """``base - M @ ((1.0 - r[deb]) * pool)`` without the ``(rows, K)`` shortfalls: each
    product term as numpy forms it, summed as :func:`csr_times`, then subtracted."""
    nrow, k = base.shape
    out = np.empty((nrow, k))
    for i in range(nrow):
        y = out[i]
        y[:] = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            a = data[jj]
            j = indices[jj]
            rd = r[deb[j]]
            p = pool[j]
            for t in range(k):
                y[t] += a * ((1.0 - rd[t]) * p[t])
        b = base[i]
        for t in range(k):
            y[t] = b[t] - y[t]
    return out


@njit(cache=True, nogil=True)
def bits_range(u):  # pragma: no cover - compiled
    """The least and greatest of the ``int64`` words ``u`` (the bits of an array of
    doubles: for doubles without a sign bit, their order is the doubles' order), in one
    vectorised pass (a float min/max with NaN rules does not vectorise)."""
    lo = u[0]
    hi = u[0]
    for i in range(1, u.size):
        x = u[i]
        lo = min(lo, x)
        hi = max(hi, x)
    return lo, hi


@njit(cache=True, nogil=True, inline="always")
def _maximum(a, b):  # pragma: no cover - compiled
    """``np.maximum(a, b)``: ``b`` when equal (signed zeros), NaN when either is."""
    return a if (a > b or a != a) else b


@njit(cache=True, nogil=True, inline="always")
def _minimum(a, b):  # pragma: no cover - compiled
    """``np.minimum(a, b)``: ``b`` when equal (signed zeros), NaN when either is."""
    return a if (a < b or a != a) else b


@njit(cache=True, nogil=True)
def means_raised(e, rec, stk, liq, pf, pbar, D, cap):  # pragma: no cover - compiled
    """``other = e + rec + liq * stk`` (``stk`` itself when ``liq`` is 1) and the new money
    raised: 0, but on rows ``pf`` (row ``p`` of ``cap``) ``cap`` for a defaulter and
    ``min(cap, max(pbar - other, 0))`` otherwise."""
    m, k = rec.shape
    other = np.empty((m, k))
    raised = np.zeros((m, k))
    for i in range(m):
        for t in range(k):
            s = stk[i, t] if liq == 1.0 else liq * stk[i, t]
            other[i, t] = (e[i, t] + rec[i, t]) + s
    for p in range(len(pf)):
        i = pf[p]
        for t in range(k):
            need = _maximum(pbar[i, t] - other[i, t], 0.0)
            raised[i, t] = cap[p, t] if D[i, t] else _minimum(cap[p, t], need)
    return other, raised


@njit(cache=True, nogil=True)
def value(c0, rec, stk, op, vm, rec_p, gone):  # pragma: no cover - compiled
    """Market value ``max(0, c0 + rec + stk [+ (vm - 1) * rec_p])``, 0 where ``gone``
    (``vm``: ``(m, 1)``, or ``(m, k)``: one multiple per draw)."""
    m, k = rec.shape
    out = np.empty((m, k))
    wide = vm.shape[1] > 1
    for i in range(m):
        w = vm[i, 0] - 1.0 if op else 0.0
        for t in range(k):
            v = (c0[i, t] + rec[i, t]) + stk[i, t]
            if op:
                v = v + (vm[i, t] - 1.0 if wide else w) * rec_p[i, t]
            v = _maximum(0.0, v)
            out[i, t] = 0.0 if gone[i, t] else v
    return out


@njit(cache=True, nogil=True)
def short_of(means, pbar, tol, scale, initial, D):  # pragma: no cover - compiled
    """``need = pbar - tol * (1 + pbar / scale)`` and ``new = ((means < need) | initial) &
    ~D`` (the firms newly short of their dues)."""
    m, k = means.shape
    need = np.empty((m, k))
    new = np.empty((m, k), np.bool_)
    for i in range(m):
        for t in range(k):
            p = pbar[i, t]
            x = p - tol * (1.0 + p / scale)
            need[i, t] = x
            new[i, t] = (means[i, t] < x or initial[i, t]) and not D[i, t]
    return need, new


@njit(cache=True, nogil=True)
def round_rows(D, deb, rows, A, Acc):  # pragma: no cover - compiled
    """The claims ``rows`` as a round asks them (``Acc`` where their debtor ``deb`` is in
    default, ``A`` otherwise) and their change from ``A``."""
    m = len(rows)
    k = A.shape[1]
    owed = np.empty((m, k))
    diff = np.empty((m, k))
    for q in range(m):
        c = rows[q]
        d = deb[q]
        for t in range(k):
            a = A[c, t]
            x = Acc[c, t] if D[d, t] else a
            owed[q, t] = x
            diff[q, t] = x - a
    return owed, diff


@njit(cache=True, nogil=True)
def stake_values(w0, pre, ps, holder, r, vpos, vref, vpaid, issuer, V):  # pragma: no cover
    """Each stake's market value: its weight ``w0``, held as its holder pays where ``ps``
    (``pre + (1 - pre) * r``), times its vesting factor where ``vpos >= 0`` (row of
    ``vpaid``; ``min(vpaid / vref, 1)`` for a positive reference, else 1), times the
    issuer's market value."""
    S, k = w0.shape
    out = np.empty((S, k))
    bc = vref.shape[1] == 1
    for s in range(S):
        q = vpos[s]
        h = holder[s]
        p = pre[s]
        j = issuer[s]
        for t in range(k):
            w = w0[s, t]
            if ps[s]:
                w = w * (p + (1.0 - p) * r[h, t])
            if q >= 0:
                ref = vref[s, 0] if bc else vref[s, t]
                f = _minimum(vpaid[q, t] / ref, 1.0) if ref > 0 else 1.0
                w = w * f
            out[s, t] = w * V[j, t]
    return out


@njit(cache=True, nogil=True)
def year_claims(amount, wt, df, paying, interest, debt, pos_p, left_t, beyond
                ):  # pragma: no cover - compiled
    """A year's claims and their accelerated copy in one pass (see
    :func:`dealloop.mapping.fused.year_claims`)."""
    m, k = amount.shape
    A = np.empty((m, k))
    Acc = np.empty((m, k))
    for i in range(m):
        w = wt[i]
        for j in range(k):
            x = amount[i, j] * w
            if df != 1.0:
                x = x * df
            A[i, j] = x
            Acc[i, j] = x
    for q in range(len(paying)):
        c = paying[q]
        for j in range(k):
            x = A[c, j] + interest[q, j]
            A[c, j] = x
            Acc[c, j] = x
    nd = len(debt)
    int_d = np.zeros((nd, k))
    for q in range(len(pos_p)):
        int_d[pos_p[q]] = interest[q]
    for q in range(nd):
        c = debt[q]
        for j in range(k):
            Acc[c, j] = _maximum(A[c, j], (left_t[q, j] + beyond[q, j] * df) + int_d[q, j])
    return A, Acc


@njit(cache=True, nogil=True)
def claims_owed_paid(A, r, debtor, kind, pos, owed_rows, pool_rows, sec_rows, has_sec,
                     owed_b, ratio):  # pragma: no cover - compiled
    """What each claim asks and gets at the end of a round (see
    :func:`dealloop.mapping.fused.claims_owed_paid`); ``kind`` per claim: 0 as asked, 1 a
    defaulter's claim (row ``pos`` of ``owed_rows``), 2 a backstop (row ``pos`` of
    ``owed_b``), 3 new money paid as raised (row ``pos`` of ``ratio``), 4 new money not
    raised."""
    m, k = A.shape
    owed = np.empty((m, k))
    paid = np.empty((m, k))
    for c in range(m):
        kd = kind[c]
        q = pos[c]
        d = debtor[c]
        for t in range(k):
            if kd == 1:
                o = owed_rows[q, t]
                p = sec_rows[q, t] + r[d, t] * pool_rows[q, t] if has_sec else r[d, t] * o
            elif kd == 2:
                o = owed_b[q, t]
                p = r[d, t] * o
            else:
                o = A[c, t]
                if kd == 3:
                    p = o * ratio[q, t]
                elif kd == 4:
                    p = 0.0
                else:
                    p = r[d, t] * o
            owed[c, t] = o
            paid[c, t] = p
    return owed, paid


@njit(cache=True, nogil=True)
def worth(e, rec_other, raised, stk, pbar):  # pragma: no cover - compiled
    """``rec = rec_other + raised``, ``nw = e + rec + stk - pbar`` and ``max(nw, 0)``."""
    m, k = e.shape
    rec = np.empty((m, k))
    nw = np.empty((m, k))
    eq = np.empty((m, k))
    for i in range(m):
        for t in range(k):
            x = rec_other[i, t] + raised[i, t]
            w = ((e[i, t] + x) + stk[i, t]) - pbar[i, t]
            rec[i, t] = x
            nw[i, t] = w
            eq[i, t] = _maximum(w, 0.0)
    return rec, nw, eq


@njit(cache=True, nogil=True)
def year_dues(A, Acc, carry, carried, prev_owed, prev_paid, plan_pos, plan_firm, defaulted,
              budget, room, room_firm):  # pragma: no cover - compiled
    """A year's dues in one pass (see :func:`dealloop.mapping.fused.year_dues`);
    ``plan_pos``/``plan_firm`` per claim: its row in ``caps`` (-1: not a plan claim) and
    the firm its new money goes to (-1: none of ``plan_in``)."""
    m, k = A.shape
    A2 = np.empty((m, k))
    Acc2 = np.empty((m, k))
    P = 0
    for c in range(m):
        if plan_pos[c] >= 0:
            P += 1
    caps = np.empty((P if budget else 0, k))
    for c in range(m):
        pp = plan_pos[c]
        f = plan_firm[c]
        for t in range(k):
            a = A[c, t]
            acc = Acc[c, t]
            if carry:
                if carried[c, t]:
                    lu = prev_owed[c, t] - prev_paid[c, t]
                    a = lu
                    acc = lu
                if f >= 0 and defaulted[f, t]:
                    a = 0.0
                    acc = 0.0
            if budget:
                if pp >= 0:
                    caps[pp, t] = a
                    a = a + room[room_firm[c], t]
                acc = _maximum(acc, a)
            A2[c, t] = a
            Acc2[c, t] = acc
    return A2, Acc2, caps


@njit(cache=True, nogil=True)
def plus_times(base, indptr, indices, data, X, minus):  # pragma: no cover - compiled
    """``base + M @ X`` (``base - M @ X`` with ``minus``): each row's product summed as
    :func:`csr_times`, then added to (subtracted from) ``base``."""
    nrow, k = base.shape
    out = np.empty((nrow, k))
    for i in range(nrow):
        y = out[i]
        _row_times(y, indptr, indices, data, X, i)
        b = base[i]
        if minus:
            for t in range(k):
                y[t] = b[t] - y[t]
        else:
            for t in range(k):
                y[t] = b[t] + y[t]
    return out


@njit(cache=True, nogil=True, inline="always")
def _at(a, i, t):  # pragma: no cover - compiled
    """``a[i, t]`` with a single column broadcast over ``t``."""
    return a[i, 0] if a.shape[1] == 1 else a[i, t]


@njit(cache=True, nogil=True)
def chain(first, terms, signs, m, k):  # pragma: no cover - compiled
    """``first`` plus or minus (``signs``) each of ``terms`` in order, element by element,
    each operand ``(m, K)`` or ``(m, 1)`` (broadcast)."""
    out = np.empty((m, k))
    for i in range(m):
        for t in range(k):
            x = _at(first, i, t)
            for j in range(len(terms)):
                y = _at(terms[j], i, t)
                x = x - y if signs[j] else x + y
            out[i, t] = x
    return out


@njit(cache=True, nogil=True)
def sales(ip1, ix1, d1, ip2, ix2, d2, owed, paid, rows, nrow):  # pragma: no cover
    """``M1 @ owed[rows] - M2 @ (owed[rows] - paid[rows])`` without the rows' copies: each
    product summed as :func:`csr_times`, then the difference."""
    k = owed.shape[1]
    out = np.empty((nrow, k))
    y = np.empty(k)
    for i in range(nrow):
        x = out[i]
        x[:] = 0.0
        for jj in range(ip1[i], ip1[i + 1]):
            a = d1[jj]
            c = rows[ix1[jj]]
            for t in range(k):
                x[t] += a * owed[c, t]
        y[:] = 0.0
        for jj in range(ip2[i], ip2[i + 1]):
            a = d2[jj]
            c = rows[ix2[jj]]
            for t in range(k):
                y[t] += a * (owed[c, t] - paid[c, t])
        for t in range(k):
            x[t] = x[t] - y[t]
    return out


@njit(cache=True, nogil=True)
def cash_left(out, D, e, rec, pay):  # pragma: no cover - compiled
    """Into ``out``: 0 where ``D``, else ``max(e + rec - pay, 0)``."""
    m, k = e.shape
    for i in range(m):
        for t in range(k):
            out[i, t] = 0.0 if D[i, t] else _maximum((e[i, t] + rec[i, t]) - pay[i, t], 0.0)
