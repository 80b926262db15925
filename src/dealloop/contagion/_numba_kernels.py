"""numba kernels; imported only through :mod:`dealloop.contagion._kernels`.

Importing this module requires numba. Each kernel mirrors a numpy code path in the model
modules; see the docstrings there for the mathematics.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, nogil=True)
def _incoming(indptr, indices, data, colsum, r, out):
    n = colsum.shape[0]
    for i in range(n):
        out[i] = colsum[i]
    for j in range(n):
        short = 1.0 - r[j]
        if short != 0.0:
            for q in range(indptr[j], indptr[j + 1]):
                out[indices[q]] -= data[q] * short


@njit(cache=True, parallel=True)
def picard_batch(
    indptr,
    indices,
    data,
    pbar,
    colsum,
    e,
    a,
    threshold,
    beta,
    limit,
    max_iter,
    r,
    incoming,
    waves,
    iterations,
    residual,
):
    k_total, n = e.shape
    converged = np.zeros(k_total, dtype=np.bool_)
    for k in prange(k_total):
        rk = r[k]
        inc = incoming[k]
        _incoming(indptr, indices, data, colsum, rk, inc)
        for _ in range(max_iter):
            step = 0.0
            for i in range(n):
                value = e[k, i] + inc[i]
                new = 1.0
                if value < threshold[k, i]:
                    if waves[k, i] == 0:
                        waves[k, i] = iterations[k] + 1
                    if pbar[i] > 0.0:
                        new = (a[k, i] + beta * inc[i]) / pbar[i]
                        new = min(max(new, 0.0), 1.0)
                change = abs(new - rk[i]) * pbar[i]
                if change > step:
                    step = change
                rk[i] = new
            iterations[k] += 1
            residual[k] = step
            _incoming(indptr, indices, data, colsum, rk, inc)
            if step <= limit:
                converged[k] = True
                break
    return converged.all()


@njit(cache=True, parallel=True)
def debtrank_linear_batch(
    indptr,
    indices,
    data,
    h0,
    tol,
    max_iter,
    h,
    iterations,
    residual,
):
    """h(t+1) = min(1, h(t) + Lam (h(t) - h(t-1))), Lam in CSR (row = creditor).

    Rows already at h = 1 cannot move and are skipped.
    """
    k_total, n = h0.shape
    converged = np.zeros(k_total, dtype=np.bool_)
    for k in prange(k_total):
        hk = h[k]
        delta = np.empty(n)
        nxt = np.empty(n)
        for i in range(n):
            hk[i] = h0[k, i]
            delta[i] = h0[k, i]
        for it in range(max_iter):
            for i in range(n):
                if hk[i] >= 1.0:
                    nxt[i] = hk[i]
                    continue
                acc = 0.0
                for q in range(indptr[i], indptr[i + 1]):
                    acc += data[q] * delta[indices[q]]
                nxt[i] = min(hk[i] + acc, 1.0)
            step = 0.0
            for i in range(n):
                d = nxt[i] - hk[i]
                delta[i] = d
                hk[i] = nxt[i]
                if d > step:
                    step = d
            iterations[k] = it + 1
            residual[k] = step
            if step <= tol:
                converged[k] = True
                break
    return converged.all()
