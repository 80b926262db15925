"""Vehicles (kind ``spv``) on their own assets: the terms their sponsors do not disclose.

A data-centre or GPU vehicle stands on the income of its lease and the collateral of its
debt (:mod:`.collateral`). The dataset often names the lease and the sponsor's residual
value guarantee without an amount (the Hyperion lease D83a and guarantee D83b, the xAI GPU
lease D75c). With ``mapping.vehicle_terms: debt_service`` (default) such a leg is sized
from the vehicle's own debt, and flagged as assumed:

* a lease or purchase leg *into* a vehicle with no amount pays its debt service over the
  lease's term (a lease with no reported end: the term the horizon share assumes,
  :data:`dealloop.network.DEFAULT_TERM_YEARS`, 15 years, said in the flag): each counted
  debt leg's principal x its rate x the years the lease and the debt overlap, plus the
  principal falling due before the lease ends (the rent a lender would underwrite);
* a backstop (residual value guarantee) *to* a vehicle with no amount is capped at the
  vehicle's debt principal (what the guarantee stands behind).

``legs.amounts`` still sets either; ``vehicle_terms: none`` leaves them out as before.

A vehicle's sponsors put equity in front of its lenders (:func:`sponsor_equity`,
``mapping.vehicle_equity``): the equity legs into it with an amount (Blue Owl's $7B for 80%
of Hyperion, D81a; Crusoe and Blue Owl's ~$5B in Abilene, D06a), else an amount the
scenario sets. It is the vehicle's equity before a run and part of what its collateral is
worth (:mod:`.collateral`): the sponsors lose first, the lenders what the equity does not
absorb. What the sponsors lose is split among them by what each put in
(:func:`sponsor_legs`): an outside sponsor's part enters the holders layer
(:mod:`dealloop.holders.exposures`), an inside sponsor's is written off its book
(:func:`dealloop.scenarios.buffer.equity_paths`).

Examples
--------
>>> lease = {"id": "R", "payer": "t", "payee": "v", "kind": "compute_contract",
...          "start": dt.date(2026, 1, 1), "end": dt.date(2029, 12, 31)}
>>> bond = {"id": "B", "payer": "bondholders", "payee": "v", "kind": "bond", "value": 10.0,
...         "start": dt.date(2025, 1, 1), "end": dt.date(2040, 12, 31)}
>>> round(rent(lease, [bond], {"B": 0.05}, 0.06), 3)  # 10 x 5% x 4 years
2.0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ..vocabulary import CONTINGENT_KINDS, DAYS_PER_YEAR, DEBT_KINDS
from .values import per_entity

__all__ = ["assumed_terms", "rent", "sponsor_equity", "sponsor_legs", "sponsors_of"]

_INCOME_KINDS = ("lease", "compute_contract", "revenue_share", "other", "chip_purchase")


def _years(a: dt.date, b: dt.date) -> float:
    return max(0.0, ((b - a).days + 1) / DAYS_PER_YEAR)


def rent(lease: Mapping[str, Any], debts: Sequence[Mapping[str, Any]], rates: Mapping[str, float],
         default_rate: float) -> float:
    """The rent over a lease's term that services the vehicle's debt ``debts``: interest at
    each debt's rate (``rates``, else ``default_rate``) for the years the lease and the debt
    overlap, plus the principal of each debt falling due before the lease ends (USD bn).

    Examples
    --------
    >>> lease = {"start": dt.date(2026, 1, 1), "end": dt.date(2030, 12, 31)}
    >>> bond = {"id": "B1", "value": 10.0, "start": lease["start"], "end": lease["end"]}
    >>> round(rent(lease, [bond], {"B1": 0.05}, default_rate=0.06), 2)   # 5 y x 0.5 + 10
    12.5
    """
    start, end = lease["start"], lease["end"]
    total = 0.0
    for d in debts:
        d_start = d["start"] if isinstance(d["start"], dt.date) else start
        d_end = d["end"] if isinstance(d["end"], dt.date) else dt.date.max
        total += d["value"] * rates.get(d["id"], default_rate) * _years(
            max(start, d_start), min(end, d_end))
        if d_end <= end:
            total += d["value"]
    return total


def assumed_terms(records: list[dict[str, Any]], kinds: Mapping[str, str], m: Any,
                  default_rate: float, counted: Any) -> dict[str, tuple[float, str]]:
    """The amounts ``mapping.vehicle_terms`` assumes for legs of vehicles with no amount
    (see the module docstring): ``{leg id: (whole-term amount, how)}``. ``records`` are the
    candidate legs (``id, payer, payee, kind, value, start, end``), ``counted(record)`` says
    whether the base run counts a leg; a debt's rate is its ``mapping.debt_rates``, else the
    vehicle's ``interest_rate``, else ``default_rate``.

    Examples
    --------
    >>> from dealloop.scenarios import loads
    >>> m = loads("name: x\\nquestion: q").mapping   # vehicle_terms: debt_service
    >>> day = dt.date
    >>> legs = [{"id": "L", "payer": "tenant", "payee": "v", "kind": "compute_contract",
    ...          "value": float("nan"), "start": day(2026, 1, 1), "end": day(2030, 12, 31)},
    ...         {"id": "B", "payer": "bank", "payee": "v", "kind": "loan", "value": 10.0,
    ...          "start": day(2026, 1, 1), "end": day(2030, 12, 31)}]
    >>> out = assumed_terms(legs, {"v": "spv"}, m, 0.05, counted=lambda r: True)
    >>> round(out["L"][0], 2), out["L"][1]
    (12.5, 'rent assumed: the debt service of v (B) over the lease')
    """
    if m.vehicle_terms != "debt_service":
        return {}
    debts: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        if r["kind"] in DEBT_KINDS and kinds.get(r["payee"]) == "spv" and counted(r) \
                and r["value"] == r["value"] and r["value"] > 0:
            debts.setdefault(r["payee"], []).append(r)
    out: dict[str, tuple[float, str]] = {}
    for r in records:
        v = r["payee"]
        if v not in debts or (r["value"] == r["value"] and r["value"] is not None):
            continue
        ids = ", ".join(d["id"] for d in debts[v])
        if r["kind"] in CONTINGENT_KINDS:
            out[r["id"]] = (sum(d["value"] for d in debts[v]),
                            f"cap assumed: {v}'s debt ({ids})")
        elif r["kind"] in _INCOME_KINDS and isinstance(r["start"], dt.date) \
                and isinstance(r["end"], dt.date):
            rate = per_entity(m.interest_rate, v, default_rate)
            term = (f" (term assumed: {r['start']:%Y-%m} to {r['end']:%Y-%m})"
                    if r.get("term_assumed") else "")
            out[r["id"]] = (rent(r, debts[v], m.debt_rates, rate),
                            f"rent assumed: the debt service of {v} ({ids}) over the "
                            f"lease{term}")
    return out


def sponsor_equity(records: Sequence[Mapping[str, Any]], kinds: Mapping[str, str], m: Any
                   ) -> dict[str, tuple[float, tuple[str, ...], str]]:
    """Each vehicle's sponsor equity under ``mapping.vehicle_equity``: ``{vehicle: (USD bn,
    deal ids, how)}`` for vehicles with equity (see the module docstring). ``records`` are
    the legs counted in the base run (``id, payee, kind, value, base``).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> legs = [{"id": "E1", "payee": "v", "kind": "equity_investment", "value": 5.0,
    ...          "base": 1.0},
    ...         {"id": "E2", "payee": "v", "kind": "equity_investment", "value": float("nan"),
    ...          "base": 1.0},
    ...         {"id": "B1", "payee": "v", "kind": "bond", "value": 20.0, "base": 1.0}]
    >>> sponsor_equity(legs, {"v": "spv"}, NS(vehicle_equity="legs"))
    {'v': (5.0, ('E1',), 'equity legs E1 (E2 without an amount, not counted)')}
    >>> sponsor_equity(legs, {"v": "spv"}, NS(vehicle_equity="none"))
    {}
    >>> sponsor_equity(legs, {"v": "spv"}, NS(vehicle_equity={"v": 2.5}))["v"][2]
    'assumed: mapping.vehicle_equity'
    """
    rule = m.vehicle_equity
    if rule == "none":
        return {}
    sized: dict[str, list[str]] = {}
    bare: dict[str, list[str]] = {}
    total: dict[str, float] = {}
    for r in records:
        v = r["payee"]
        if r["kind"] != "equity_investment" or kinds.get(v) != "spv" or not r["base"]:
            continue
        value = r["value"]
        if value is not None and value == value and value > 0:
            sized.setdefault(v, []).append(str(r["id"]))
            total[v] = total.get(v, 0.0) + float(value)
        else:
            bare.setdefault(v, []).append(str(r["id"]))
    out: dict[str, tuple[float, tuple[str, ...], str]] = {}
    for v, ids in sized.items():
        left = bare.get(v, [])
        how = f"equity legs {', '.join(ids)}" + (
            f" ({', '.join(left)} without an amount, not counted)" if left else "")
        out[v] = (total[v], tuple(ids), how)
    if isinstance(rule, Mapping):
        for v, kind in kinds.items():
            if kind != "spv":
                continue
            amount = rule.get(v, rule.get("default"))
            if amount is not None:
                out[v] = (float(amount), (), "assumed: mapping.vehicle_equity")
        out = {v: x for v, x in out.items() if x[0] > 0}
    return out


def sponsor_legs(frame: Any, deals: Any) -> dict[str, tuple[tuple[str, str, float], ...]]:
    """Who bears each vehicle's sponsor equity, by what each put in: ``{vehicle: ((deal id,
    sponsor, share), ...)}`` for the vehicles whose loss buffer is their sponsors' equity
    (``equity_basis`` ``sponsor`` in the balance sheets' ``frame``), the shares adding up to 1.

    The legs are those behind the vehicle's sponsor equity (its ``book_equity_figures``, the
    equity legs :func:`sponsor_equity` counted), each weighted by its amount; when the amount
    is assumed (``mapping.vehicle_equity: {vehicle: USD bn}``) the vehicle's equity legs with
    an amount counted in the run, and none when it has no such leg (its sponsors are not
    named: an empty tuple). ``deals`` are the legs of the balance sheets (``id, payer, payee,
    kind, value, base``).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"equity_basis": ["sponsor", "book"],
    ...                       "book_equity_figures": [("E1", "E2"), ("F1",)]}, index=["v", "a"])
    >>> deals = pd.DataFrame({"id": ["E1", "E2", "E3"], "payer": ["owl", "a", "b"],
    ...                       "payee": ["v", "v", "v"], "kind": ["equity_investment"] * 3,
    ...                       "value": [6.0, 2.0, float("nan")], "base": [1.0, 1.0, 1.0]})
    >>> sponsor_legs(frame, deals)
    {'v': (('E1', 'owl', 0.75), ('E2', 'a', 0.25))}
    """
    if "equity_basis" not in frame or deals is None or not len(deals):
        return {}
    spv = frame.index[frame["equity_basis"].to_numpy() == "sponsor"]
    if not len(spv):
        return {}
    eq = deals[(deals["kind"] == "equity_investment") & deals["payee"].isin(spv)]
    out: dict[str, tuple[tuple[str, str, float], ...]] = {}
    for v in spv:
        ids = set(frame.at[v, "book_equity_figures"] or ())
        legs = eq[eq["payee"] == v]
        legs = legs[legs["id"].isin(ids)] if ids else legs[legs["base"] > 0]
        sized = [(str(r.id), str(r.payer), float(r.value)) for r in legs.itertuples(index=False)
                 if r.value == r.value and r.value is not None and r.value > 0]
        total = sum(x[2] for x in sized)
        out[str(v)] = tuple((d, p, a / total) for d, p, a in sized) if total > 0 else ()
    return out


def sponsors_of(bs: Any) -> dict[str, tuple[tuple[str, str, float], ...]]:
    """:func:`sponsor_legs` of balance sheets ``bs``: their cached ``sponsors`` (a
    :class:`~dealloop.mapping.sheets.BalanceSheets`), else built from their ``frame`` and
    ``deals`` (empty without deals).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace as NS
    >>> sponsors_of(NS(frame=pd.DataFrame({"equity_basis": ["sponsor"]}, index=["v"])))
    {}
    """
    if hasattr(bs, "sponsors"):
        return bs.sponsors
    return sponsor_legs(bs.frame, getattr(bs, "deals", None))
