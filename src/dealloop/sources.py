"""Sources by tier: which documents a reporter can cite, and what stands only on weak ones.

Every source in ``sources.csv`` has a ``tier`` (see :data:`dealloop.data.schema.SOURCE_TIERS`):
``primary`` (a filing, a regulator, the company's own release), ``major_outlet`` (a news
organisation with its own reporting), ``trade_press`` or ``aggregator`` (reposts, blogs,
summaries). A source without a tier counts as ``aggregator``: it is never promoted silently.

:func:`source_table` lists the sources with how many legs and figures cite each;
:func:`weak_items` lists the legs and figures that stand only on aggregators, and
:func:`citable_gaps` the A-grade legs with no primary or major-outlet source, and
:func:`undated_items` the legs and figures none of whose sources carries a publication date.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .data.read import split_refs
from .data.schema import CITABLE_TIERS, SOURCE_TIERS
from .network import DealNetwork

#: Tier given to a source whose ``tier`` cell is empty.
UNRATED_TIER = "aggregator"


def tiers(net: DealNetwork) -> dict[str, str]:
    """Per source id, its tier (empty cells read as ``aggregator``).

    Examples
    --------
    >>> import dealloop as dl
    >>> t = tiers(dl.load())
    >>> set(t.values()) <= {"primary", "major_outlet", "trade_press", "aggregator"}
    True
    """
    col = net.sources["tier"] if "tier" in net.sources else pd.Series(None, index=net.sources.index)
    return {str(i): (str(t) if isinstance(t, str) and t else UNRATED_TIER)
            for i, t in zip(net.sources["id"], col, strict=True)}


def _citing(net: DealNetwork) -> list[tuple[str, str, list[str]]]:
    """``(file, row id, source ids)`` for every leg, company figure and history figure."""
    out: list[tuple[str, str, list[str]]] = []
    for name, frame in (("deals", net.deals), ("figures", net.figures),
                        ("history", net.history)):
        if frame is None or not len(frame):
            continue
        for rid, refs in zip(frame["id"], frame["sources"], strict=True):
            out.append((name, str(rid), split_refs(refs)))
    return out


def source_table(net: DealNetwork) -> pd.DataFrame:
    """Every source with its tier, date and the number of legs and figures citing it.

    Sorted by tier (primary first), then by how often it is cited. Columns: ``id``,
    ``tier``, ``date``, ``publisher``, ``title``, ``url``, ``original_publisher``, ``legs``,
    ``figures``.

    Examples
    --------
    >>> import dealloop as dl
    >>> table = source_table(dl.load())
    >>> list(table["tier"].unique()) == sorted(table["tier"].unique(),
    ...                                        key=("primary", "major_outlet", "trade_press",
    ...                                             "aggregator").index)
    True
    """
    tier = tiers(net)
    legs: dict[str, int] = {}
    figs: dict[str, int] = {}
    for name, _, refs in _citing(net):
        bucket = legs if name == "deals" else figs
        for s in refs:
            bucket[s] = bucket.get(s, 0) + 1
    src = net.sources
    frame = pd.DataFrame({
        "id": src["id"].astype(str),
        "tier": [tier[str(i)] for i in src["id"]],
        "date": src["date"],
        "publisher": src["publisher"],
        "title": src["title"],
        "url": src["url"],
        "original_publisher": src["original_publisher"] if "original_publisher" in src
        else None,
    })
    frame["legs"] = [legs.get(i, 0) for i in frame["id"]]
    frame["figures"] = [figs.get(i, 0) for i in frame["id"]]
    frame["_rank"] = frame["tier"].map({t: k for k, t in enumerate(SOURCE_TIERS)})
    frame = frame.sort_values(["_rank", "legs", "figures", "id"],
                              ascending=[True, False, False, True], kind="stable")
    return frame.drop(columns="_rank").reset_index(drop=True)


@dataclass(frozen=True)
class WeakItem:
    """A leg or figure and the best tier among its sources.

    Examples
    --------
    >>> import dealloop as dl
    >>> items = weak_items(dl.load())
    >>> all(item.best_tier in ("aggregator", "trade_press") for item in items)
    True
    >>> sorted(items[0].to_dict())
    ['best_tier', 'evidence', 'file', 'id', 'sources']
    """

    file: str
    id: str
    best_tier: str
    sources: tuple[str, ...]
    evidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """File, id, best tier, evidence grade and source ids, for ``--json``."""
        return {"file": self.file, "id": self.id, "best_tier": self.best_tier,
                "evidence": self.evidence, "sources": list(self.sources)}


def _best(refs: list[str], tier: dict[str, str]) -> str:
    ranks = [SOURCE_TIERS.index(tier.get(s, UNRATED_TIER)) for s in refs]
    return SOURCE_TIERS[min(ranks)] if ranks else UNRATED_TIER


def weak_items(net: DealNetwork) -> list[WeakItem]:
    """Legs, company figures and history figures whose every source is an aggregator.

    Examples
    --------
    >>> import dealloop as dl
    >>> weak = weak_items(dl.load())
    >>> all(w.best_tier == "aggregator" for w in weak)
    True
    """
    tier = tiers(net)
    grade = dict(zip(net.deals["id"].astype(str), net.deals["evidence"], strict=True))
    out = []
    for name, rid, refs in _citing(net):
        best = _best(refs, tier)
        if best == "aggregator":
            out.append(WeakItem(name, rid, best, tuple(refs),
                                grade.get(rid) if name == "deals" else None))
    return out


def citable_gaps(net: DealNetwork) -> list[WeakItem]:
    """A-grade legs with no primary or major-outlet source (should be empty).

    Examples
    --------
    >>> import dealloop as dl
    >>> gaps = citable_gaps(dl.load())
    >>> all(g.evidence == "A" for g in gaps)
    True
    """
    tier = tiers(net)
    out = []
    for rid, grade, refs in zip(net.deals["id"], net.deals["evidence"], net.deals["sources"],
                                strict=True):
        ids = split_refs(refs)
        best = _best(ids, tier)
        if grade == "A" and best not in CITABLE_TIERS:
            out.append(WeakItem("deals", str(rid), best, tuple(ids), "A"))
    return out


def undated_items(net: DealNetwork) -> list[WeakItem]:
    """Legs, company figures and history figures none of whose sources carries a date.

    A source is dated when it has its own ``date`` or, for a copy, the ``original_date`` it
    states for the original it reproduces (a reporter cites the original). A reporter cannot
    cite a page without a date; the dataset's test keeps this list for legs and company
    figures to a shrinking allow-list.

    Examples
    --------
    >>> import dealloop as dl
    >>> net = dl.load()
    >>> undated = undated_items(net)
    >>> dated = set(net.sources.dropna(subset=["date"])["id"])
    >>> dated |= set(net.sources.dropna(subset=["original_date"])["id"])
    >>> any(set(u.sources) & dated for u in undated)
    False
    """
    tier = tiers(net)
    src = net.sources
    dated: set[str] = set()
    for col in ("date", "original_date"):
        if col in src:
            dated |= {str(i) for i, d in zip(src["id"], src[col], strict=True)
                      if isinstance(d, str) and d}
    grade = dict(zip(net.deals["id"].astype(str), net.deals["evidence"], strict=True))
    return [WeakItem(name, rid, _best(refs, tier), tuple(refs),
                     grade.get(rid) if name == "deals" else None)
            for name, rid, refs in _citing(net) if not set(refs) & dated]


def tier_counts(net: DealNetwork) -> dict[str, int]:
    """Number of sources in each tier, best first.

    Examples
    --------
    >>> import dealloop as dl
    >>> list(tier_counts(dl.load()))
    ['primary', 'major_outlet', 'trade_press', 'aggregator']
    """
    tier = tiers(net)
    return {t: sum(1 for v in tier.values() if v == t) for t in SOURCE_TIERS}
