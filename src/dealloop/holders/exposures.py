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

__all__ = ["REPORTED_DEBT", "SHAREHOLDERS", "claim_loss", "losses"]

#: Node name for a firm's reported debt owed to lenders the dataset does not name.
REPORTED_DEBT = "reported-debt-holders"
#: Node name for a firm's outside shareholders.
SHAREHOLDERS = "shareholders"
_FIRM = ("committed", "reported")


def _collective(net: Any) -> set[str]:
    ent = net.entities
    return set(ent.loc[ent["name"].astype(str).str.contains("(collective)", regex=False), "id"])


def claim_loss(creditor: str, kind: str | None, lay: Layer
               ) -> tuple[str, str | None, str | None]:
    """How a claim owed to an outside ``creditor`` enters the layer: ``(node, instrument,
    sector)`` (one of the last two is ``None``); the debtor does not change it.

    Examples
    --------
    >>> claim_loss("bank-lenders", "loan", Layer({}))
    ('bank-lenders', 'bank_loan', None)
    >>> claim_loss("outside suppliers", "purchase", Layer({}))
    ('outside-suppliers', None, 'other')
    """
    if creditor == "outside suppliers":
        return "outside-suppliers", None, "other"
    node = REPORTED_DEBT if creditor.startswith("outside lenders") else creditor
    return node, lay.instrument(node, kind), None


def debt_losses(result: Any, net: Any, lay: Layer) -> list[Loss]:
    """Unpaid claims of creditors outside the network: one :class:`Loss` per debtor,
    creditor and instrument, its legs weighted by their own shortfalls (the result's
    ``unpaid_claims``), so the loss is linear in each claim's shortfall."""
    inside = set(result.firms.index)
    kinds = dict(zip(net.deals["id"], net.deals["kind"], strict=True))
    claims = result.unpaid_claims
    groups: dict[tuple[str, str, str | None, str | None], dict[str, float]] = {}
    for r in claims.itertuples(index=False):
        if r.creditor in inside or not r.shortfall > 0:
            continue
        deal = str(r.deal)
        node, inst, sector = claim_loss(r.creditor, kinds.get(deal), lay)
        legs = groups.setdefault((str(r.debtor), node, inst, sector), {})
        legs[deal] = legs.get(deal, 0.0) + float(r.shortfall)
    out: list[Loss] = []
    order = sorted(groups.items(), key=lambda kv: -sum(kv[1].values()))  # largest first
    for (debtor, node, inst, sector), legs in order:
        out.append(Loss(debtor, node, sum(legs.values()), instrument=inst, sector=sector,
                        deals=tuple(legs), weights=tuple(legs.values())))
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


def equity_losses(result: Any, net: Any) -> list[Loss]:
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
    """All losses a stress result leaves outside the network (debt, then equity).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import holders, scenarios
    >>> net = dl.load()
    >>> found = losses(scenarios.run("coreweave-default", net, band=False), net,
    ...                holders.layer(net))
    >>> sorted({x.channel for x in found}), {x.firm for x in found if x.channel == "debt"}
    (['debt', 'equity'], {'coreweave'})
    """
    return debt_losses(result, net, lay) + equity_losses(result, net)
