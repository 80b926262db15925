"""The legs a stress run counts, and the claims and stakes they give.

:func:`select_legs` selects the candidate legs of a network under a scenario (amounts, ranges,
the part of the term inside the horizon, the vehicles' assumed terms of
:mod:`.vehicles`); :func:`claims_and_stakes` turns them into claims (one direction of money
each) and stakes, as :mod:`.sheets` documents. :func:`discount_rate` is the rate a
year-by-year run discounts at.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from ..data.read import parse_date
from ..network import assumed_term_end
from ..vocabulary import (
    CONTINGENT_KINDS,
    DAYS_PER_YEAR,
    DEBT_KINDS,
    EQUITY_KINDS,
    LIVE_STATUSES,
    PURCHASE_KINDS,
    STATUSES,
)
from .values import OUTSIDE, per_entity
from .vehicles import assumed_terms

if TYPE_CHECKING:  # pragma: no cover
    from ..scenarios.spec import Scenario

#: ``claims_and_stakes`` is the mapping's own step (``build`` calls it), not public API.
__all__ = ["DEAL_COLUMNS", "date", "discount_rate", "overlap", "select_legs"]

RECURRING_KINDS = PURCHASE_KINDS

#: Each borrower's debt legs that start by the horizon's end: ``{borrower: [(deal id,
#: start, amount, counted in the run), ...]}`` (:func:`claims_and_stakes`).
DrawnDebt = dict[str, list[tuple[str, dt.date | None, float, bool]]]


def date(x: Any, *, end: bool = False) -> dt.date | None:
    """A dataset date (``2026``, ``2026-03``, ``2026-03-01``) as its first day, or its last
    with ``end``; None when empty or not text.

    Examples
    --------
    >>> date("2026-03-01"), date("2026", end=True), date(None)
    (datetime.date(2026, 3, 1), datetime.date(2026, 12, 31), None)
    """
    return parse_date(x, end=end) if isinstance(x, str) and x.strip() else None


def overlap(s: dt.date, e: dt.date, t0: dt.date, t1: dt.date) -> float:
    """The share of a flow running evenly from ``s`` to ``e`` that falls inside ``t0 … t1``
    (a one-day flow: 1 inside, 0 outside).

    Examples
    --------
    >>> overlap(dt.date(2025, 1, 1), dt.date(2026, 12, 31),
    ...         dt.date(2026, 1, 1), dt.date(2030, 12, 31))
    0.5
    """
    term = (e - s).days + 1
    if term <= 0:
        return float(t0 <= s <= t1)
    return max(0, (min(e, t1) - max(s, t0)).days + 1) / term


def discount_rate(net: Any, m: Any) -> tuple[float, str]:
    """The rate a year-by-year run discounts at, and where it comes from: the mapping's
    ``discount_rate``, else the dataset's latest 10-year US Treasury yield
    (``ust_10y_yield`` in ``history.csv``), else 0.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.scenarios import loads
    >>> discount_rate(None, loads("name: x\\nquestion: q\\nmapping: {discount_rate: 0.05}").mapping)
    (0.05, 'mapping.discount_rate')
    >>> rate, source = discount_rate(dl.load(), loads("name: x\\nquestion: q").mapping)
    >>> 0 < rate < 0.1, source.startswith("history.csv H")
    (True, True)
    """
    if m.discount_rate is not None:
        return float(m.discount_rate), "mapping.discount_rate"
    hist = getattr(net, "history", None)
    if hist is not None and len(hist) and {"metric", "value"} <= set(hist.columns):
        hit = hist[hist["metric"] == "ust_10y_yield"]
        if len(hit):
            row = hit.sort_values("date", kind="stable").iloc[-1] if "date" in hit \
                else hit.iloc[-1]
            v = float(row["value"])
            v = v / 100 if str(row.get("unit", "")) == "pct" else v
            return v, f"history.csv {row['id']} (10-year US Treasury yield, " \
                f"{row.get('date', '')})"
    return 0.0, "none: no ust_10y_yield in the dataset's history.csv"


def select_legs(net: Any, scenario: Scenario, horizon: tuple[dt.date, dt.date],
               evidence: tuple[str, ...], derived: bool, notes: list[str]
               ) -> list[dict[str, Any]]:
    """One row per leg counted: amount (and its range), share inside the horizon, whether
    the base run counts it (``base``), dates, stake, parts and sources. A leg with no
    amount is left out with a note.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.scenarios import loads
    >>> notes: list[str] = []
    >>> legs = select_legs(dl.load(), loads("name: x\\nquestion: q"),
    ...                    (dt.date(2026, 1, 1), dt.date(2030, 12, 31)), ("A", "B", "C"),
    ...                    True, notes)
    >>> any(r["id"] == "D03" for r in legs)
    True
    """
    m = scenario.mapping
    t0, t1 = horizon
    legs = net.legs(statuses=STATUSES, evidence=evidence, include_derived=derived,
                    horizon=(t0, t1), include_estimates=scenario.legs.estimates)
    named = scenario.deal_ids()
    sel = set(scenario.legs.statuses)
    include, exclude = set(scenario.legs.include), set(scenario.legs.exclude)
    live = legs["status"].isin(LIVE_STATUSES)
    legs = legs[live | legs["id"].isin(named)].copy()
    parts: dict[str, list[str]] = {}
    for pid, agg in zip(net.deals["id"], net.deals["part_of"], strict=True):
        if isinstance(agg, str):
            parts.setdefault(agg, []).append(pid)
    ranges = scenario.monte_carlo.ranges
    records = legs.to_dict("records")
    term_parts: dict[str, tuple[tuple[str, float], ...]] = {}
    terms = _vehicle_terms(net, scenario, records, term_parts)
    deal_rows: list[dict[str, Any]] = []
    for rec in records:
        did, kind, status = rec["id"], rec["kind"], rec["status"]
        if rec["money"] == "non_cash" and kind not in EQUITY_KINDS:
            continue  # e.g. an all-stock merger: nobody owes anybody cash
        value, low, high = rec["value"], rec["value_low"], rec["value_high"]
        if did in scenario.legs.amounts:
            value = low = high = scenario.legs.amounts[did]
        if did in ranges:
            low, high = ranges[did]
            if math.isnan(value) or did not in scenario.legs.amounts:
                value = (low + high) / 2
        how = ""
        assumed_from: tuple[tuple[str, float], ...] = ()
        if did in terms and (value is None or math.isnan(value)):
            value = low = high = terms[did][0]
            how = terms[did][1]
            assumed_from = term_parts.get(did, ())
        if kind in CONTINGENT_KINDS:
            base = float(status in LIVE_STATUSES and did not in exclude)
        else:
            base = float((status in sel or did in include) and did not in exclude)
        if value is None or math.isnan(value):
            if base:
                notes.append(f"{did} ({rec['payer']} -> {rec['payee']}, {kind}): amount not "
                             "disclosed, not counted (set it in legs.amounts or "
                             "monte_carlo.ranges)")
            continue
        start = date(rec["start"]) or date(rec["announced"])
        end = date(rec["end"], end=True)
        assumed = bool(rec.get("term_assumed", False))
        if end is None and kind in RECURRING_KINDS and start is not None \
                and m.undated_term_years is not None:
            term_end = start + dt.timedelta(days=m.undated_term_years * DAYS_PER_YEAR - 1)
            share = overlap(start, term_end, t0, t1)
            assumed = True
        else:
            share = float(rec["horizon_share"])
        deal_rows.append({
            "id": did, "payer": rec["payer"], "payee": rec["payee"], "kind": kind,
            "status": status, "evidence": rec["evidence"], "basis": rec["basis"],
            "value": float(value), "low": float(low if not math.isnan(low) else value),
            "high": float(high if not math.isnan(high) else value), "share": share,
            "base": base, "start": start, "end": end, "stake": rec["stake"],
            "parts": tuple(parts.get(did, ())), "sources": rec["sources"],
            "term_assumed": assumed, "assumed": how, "assumed_from": assumed_from,
        })
    return deal_rows


def _vehicle_terms(net: Any, scenario: Scenario, records: list[dict[str, Any]],
                   parts: dict[str, tuple[tuple[str, float], ...]] | None = None
                   ) -> dict[str, tuple[float, str]]:
    """The amounts :func:`.vehicles.assumed_terms` assumes for vehicles' legs with no
    amount (``legs.amounts`` first; ``parts``: filled with their parts by debt leg)."""
    m, lg = scenario.mapping, scenario.legs
    kinds = dict(zip(net.entities["id"], net.entities["kind"], strict=True))
    sel, include, exclude = set(lg.statuses), set(lg.include), set(lg.exclude)
    rows = []
    for r in records:
        start, end = date(r["start"]) or date(r["announced"]), date(r["end"], end=True)
        guessed = False
        if end is None and start is not None and r["kind"] in RECURRING_KINDS:
            # the term the horizon share assumes (a lease: 15 years)
            end = assumed_term_end(start, r["kind"], m.undated_term_years)
            guessed = True
        rows.append({"id": r["id"], "payer": r["payer"], "payee": r["payee"],
                     "kind": r["kind"], "value": lg.amounts.get(r["id"], r["value"]),
                     "status": r["status"], "start": start, "end": end,
                     "term_assumed": guessed and end is not None})
    rate = discount_rate(net, m)[0] + m.credit_spread
    return assumed_terms(rows, kinds, m, rate, lambda r: (
        r["status"] in sel or r["id"] in include) and r["id"] not in exclude, parts)


def _stake_fraction(r: dict[str, Any], issuer: str,
                    cap: dict[str, tuple[float, tuple[str, ...]]]) -> float:
    """The leg's ``stake``, else its amount over the issuer's market value (NaN if neither)."""
    frac = r["stake"]
    if frac is None or math.isnan(frac):
        mv = cap.get(issuer, (math.nan,))[0]
        frac = r["value"] / mv if mv and not math.isnan(mv) and mv > 0 else math.nan
    return float(frac)


def claims_and_stakes(deal_rows: list[dict[str, Any]], in_net: set[str],
                       cap: dict[str, tuple[float, tuple[str, ...]]], m: Any,
                       horizon: tuple[dt.date, dt.date], notes: list[str]
                       ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], DrawnDebt]:
    """Claims (one direction of money each) and stakes from the legs, and each borrower's
    debt legs with their start and amount, counted in the run or not (for reported debt
    beyond the legs)."""
    claims: list[dict[str, Any]] = []
    stakes: list[dict[str, Any]] = []

    def side(eid: str) -> str:
        return eid if eid in in_net else OUTSIDE

    def claim(deal: str, debtor: str, creditor: str, channel: str, amount: float, *,
              maturing: float = 0.0, accel: float | None = None, weight: float = 1.0,
              base: float = 1.0) -> None:
        d, c = side(debtor), side(creditor)
        if d == OUTSIDE and c == OUTSIDE:
            return
        acc = amount if accel is None else accel
        if amount <= 0 and maturing <= 0 and acc <= 0:
            return
        claims.append({"deal": deal, "debtor": d, "creditor": c, "channel": channel,
                       "amount": amount, "maturing": maturing, "accel": acc,
                       "weight": weight, "base": base})

    drawn_debt: DrawnDebt = {}
    for r in deal_rows:
        did, payer, payee, kind, value, share = (r["id"], r["payer"], r["payee"], r["kind"],
                                                 r["value"], r["share"])
        if kind in CONTINGENT_KINDS:
            claim(did, payer, payee, "backstop", value * share, weight=share, base=r["base"])
        elif kind == "warrant":
            frac = _stake_fraction(r, payer, cap)
            if math.isnan(frac):
                notes.append(f"{did}: warrant without stake or issuer market value, left out")
            else:
                stakes.append({"deal": did, "holder": payee, "issuer": payer,
                               "kind": "warrant", "fraction": min(frac, 1.0), "prepaid": 1.0,
                               "cost": _cost(value)})
        elif kind == "equity_investment":
            counted = share if m.equity_commitments else 0.0
            claim(did, payer, payee, "equity", value * counted, weight=counted, base=r["base"])
            frac = _stake_fraction(r, payee, cap)
            if math.isnan(frac):
                if payer in in_net and payee in in_net and r["base"]:
                    notes.append(f"{did}: stake of {payer} in {payee} unknown (no stake, no "
                                 "market value), left out of the stake layer")
            else:
                stakes.append({"deal": did, "holder": payer, "issuer": payee,
                               "kind": "equity", "fraction": min(frac, 1.0),
                               "prepaid": 1.0 - counted, "cost": _cost(value)})
        elif kind in DEBT_KINDS:
            _debt(r, claim, m, horizon, drawn_debt)
        elif kind != "other" or m.other_legs == "obligation":  # purchases
            claim(did, payer, payee, "purchase", value * share, weight=share, base=r["base"])
    return claims, stakes, drawn_debt


def _cost(value: Any) -> float:
    """What a stake cost its holder: the leg's amount, NaN when it states none."""
    v = float(value) if value is not None else math.nan
    return v if math.isfinite(v) and v > 0 else math.nan


def _debt(r: dict[str, Any], claim: Any, m: Any, horizon: tuple[dt.date, dt.date],
          drawn_debt: DrawnDebt) -> None:
    """The claims of a debt leg: ``funding`` (lender -> borrower) when drawn inside the
    horizon, ``principal`` (borrower -> lender) while it is outstanding."""
    t0, t1 = horizon
    did, lender, borrower, value = r["id"], r["payer"], r["payee"], r["value"]
    start, end = r["start"], r["end"]
    drawn_in = start is not None and t0 <= start <= t1
    if start is not None and start > t1:
        return
    if end is None:
        mshare = per_entity(m.debt_maturing_share, borrower, 0.5)
    else:
        mshare = 1.0 if t0 <= end <= t1 else 0.0
    claim(did, lender, borrower, "funding", value if drawn_in else 0.0,
          weight=float(drawn_in), base=r["base"])
    if end is None or end >= t0:
        claim(did, borrower, lender, "principal", 0.0, maturing=value * mshare,
              accel=value, base=r["base"])
    drawn_debt.setdefault(borrower, []).append((did, start, value, bool(r["base"])))


DEAL_COLUMNS = ("id", "payer", "payee", "kind", "status", "evidence", "basis", "value", "low",
                 "high", "share", "base", "start", "end", "stake", "parts", "sources",
                 "term_assumed", "assumed")
