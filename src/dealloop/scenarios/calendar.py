"""The payment calendar: what falls due each year, per firm and for the system.

For each year of a horizon, what a firm must pay: its purchases (compute contracts, chip
purchases, revenue shares) and equity instalments, spread over each leg's term as
:meth:`~dealloop.network.DealNetwork.legs` apportions them (so the years sum to the
horizon total), and the service of the debt it borrowed (:func:`.years.debt_schedule`:
principal at maturity or in instalments, interest at a stated rate). Set against the firm's
annual revenue and its cash: the *payment cliff*.

Debt with no maturity date has no principal in any year; it is listed apart
(``undated_debt``). Interest is charged only at the ``debt_rate`` given (default 0: the
dataset carries no interest rates, and no rate is assumed silently).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from ..network import DealNetwork, Selection
from ..result import Result
from ..vocabulary import (
    DEBT_KINDS,
    DEFAULT_HORIZON,
    EQUITY_KINDS,
    PURCHASE_KINDS,
    parse_date,
    parse_horizon,
)
from .years import debt_schedule

__all__ = ["CALENDAR_COLUMNS", "PaymentCalendar", "payment_calendar", "payment_calendars"]

#: Columns of :meth:`PaymentCalendar.to_frame`, with what each holds (USD bn).
CALENDAR_COLUMNS: dict[str, str] = {
    "year": "Calendar year.",
    "contracts": "Purchases falling due: compute contracts, chip purchases, revenue shares, "
                 "each spread linearly over its term.",
    "equity": "Equity instalments the firm pays in (cash equity investments), spread over "
              "their term; a one-off in the year it is paid.",
    "debt_interest": "Interest on debt the firm borrowed, at debt_rate x principal "
                     "outstanding.",
    "debt_principal": "Principal of debt the firm borrowed falling due (at maturity, or in "
                      "instalments).",
    "total": "Everything due in the year.",
    "revenue": "The firm's latest annual revenue (headline figure; not profit).",
    "cumulative_due": "Total due from the first year of the horizon to this one.",
    "cumulative_gap": "Cumulative due minus cash at the start and revenue of the years so "
                      "far, floored at 0: new money needed if every dollar of revenue paid "
                      "the bills (it does not, so this flatters).",
}


@dataclass(frozen=True, repr=False)
class PaymentCalendar(Result):
    """What falls due each year for ``firm`` (``None``: every firm in the network).

    Examples
    --------
    >>> import dealloop as dl
    >>> cal = payment_calendar(dl.load(), firm="openai")
    >>> cal.firm, cal.to_frame().index.tolist()
    ('openai', [2026, 2027, 2028, 2029, 2030])
    """

    firm: str | None
    years: tuple[int, ...]
    rows: tuple[dict[str, float], ...]
    cash: float
    revenue: float
    legs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    undated_debt: tuple[str, ...] = ()
    debt_rate: float = 0.0
    repayment: str = "bullet"
    horizon_totals: dict[str, float] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per year, indexed by ``year`` (:data:`CALENDAR_COLUMNS`)."""
        return pd.DataFrame(list(self.rows), columns=list(CALENDAR_COLUMNS)).set_index("year")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the rows with column descriptions, the legs behind each column, the
        firm's cash and revenue and the settings."""
        return {"firm": self.firm, "years": list(self.years), "columns": CALENDAR_COLUMNS,
                "rows": [{k: None if isinstance(v, float) and math.isnan(v) else v
                          for k, v in r.items()} for r in self.rows],  # unknown: null
                "cash": None if math.isnan(self.cash) else self.cash,
                "revenue": None if math.isnan(self.revenue) else self.revenue,
                "legs": {k: list(v) for k, v in self.legs.items()},
                "undated_debt": list(self.undated_debt), "debt_rate": self.debt_rate,
                "repayment": self.repayment, "horizon_totals": dict(self.horizon_totals),
                "method": "dealloop.scenarios.calendar"}

    def summary(self) -> str:
        """Who pays, over which years, and the largest year."""
        who = self.firm or "every firm"
        if not self.rows:
            return f"Payment calendar of {who}: nothing falls due"
        dues = [(r["year"], r["total"]) for r in self.rows]
        peak = max(dues, key=lambda x: x[1])
        return (f"Payment calendar of {who}, {self.years[0]}-{self.years[-1]}: "
                f"{sum(d for _, d in dues):,.1f} bn due, largest year {int(peak[0])} "
                f"({peak[1]:,.1f} bn)")


def _first_year(start: Any, announced: Any) -> int | None:
    for d in (start, announced):
        if isinstance(d, str):
            return parse_date(d).year
    return None


def payment_calendar(
    net: DealNetwork,
    firm: str | None = None,
    *,
    horizon: Sequence[Any] = DEFAULT_HORIZON,
    selection: Selection | None = None,
    debt_rate: float = 0.0,
    repayment: Literal["bullet", "linear", "annuity"] = "bullet",
) -> PaymentCalendar:
    """What ``firm`` (every firm when ``None``) must pay in each year of ``horizon``.

    Parameters
    ----------
    net : the network.
    firm : an entity id; ``None`` adds up every payer in the network (the system).
    horizon : first and last year (default 2026-2030).
    selection : which legs count (default: firm legs, committed and reported, estimates out).
    debt_rate : annual interest on borrowed principal (default 0: the data hold no rates).
    repayment : how debt principal is repaid over its term (see :func:`.years.debt_schedule`).

    Examples
    --------
    >>> import dealloop as dl
    >>> net = dl.load()
    >>> cal = payment_calendar(net, "openai")
    >>> frame = cal.to_frame()
    >>> list(frame.index)
    [2026, 2027, 2028, 2029, 2030]
    >>> total = net.legs(selection=dl.Selection(kinds=("compute_contract", "chip_purchase",
    ...                  "revenue_share")), horizon=(2026, 2030))
    >>> bool(round(frame["contracts"].sum(), 6) == round(
    ...     total.loc[total["payer"] == "openai", "value_in_horizon"].sum(), 6))
    True
    """
    return payment_calendars(net, [firm], horizon=horizon, selection=selection,
                             debt_rate=debt_rate, repayment=repayment)[firm]


def payment_calendars(
    net: DealNetwork,
    firms: Sequence[str | None] | None = None,
    *,
    horizon: Sequence[Any] = DEFAULT_HORIZON,
    selection: Selection | None = None,
    debt_rate: float = 0.0,
    repayment: Literal["bullet", "linear", "annuity"] = "bullet",
) -> dict[str | None, PaymentCalendar]:
    """:func:`payment_calendar` for several firms at once (``None`` in ``firms`` is the
    system; default: the system and every firm that pays or borrows), apportioning the legs
    once.

    Examples
    --------
    >>> import dealloop as dl
    >>> cals = payment_calendars(dl.load(), ["openai", None])     # None: the whole network
    >>> sorted(cals, key=str), cals["openai"].to_frame()["total"].round(1).tolist()
    ([None, 'openai'], [74.1, 135.1, 135.5, 131.8, 116.5])
    """
    if debt_rate < 0 or not math.isfinite(debt_rate):
        raise ValueError("debt_rate: expected a finite rate >= 0")
    span = parse_horizon(tuple(horizon))  # type: ignore[arg-type]
    if span is None:
        raise ValueError("horizon: expected a first and a last year")
    t0, t1 = span
    years = tuple(range(t0.year, t1.year + 1))
    sel = selection or Selection()
    legs = net.legs(selection=sel)
    legs = legs[legs["money"] == "cash_flow"]
    pays = legs[legs["kind"].isin(PURCHASE_KINDS + EQUITY_KINDS)]
    debt = legs[legs["kind"].isin(DEBT_KINDS)]
    if firms is None:
        firms = [None, *sorted(set(pays["payer"]) | set(debt["payee"]))]
    for f in firms:
        if f is not None:
            net.entity(f)  # KeyError with close matches when unknown
    shares = pd.DataFrame({y: net.legs(selection=sel, horizon=(y, y)).set_index("id")
                           ["value_in_horizon"] for y in years})
    service = {str(d): _service(v, s, a, e, debt_rate, repayment, years) for d, v, s, a, e in
               zip(debt["id"], debt["value"], debt["start"], debt["announced"], debt["end"],
                   strict=True)}
    out = {}
    for f in firms:
        mine = pays if f is None else pays[pays["payer"] == f]
        owed = debt if f is None else debt[debt["payee"] == f]
        out[f] = _calendar(net, f, years, shares, mine, owed, service, debt_rate, repayment)
    return out


def _service(value: float, start: Any, announced: Any, end: Any, rate: float, repayment: Any,
             years: tuple[int, ...]) -> tuple[dict[int, float], dict[int, float], bool]:
    """Interest and principal of one debt leg per year, and whether it is dated."""
    interest = dict.fromkeys(years, 0.0)
    principal = dict.fromkeys(years, 0.0)
    first = _first_year(start, announced)
    if math.isnan(value) or first is None:
        return interest, principal, False
    if not isinstance(end, str):  # no maturity: interest only, nothing to repay at
        for year in years:
            if year >= first:
                interest[year] += value * rate
        return interest, principal, False
    plan = debt_schedule(float(value), rate, first, max(first, parse_date(end).year),
                         repayment=repayment, years=years)
    for year, i, p in zip(plan["year"], plan["interest"], plan["principal"], strict=True):
        interest[int(year)] += float(i)
        principal[int(year)] += float(p)
    return interest, principal, True


def _calendar(net: DealNetwork, firm: str | None, years: tuple[int, ...], shares: pd.DataFrame,
              pays: pd.DataFrame, debt: pd.DataFrame,
              service: dict[str, tuple[dict[int, float], dict[int, float], bool]],
              debt_rate: float, repayment: str) -> PaymentCalendar:
    columns = {"contracts": PURCHASE_KINDS, "equity": EQUITY_KINDS}
    due: dict[str, dict[int, float]] = {}
    for column, kinds in columns.items():
        ids = pays.loc[pays["kind"].isin(kinds), "id"]
        part = shares.reindex(ids).fillna(0.0)
        due[column] = {y: float(part[y].sum()) for y in years}
    due["debt_interest"] = {y: sum(service[str(d)][0][y] for d in debt["id"]) for y in years}
    due["debt_principal"] = {y: sum(service[str(d)][1][y] for d in debt["id"]) for y in years}
    undated = tuple(str(d) for d in debt["id"] if not service[str(d)][2])
    revenue, cash = _means(net, firm, pays, debt)
    rows, cumulative = [], 0.0
    for k, year in enumerate(years):
        total = sum(due[c][year] for c in due)
        cumulative += total
        means = (0.0 if math.isnan(cash) else cash) + \
            (0.0 if math.isnan(revenue) else revenue) * (k + 1)
        rows.append({"year": year, **{c: due[c][year] for c in due}, "total": total,
                     "revenue": revenue, "cumulative_due": cumulative,
                     "cumulative_gap": max(0.0, cumulative - means)})
    totals = {c: sum(due[c].values()) for c in due}
    behind = {"contracts": tuple(pays.loc[pays["kind"].isin(PURCHASE_KINDS), "id"]),
              "equity": tuple(pays.loc[pays["kind"].isin(EQUITY_KINDS), "id"]),
              "debt": tuple(debt["id"])}
    return PaymentCalendar(firm, years, tuple(rows), cash, revenue, behind, undated,
                           float(debt_rate), repayment, totals)


def _means(net: DealNetwork, firm: str | None, pays: pd.DataFrame,
           debt: pd.DataFrame) -> tuple[float, float]:
    """Annual revenue and cash of ``firm`` (of every firm that pays or borrows, for the
    system), NaN when unknown."""
    ents = net.entities.set_index("id")
    who = [firm] if firm is not None else sorted(set(pays["payer"]) | set(debt["payee"]))
    revenue = ents.reindex(who)["revenue_usd_bn"].astype(float)
    cash = ents.reindex(who)["cash_usd_bn"].astype(float)
    r = float(revenue.sum()) if revenue.notna().any() else float("nan")
    c = float(cash.sum()) if cash.notna().any() else float("nan")
    return r, c
