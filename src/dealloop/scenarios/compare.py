"""Reference figures to compare a stress result with: the dot-com bust and savers' exposure.

The figures are read from the dataset's ``history.csv`` (``net.history``), never written in
code, so each comparison carries its history id and source ids. This module only names which
metrics to look for; a dataset without them gets an empty comparison.

Examples
--------
>>> import dealloop as dl
>>> refs = references(dl.load(), {"market_value_lost_net": 500.0,
...                                "market_value_before": 25_000.0})
>>> row = refs.set_index("key").loc["dotcom_value_lost"]
>>> row["unit"], row["id"], float(row["ours"])
('usd_bn', 'H017', 500.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = ["HOUSEHOLD_REFERENCES", "REFERENCES", "references", "with_households"]

#: key -> (label, history metrics tried in order, our figure, how to compare)
REFERENCES: dict[str, tuple[str, tuple[str, ...], str | None, str]] = {
    "dotcom_value_lost": (
        "Market value lost in the dot-com bust, 2000-02",
        ("market_value_lost_dotcom", "market_value_lost_nasdaq_listed"),
        "market_value_lost_net", "ratio"),
    "nasdaq_fall": (
        "Nasdaq Composite, peak to trough (2000-03-10 to 2002-10-09)",
        ("nasdaq_peak_to_trough_change",),
        "market_value_change", "ratio"),
    "cisco_recovery": (
        "Years Cisco needed to regain its 2000 closing peak",
        ("cisco_years_to_regain_peak",), None, "context"),
    "nasdaq_recovery": (
        "Years the Nasdaq needed to regain its 2000 peak",
        ("nasdaq_years_to_regain_peak",), None, "context"),
    "retirement_assets": (
        "US retirement assets (what ordinary savers hold)",
        ("us_retirement_assets",), None, "context"),
    "household_wealth_2000": (
        "US household financial wealth lost in 2000",
        ("household_financial_wealth_change",), "households_loss", "ratio"),
}

#: References to US households' losses: compared with the loss that lands on US households
#: (the holders layer's ``households["total"]``, :func:`with_households`), never with the
#: market value lost by every outside shareholder (which adds the rest of the world,
#: institutions and what is not allocated). The retirement-assets row stays context: the
#: holders layer gives retirement accounts' loss as a share of their assets.
HOUSEHOLD_REFERENCES: dict[str, str] = {"household_wealth_2000": "total"}


def _pick(hist: pd.DataFrame, metrics: Sequence[str]) -> pd.Series | None:
    for metric in metrics:
        hit = hist[hist["metric"] == metric]
        if len(hit):
            dated = hit.assign(_d=hit["date"].fillna("").astype(str))
            return dated.sort_values("_d", kind="stable").iloc[-1]
    return None


def references(net: Any, figures: Mapping[str, float], ids: Sequence[str] = ()
               ) -> pd.DataFrame:
    """Reference figures next to ours.

    ``figures`` holds our headline figures (``market_value_lost_net``,
    ``market_value_before``...); ``ids`` adds history rows by id (a scenario's
    ``compare:``). Columns: ``key, label, id, metric, value, unit, date, sources, ours,
    comparison`` where ``comparison`` is the size of ours over the size of the reference
    (``how`` = ``ratio``: a loss against a loss) or ours as a share of the reference
    (``share``: a loss against a stock of wealth); ``context`` rows have no figure of ours
    (the household rows get one from :func:`with_households`).

    Examples
    --------
    >>> import dealloop as dl
    >>> ref = references(dl.load(), {"market_value_lost_net": 1000.0})
    >>> ref.set_index("id").loc["H017", ["value", "ours", "comparison"]].tolist()
    [5000.0, 1000.0, 0.2]
    """
    hist = getattr(net, "history", None)
    cols = ["key", "label", "id", "metric", "value", "unit", "date", "sources", "ours",
            "comparison", "how"]
    if hist is None or not len(hist):
        return pd.DataFrame(columns=cols)
    ours = dict(figures)
    before = ours.get("market_value_before", 0.0)
    if before:
        ours["market_value_change"] = -ours.get("market_value_lost_net", 0.0) / before
    rows = []
    for key, (label, metrics, mine, how) in REFERENCES.items():
        row = _pick(hist, metrics)
        if row is None:
            continue
        rows.append(_row(key, label, row, ours.get(mine) if mine else None, how))
    for hid in ids:
        hit = hist[hist["id"] == hid]
        if len(hit):
            row = hit.iloc[0]
            rows.append(_row(hid, str(row["metric"]).replace("_", " "), row,
                             ours.get("market_value_lost_net"), "ratio"))
    return pd.DataFrame(rows, columns=cols)


def with_households(comparison: pd.DataFrame, households: Mapping[str, Any]
                    ) -> pd.DataFrame:
    """``comparison`` (from :func:`references`) with the rows of
    :data:`HOUSEHOLD_REFERENCES` compared with the loss on US households.

    ``households`` is the holders layer's ``households`` (``holders.follow(result,
    net).households``); :func:`dealloop.holders.result_dict` and ``dealloop stress`` apply
    it, so the CLI, the report and the API compare a household figure with a household
    figure. Without a household total the rows stay as they are (context).

    Examples
    --------
    >>> import dealloop as dl
    >>> ref = references(dl.load(), {"market_value_lost_net": 1000.0})
    >>> row = ref.set_index("key").loc["household_wealth_2000"]
    >>> bool(pd.isna(row["ours"])), row["how"]
    (True, 'context')
    >>> row = with_households(ref, {"total": 230.0}).set_index("key").loc[
    ...     "household_wealth_2000"]
    >>> float(row["ours"]), round(float(row["comparison"]), 3), row["how"]
    (230.0, 0.1, 'ratio')
    """
    out = comparison.copy()
    if "key" not in out.columns:
        return out
    for key, field in HOUSEHOLD_REFERENCES.items():
        ours = households.get(field)
        if ours is None or ours != ours:
            continue
        for i in out.index[out["key"] == key]:
            value = float(out.loc[i, "value"])  # type: ignore[arg-type]
            out.at[i, "ours"] = float(ours)
            out.at[i, "comparison"] = abs(float(ours)) / abs(value) if value else None
            out.at[i, "how"] = REFERENCES[key][3]
    return out


def _row(key: str, label: str, row: pd.Series, ours: float | None, how: str) -> dict:
    value = float(row["value"])
    comparison = None
    if ours is not None and value:
        comparison = abs(ours) / abs(value)
    if ours is None:
        how = "context"  # no figure of ours to set against it (yet: see with_households)
    return {"key": key, "label": label, "id": row["id"], "metric": row["metric"],
            "value": value, "unit": row["unit"], "date": row["date"],
            "sources": row["sources"], "ours": ours, "comparison": comparison, "how": how}
