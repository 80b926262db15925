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
