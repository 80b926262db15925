"""Helpers of :mod:`._round`: the engine's inputs checked, sparse maps fixed per structure
(kept in its cache), and the operating result a value multiple applies to."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..mapping.arrays import PURCHASE, Inputs, Structure
from ..mapping.fused import bounds
from ..mapping.fused_years import sales

__all__ = ["add_rows", "operating", "operating_of"]


def add_rows(out: np.ndarray, idx: np.ndarray, vals: np.ndarray) -> None:
    """``np.add.at(out, idx, vals)`` for rows: row ``vals[j]`` added to ``out[idx[j]]`` in
    the order of ``idx`` (the same sums, in the same order, as ``np.add.at``, which goes
    element by element and is far slower on rows of many draws).

    Examples
    --------
    >>> out = np.zeros((2, 3))
    >>> add_rows(out, np.array([1, 0, 1]), np.arange(9.0).reshape(3, 3))
    >>> out.tolist()
    [[3.0, 4.0, 5.0], [6.0, 8.0, 10.0]]
    """
    for j, i in enumerate(np.asarray(idx).tolist()):
        out[i] += vals[j]


def _checked(inputs: Inputs, n: int, c: int, k: int) -> tuple[np.ndarray, ...]:
    A = np.asarray(inputs.amount, float)
    Acc = np.asarray(inputs.accel, float)
    e = np.asarray(inputs.e, float)
    if A.shape != (c, k) or Acc.shape != (c, k) or e.shape != (n, k):
        raise ValueError(f"inputs: expected amount/accel ({c}, {k}) and e ({n}, {k}), got "
                         f"{A.shape}, {Acc.shape}, {e.shape}")
    tops = []
    for name, arr in (("amount", A), ("accel", Acc), ("e", e)):
        lo, hi = bounds(arr)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"inputs: NaN or infinite values in {name}")
        if lo < 0:
            raise ValueError(f"inputs: negative values in {name}")
        tops.append(hi)
    return A, Acc, e, np.array(tops)


def _collateral(inputs: Inputs, c: int, k: int) -> np.ndarray | None:
    """``(C, K)`` collateral pledged to each claim, checked; None when there is none."""
    if inputs.collateral is None:
        return None
    coll = np.asarray(inputs.collateral, float)
    # NaN: a NaN or a bad shape
    lo, hi = bounds(coll) if coll.shape == (c, k) else (math.nan, math.nan)
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo < 0:
        raise ValueError(f"inputs: collateral must be ({c}, {k}), finite, >= 0")
    return coll if hi > 0 else None


def operating(st: Structure, owed: np.ndarray, paid: np.ndarray) -> np.ndarray:
    """``(N, K)``: what each firm's sales to other firms bring it (purchase claims it is the
    supplier of; loss-weighted, as the engine counts them) for claims ``owed`` and ``paid``
    ``(C, K)``: with its outside income, the operating result a value multiple applies to.
    Everything else (costs, equity, loans, debt, backstops, new money) counts dollar for
    dollar: a purchase cancelled or replaced is no lasting saving (the firm loses the
    service), a capital flow is worth its amount.

    Examples
    --------
    >>> from dealloop.mapping.arrays import BACKSTOP
    >>> st = Structure(n=2, debtor=np.array([0, 1]), creditor=np.array([1, 2]),
    ...                channel=np.array([PURCHASE, BACKSTOP], np.int8))
    >>> operating(st, np.array([[4.0], [1.0]]), np.array([[3.0], [1.0]]))[:, 0].tolist()
    [0.0, 3.0]
    """
    rows, cred, credw = _fixed(st, "operating", lambda: (
        np.flatnonzero(st.channel == PURCHASE),
        st.creditor_map[:, np.flatnonzero(st.channel == PURCHASE)],
        st.creditor_loss_map[:, np.flatnonzero(st.channel == PURCHASE)]))
    return sales(cred, credw, np.asarray(owed), np.asarray(paid), rows)


def operating_of(st: Structure, out: Any) -> np.ndarray:
    """:func:`operating` of an outcome's ``owed`` and ``paid``, computed once per outcome
    (kept on it: an outcome's arrays are not written after it is made; not to be written)."""
    memo = getattr(out, "_operating", None)
    if memo is not None and memo[0] is st:
        return memo[1]
    val = operating(st, out.owed, out.paid)
    object.__setattr__(out, "_operating", (st, val))  # frozen dataclass: a cache only
    return val


def _fixed(st: Structure, key: Any, make: Any) -> Any:
    """What ``make()`` builds from the structure alone (sparse maps every call of the
    engine uses), built once and kept in the structure's cache."""
    cache = st.slice_cache
    full = ("fixed", key)
    if full not in cache:
        if len(cache) > 256:
            cache.clear()
        cache[full] = make()
    return cache[full]


def _without(m: sp.csr_array | None, cols: np.ndarray) -> sp.csr_array | None:
    """``m`` with the entries of columns ``cols`` dropped, the other entries of each row
    kept in their order (a product with it adds the same terms in the same order as ``m``
    times a matrix whose rows ``cols`` are 0)."""
    if m is None:
        return None
    out = sp.csr_array(m, copy=True)
    out.data[np.isin(out.indices, cols)] = 0.0
    out.eliminate_zeros()
    return out
