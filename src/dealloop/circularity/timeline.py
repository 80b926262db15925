"""The network over time: legs, money and loops month by month, as known at each month's end.

Each month is the dataset seen :meth:`~dealloop.network.DealNetwork.as_of` its last day, so
a leg superseded or cancelled later still counts in the months before, and the loops are
those of the network as it stood then (:func:`~dealloop.circularity.cycles`, every live leg,
as in the report).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..data.asof import as_of_date
from ..network import DealNetwork, Selection
from ..result import Result
from ..vocabulary import month_ends, parse_date

__all__ = ["COLUMNS", "Timeline", "timeline"]

#: Columns of :meth:`Timeline.to_frame`, with what each counts.
COLUMNS: dict[str, str] = {
    "month": "Calendar month (YYYY-MM); each row is the network as known on its last day.",
    "new_legs": "Legs first announced in the month (any status).",
    "legs": "Live legs known at the month's end (committed, reported, conditional).",
    "firm_legs": "Of which firm (committed or reported).",
    "money_usd_bn": "The firm total of 'dealloop summary' for the network as known at the "
                    "month's end: stated cash flows, committed + reported, USD bn (estimates, "
                    "derived legs, stocks and non-cash legs left out).",
    "new_money_usd_bn": "Change in money_usd_bn over the month.",
    "loops": "Money loops (up to max_length firms) among the live legs at the month's end.",
}


@dataclass(frozen=True, repr=False)
class Timeline(Result):
    """Legs, money and loops by month (see :data:`COLUMNS`); ``added`` lists, per month, the
    ids of the legs announced in it (the stepped view of the network growing).

    Examples
    --------
    >>> import dealloop as dl
    >>> t = timeline(dl.load(), start="2025-09", end="2025-10")
    >>> list(t.to_frame().index), sorted(t.added)
    (['2025-09', '2025-10'], ['2025-09', '2025-10'])
    """

    rows: tuple[dict[str, Any], ...]
    added: dict[str, tuple[str, ...]] = field(default_factory=dict)
    undated: tuple[str, ...] = ()
    max_length: int = 6

    def to_frame(self) -> pd.DataFrame:
        """One row per month, indexed by ``month``."""
        return pd.DataFrame(list(self.rows), columns=list(COLUMNS)).set_index("month")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``columns`` (with descriptions), ``rows``, ``added``, ``undated``."""
        return {"columns": COLUMNS, "rows": [dict(r) for r in self.rows],
                "added": {k: list(v) for k, v in self.added.items()},
                "undated": list(self.undated), "max_length": self.max_length,
                "method": "dealloop.circularity.timeline"}

    def summary(self) -> str:
        """First and last month with legs, cash money and loops."""
        if not self.rows:
            return "Timeline: no dated legs"
        a, b = self.rows[0], self.rows[-1]
        return (f"Timeline {a['month']} to {b['month']}: {b['legs']} legs, "
                f"{b['money_usd_bn']:,.1f} bn stated cash flows, {b['loops']} loops at the end "
                f"(from {a['legs']} legs, {a['loops']} loops)")


def _money(net: DealNetwork) -> float:
    """The firm total of ``dealloop summary`` (stated cash flows, committed + reported; no
    estimates or derived legs) for the network as known then: one number in both places."""
    from ..summary import summarize

    total = summarize(net).totals.at["total", "firm"]
    return float(total)  # type: ignore[arg-type]  # a float cell of a float column


def timeline(net: DealNetwork, *, start: Any = None, end: Any = None,
             max_length: int = 6) -> Timeline:
    """Legs, money and loops at the end of every month from ``start`` to ``end``.

    Parameters
    ----------
    net : the network (``dealloop.load(...)``).
    start, end : first and last month (dates or ``YYYY``/``YYYY-MM``); default from the
        first to the last announcement in the data.
    max_length : longest loop counted, in firms (as in the report: 6).

    Examples
    --------
    >>> import dealloop as dl
    >>> t = timeline(dl.load(), start="2025-06", end="2025-12").to_frame()
    >>> list(t.index[[0, -1]])
    ['2025-06', '2025-12']
    >>> bool(t["legs"].is_monotonic_increasing)
    True
    """
    from .cycles import cycles

    dates = {str(i): parse_date(a, end=True) for i, a in zip(net.deals["id"],
             net.deals["announced"], strict=True) if isinstance(a, str)}
    undated = tuple(str(i) for i in net.deals["id"] if str(i) not in dates)
    if not dates and (start is None or end is None):
        return Timeline((), {}, undated, max_length)
    first = parse_date(str(start)) if start is not None else min(dates.values())
    last = as_of_date(end) if end is not None else max(dates.values())
    if isinstance(start, dt.date):
        first = start
    rows: list[dict[str, Any]] = []
    added: dict[str, tuple[str, ...]] = {}
    previous = None
    for day in month_ends(first, last):
        month = day.strftime("%Y-%m")  # the last row may end on ``end`` itself
        then = net.as_of(day)
        new = tuple(i for i, d in dates.items() if (d.year, d.month) == (day.year, day.month))
        live = then.legs()
        money = _money(then)
        if previous is None:
            before = net.as_of(parse_date(month) - dt.timedelta(days=1))
            previous = _money(before)
        n_loops = cycles(then, max_length=max_length, limit=0).n_loops if len(live) else 0
        rows.append({"month": month, "new_legs": len(new), "legs": len(live),
                     "firm_legs": int(live["status"].isin(Selection().statuses).sum()),
                     "money_usd_bn": round(money, 6),
                     "new_money_usd_bn": round(money - previous, 6), "loops": int(n_loops)})
        added[month] = new
        previous = money
    return Timeline(tuple(rows), added, undated, max_length)
