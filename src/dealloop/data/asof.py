"""Legs as they were known on a date: what an as-of view of a dataset keeps and how it reads
the statuses that changed later (:meth:`dealloop.network.DealNetwork.as_of`)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .read import parse_date, split_refs

__all__ = ["as_of_date", "deals_as_of", "known_by", "status_changed"]


def as_of_date(day: str | dt.date) -> dt.date:
    """``day`` as a date; a partial date (``2025``, ``2025-12``) is the last day of its
    period. ``ValueError`` with a one-line message when it is not a date.

    Examples
    --------
    >>> as_of_date("2025-06"), as_of_date(dt.date(2026, 1, 2))
    (datetime.date(2025, 6, 30), datetime.date(2026, 1, 2))
    """
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    return parse_date(str(day), end=True)


def known_by(dates: pd.Series, when: dt.date) -> np.ndarray:
    """Rows whose date (partial dates at the end of their period) is on or before ``when``;
    undated rows are kept.

    Examples
    --------
    >>> import datetime as dt
    >>> import pandas as pd
    >>> dates = pd.Series(["2025-09", "2026-01-15", None, "2025"])
    >>> known_by(dates, dt.date(2025, 12, 31)).tolist()     # "2025" counts from 2025-12-31
    [True, False, True, True]
    """
    return np.array([not isinstance(d, str) or parse_date(d, end=True) <= when for d in dates],
                    dtype=bool)


def status_changed(deals: pd.DataFrame) -> dict[str, dt.date | None]:
    """Per superseded or cancelled leg, the date its status changed (``None``: not known).

    The leg's ``status_date`` when given; else, for a superseded leg, the earliest
    announcement of the legs that list it in ``supersedes``; else (a cancelled leg with no
    date) ``None``, read as "dead since it was announced": an as-of view never brings a
    leg back to life without a date saying it was alive.

    Examples
    --------
    >>> import dealloop as dl
    >>> changed = status_changed(dl.load().deals)
    >>> "D01" in changed                    # NVIDIA's letter of intent, superseded by D02
    True
    """
    by_leg: dict[str, dt.date | None] = {}
    replaced: dict[str, dt.date] = {}
    if "supersedes" in deals:
        for olds, announced in zip(deals["supersedes"], deals["announced"], strict=True):
            if not isinstance(olds, str) or not isinstance(announced, str):
                continue
            when = parse_date(announced, end=True)
            for old in split_refs(olds):
                if old not in replaced or when < replaced[old]:
                    replaced[old] = when
    given = deals["status_date"] if "status_date" in deals else pd.Series(None, index=deals.index)
    for leg, status, date in zip(deals["id"], deals["status"], given, strict=True):
        if status not in ("superseded", "cancelled"):
            continue
        if isinstance(date, str):
            by_leg[str(leg)] = parse_date(date, end=True)
        else:
            by_leg[str(leg)] = replaced.get(str(leg)) if status == "superseded" else None
    return by_leg


def deals_as_of(deals: pd.DataFrame, day: str | dt.date) -> pd.DataFrame:
    """The legs as they were known on ``day``.

    A leg announced after ``day`` is dropped (undated legs are kept: nothing says they came
    later). A superseded or cancelled leg whose status changed after ``day`` (see
    :func:`status_changed`) gets back the status it had before: ``conditional`` when it
    states a condition, else ``committed``. Links (``supersedes``, ``part_of``) to legs not
    yet announced are dropped, so the view is a valid dataset of its own (a part of an
    aggregate announced later counts on its own until then).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": ["A", "B", "C"], "status": ["superseded", "committed",
    ...                   "cancelled"], "condition": ["if built", None, None],
    ...                   "announced": ["2025-01", "2025-06-02", "2025-03"],
    ...                   "supersedes": [None, "A", None]})
    >>> deals_as_of(d, "2025-05")[["id", "status"]].values.tolist()
    [['A', 'conditional'], ['C', 'cancelled']]
    >>> deals_as_of(d, "2025-07")["status"].tolist()
    ['superseded', 'committed', 'cancelled']
    """
    when = as_of_date(day)
    out = deals[known_by(deals["announced"], when)].copy()
    changed = status_changed(deals)
    cond = out["condition"] if "condition" in out else pd.Series(None, index=out.index)
    for idx, leg, c in zip(out.index, out["id"], cond, strict=True):
        date = changed.get(str(leg))
        if date is None or date <= when:  # not a dead leg, dead since announced, or by then
            continue
        out.at[idx, "status"] = "conditional" if isinstance(c, str) and c.strip() \
            else "committed"
    known = set(out["id"])
    if "part_of" in out:
        out["part_of"] = pd.array([p if isinstance(p, str) and p in known else None
                                   for p in out["part_of"]], dtype=object)
    if "supersedes" in out:
        out["supersedes"] = pd.array([";".join(r for r in split_refs(v) if r in known) or None
                                      if isinstance(v, str) else None
                                      for v in out["supersedes"]], dtype=object)
    return out
