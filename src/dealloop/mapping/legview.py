"""The layers of a network straight from its legs: ``L``, ``C``, ``F`` and contingent.

======================  ================================  ====================================
layer                   matrix (orientation)              built from
======================  ================================  ====================================
obligations ``L``       ``L[i, j]`` = what i owes j       contract and purchase legs (the part
                                                          due inside the horizon), equity
                                                          committed but not yet paid, and the
                                                          principal of loans (owed by the
                                                          borrower to the lender)
stakes ``C``            ``C[i, j]`` = share of j held     equity legs (investor holds
                        by i                              investee) and warrants (holder holds
                                                          issuer); stake, or amount / post-
                                                          money value when no stake is given
flows ``F``             ``F[i, j]`` = money i → j         every cash leg (and warrants, which
                                                          move value), over the horizon
contingent              ``K[i, j]`` = what i would owe j  capacity backstops, off by default
======================  ================================  ====================================

This is the *leg view*: every entity, every selected leg at its value, no mapping choices.
The balance sheets of a stress run (:mod:`.sheets`) apply the scenario's mapping (rollover,
outside lenders, new money, revenue) and give their own layers with
:meth:`~.sheets.BalanceSheets.to_layers`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data.read import parse_date
from ..network import Selection, money_column
from ..vocabulary import CONTINGENT_KINDS, DEBT_KINDS, DEFAULT_HORIZON, HorizonLike, parse_horizon

__all__ = ["Layers", "layers"]


@dataclass(frozen=True, repr=False)
class Layers:
    """The matrices of one network for one selection and horizon.

    Every matrix is a dense ``(N, N)`` float array indexed by ``index`` (entity ids).
    ``legs`` maps a layer name and an ``(i, j)`` pair of ids to the deal ids behind the entry,
    so each number can be traced to its rows and sources. Layers of balance sheets
    (:meth:`~.compiled.Compiled.to_layers`) also carry the outside assets ``e`` and the dues
    to outside creditors ``external_liabilities`` ``(N,)``, the inputs of
    :func:`~dealloop.contagion.eisenberg_noe`; their ``selection`` is ``None``.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping
    >>> lay = mapping.layers(dl.load())
    >>> L = lay.frame("L")                  # L[i, j] = what i owes j, labelled by firm
    >>> L.shape == (len(lay.index), len(lay.index))
    True
    """

    index: tuple[str, ...]
    L: np.ndarray
    C: np.ndarray
    F: np.ndarray
    contingent: np.ndarray
    legs: dict[str, dict[tuple[str, str], tuple[str, ...]]]
    horizon: tuple[dt.date, dt.date] | None
    selection: Selection | None
    missing_stakes: tuple[str, ...] = field(default=())
    e: np.ndarray | None = None
    external_liabilities: np.ndarray | None = None

    def __repr__(self) -> str:
        span = "" if self.horizon is None else f", {self.horizon[0]} to {self.horizon[1]}"
        return (f"<Layers: {len(self.index):,} firms{span}; L {float(self.L.sum()):,.1f} bn, "
                f"F {float(self.F.sum()):,.1f} bn, {int(np.count_nonzero(self.C))} stakes>")

    def frame(self, layer: str) -> pd.DataFrame:
        """A layer as a labelled DataFrame (rows and columns are entity ids)."""
        return pd.DataFrame(getattr(self, layer), index=list(self.index), columns=list(self.index))


def layers(
    net: Any,
    statuses: Iterable[str] | str | None = None,
    evidence: Iterable[str] | str | None = None,
    include_derived: bool = True,
    *,
    horizon: HorizonLike = DEFAULT_HORIZON,
    selection: Selection | None = None,
) -> Layers:
    """The obligation, stake, flow and contingent matrices of every entity, straight from
    the legs, for a selection and horizon.

    Defaults: firm legs (committed and reported), all evidence, derived legs included,
    horizon 2026–2030. See the module docstring for how each layer is built; for the layers
    of a stress run (rollover, outside lenders, new money) use
    :meth:`~.sheets.BalanceSheets.to_layers`.

    Examples
    --------
    >>> import dealloop as dl
    >>> L = layers(dl.load()).frame("L")   # what each entity owes each other, 2026-2030
    >>> bool(L.loc["openai", "oracle"] > 0)
    True
    """
    sel = selection or Selection.make(statuses, evidence, include_derived)
    legs = net.legs(horizon=horizon, selection=sel)
    index = tuple(net.ids)
    pos = {e: k for k, e in enumerate(index)}
    n = len(index)
    mats = {name: np.zeros((n, n)) for name in ("L", "C", "F", "contingent")}
    trace: dict[str, dict[tuple[str, str], list[str]]] = {m: {} for m in mats}
    cap = dict(zip(net.entities["id"], net.entities["market_cap_usd_bn"], strict=True))
    missing: list[str] = []

    def put(layer: str, i: str, j: str, amount: float, deal: str) -> None:
        if not (amount > 0):
            return
        mats[layer][pos[i], pos[j]] += amount
        trace[layer].setdefault((i, j), []).append(deal)

    legs = legs.assign(money=money_column(legs))  # a leg table without the column: cash flows
    cols = ["id", "payer", "payee", "kind", "value", "value_in_horizon", "stake", "start",
            "announced", "money"]
    t1 = parse_horizon(horizon)[1] if horizon is not None else None
    for deal, payer, payee, kind, value, in_h, stake, start, announced, money in legs[
        cols
    ].itertuples(index=False, name=None):
        if math.isnan(value):
            continue
        if kind in CONTINGENT_KINDS:
            put("contingent", payer, payee, in_h, deal)
            continue
        if money == "non_cash" and kind not in ("equity_investment", "warrant"):
            continue  # e.g. an all-stock merger: no cash owed, no stake in the network
        if kind != "warrant" and money == "cash_flow":  # a stock outstanding is not a flow
            put("F", payer, payee, in_h, deal)
        if kind in DEBT_KINDS:
            began = start if isinstance(start, str) else announced
            if t1 is None or not isinstance(began, str) or parse_date(began) <= t1:
                put("L", payee, payer, value, deal)  # borrower owes the lender principal
        elif kind != "warrant" and money != "non_cash":
            put("L", payer, payee, in_h, deal)
        if kind in ("equity_investment", "warrant"):
            holder, issuer = (payer, payee) if kind == "equity_investment" else (payee, payer)
            frac = stake
            if frac is None or math.isnan(frac):
                post = cap.get(issuer)
                frac = value / post if post and not math.isnan(post) and post > 0 else math.nan
            if math.isnan(frac):
                missing.append(deal)
                continue
            put("C", holder, issuer, min(frac, 1.0), deal)
    legs_map = {m: {k: tuple(v) for k, v in t.items()} for m, t in trace.items()}
    result = Layers(index, mats["L"], mats["C"], mats["F"], mats["contingent"], legs_map,
                    parse_horizon(horizon), sel, tuple(missing))
    return result
