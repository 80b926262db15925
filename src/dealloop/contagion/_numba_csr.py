"""numba kernels of one scenario's pull form that read the CSR itself, not its transpose
(see :func:`._numba_fda._fda_pull`'s ``transposed``); imported only through
:mod:`dealloop.contagion._kernels`, like :mod:`._numba_kernels`, whose helpers they use.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._numba_kernels import ROW_PAD, _close_enough, _contraction, _incoming, _padded_rows


@njit(cache=True, nogil=True)
def _greatest_push(
    ip, ix, data, pbar, colsum, e, a, threshold, beta, limit, noise, max_sweeps, r, inc,
):  # fmt: skip
    """:func:`._numba_fda._greatest` in push form, from the CSR ``ip, ix, data`` (no
    transpose): the same Gauss--Seidel sweeps (each firm pays from the incoming payments of
    its debtors' latest fractions), with each firm's decrease pushed at once to its
    creditors' ``inc``. On return ``inc`` holds the incoming payments at ``r`` (sums updated
    in place: exact up to rounding), not above them; the error bound is
    :func:`._numba_fda._greatest`'s."""
    n = pbar.shape[0]
    _incoming(ip, ix, data, colsum, r, inc)
    prev = np.inf
    q_last = 1.0
    q_est = 1.0
    for _ in range(max_sweeps):
        step = 0.0
        stepf = 0.0
        for i in range(n):
            if pbar[i] <= 0.0:
                continue
            x = inc[i]
            y = max((a[i] + beta * x) / pbar[i], 0.0)
            old = r[i]
            ri = min(y if e[i] + x < threshold[i] else 1.0, old)
            delta = old - ri
            if delta > 0.0:
                r[i] = ri
                stepf = max(stepf, delta)
                step = max(step, delta * pbar[i])
                for q in range(ip[i], ip[i + 1]):
                    inc[ix[q]] -= data[q] * delta
        q_est, q_last = _contraction(step, prev, q_est, q_last)
        prev = step
        if _close_enough(step, q_est, limit, noise):
            q = min(q_est, 0.5) if step <= noise else q_est
            return stepf + stepf * q / (1.0 - q), True
    return np.inf, False


@njit(cache=True, nogil=True)
def _restrict_csr(ip, ix, data, keep):
    """:func:`._numba_kernels._restrict` of the transpose of the CSR ``ip, ix, data``, made
    from the CSR itself: the same arrays, bit for bit, with no transpose of the whole matrix.

    A count of the kept entries per kept row, then a scatter of the kept entries only,
    debtors in increasing order (as in the transpose's rows); the padding is written first.
    """
    n = keep.shape[0]
    count = np.zeros(n, dtype=ip.dtype)
    for j in range(n):
        if keep[j]:
            for q in range(ip[j], ip[j + 1]):
                i = ix[q]
                count[i] += keep[i] & ((i != j) | (data[q] != 0.0))
    sp, si, sd = _padded_rows(count, ROW_PAD, ix, data)  # rows not kept: no entries
    at = sp[:-1].copy()
    for j in range(n):
        if keep[j]:
            for q in range(ip[j], ip[j + 1]):
                i = ix[q]
                v = data[q]
                if keep[i] and (i != j or v != 0.0):
                    dst = at[i]
                    si[dst] = j
                    sd[dst] = v
                    at[i] = dst + 1
    return sp, si, sd
