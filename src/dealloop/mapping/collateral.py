"""Debt by class and priority: which debt legs are secured, on what, and what the collateral
fetches in the year its borrower defaults.

Classes of claims
    ``secured`` (a debt leg pledged on collateral), ``unsecured`` (other debt, reported debt
    beyond the legs), ``trade`` (purchases, build-out and replacement capex owed to
    suppliers), ``equity`` (unpaid equity commitments), ``backstop`` and ``new money``. A
    defaulter pays each secured claim from its collateral first, up to what the claim asks;
    the rest of the claim (its deficiency) ranks pari passu with the unsecured and trade
    claims, and collateral worth more than its claim joins the estate
    (:class:`~.arrays.Inputs` ``collateral``).

Which legs are secured
    the legs named in ``mapping.secured`` (``{D94a: gpu}``; ``gpu:POOL`` names a pool), and,
    with ``mapping.secured_vehicles`` (default true), every debt leg of a vehicle (kind
    ``spv``): project finance lends against the vehicle's own assets, its GPUs when it buys
    chips in the data, else its campus.

What the collateral is worth
    at origination (the leg's start, else the horizon's): ``mapping.collateral_value`` of
    the leg, else for a vehicle what it was funded with (its debt legs and its sponsors'
    equity, ``mapping.vehicle_equity``: :func:`.vehicles.sponsor_equity`), else the
    principal over ``mapping.advance_rate`` (flagged as assumed). Legs naming the same pool
    (a borrower's asset class by default) share it pro rata to their principal and are
    flagged as **pledged twice** (unless they are parts of one aggregate leg, a loan split by
    lender). A vehicle's funding is worth once: when ``mapping.secured`` puts its legs in
    several pools, each pool holds its legs' share of it, pro rata to principal.
    In year ``t`` it fetches the value at origination x the asset's residual
    share at its age at mid-year (``mapping.collateral_curves``, linear between whole years,
    the last value held) x ``(1 - collateral_haircut)``.

Examples
--------
>>> residual([1.0, 0.6, 0.4], 1.5), residual([1.0, 0.6, 0.4], 9.0)
(0.5, 0.4)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..vocabulary import DAYS_PER_YEAR, DEBT_KINDS
from .vehicles import funding_basis, funding_pledges, own_funding, sponsor_equity

__all__ = ["COLUMNS", "claim_class", "funding_shared", "pledges", "residual", "secured_on",
           "uncounted_debts", "values_by_year"]

COLUMNS = ("deal", "borrower", "asset", "pool", "principal", "value", "pledged", "basis")

_CLASS = {"purchase": "trade", "capex": "trade", "replacement": "trade", "equity": "equity",
          "funding": "loan to fund", "backstop": "backstop", "plan": "new money"}


def claim_class(channel: str, secured: bool) -> str:
    """The priority class of a claim of channel ``channel``.

    Examples
    --------
    >>> claim_class("principal", True), claim_class("principal", False), claim_class(
    ...     "purchase", False)
    ('secured', 'unsecured', 'trade')
    """
    if channel == "principal":
        return "secured" if secured else "unsecured"
    return _CLASS.get(channel, channel)


def secured_on(deal: str, borrower: str, vehicle: bool, m: Any, chips: set[str] | frozenset[str]
               ) -> tuple[str, str] | None:
    """``(asset, pool)`` a debt leg ``deal`` of ``borrower`` is secured on (see the module
    docstring: ``mapping.secured``, else with ``mapping.secured_vehicles`` a vehicle's GPUs
    when it buys chips in the run, ``chips``, else its campus), or None when it is unsecured.

    Examples
    --------
    >>> from dealloop.scenarios import loads
    >>> m = loads("name: x\\nquestion: q\\nmapping: {secured: {L1: 'gpu:a'}}").mapping
    >>> secured_on("L1", "f", False, m, set()), secured_on("L2", "f", False, m, set())
    (('gpu', 'f:a'), None)
    >>> secured_on("B", "v", True, m, {"v"}), secured_on("B", "v", True, m, set())
    (('gpu', 'v:gpu'), ('campus', 'v:campus'))
    """
    spec = m.secured.get(deal)
    if spec is None and not (m.secured_vehicles and vehicle):
        return None
    if spec is None:
        spec = "gpu" if borrower in chips else "campus"
    asset, _, pool = spec.partition(":")
    return asset, f"{borrower}:{pool or asset}"


def residual(curve: Sequence[float], age: float) -> float:
    """The share of its value at origination an asset keeps at ``age`` years: ``curve[a]``
    at whole years ``a``, linear in between, the last value beyond the curve.

    Examples
    --------
    >>> residual([1.0, 0.5], 0.25)
    0.875
    """
    if age <= 0:
        return float(curve[0])
    a = int(age)
    if a >= len(curve) - 1:
        return float(curve[-1])
    f = age - a
    return float(curve[a] * (1 - f) + curve[a + 1] * f)


def pledges(deal_rows: list[dict[str, Any]], kinds: dict[str, str], m: Any,
            t0: dt.date, notes: list[str]) -> pd.DataFrame:
    """The secured debt legs counted in the base run, one row each (see the module
    docstring): ``deal, borrower, asset, pool, principal, value`` (of the collateral at
    origination, the leg's share of its pool), ``pledged`` (date) and ``basis`` (how the
    value was set). Pools pledged to two legs or more are flagged in ``notes``.

    Examples
    --------
    >>> from dealloop.scenarios import loads
    >>> m = loads("name: x\\nquestion: q\\nmapping: {secured: {L1: gpu, L2: gpu}}").mapping
    >>> rows = [{"id": i, "payer": "bank", "payee": "f", "kind": "loan", "value": v,
    ...          "base": 1.0, "start": None} for i, v in (("L1", 7.0), ("L2", 7.0))]
    >>> notes = []
    >>> p = pledges(rows, {"f": "neocloud"}, m, dt.date(2026, 1, 1), notes)
    >>> p["value"].round(2).tolist(), "pledged twice" in notes[0]
    ([10.0, 10.0], True)
    >>> rows[0]["parts"] = ("L2",)   # L2 is part of L1: one loan split, one pledge
    >>> notes = []
    >>> _ = pledges(rows, {"f": "neocloud"}, m, dt.date(2026, 1, 1), notes)
    >>> notes
    []
    """
    chips = {r["payer"] for r in deal_rows if r["kind"] == "chip_purchase" and r["base"]}
    funded = {v: x[0] for v, x in sponsor_equity(deal_rows, kinds, m).items()}
    for r in deal_rows:
        if r["base"] and r["kind"] in DEBT_KINDS and r["value"] == r["value"]:
            funded[r["payee"]] = funded.get(r["payee"], 0.0) + r["value"]
    rows = []
    for r in deal_rows:
        did, borrower = r["id"], r["payee"]
        if r["kind"] not in DEBT_KINDS or not r["base"] or r["value"] <= 0:
            continue
        vehicle = kinds.get(borrower) == "spv"
        where = secured_on(did, borrower, vehicle, m, chips)
        if where is None:
            continue
        asset, pool_id = where
        start = r["start"] if isinstance(r["start"], dt.date) else t0
        if did in m.collateral_value:
            value, basis = float(m.collateral_value[did]), "mapping.collateral_value"
        elif vehicle:
            value, basis = funded.get(borrower, r["value"]), funding_basis(borrower)
        else:
            value = r["value"] / m.advance_rate
            basis = f"assumed: principal / advance rate {m.advance_rate:g}"
        rows.append({"deal": did, "borrower": borrower, "asset": asset,
                     "pool": pool_id, "principal": r["value"],
                     "value": value, "pledged": start, "basis": basis})
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    if frame.empty:
        return frame
    # parts of one aggregate leg (a loan split by lender) are one pledge, not two
    agg_of = {part: r["id"] for r in deal_rows for part in r.get("parts", ())}

    def root(deal: str) -> str:
        seen = {deal}
        while deal in agg_of and agg_of[deal] not in seen:  # the top aggregate
            deal = agg_of[deal]
            seen.add(deal)
        return deal

    for pool, grp in frame.groupby("pool", sort=True):
        if len(grp) < 2:
            continue
        # one pool: a vehicle's funding once, else the legs' values together
        total = float(grp["value"].max() if own_funding(grp)[0].all() else grp["value"].sum())
        frame.loc[grp.index, "value"] = total * grp["principal"] / grp["principal"].sum()
        if len({root(d) for d in grp["deal"]}) > 1:
            notes.append(f"collateral {pool!s} pledged twice: legs {', '.join(grp['deal'])} "
                         f"name it (worth {total:,.2f} at origination, shared pro rata)")
    _share_funding(frame, notes)
    return frame


def _share_funding(frame: pd.DataFrame, notes: list[str]) -> None:
    """A vehicle whose legs secured on its funding sit in several pools (``mapping.secured``
    names them) has that funding once: each pool holds its legs' share of it, pro rata to
    their principal (in place; each pool was worth the whole funding)."""
    own = own_funding(frame)[0]
    shared = funding_shared(frame)
    for v, grp in frame[own].groupby("borrower"):
        if grp["pool"].nunique() < 2 or v not in shared:
            continue
        funded = float(grp.loc[grp["pool"] == grp["pool"].iloc[0], "value"].sum())
        part = grp.groupby("pool")["principal"].transform("sum") / grp["principal"].sum()
        frame.loc[grp.index, "value"] = grp["value"] * part
        notes.append(f"{v!s}'s funding ({funded:,.2f}) secures legs in "
                     f"{grp['pool'].nunique()} pools: each holds its legs' share, pro rata to "
                     "principal")


def funding_shared(pledged: pd.DataFrame | None) -> set[str]:
    """The vehicles whose funding is shared among all the legs secured on it whatever their
    pool (:func:`pledges`): those with every such leg in a pool holding nothing else.

    Examples
    --------
    >>> pl = pd.DataFrame({"deal": ["B1", "B2", "L"], "borrower": ["v", "v", "f"],
    ...                    "pool": ["v:a", "v:b", "f:gpu"],
    ...                    "basis": ["v's funding", "v's funding", "assumed"]})
    >>> funding_shared(pl)
    {'v'}
    """
    if pledged is None or not len(pledged):
        return set()
    own, pure = own_funding(pledged)
    mixed = set(pledged.loc[own & ~pure, "borrower"])
    return {str(v) for v in pledged.loc[own, "borrower"]} - mixed


def uncounted_debts(pledged: pd.DataFrame | None, deals: pd.DataFrame, firms: Sequence[str],
                    m: Any, ids: set[str], t0: dt.date
                    ) -> tuple[pd.DataFrame, dict[str, str]]:
    """The debt legs into a vehicle whose funding its secured legs share (one pool on it, or
    :func:`funding_shared`) that the run does not count (``base`` 0 in ``deals``; among
    ``ids``) and a Monte Carlo draw may switch on, and how a stress run including each would
    secure it (:func:`secured_on`): ``pledged`` on that funding, ``unsecured``, or
    ``elsewhere`` (at a ``mapping.collateral_value``, in a pool holding other pledges, or in
    a pool of its own beside a vehicle's one pool that is not shared). Returns the pledges
    of the ``pledged`` legs (the frame of :func:`pledges`: on the asset and pool that run
    pledges it on, valued at the vehicle's funding x its principal over the principal
    secured on it as compiled, so that :func:`.vehicles.drawn_funding` gives it its share
    in a draw; pledged at its start, else ``t0``) and ``{leg id: how}`` of them all.

    Examples
    --------
    >>> from dealloop.scenarios import loads
    >>> pl = pd.DataFrame({"deal": ["B"], "borrower": ["v"], "asset": ["campus"],
    ...                    "pool": ["v:campus"], "principal": [10.0], "value": [15.0],
    ...                    "pledged": [dt.date(2025, 1, 1)], "basis": ["v's funding"]})
    >>> deals = pd.DataFrame({"id": ["B", "B2"], "payer": ["bank"] * 2, "payee": ["v"] * 2,
    ...                       "kind": ["bond", "loan"], "value": [10.0, 4.0], "base": [1.0, 0.0],
    ...                       "start": [None, None]})
    >>> m = loads("name: x\\nquestion: q").mapping
    >>> more, how = uncounted_debts(pl, deals, ["v"], m, {"B", "B2"}, dt.date(2026, 1, 1))
    >>> how, more["value"].tolist()          # 15 x 4 / 10
    ({'B2': 'pledged'}, [6.0])
    >>> m = loads("name: x\\nquestion: q\\nmapping: {secured_vehicles: false}").mapping
    >>> uncounted_debts(pl, deals, ["v"], m, {"B", "B2"}, dt.date(2026, 1, 1))[1]
    {'B2': 'unsecured'}
    """
    empty = pd.DataFrame(columns=list(COLUMNS))
    if pledged is None or pledged.empty:
        return empty, {}
    chips = set(deals.loc[(deals["kind"] == "chip_purchase") & (deals["base"] > 0), "payer"])
    rows, how = [], {}
    shared = funding_shared(pledged)
    for v, legs in funding_pledges(pledged, firms).items():
        mine = pledged[pledged["deal"].isin(legs) & (pledged["borrower"] == v)]
        if v not in shared and mine["pool"].nunique() != 1:
            continue
        funded = float(mine["value"].sum())
        principal = float(mine["principal"].sum())
        others = set(pledged.loc[pledged["borrower"] == v, "pool"]) - set(mine["pool"])
        off = deals[deals["kind"].isin(DEBT_KINDS) & (deals["payee"] == v)
                    & (deals["base"] == 0) & (deals["value"] > 0) & deals["id"].isin(list(ids))]
        for did, value, start in zip(off["id"], off["value"], off["start"], strict=True):
            where = secured_on(str(did), v, True, m, chips)
            how[str(did)] = "unsecured" if where is None else "elsewhere" if (
                where[1] in others or did in m.collateral_value
                or (v not in shared and where[1] != mine["pool"].iloc[0])) else "pledged"
            if where is None or how[str(did)] != "pledged":
                continue
            rows.append({"deal": did, "borrower": v, "asset": where[0],
                         "pool": where[1], "principal": float(value),
                         "value": funded * float(value) / principal if principal > 0 else 0.0,
                         "pledged": start if isinstance(start, dt.date) else t0,
                         "basis": f"{funding_basis(v)} (if counted)"})
    return (pd.DataFrame(rows, columns=list(COLUMNS)) if rows else empty), how


def values_by_year(frame: pd.DataFrame, years: Sequence[int], m: Any) -> np.ndarray:
    """``(P, T)``: what each pledge of ``frame`` fetches in a sale in each year (value at
    origination x residual share at its age at mid-year x ``1 - collateral_haircut``).

    Examples
    --------
    >>> from dealloop.scenarios import loads
    >>> m = loads("name: x\\nquestion: q\\nmapping: {collateral_curves: {gpu: [1, 0.5, "
    ...           "0.5]}, collateral_haircut: {gpu: 0}}").mapping
    >>> f = pd.DataFrame({"asset": ["gpu"], "value": [10.0], "pledged": [dt.date(2026, 1, 1)]})
    >>> values_by_year(f, [2026, 2027], m).round(1).tolist()  # ages 0.5 and 1.5 at mid-year
    [[7.5, 5.0]]
    """
    out = np.zeros((len(frame), len(years)))
    for p, (asset, value, pledged) in enumerate(zip(frame["asset"], frame["value"],
                                                    frame["pledged"], strict=True)):
        curve = m.collateral_curves[asset]
        keep = 1 - m.collateral_haircut.get(asset, 0.0)
        for t, y in enumerate(years):
            age = (dt.date(y, 7, 1) - pledged).days / DAYS_PER_YEAR
            out[p, t] = value * residual(curve, age) * keep
    return out
