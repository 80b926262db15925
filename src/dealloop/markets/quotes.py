"""Market quotes of a dataset as dated series, and the default probabilities they imply.

Quotes live in the dataset's ``market.csv`` (one dated, sourced quote per row). A quote
dated only to the month (``2025-12``) counts from the *last* day of that month, so an as-of
view never uses a number before the source could have printed it. Market values with no
``market.csv`` row fall back to the ``market_cap`` figures of ``figures.csv``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ..data.read import parse_date, split_refs
from ..data.schema import MARKET
from .implied import DEFAULT_RECOVERY, default_probability, hazard_rate

__all__ = ["SPREAD_INSTRUMENTS", "as_of_date", "equity_series", "implied_pds", "quotes",
           "spread_series", "value_as_of"]

#: Spread instruments in order of preference for implied probabilities: a CDS prices default
#: risk alone; a bond spread also pays for liquidity.
SPREAD_INSTRUMENTS = ("cds_5y", "bond_spread")


def _day(text: object) -> dt.date | None:
    return parse_date(str(text), end=True) if isinstance(text, str) and text else None


def on_or_before(days: pd.Series, day: dt.date) -> pd.Series:
    """Boolean mask of the dates in ``days`` known and not after ``day`` (an empty column
    gives an empty mask, never a column selection)."""
    return pd.Series([d is not None and d <= day for d in days], index=days.index, dtype=bool)


def quotes(net: Any) -> pd.DataFrame:
    """Every quote of ``net`` with a ``day`` column (the date it counts from), oldest first.

    Columns are those of ``market.csv`` plus ``day`` (:class:`datetime.date`). Empty when the
    dataset has no market file.

    Examples
    --------
    >>> import dealloop as dl
    >>> q = quotes(dl.load())
    >>> q.loc[q["id"] == "M001", ["entity", "instrument", "value", "unit"]].values.tolist()
    [['coreweave', 'cds_5y', 368.395, 'bp']]
    """
    tables = getattr(net, "tables", {}) or {}
    frame = tables.get(MARKET.name)
    if frame is None or frame.empty:
        frame = pd.DataFrame(columns=[*MARKET.column_names])
    frame = frame.copy()
    frame["day"] = [_day(d) for d in frame["date"]]
    return frame.sort_values(["entity", "instrument", "day"], kind="stable",
                             ignore_index=True)


def as_of_date(net: Any, as_of: str | dt.date | None = None) -> dt.date:
    """``as_of`` as a date; by default the day of the latest quote (or of the dataset's last
    announced leg when there is no quote).

    A partial date (``2026-02``) means the end of its period.
    """
    if isinstance(as_of, dt.date):
        return as_of
    if as_of:
        return parse_date(str(as_of), end=True)
    q = quotes(net)
    days = [d for d in q["day"] if d is not None]
    if days:
        return max(days)
    ann = [_day(a) for a in getattr(net, "deals", pd.DataFrame()).get("announced", [])]
    ann = [d for d in ann if d is not None]
    return max(ann) if ann else dt.date.today()


def _series(q: pd.DataFrame, entity: str, instrument: str, issue: str | None = None
            ) -> pd.DataFrame:
    sel = q[(q["entity"] == entity) & (q["instrument"] == instrument)]
    if issue is not None:
        sel = sel[sel["issue"].fillna("") == issue]
    return sel[["id", "day", "date", "value", "unit", "issue", "sources"]].reset_index(drop=True)


def spread_series(q: pd.DataFrame, entity: str) -> pd.DataFrame:
    """The firm's credit-spread series in bp: its 5-year CDS, else the spread of its most
    quoted bond issue; empty when it has neither. Adds an ``instrument`` column."""
    for inst in SPREAD_INSTRUMENTS:
        rows = q[(q["entity"] == entity) & (q["instrument"] == inst)]
        if rows.empty:
            continue
        issue = None
        if inst == "bond_spread":
            issue = str(rows["issue"].fillna("").value_counts().index[0])
        return _series(q, entity, inst, issue).assign(instrument=inst)
    return _series(q, entity, "cds_5y").assign(instrument="cds_5y")


def equity_series(q: pd.DataFrame, net: Any, entity: str) -> pd.DataFrame:
    """The firm's equity series: share prices when quoted, else market values (``market.csv``
    rows, then ``market_cap`` figures of ``figures.csv``). Adds an ``instrument`` column
    (``share_price`` or ``market_value``); the two are never mixed in one series."""
    price = _series(q, entity, "share_price")
    if not price.empty:
        return price.assign(instrument="share_price")
    mv = _series(q, entity, "market_value")
    fig = getattr(net, "figures", None)
    if fig is not None and not fig.empty:
        f = fig[(fig["entity"] == entity) & (fig["metric"] == "market_cap")
                & (fig["unit"] == "usd_bn") & fig["value"].notna() & fig["as_of"].notna()]
        extra = pd.DataFrame({"id": f["id"], "day": [_day(d) for d in f["as_of"]],
                              "date": f["as_of"], "value": f["value"], "unit": "usd_bn",
                              "issue": None, "sources": f["sources"]})
        have = set(mv["day"])
        extra = extra[~extra["day"].isin(have)]
        if not extra.empty:
            mv = pd.concat([mv, extra], ignore_index=True) if not mv.empty else extra
    mv = mv.sort_values("day", kind="stable", ignore_index=True)
    return mv.assign(instrument="market_value")


def value_as_of(series: pd.DataFrame, day: dt.date, *, max_age_days: int | None = None
                ) -> pd.Series | None:
    """The last row of ``series`` dated on or before ``day`` (and not older than
    ``max_age_days`` when given), or None.

    Examples
    --------
    >>> s = pd.DataFrame({"day": [dt.date(2025, 10, 6), dt.date(2025, 12, 5)],
    ...                   "value": [368.4, 643.0]})
    >>> float(value_as_of(s, dt.date(2025, 11, 30))["value"])
    368.4
    >>> value_as_of(s, dt.date(2025, 11, 30), max_age_days=30) is None
    True
    """
    if series.empty:
        return None
    rows = series.loc[on_or_before(series["day"], day)]
    if rows.empty:
        return None
    last = rows.iloc[-1]
    if max_age_days is not None and (day - last["day"]).days > max_age_days:
        return None
    return last


def implied_pds(net: Any, *, as_of: str | dt.date | None = None,
                recovery: float = DEFAULT_RECOVERY, horizon: float = 5.0,
                max_age_days: int | None = None) -> pd.DataFrame:
    """Default probabilities implied by each firm's latest credit spread as of a date.

    One row per firm with a CDS or bond spread quoted on or before ``as_of``: ``instrument``,
    ``issue``, ``date`` (of the quote), ``spread_bp``, ``hazard`` (``λ = s / (1 − R)`` per
    year), ``pd_1y``, ``pd_horizon`` (cumulative over ``horizon`` years), ``survival_horizon``
    and ``sources``. See :mod:`dealloop.markets.implied` for the formula and conventions.

    Examples
    --------
    >>> import dealloop as dl
    >>> t = implied_pds(dl.load(), as_of="2025-12-31", recovery=0.4)
    >>> row = t.loc["oracle"]
    >>> float(row["spread_bp"]), round(float(row["pd_1y"]), 4)
    (128.0, 0.0211)
    """
    day = as_of_date(net, as_of)
    q = quotes(net)
    rows = []
    for entity in sorted(set(q["entity"])):
        s = spread_series(q, entity)
        last = value_as_of(s, day, max_age_days=max_age_days)
        if last is None:
            continue
        bp = float(last["value"])
        rows.append({
            "firm": entity, "instrument": s["instrument"].iloc[0],
            "issue": last["issue"] if isinstance(last["issue"], str) else None,
            "date": last["date"], "spread_bp": bp,
            "hazard": hazard_rate(bp, recovery=recovery),
            "pd_1y": default_probability(bp, recovery=recovery, horizon=1.0),
            "pd_horizon": default_probability(bp, recovery=recovery, horizon=horizon),
            "survival_horizon": 1.0 - default_probability(bp, recovery=recovery,
                                                          horizon=horizon),
            "sources": ";".join(split_refs(last["sources"])),
        })
    cols = ["instrument", "issue", "date", "spread_bp", "hazard", "pd_1y", "pd_horizon",
            "survival_horizon", "sources"]
    frame = pd.DataFrame(rows, columns=["firm", *cols]).set_index("firm")
    frame.attrs.update(as_of=day.isoformat(), recovery=recovery, horizon=horizon)
    return frame
