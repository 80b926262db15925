"""Market quotes of a dataset as dated series, and the default probabilities they imply.

Quotes live in the dataset's ``market.csv`` (one dated, sourced quote per row). A quote
dated only to the month (``2025-12``) counts from the *last* day of that month, so an as-of
view never uses a number before the source could have printed it. Market values with no
``market.csv`` row fall back to the ``market_cap`` figures of ``figures.csv``.

A bond *yield* says nothing about default risk until the risk-free yield is taken off it.
US Treasury yields live in ``history.csv`` (topic ``rates``, metrics ``ust_<N>y_yield`` in
``pct``, one dated, sourced row per tenor and day); :func:`quotes` turns every ``bond_yield``
quote with a Treasury curve at most :data:`TREASURY_MAX_AGE_DAYS` older into a derived
``bond_spread`` row (``derived`` true): the yield minus the Treasury yield at the bond's
remaining term, interpolated linearly between the tenors quoted that day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..data.read import parse_date, split_refs
from ..data.schema import MARKET
from .implied import DEFAULT_RECOVERY, default_probability, hazard_rate

__all__ = ["SPREAD_INSTRUMENTS", "TREASURY_MAX_AGE_DAYS", "as_of_date", "equity_series",
           "implied_pds", "quotes", "spread_series", "treasury_curve", "treasury_yield",
           "value_as_of", "yield_spreads"]

#: Spread instruments in order of preference for implied probabilities: a CDS prices default
#: risk alone; a bond spread also pays for liquidity.
SPREAD_INSTRUMENTS = ("cds_5y", "bond_spread")


#: How much older than a bond-yield quote the Treasury curve it is measured against may be.
TREASURY_MAX_AGE_DAYS = 7
_TENOR = re.compile(r"^ust_(\d+(?:\.\d+)?)y_yield$")
_MATURITY = re.compile(r"\bdue\s*~?\s*((?:19|20)\d\d)\b")


def _day(text: object) -> dt.date | None:
    return parse_date(str(text), end=True) if isinstance(text, str) and text else None


def on_or_before(days: pd.Series, day: dt.date) -> pd.Series:
    """Boolean mask of the dates in ``days`` known and not after ``day`` (an empty column
    gives an empty mask, never a column selection).

    Examples
    --------
    >>> import datetime as dt
    >>> import pandas as pd
    >>> days = pd.Series([dt.date(2025, 1, 1), dt.date(2026, 1, 1), None])
    >>> on_or_before(days, dt.date(2025, 6, 30)).tolist()
    [True, False, False]
    """
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
    frame["derived"] = False
    extra = yield_spreads(frame, treasury_curve(net))
    if not extra.empty:
        frame = pd.concat([frame, extra], ignore_index=True)
    return frame.sort_values(["entity", "instrument", "day"], kind="stable",
                             ignore_index=True)


def treasury_curve(net: Any) -> pd.DataFrame:
    """US Treasury yields of ``net``'s ``history.csv`` (topic ``rates``, metrics
    ``ust_<N>y_yield`` in ``pct``): one row per day and tenor with ``day``, ``tenor``
    (years), ``value`` (percent a year), ``id`` and ``sources``; empty when there are none.

    Examples
    --------
    >>> import dealloop as dl
    >>> curve = treasury_curve(dl.load())
    >>> list(curve.columns[:3]), bool((curve["value"] > 0).all())
    (['day', 'tenor', 'value'], True)
    """
    cols = ["day", "tenor", "value", "id", "sources"]
    hist = getattr(net, "history", None)
    if hist is None or hist.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for r in hist.itertuples(index=False):
        m = _TENOR.match(str(r.metric))
        day = _day(r.date)
        if str(r.topic) != "rates" or m is None or str(r.unit) != "pct" or day is None:
            continue
        rows.append({"day": day, "tenor": float(m.group(1)), "value": float(r.value),
                     "id": str(r.id), "sources": str(r.sources)})
    return pd.DataFrame(rows, columns=cols).sort_values(["day", "tenor"], ignore_index=True)


def treasury_yield(curve: pd.DataFrame, day: dt.date, tenor: float, *,
                   max_age_days: int = TREASURY_MAX_AGE_DAYS) -> tuple[float, list[str]] | None:
    """The Treasury yield (percent) at ``tenor`` years from the latest curve dated on or
    before ``day`` and at most ``max_age_days`` older, with the ids of the points used;
    None when there is no such curve. Linear between the tenors quoted that day, flat beyond.

    Examples
    --------
    >>> c = pd.DataFrame({"day": [dt.date(2025, 10, 29)] * 2, "tenor": [10.0, 30.0],
    ...                   "value": [4.0, 5.0], "id": ["R10", "R30"], "sources": ["s", "s"]})
    >>> treasury_yield(c, dt.date(2025, 10, 31), 20.0)
    (4.5, ['R10', 'R30'])
    >>> treasury_yield(c, dt.date(2025, 10, 31), 40.0)
    (5.0, ['R30'])
    >>> treasury_yield(c, dt.date(2025, 11, 30), 10.0) is None
    True
    """
    if curve.empty:
        return None
    days = [d for d in curve["day"] if d <= day]
    if not days or (day - max(days)).days > max_age_days:
        return None
    pts = curve[curve["day"] == max(days)].sort_values("tenor")
    ten, val, ids = pts["tenor"].tolist(), pts["value"].tolist(), pts["id"].tolist()
    if tenor <= ten[0]:
        return float(val[0]), [ids[0]]
    if tenor >= ten[-1]:
        return float(val[-1]), [ids[-1]]
    k = next(i for i, t in enumerate(ten) if t >= tenor)
    if ten[k] == tenor:
        return float(val[k]), [ids[k]]
    w = (tenor - ten[k - 1]) / (ten[k] - ten[k - 1])
    return float(val[k - 1] + w * (val[k] - val[k - 1])), [ids[k - 1], ids[k]]


def yield_spreads(q: pd.DataFrame, curve: pd.DataFrame, *,
                  max_age_days: int = TREASURY_MAX_AGE_DAYS) -> pd.DataFrame:
    """Derived ``bond_spread`` rows (bp) for the ``bond_yield`` quotes of ``q``: the yield
    minus the Treasury yield at the bond's remaining term (its ``due YYYY`` year minus the
    quote's year, at least one year). Quotes with no stated maturity or no Treasury curve
    within ``max_age_days`` give no row. Ids are the quote's id with ``~ust``; sources are
    the quote's and the Treasury points'.

    Examples
    --------
    >>> import dealloop as dl
    >>> net = dl.load()
    >>> q = quotes(net)
    >>> bonds = q[~q["id"].str.endswith("~ust")]          # the quotes as stored
    >>> spreads = yield_spreads(bonds, treasury_curve(net))
    >>> set(spreads["instrument"]), set(spreads["unit"])
    ({'bond_spread'}, {'bp'})
    >>> bool(spreads["id"].str.endswith("~ust").all())
    True
    """
    out = []
    if curve.empty or q.empty:
        return pd.DataFrame(columns=[*q.columns])
    rows: Iterable[Any] = q[q["instrument"] == "bond_yield"].itertuples(index=False)
    for r in rows:  # namedtuples with one field per column of MARKET
        issue = r.issue if isinstance(r.issue, str) else ""
        m = _MATURITY.search(issue)
        day = r.day
        if m is None or not isinstance(day, dt.date):
            continue
        tenor = max(1.0, float(int(m.group(1)) - day.year))
        ust = treasury_yield(curve, day, tenor, max_age_days=max_age_days)
        if ust is None:
            continue
        value, ids = ust
        used = curve[curve["id"].isin(ids)]
        refs = list(dict.fromkeys([*split_refs(r.sources),
                                   *(s for x in used["sources"] for s in split_refs(x))]))
        out.append({**r._asdict(), "id": f"{r.id}~ust", "instrument": "bond_spread",
                    "value": round((float(r.value) - value) * 100.0, 1), "unit": "bp",
                    "sources": ";".join(refs), "derived": True,
                    "notes": f"derived: yield {float(r.value):g}% minus the {tenor:g}-year "
                             f"Treasury {value:.3f}% ({', '.join(ids)})"})
    return pd.DataFrame(out, columns=[*q.columns])


def as_of_date(net: Any, as_of: str | dt.date | None = None) -> dt.date:
    """``as_of`` as a date; by default the day of the latest quote (or of the dataset's last
    announced leg when there is no quote).

    A partial date (``2026-02``) means the end of its period.

    Examples
    --------
    >>> import datetime as dt
    >>> import dealloop as dl
    >>> as_of_date(dl.load(), "2026-01-31")
    datetime.date(2026, 1, 31)
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
    known = [d for d in ann if d is not None]
    return max(known) if known else dt.date.today()


def _series(q: pd.DataFrame, entity: str, instrument: str, issue: str | None = None
            ) -> pd.DataFrame:
    sel = q[(q["entity"] == entity) & (q["instrument"] == instrument)]
    if issue is not None:
        sel = sel[sel["issue"].fillna("") == issue]
    return sel[["id", "day", "date", "value", "unit", "issue", "sources"]].reset_index(drop=True)


def spread_series(q: pd.DataFrame, entity: str) -> pd.DataFrame:
    """The firm's credit-spread series in bp: its 5-year CDS, else the spread of its most
    quoted bond issue; empty when it has neither. Adds an ``instrument`` column.

    Examples
    --------
    >>> import dealloop as dl
    >>> s = spread_series(quotes(dl.load()), "coreweave")
    >>> set(s["unit"]) == {"bp"} and len(s) > 0
    True
    """
    for inst in SPREAD_INSTRUMENTS:
        rows = q[(q["entity"] == entity) & (q["instrument"] == inst)]
        if rows.empty:
            continue
        issue = None
        if inst == "bond_spread":
            quoted = rows[~rows["derived"].fillna(False).astype(bool)] \
                if "derived" in rows else rows
            rows = quoted if not quoted.empty else rows  # a quoted spread beats a derived one
            issue = str(rows["issue"].fillna("").value_counts().index[0])
        return _series(q, entity, inst, issue).assign(instrument=inst)
    return _series(q, entity, "cds_5y").assign(instrument="cds_5y")


def equity_series(q: pd.DataFrame, net: Any, entity: str, day: dt.date | None = None, *,
                  max_age_days: int | None = None) -> pd.DataFrame:
    """The firm's equity series: share prices or market values (``market.csv`` rows, then
    ``market_cap`` figures of ``figures.csv``), whichever has more quotes dated on or before
    ``day`` (all quotes when ``day`` is None); a tie goes to share prices. Adds an
    ``instrument`` column (``share_price`` or ``market_value``); the two are never mixed in
    one series, since a price and a market value differ by the share count.

    With ``day`` and ``max_age_days``, a series whose latest quote on or before ``day`` is
    older than ``max_age_days`` gives way to the other when the other's is not: a drawdown
    as of a date needs a current quote, and the better-covered series may have stopped.

    Examples
    --------
    >>> import dealloop as dl
    >>> net = dl.load()
    >>> equity_series(quotes(net), net, "alphabet")["instrument"].iloc[0]
    'market_value'
    >>> day = dt.date(2026, 6, 30)  # market values stop in January 2026, prices run on
    >>> equity_series(quotes(net), net, "microsoft", day, max_age_days=62)["instrument"].iloc[0]
    'share_price'
    """
    price = _series(q, entity, "share_price").assign(instrument="share_price")
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
    mv = mv.sort_values("day", kind="stable", ignore_index=True).assign(
        instrument="market_value")

    def count(s: pd.DataFrame) -> int:
        return int(on_or_before(s["day"], day).sum()) if day is not None else len(s)

    if day is not None and max_age_days is not None:
        current = [value_as_of(s, day, max_age_days=max_age_days) is not None
                   for s in (price, mv)]
        if current == [True, False]:
            return price
        if current == [False, True]:
            return mv
    return price if count(price) >= count(mv) and not price.empty else mv


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
    and ``sources``. See :mod:`dealloop.prices.implied` for the formula and conventions.

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
