"""numba kernels of one Gauss--Seidel sweep of the clearing map, for the fictitious-default
rounds of :mod:`._numba_fda`: a firm's incoming payments pulled from its debtors
(:func:`_pull`, :func:`_pull_all`), the marks of firms whose debtors pay less than in full
(:func:`_touch`), the monotone sweep from above (:func:`_sweep`) and the free sweep of the
Anderson finish (:func:`_sweep_free`).
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True)
def _pull(tp, ti, td, colsum, r, i):
    """Incoming payments of firm ``i`` from the transposed CSR: ``colsum_i - sum L[j, i](1 - r_j)``.

    A gather over the firm's debtors with no branch (a debtor paying in full adds an exact
    zero). The index arrays are unsigned (see ``_kernels.unsigned``): numba then drops the
    negative-index test from every read, which makes the gather a third faster.
    """
    acc = 0.0
    for q in range(tp[i], tp[i + 1]):
        acc += td[q] * (1.0 - r[ti[q]])
    return colsum[i] - acc


@njit(cache=True, nogil=True)
def _touch(ip, ix, touched, i):
    """Mark the creditors of firm ``i``: their incoming payments can now differ from their
    column sums."""
    for q in range(ip[i], ip[i + 1]):
        touched[ix[q]] = 1


@njit(cache=True, nogil=True)
def _sweep(tp, ti, td, ip, ix, pbar, colsum, e, a, threshold, beta, rows, n_rows, test, r,
           touched, inc):  # fmt: skip
    """One monotone Gauss--Seidel sweep over ``rows[:n_rows]`` (firms with debts), in place.

    Each firm pulls what it receives (:func:`_pull`, or its column sum if unmarked, see
    :func:`_touch`), stores it in ``inc`` and pays ``clip((a + beta * inc) / pbar, 0, 1)``
    if it defaults (always when ``test`` is false: the rounds' default set is given), in
    full otherwise, but never more than before (sweeps from above only descend). A firm
    that first pays less than in full marks its creditors. Returns ``(step, stepf)``: the
    largest decrease in money and in fraction paid.
    """
    step = 0.0
    stepf = 0.0
    for t in range(n_rows):
        i = rows[t]
        x = _pull(tp, ti, td, colsum, r, i) if touched[i] else colsum[i]
        inc[i] = x
        ri = 1.0
        if not test or e[i] + x < threshold[i]:
            ri = max((a[i] + beta * x) / pbar[i], 0.0)
        delta = r[i] - ri
        if delta > 0.0:
            if r[i] == 1.0:
                _touch(ip, ix, touched, i)
            r[i] = ri
            stepf = max(stepf, delta)
            step = max(step, delta * pbar[i])
    return step, stepf


@njit(cache=True, nogil=True)
def _pull_all(tp, ti, td, colsum, r, touched, inc):
    """:func:`_pull` for every firm (the column sum where no debtor pays less than in full)."""
    for i in range(colsum.shape[0]):
        inc[i] = (_pull(tp, ti, td, colsum, r, i) if touched[i] else colsum[i])


@njit(cache=True, nogil=True)
def _sweep_free(tp, ti, td, ip, ix, pbar, colsum, a, beta, rows, n_rows, r, touched, inc):
    """One Gauss--Seidel sweep of a round's map over ``rows[:n_rows]`` (all in default), in
    place and in both directions: each firm pays ``clip((a + beta * incoming) / pbar, 0, 1)``
    of what it pulls (:func:`_pull`), whether that is more or less than before. Returns the
    largest change in money. A firm that first pays less than in full marks its creditors
    (:func:`_touch`)."""
    step = 0.0
    for t in range(n_rows):
        i = rows[t]
        x = _pull(tp, ti, td, colsum, r, i) if touched[i] else colsum[i]
        inc[i] = x
        ri = min(max((a[i] + beta * x) / pbar[i], 0.0), 1.0)
        if ri < 1.0 and r[i] == 1.0:
            _touch(ip, ix, touched, i)
        step = max(step, abs(r[i] - ri) * pbar[i])
        r[i] = ri
    return step
