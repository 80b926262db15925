"""Reported debt beyond the legs, sized again for a draw's legs.

:func:`.sheets.build` gives a firm that reports its total debt (``debt_usd_bn``,
``mapping.reported_debt``) one more principal claim owed to outside lenders, ``debt:FIRM``:
the reported figure minus the debt legs counted in the run and drawn by the figure's date,
at least 0. A stress run with a leg excluded (``legs.exclude``) or its amount set
(``legs.amounts``) sizes that claim again, so the firm's total debt stays the reported one
as long as its legs do not pass it. A Monte Carlo draw and a leg removed by
``dealloop stress --rank-legs`` (:func:`dealloop.scenarios.sensitivity`) change the legs
through deal multipliers instead; :func:`drawn_debt` sets the multiplier of each
``debt:FIRM`` claim to what that stress run gives it.

A firm whose legs cover its reported figure has a ``debt:FIRM`` claim of the whole figure
that the run does not count (``base`` 0); a draw or removal with less of its legs counts
the part of the figure they no longer cover, as the stress run does.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

__all__ = ["DebtBeyond", "debt_beyond_parts", "drawn_debt"]


class DebtBeyond(NamedTuple):
    """The claims of reported debt beyond the legs, one per firm that has one (``F``).

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> one = DebtBeyond(np.array([2]), np.array([5.0]), np.array([1.0]),
    ...                  sp.csr_array(np.array([[4.0, 0.0, 0.0]])))
    >>> M = np.array([[0.5], [1.0], [1.0]])       # the firm's leg at half: 2 of its 4
    >>> drawn_debt(one, np.ones(3), M)[2].tolist()  # 5 - 2 beyond the legs, was 1
    [3.0]
    """

    rows: np.ndarray
    """``(F,)``: the deal index of each ``debt:FIRM`` claim."""
    reported: np.ndarray
    """``(F,)``: the firm's reported debt."""
    was: np.ndarray
    """``(F,)``: the claim's amount (its ``accel``): the debt beyond the legs in the run,
    or the whole figure when the legs cover it (the claim is then not counted)."""
    legs: sp.csr_array
    """``(F, D)``: the amounts of the firm's debt legs drawn by the figure's date, counted
    in the run or not."""


def debt_beyond_parts(bs: Any, deal_index: dict[str, int]) -> DebtBeyond:
    """The claims of reported debt beyond the legs of balance sheets ``bs`` and the legs
    they are sized from (:attr:`.sheets.BalanceSheets.debt_beyond`).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> parts = debt_beyond_parts(comp.bs, comp.deal_index)
    >>> f = [comp.deal_ids[r] for r in parts.rows].index("debt:coreweave")
    >>> print(f"{parts.reported[f]:.2f} = {parts.was[f]:.3f} beyond "
    ...       f"{(parts.legs @ comp.base_mult)[f]:.3f} of legs")
    21.40 = 6.233 beyond 15.167 of legs
    """
    value = bs.deals["value"].to_numpy(float)
    accel = dict(zip(bs.claims["deal"], bs.claims["accel"], strict=True))
    rows: list[int] = []
    reported: list[float] = []
    was: list[float] = []
    r: list[int] = []
    c: list[int] = []
    for firm, (debt, legs) in getattr(bs, "debt_beyond", {}).items():
        did = f"debt:{firm}"
        cols = [deal_index[d] for d in legs if d in deal_index]
        if did not in deal_index or not cols or not accel[did] > 0:
            continue  # no debt reported beyond the legs, whichever legs a draw has
        r.extend([len(rows)] * len(cols))
        c.extend(cols)
        rows.append(deal_index[did])
        reported.append(float(debt))
        was.append(float(accel[did]))
    cols_a = np.array(c, int)
    legs_m = sp.csr_array((value[cols_a], (np.array(r, int), cols_a)),
                          shape=(len(rows), len(value)))
    return DebtBeyond(np.array(rows, int), np.array(reported, float), np.array(was, float),
                      legs_m)


def drawn_debt(parts: DebtBeyond, base_mult: np.ndarray, M: np.ndarray, *,
               copy: bool = True) -> np.ndarray:
    """Deal multipliers ``M`` ``(D, K)`` with each ``debt:FIRM`` claim sized again for the
    draw's debt legs: the reported debt minus the legs drawn by the figure's date (at least
    0) over the claim's amount (times its multiplier; 1 when the run does not count it, the
    legs covering the figure), in the draws that move one of those legs (``copy=False``:
    in place); ``base_mult``: the run's multipliers. Removing a leg of a firm that reports its debt
    therefore keeps the firm's total debt, and a leg drawn above its amount adds debt only
    beyond the reported figure, as the stress run with those amounts does.

    Examples
    --------
    CoreWeave without D94a (6.73 of its reported 21.4): the debt beyond the legs grows from
    6.233 to 12.963, and the total stays 21.4.

    >>> import numpy as np
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> parts = debt_beyond_parts(comp.bs, comp.deal_index)
    >>> M = np.repeat(comp.base_mult[:, None], 2, axis=1)
    >>> M[comp.deal_index["D94a"], 1] = 0.0
    >>> out = drawn_debt(parts, comp.base_mult, M)
    >>> row = comp.deal_index["debt:coreweave"]
    >>> print(np.round(out[row] * 6.233, 3))
    [ 6.233 12.963]
    """
    if not len(parts.rows):
        return M
    cols = np.unique(parts.legs.indices)   # the legs' rows of M only (a few)
    legs = parts.legs[:, cols]
    Ml = M[cols]
    moved = np.asarray((legs != 0).astype(float)
                       @ (Ml != base_mult[cols, None]).astype(float)) > 0
    if not moved.any():
        return M
    M = np.array(M, float, copy=True) if copy else M
    now = np.maximum(parts.reported[:, None] - np.asarray(legs @ Ml), 0.0)
    rows = parts.rows
    scale = np.where(base_mult[rows, None] > 0, M[rows], 1.0)
    M[rows] = np.where(moved, scale * now / parts.was[:, None], M[rows])
    return M
