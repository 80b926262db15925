"""Sourced annual revenue per firm and the shares of it the signals report.

A share of revenue compares like with like: the in-network contract payments apportioned
over the 12 months a firm's latest sourced annual revenue covers (figures.csv, dated on or
before the as-of date), against that revenue. A reported ``customer_share`` figure beats a
share worked out from the network. A ratio above 1 is not a share (contracts ramp up later
than their linear apportionment) and is left out with the reason.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, cast

from ..data.read import parse_date, split_refs
from ..vocabulary import FIRM_STATUSES, PURCHASE_KINDS, REVENUE_SHARE_BASIS
from .config import SignalsConfig

__all__ = ["NO_REVENUE", "OVER", "Revenue", "customer_shares", "finite_float", "months_after",
           "months_before", "purchases", "revenues_as_of", "supplier_dependence", "top_customer",
           "year_ending"]


def finite_float(x: Any) -> float | None:
    """``x`` as a finite float, else None.

    >>> finite_float("2.5"), finite_float(float("nan")), finite_float(None)
    (2.5, None, None)
    """
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the month's last day when it is shorter).

    Examples
    --------
    >>> months_before(dt.date(2026, 5, 31), 3), months_before(dt.date(2026, 1, 15), 1)
    (datetime.date(2026, 2, 28), datetime.date(2025, 12, 15))
    """
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(day.day, last))


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months later.

    >>> months_after(dt.date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    """
    return months_before(day, -months)


NO_REVENUE = "no sourced annual revenue dated on or before the as-of date"
OVER = ("the in-network contracts apportioned over {rv.period} ({amount:,.2f} bn) exceed the "
         "reported revenue of that period ({rv.value:,.2f} bn): payments ramp up later than "
         "the linear apportionment, so the ratio is not a share of revenue")


@dataclass(frozen=True)
class Revenue:
    """A firm's sourced annual revenue and the 12 months it covers.

    Examples
    --------
    >>> r = Revenue(281.7, dt.date(2024, 7, 1), dt.date(2025, 6, 30), "FY2025", "F056", ())
    >>> r.details()["revenue_period"], r.details()["revenue_to"]
    ('FY2025', '2025-06-30')
    """

    value: float
    start: dt.date
    end: dt.date
    period: str
    figure: str | None
    sources: tuple[str, ...]

    def details(self) -> dict[str, Any]:
        """JSON-ready: the value, its period, its figure id and sources."""
        return {"reported_revenue": self.value, "revenue_period": self.period,
                "revenue_from": self.start.isoformat(), "revenue_to": self.end.isoformat(),
                "revenue_figure": self.figure, "revenue_sources": list(self.sources)}


def year_ending(end: dt.date) -> dt.date:
    """First day of the 12 months that end on ``end``.

    >>> year_ending(dt.date(2025, 12, 31)), year_ending(dt.date(2026, 1, 25))
    (datetime.date(2025, 1, 1), datetime.date(2025, 1, 26))
    """
    return months_before(end, 12) + dt.timedelta(days=1)


def revenues_as_of(net: Any, day: dt.date) -> dict[str, Revenue]:
    """Per firm, the latest annual ``revenue`` figure (figures.csv, converted to dollars)
    whose period ends on or before ``day``; else revenue given in entities.csv itself, taken
    as the 12 months to ``day``.

    Examples
    --------
    >>> import dealloop as dl
    >>> rv = revenues_as_of(dl.load(), dt.date(2026, 2, 18))["coreweave"]
    >>> rv.period, rv.start.isoformat(), rv.end.isoformat()
    ('FY2025', '2025-01-01', '2025-12-31')
    """
    from ..data.frames import annual_only, convert_to_usd

    out: dict[str, Revenue] = {}
    figs = getattr(net, "figures", None)
    if figs is not None and len(figs):
        conv, _ = convert_to_usd(figs)
        rows = annual_only(conv[(conv["metric"] == "revenue") & (conv["unit"] == "usd_bn")
                                & conv["value"].notna()])
        for r in rows.itertuples(index=False):
            end = parse_date(str(r.as_of), end=True) if isinstance(r.as_of, str) else None
            cur = out.get(str(r.entity))
            if end is None or end > day or (cur is not None and cur.end > end):
                continue
            out[str(r.entity)] = Revenue(float(cast(float, r.value)), year_ending(end), end,
                                          str(r.period) if isinstance(r.period, str) else "year",
                                          str(r.id), tuple(split_refs(r.sources)))
    ent = net.entities
    prov = getattr(net, "provenance", None)
    for k, (firm, rev) in enumerate(zip(ent["id"], ent["revenue_usd_bn"], strict=True)):
        given = prov is None or "revenue_usd_bn" not in prov \
            or prov["revenue_usd_bn"].iloc[k] == "entities.csv"
        if str(firm) in out or finite_float(rev) is None or not given:
            continue
        refs = ent["sources"].iloc[k] if "sources" in ent else None
        out[str(firm)] = Revenue(float(rev), year_ending(day), day,
                                  "12 months to the as-of date (entities.csv gives no period)",
                                  None, tuple(split_refs(refs)) if isinstance(refs, str) else ())
    return out


def customer_shares(net: Any, day: dt.date, cfg: SignalsConfig
                     ) -> dict[str, list[dict[str, Any]]]:
    """Per firm, reported shares of its revenue from one customer (``customer_share``
    figures dated on or before ``day`` and at most ``figure_max_age_months`` old), the latest
    per customer.

    Examples
    --------
    >>> import dealloop as dl
    >>> cfg = __import__("dealloop.markets", fromlist=["load_config"]).load_config()
    >>> [(r["top_customer"], r["share"]) for r in
    ...  customer_shares(dl.load(), dt.date(2026, 2, 18), cfg)["coreweave"]]
    [('microsoft', 0.67)]
    """
    figs = getattr(net, "figures", None)
    if figs is None or not len(figs):
        return {}
    oldest = months_before(day, cfg.figure_max_age_months)
    rows = figs[(figs["metric"] == "customer_share") & figs["value"].notna()]
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows.itertuples(index=False):
        end = parse_date(str(r.as_of), end=True) if isinstance(r.as_of, str) else None
        if end is None or not oldest <= end <= day:
            continue
        who = str(r.counterparty) if isinstance(r.counterparty, str) else f"unnamed ({r.id})"
        key = (str(r.entity), who)
        if key in latest and latest[key]["as_of"] > end.isoformat():
            continue
        latest[key] = {"top_customer": who, "share": float(r.value), "figure": str(r.id),
                       "period": r.period if isinstance(r.period, str) else None,
                       "as_of": end.isoformat(), "sources": split_refs(r.sources)}
    out: dict[str, list[dict[str, Any]]] = {}
    for (firm, _), row in latest.items():
        out.setdefault(firm, []).append(row)
    return out


def purchases(net: Any, horizon: tuple[dt.date, dt.date]) -> dict[str, dict[str, float]]:
    """Payee -> payer -> purchases (compute, chips, revenue shares) falling in ``horizon``.

    Examples
    --------
    >>> import dealloop as dl
    >>> p = purchases(dl.load(), (dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
    >>> p["coreweave"]["microsoft"] > 0
    True
    """
    legs = net.legs(statuses=FIRM_STATUSES, kinds=PURCHASE_KINDS, horizon=horizon)
    legs = legs[(legs["payer"] != legs["payee"]) & legs["value_in_horizon"].gt(0)]
    out: dict[str, dict[str, float]] = {}
    for (payee, payer), amount in legs.groupby(["payee", "payer"])["value_in_horizon"].sum(
            ).items():
        out.setdefault(str(payee), {})[str(payer)] = float(amount)
    return out


def top_customer(rv: Revenue | None, received: dict[str, float],
                  reported: list[dict[str, Any]] | None, cfg: SignalsConfig
                  ) -> tuple[float | None, dict[str, Any]]:
    """The largest customer's share of the firm's revenue: a reported share when there is
    one; else the top in-network customer's purchases over the revenue's period, a lower
    bound that only lights when it crosses a threshold.

    Returns the value (None when there is none to light) and the details behind it.

    Examples
    --------
    >>> from dealloop.markets import load_config
    >>> rv = Revenue(10.0, dt.date(2025, 1, 1), dt.date(2025, 12, 31), "FY2025", "F1", ())
    >>> top_customer(rv, {"a": 8.0, "c": 1.0}, None, load_config())[0]
    0.8
    >>> top_customer(rv, {"a": 2.0}, None, load_config())[1]["lower_bound"]
    0.2
    >>> print(top_customer(rv, {"a": 8.0}, None, load_config())[1]["basis"][:60])
    share of recognised revenue, FY2025 (2025-01-01 to 2025-12-3
    """
    if reported:
        best = max(reported, key=lambda r: r["share"])
        period = best.get("period") or f"to {best['as_of']}"
        return best["share"], {"basis": f"{REVENUE_SHARE_BASIS}, {period}, as reported "
                                        f"(figure {best['figure']})", **best}
    if rv is None or not received:
        return None, {"note": NO_REVENUE if rv is None else
                      "no reported customer share and no in-network sales in the period of "
                      "the reported revenue"}
    top = max(received, key=received.__getitem__)
    bound = received[top] / rv.value
    d = {"basis": f"{REVENUE_SHARE_BASIS}, {rv.period} ({rv.start.isoformat()} to "
                  f"{rv.end.isoformat()}): in-network contracts in that period over the "
                  f"reported revenue (figure {rv.figure}), a lower bound",
         "top_customer": top, "top_value": received[top], **rv.details()}
    if bound > 1:
        return None, {**d, "note": OVER.format(amount=received[top], rv=rv)}
    if cfg.indicator("top_customer_share").light(bound) in ("red", "amber"):
        return bound, d
    return None, {**d, "lower_bound": bound,
                  "note": f"at least {bound:.1%} of revenue, below the thresholds; the firm's "
                          "largest customer overall is not in the data"}


def supplier_dependence(firm: str, revenues: dict[str, Revenue], period_flows: Any
                         ) -> tuple[float | None, dict[str, Any]]:
    """The largest share of a supplier's reported revenue that the firm's purchases make,
    each over the supplier's own revenue period; shares above 1 are not shares (noted).

    ``period_flows(revenue)`` gives payee -> payer -> purchases over that revenue's period.

    Examples
    --------
    >>> rv = Revenue(10.0, dt.date(2025, 1, 1), dt.date(2025, 12, 31), "FY2025", "F1", ())
    >>> supplier_dependence("a", {"b": rv}, lambda r: {"b": {"a": 4.0}})[0]
    0.4
    """
    found: list[tuple[float, str, float, Revenue]] = []
    skipped = []
    for supplier, rv in revenues.items():
        amount = period_flows(rv).get(supplier, {}).get(firm, 0.0)
        if supplier == firm or amount <= 0:
            continue
        if amount > rv.value:
            skipped.append(f"{supplier}: " + OVER.format(amount=amount, rv=rv))
        else:
            found.append((amount / rv.value, supplier, amount, rv))
    d: dict[str, Any] = {"skipped": skipped} if skipped else {}
    if not found:
        return None, d
    share, supplier, amount, rv = max(found, key=lambda t: t[0])
    return share, {"supplier": supplier, "purchases": amount, **rv.details(), **d}
