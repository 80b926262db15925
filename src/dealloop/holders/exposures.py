"""The losses a stress run leaves at the network's edge, as :class:`~.allocate.Loss` rows.

This is the post-processing step over an engine result: it reads only what a
:class:`~dealloop.scenarios.results.StressResult` reports (``unpaid`` claims, per-firm market
values, the stakes of the balance sheets) and the network's legs, so it does not depend on how
the engine clears.
"""

from __future__ import annotations

import math
from typing import Any

from .allocate import Loss
from .layer import Layer

__all__ = ["REPORTED_DEBT", "SHAREHOLDERS", "losses"]

#: Node name for a firm's reported debt owed to lenders the dataset does not name.
REPORTED_DEBT = "reported-debt-holders"
#: Node name for a firm's outside shareholders.
SHAREHOLDERS = "shareholders"
_FIRM = ("committed", "reported")


def _collective(net: Any) -> set[str]:
    ent = net.entities
    return set(ent.loc[ent["name"].astype(str).str.contains("(collective)", regex=False), "id"])


def _amounts(net: Any) -> dict[str, float]:
    d = net.deals
    out = {}
    for i, a in zip(d["id"], d["amount_usd_bn"], strict=True):
        try:
            v = float(a)
        except (TypeError, ValueError):
            v = math.nan
        out[str(i)] = v
    return out


def debt_losses(result: Any, net: Any, lay: Layer) -> list[Loss]:
    """Unpaid claims of creditors outside the network, one :class:`Loss` per creditor and
    debtor, its legs weighted by their amounts (pari passu within a creditor)."""
    inside = set(result.firms.index)
    kinds = dict(zip(net.deals["id"], net.deals["kind"], strict=True))
    amounts = _amounts(net)
    out: list[Loss] = []
    for r in result.unpaid.itertuples(index=False):
        if r.creditor in inside or not r.shortfall > 0:
            continue
        deals = tuple(d for d in str(r.deals).split(";") if d)
        legs = tuple(d for d in deals if d in kinds)
        if r.creditor == "outside suppliers":
            out.append(Loss(r.debtor, "outside-suppliers", float(r.shortfall), sector="other",
                            deals=legs))
            continue
        node = REPORTED_DEBT if r.creditor.startswith("outside lenders") else r.creditor
        w = tuple(a if a == a and a > 0 else 1.0 for a in (amounts.get(d, 1.0) for d in legs))
        kind = kinds.get(legs[0]) if legs else None
        inst = lay.instrument(node, kind)
        out.append(Loss(r.debtor, node, float(r.shortfall), instrument=inst, deals=legs,
                        weights=w))
    return out


def _outside_stakes(net: Any) -> tuple[dict[str, list[tuple[str, str, float, float]]],
                                         dict[str, bool]]:
    """Firm legs of named outside investors by investee: ``(deal, payer, stake, amount)``;
    and whether each entity is listed. Cached on the network (it does not change)."""
    cache = getattr(net, "_cache", None)
    if isinstance(cache, dict) and "holders.outside_stakes" in cache:
        return cache["holders.outside_stakes"]
    ent = net.entities.set_index("id")
    kind = ent["kind"]
    collective = _collective(net)
    d = net.deals
    named = d[(d["kind"] == "equity_investment") & d["status"].isin(_FIRM)
              & d["payer"].map(lambda p: kind.get(p) in ("investor", "lender"))
              & ~d["payer"].isin(collective)]
    by: dict[str, list[tuple[str, str, float, float]]] = {}
    for leg in named.itertuples(index=False):
        stake = float(leg.stake) if leg.stake == leg.stake and leg.stake is not None \
            else math.nan
        amount = float(leg.amount_usd_bn) if leg.amount_usd_bn == leg.amount_usd_bn else math.nan
        by.setdefault(str(leg.payee), []).append((str(leg.id), str(leg.payer), stake, amount))
    listed = {str(i): str(v).lower() == "true"
              for i, v in (ent["listed"].items() if "listed" in ent else ())}
    out = (by, listed)
    if isinstance(cache, dict):
        cache["holders.outside_stakes"] = out
    return out


def equity_losses(result: Any, net: Any, lay: Layer) -> list[Loss]:
    """Market value lost by each firm's outside shareholders: named outside investors by
    their stakes (the reported stake, else amount over the firm's market value), the rest by
    the listed or private equity split."""
    firms = result.firms
    lost_all = firms["market_value_lost"]
    hit = [f for f, v in lost_all.items() if v > 1e-12]
    if not hit:
        return []
    held: dict[str, float] = {}
    bs = getattr(result, "balance", None)
    stakes = getattr(bs, "stakes", None)
    if stakes is not None and len(stakes):
        inside = stakes[stakes["holder"].isin(firms.index) & stakes["issuer"].isin(hit)]
        legs = getattr(bs, "deals", None)
        if legs is not None and "base" in legs:  # stakes of legs counted in the run only
            counted = set(legs.loc[legs["base"] > 0, "id"])
            inside = inside[inside["deal"].isin(counted)]
        held = inside.groupby("issuer")["fraction"].sum().to_dict()
    by, listed = _outside_stakes(net)
    mv_before = firms["market_value_before"]
    out: list[Loss] = []
    for firm in hit:
        lost = float(lost_all[firm])
        room = 1.0 - min(float(held.get(firm, 0.0)), 1.0)
        outside = lost * room
        mv = float(mv_before[firm])
        for deal, payer, stake, amount in by.get(str(firm), ()):
            frac = stake if stake == stake else (amount / mv if mv > 0 and amount == amount
                                                 else 0.0)
            frac = min(frac, room)
            if frac <= 0:
                continue
            room -= frac
            out.append(Loss(str(firm), SHAREHOLDERS, lost * frac, sector="investors",
                            holder=payer, deals=(deal,), channel="equity"))
            outside -= lost * frac
        inst = "listed_equity" if listed.get(str(firm)) else "private_equity"
        out.append(Loss(str(firm), SHAREHOLDERS, outside, instrument=inst, channel="equity"))
    return out


def losses(result: Any, net: Any, lay: Layer) -> list[Loss]:
    """All losses a stress result leaves outside the network (debt, then equity)."""
    return debt_losses(result, net, lay) + equity_losses(result, net, lay)
