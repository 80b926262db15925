"""Company figures that are no longer current: superseded, stale, or behind a newer filing.

A figure in ``figures.csv`` is dated (``as_of``). Three things make it doubtful as a firm's
current number, and :func:`figure_flags` names each:

* ``superseded``: a later figure of the same firm, metric and unit exists (for flows, of the
  same kind of period: annual against annual, quarterly against quarterly). The headline
  value already takes the latest one; the flag says so where an older one is cited.
* ``stale``: it is dated more than ``max_age_days`` (a year by default) before the dataset's
  cut-off, the latest ``as_of`` of any figure.
* ``behind filing``: a balance-sheet figure (one with no accounting ``period``: cash, debt,
  book equity, backlog, ...) dated more than ``filing_lag_days`` (a quarter) before the firm's
  latest report, so a newer report exists that this number does not reflect. The latest report
  is the latest ``as_of`` among the firm's results for an accounting period (a fiscal year,
  quarter or half of a :data:`REPORTED_METRICS` metric; not guidance or run-rates) or its
  figures cited to a primary source (a filing or the company's own release).

The flags are advice, not corrections: they change no number.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .frames import _SUBANNUAL
from .read import parse_date, split_refs

__all__ = ["REPORTED_METRICS", "figure_flags"]

#: Metrics whose figures for an accounting period are results a firm reports (not guidance,
#: run-rates or valuations): their dates mark the firm's latest report.
REPORTED_METRICS = ("revenue", "net_income", "net_loss", "operating_cash_flow",
                    "free_cash_flow", "capex")


def _as_of(value: object) -> dt.date | None:
    return parse_date(value, end=True) if isinstance(value, str) and value.strip() else None


def figure_flags(figures: pd.DataFrame | None, sources: pd.DataFrame | None = None, *,
                 cutoff: dt.date | None = None, max_age_days: int = 365,
                 filing_lag_days: int = 92) -> dict[str, tuple[str, ...]]:
    """Per figure id, the reasons it is not current (figures with none are left out).

    ``sources`` (with ``id`` and ``tier``) enables the ``behind filing`` check; ``cutoff``
    defaults to the latest ``as_of`` among ``figures``.

    Examples
    --------
    >>> f = pd.DataFrame({"id": ["F1", "F2", "F3"], "entity": ["x", "x", "x"],
    ...                   "metric": ["cash", "cash", "debt"], "value": [1.0, 2.0, 3.0],
    ...                   "unit": ["usd_bn"] * 3, "period": ["", "", ""],
    ...                   "as_of": ["2024-06-30", "2025-09-30", "2025-03-31"],
    ...                   "sources": ["s1", "s2", "s1"]})
    >>> s = pd.DataFrame({"id": ["s1", "s2"], "tier": ["aggregator", "primary"]})
    >>> flags = figure_flags(f, s)
    >>> for why in flags["F1"]:
    ...     print(why)
    superseded by F2 (2025-09-30)
    stale: 2024-06-30 is over 365 days before the cut-off 2025-09-30
    behind filing: x reported to 2025-09-30 (F2)
    >>> flags["F3"]
    ('behind filing: x reported to 2025-09-30 (F2)',)
    >>> "F2" in flags
    False
    """
    if figures is None or figures.empty:
        return {}
    days = [_as_of(a) for a in figures["as_of"]]
    known = [d for d in days if d is not None]
    if not known:
        return {}
    cut = cutoff or max(known)
    periods = (figures["period"] if "period" in figures else pd.Series("", index=figures.index))
    sub = periods.fillna("").astype(str).str.match(_SUBANNUAL).tolist()
    primary: set[str] = set()
    if sources is not None and "tier" in sources:
        primary = {str(i) for i, t in zip(sources["id"], sources["tier"], strict=True)
                   if t == "primary"}
    labels = periods.fillna("").astype(str).str.strip().tolist()
    rows = list(zip(figures["id"].astype(str), figures["entity"].astype(str),
                    figures["metric"].astype(str), figures["unit"].astype(str), days, sub,
                    figures["sources"], labels, strict=True))
    latest: dict[tuple[str, str, str, bool], tuple[dt.date, str]] = {}
    filed: dict[str, tuple[dt.date, str]] = {}
    for fid, ent, metric, unit, day, quarterly, refs, period in rows:
        if day is None:
            continue
        key = (ent, metric, unit, quarterly)
        if key not in latest or day > latest[key][0]:
            latest[key] = (day, fid)
        reported = bool(period) and metric in REPORTED_METRICS
        if (reported or (primary and set(split_refs(refs)) & primary)) and (
                ent not in filed or day > filed[ent][0]):
            filed[ent] = (day, fid)
    out: dict[str, tuple[str, ...]] = {}
    for fid, ent, metric, unit, day, quarterly, _, period in rows:
        if day is None:
            continue
        why = []
        newest = latest[(ent, metric, unit, quarterly)]
        if newest[0] > day:
            why.append(f"superseded by {newest[1]} ({newest[0].isoformat()})")
        if (cut - day).days > max_age_days:
            why.append(f"stale: {day.isoformat()} is over {max_age_days} days before the "
                       f"cut-off {cut.isoformat()}")
        if not period and ent in filed and (filed[ent][0] - day).days > filing_lag_days:
            why.append(f"behind filing: {ent} reported to {filed[ent][0].isoformat()} "
                       f"({filed[ent][1]})")
        if why:
            out[fid] = tuple(why)
    return out
