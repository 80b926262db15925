"""The losses a stress run leaves at the network's edge, as :class:`~.allocate.Loss` rows.

This is the post-processing step over an engine result: it reads only what a
:class:`~dealloop.scenarios.results.StressResult` reports (``unpaid`` claims, per-firm market
values and equity lost, the stakes and legs of the balance sheets) and the network's legs, so
it does not depend on how the engine clears.

Three channels: what outside creditors are not paid (:func:`debt_losses`), the market value
outside shareholders lose (:func:`equity_losses`), and the sponsor equity a vehicle's
outside sponsors lose (:func:`sponsor_losses`: a vehicle has no market value, its equity is
what its sponsors put in).
"""

from __future__ import annotations

import math
from typing import Any

from ..text import amount_text, share_text
from .allocate import Loss
from .layer import Layer

__all__ = ["REPORTED_DEBT", "SHAREHOLDERS", "claim_loss", "losses", "sponsor_loss",
           "sponsor_losses", "sponsor_notes"]

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


def sponsor_loss(vehicle: str, sponsor: str, deal: str, amount: float, net: Any,
                 lay: Layer) -> Loss:
    """The :class:`Loss` of an outside ``sponsor`` losing ``amount`` of the sponsor equity it
    put in ``vehicle`` through leg ``deal``: an equity-channel loss of the named holder, in
    the sector of its kind (a bank of the layer's capital table: ``banks``, against its
    capital; any other investor or lender: ``investors``, as for named outside investors);
    a collective sponsor (``Equity investors (collective)``) is no named holder: its loss is
    private equity, split by the layer's shares.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import holders
    >>> net = dl.load()
    >>> lay = holders.layer(net)
    >>> x = sponsor_loss("abilene-jv", "blue-owl", "D06a", 5.0, net, lay)
    >>> x.holder, x.sector, x.deals, x.channel
    ('blue-owl', 'investors', ('D06a',), 'equity')
    >>> y = sponsor_loss("xai-gpu-spv", "equity-investors", "D75b", 5.5, net, lay)
    >>> y.holder, y.instrument, y.deals
    (None, 'private_equity', ('D75b',))
    """
    if sponsor in _collective(net):
        return Loss(vehicle, SHAREHOLDERS, amount, instrument="private_equity",
                    deals=(deal,), channel="equity")
    sector = "banks" if sponsor in lay.banks else "investors"
    return Loss(vehicle, SHAREHOLDERS, amount, sector=sector, holder=sponsor, deals=(deal,),
                channel="equity")


def sponsor_losses(result: Any, net: Any, lay: Layer) -> list[Loss]:
    """Sponsor equity lost by the outside sponsors of vehicles: each vehicle's equity lost
    (the firms table's ``equity_loss`` where its ``equity_basis`` is ``sponsor``: all of it
    when it defaults, else the part its losses eat) split by what each sponsor put in
    (:func:`dealloop.mapping.vehicles.sponsor_legs`), one :func:`sponsor_loss` per leg of a
    sponsor outside the network. A sponsor inside the network loses its part on its own book
    (:func:`dealloop.scenarios.buffer.equity_paths`), not here.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import holders, scenarios
    >>> net = dl.load()
    >>> res = scenarios.run("oracle-exits-abilene", net, band=False)
    >>> [(x.firm, x.holder, x.amount, x.deals) for x in sponsor_losses(res, net,
    ...                                                                holders.layer(net))]
    [('abilene-jv', 'blue-owl', 5.0, ('D06a',))]
    """
    hit, legs = _vehicle_hits(result)
    firms = result.firms
    out: list[Loss] = []
    for v, rows in legs.items():
        for deal, sponsor, share in rows if v in hit else ():
            if sponsor not in firms.index:
                out.append(sponsor_loss(v, sponsor, deal, hit[v] * share, net, lay))
    return out


def _vehicle_hits(result: Any) -> tuple[dict[str, float], dict[str, Any]]:
    """Sponsor equity lost per vehicle (``{vehicle: USD bn}``, losses only) and the
    sponsor legs of the run's vehicles (:func:`dealloop.mapping.vehicles.sponsor_legs`)."""
    from ..mapping.vehicles import sponsors_of

    firms = result.firms
    bs = getattr(result, "balance", None)
    if bs is None or "equity_basis" not in firms:
        return {}, {}
    lost = firms["equity_loss"].where(firms["equity_basis"] == "sponsor", 0.0)
    hit = {str(f): float(v) for f, v in lost.items() if v > 1e-12}
    if not hit:
        return hit, {}
    return hit, sponsors_of(bs)


def _joint(result: Any, net: Any, deal: str, sponsor: str) -> list[tuple[str, str]]:
    """``(leg id, sponsor)`` of the legs marked part of ``deal`` (``part_of``) that carry no
    amount of their own, so none counted in the run: their sponsors put money in jointly
    with ``sponsor`` and the split is not reported (Crusoe's D06b in Blue Owl's D06a).
    Without ``net`` the sponsors are not known: ``?``."""
    bs = getattr(result, "balance", None)
    deals = getattr(bs, "deals", None)
    if deals is None or "parts" not in deals:
        return []
    row = deals[deals["id"] == deal]
    parts = [p for p in (row["parts"].iloc[0] if len(row) else ()) if p not in set(deals["id"])]
    payer = (dict(zip(net.deals["id"], net.deals["payer"], strict=True))
             if net is not None and parts else {})
    return [(p, str(payer.get(p, "?"))) for p in parts if payer.get(p) != sponsor]


def _unsized(net: Any, vehicle: str) -> list[tuple[str, str]]:
    """``(leg id, sponsor)`` of the equity legs into ``vehicle`` that carry no amount (an
    assumed ``mapping.vehicle_equity`` cannot be split by them); none without ``net``."""
    if net is None:
        return []
    d = net.deals
    rows = d[(d["kind"] == "equity_investment") & (d["payee"] == vehicle)
             & d["amount_usd_bn"].isna()]
    return [(str(i), str(p)) for i, p in zip(rows["id"], rows["payer"], strict=True)]


def sponsor_notes(result: Any, firm: str | None = None, net: Any = None) -> list[str]:
    """One line per vehicle that loses sponsor equity: how much, and each sponsor's part
    with the leg it came from, where it is booked (an outside sponsor: the holders layer;
    an inside one: its own book line, when its equity is its reported book; the model's
    construct never counted the stake) and the formula. A leg whose amount other sponsors
    share (legs marked part of it with no amount of their own, the split not reported:
    Crusoe's D06b in D06a, DigitalBridge's D143b in D143a) is booked whole on its own
    sponsor, the most it can lose; the note names the others (their sponsors when ``net``,
    the network, is given). ``firm``: only the lines of the vehicles it is, or sponsors.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import scenarios
    >>> note = sponsor_notes(scenarios.run("oracle-exits-abilene", dl.load(), band=False))[0]
    >>> note.split(", split")[0]
    'sponsor equity lost: abilene-jv 5.0 of its 5.0 (it defaults: all of it)'
    >>> note.split("put in: ")[-1].split("; outside")[0]
    'blue-owl 5.0 (D06a: 5.0 x 100%'

    Blue Owl and Crusoe put the 5.0 in together (D06a; Crusoe's D06b is marked part of it,
    with no amount of its own): the 5.0 is booked on Blue Owl, the most it can lose.

    >>> res = scenarios.run("oracle-exits-abilene", dl.load(), band=False)
    >>> joint = sponsor_notes(res, "crusoe", dl.load())[0].split("holders layer; ")[-1]
    >>> joint.split(":")[0]
    'jointly with crusoe (D06b), marked part of D06a with no amount of its own'
    >>> joint.split(": ")[1]
    'the split is not reported, so 5.0 is the most blue-owl loses)'
    """
    hit, legs = _vehicle_hits(result)
    firms = result.firms
    joint = {(v, d): _joint(result, net, d, p) for v in hit for d, p, _ in legs.get(v, ())}
    out = []
    for v, amount in hit.items():
        unsized = _unsized(net, v) if not legs.get(v) else []
        who = {x[1] for x in legs.get(v, ())} | {p for _, p in unsized} | {
            p for (w, _), js in joint.items() if w == v for _, p in js}
        if firm is not None and firm != v and firm not in who:
            continue
        before = float(firms.at[v, "equity_before"])
        how = ("it defaults: all of it" if bool(firms.at[v, "defaulted"])
               else "the part its losses eat")
        parts = []
        for deal, sponsor, share in legs.get(v, ()):
            book = sponsor in firms.index and str(firms.at[sponsor, "equity_basis"]) in (
                "book", "sponsor")
            where = ("inside the network: written off its own book line" if book else
                     "inside the network, its equity the model's construct: not booked (the "
                     "construct never counted the stake: the vehicle has no market value)"
                     if sponsor in firms.index else "outside the network: to the holders layer")
            also = joint[v, deal]
            if also:
                where += ("; jointly with " + " and ".join(f"{p} ({d})" for d, p in also)
                          + f", marked part of {deal} with no amount of its own: the split "
                          f"is not reported, so {amount_text(amount * share)} is the most "
                          f"{sponsor} loses")
            parts.append(f"{sponsor} {amount_text(amount * share)} ({deal}: "
                         f"{amount_text(amount)} x {share_text(share)}; {where})")
        split = (", split by what each sponsor put in: " + "; ".join(parts) if parts else
                 ": its sponsors' legs carry no amount to split it by ("
                 + "; ".join(f"{p}: {d}" for d, p in unsized) + "), not allocated" if unsized
                 else ": no sponsor leg with an amount to split it by (no sponsor named"
                 + (")" if net is not None else " in the run)") + ", not allocated")
        out.append(f"sponsor equity lost: {v} {amount_text(amount)} of its "
                   f"{amount_text(before)} ({how}){split}")
    return out


def losses(result: Any, net: Any, lay: Layer) -> list[Loss]:
    """All losses a stress result leaves outside the network (debt, then equity, then the
    sponsor equity of vehicles).

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
    return debt_losses(result, net, lay) + equity_losses(result, net) \
        + sponsor_losses(result, net, lay)
