"""Views of a results bundle: the network filtered, one firm, the loops through a firm.

The dashboard's API answers with these; they are plain functions of the bundle built by
:func:`dealloop.report.bundle.results_bundle`, so any front end can reuse them. Bad filter
values raise ``ValueError`` with a message naming the parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ..vocabulary import parse_date

__all__ = ["entity_view", "filter_network", "loops_view", "query_date"]


def query_date(name: str, text: str | None, *, end: bool) -> dt.date | None:
    """A date filter named ``name`` (``None`` when empty); ``ValueError`` naming it for a date
    the calendar refuses (``2025-13``, year 0).

    Examples
    --------
    >>> query_date("until", "2026-02", end=True)
    datetime.date(2026, 2, 28)
    """
    if not text:
        return None
    try:
        return parse_date(text, end=end)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _leg_kept(leg: Mapping[str, Any], keep: set[str], status: Sequence[str] | None,
              kind: Sequence[str] | None, evidence: Sequence[str] | None,
              t0: dt.date | None, t1: dt.date | None) -> bool:
    if leg["payer"] not in keep or leg["payee"] not in keep:
        return False
    if (status and leg["status"] not in status) or (kind and leg["kind"] not in kind) \
            or (evidence and leg["evidence"] not in evidence):
        return False
    if t0 or t1:
        if not leg["announced"]:
            return False
        d = parse_date(leg["announced"])
        if (t0 and d < t0) or (t1 and d > t1):
            return False
    return True


def filter_network(b: Mapping[str, Any], status: Sequence[str] | None = None,
                   kind: Sequence[str] | None = None, firm_kind: Sequence[str] | None = None,
                   evidence: Sequence[str] | None = None, since: str | None = None,
                   until: str | None = None) -> dict[str, Any]:
    """Firms and legs of bundle ``b`` that pass the filters, with the loops that survive.

    Filters combine (AND); a list keeps any of its values. ``since`` and ``until`` filter legs
    by announcement date (undated legs drop out when either is given). A loop survives when
    every hop keeps at least one leg.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.report.bundle import results_bundle
    >>> b = results_bundle(dl.load())
    >>> v = filter_network(b, status=["committed"])
    >>> {leg["status"] for leg in v["legs"]}
    {'committed'}
    >>> filter_network(b, since="2026", until="2025")
    Traceback (most recent call last):
    ...
    ValueError: until: is before since
    """
    entities = b["entities"]
    if firm_kind:
        entities = [e for e in entities if e["kind"] in firm_kind]
    keep = {e["id"] for e in entities}
    t0 = query_date("since", since, end=False)
    t1 = query_date("until", until, end=True)
    if t0 and t1 and t1 < t0:
        raise ValueError("until: is before since")
    legs = [leg for leg in b["legs"] if _leg_kept(leg, keep, status, kind, evidence, t0, t1)]
    leg_ids = {x["id"] for x in legs}
    loops = [lp for lp in b["loops"]["loops"]
             if all(any(x in leg_ids for x in hop["legs"]) for hop in lp["hops"])]
    used = {s for x in legs for s in x["sources"]} | {s for e in entities for s in e["sources"]} \
        | {s for e in entities for f in e["headline"].values() for s in f["sources"]}
    return {
        "dataset": b["dataset"],
        "filters": {"status": list(status or []), "kind": list(kind or []),
                    "firm_kind": list(firm_kind or []), "evidence": list(evidence or []),
                    "since": since, "until": until},
        "entities": entities,
        "legs": legs,
        "loops": {**{k: v for k, v in b["loops"].items() if k not in ("loops", "by_firm",
                                                                          "participation")},
                  # the count after the filters (exact when the bundle lists every loop)
                  "n_loops": len(loops) if len(b["loops"]["loops"]) >= b["loops"]["n_loops"]
                  else b["loops"]["n_loops"],
                  "n_loops_unfiltered": b["loops"]["n_loops"],
                  "loops": loops, "n_shown": len(loops)},
        "measures": b["measures"],
        "sources": {k: v for k, v in b["sources"].items() if k in used},
        "layout": b["layout"],
    }


def entity_view(b: Mapping[str, Any], entity_id: str) -> dict[str, Any]:
    """One firm of bundle ``b``: its record, legs, loops, measures, and the sources and
    counterparties they name. ``KeyError`` for an unknown id.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.report.bundle import results_bundle
    >>> v = entity_view(results_bundle(dl.load()), "openai")
    >>> v["entity"]["id"], all("openai" in (x["payer"], x["payee"]) for x in v["legs"])
    ('openai', True)
    """
    index = {e["id"]: e for e in b["entities"]}
    ent = index[entity_id]
    legs = [x for x in b["legs"] if entity_id in (x["payer"], x["payee"])]
    loops = [lp for lp in b["loops"]["loops"] if entity_id in lp["firms"]]
    others = {x["payer"] for x in legs} | {x["payee"] for x in legs} | \
        {f for lp in loops for f in lp["firms"]}
    row = next((r for r in b["measures"]["rows"] if r["id"] == entity_id), None)
    used = set(ent["sources"]) | {s for x in legs for s in x["sources"]} | \
        {s for f in ent["figures"] for s in f["sources"]} | \
        {s for h in ent["headline"].values() for s in h["sources"]}
    return {
        "dataset": b["dataset"],
        "entity": ent,
        "entities": [index[i] for i in sorted(others) if i in index],
        "legs": legs,
        "loops": {"n_loops": len(loops), "max_length": b["loops"]["max_length"],
                  "method": b["loops"]["method"], "loops": loops,
                  "participation": b["loops"]["by_firm"].get(entity_id)},
        "measures": {"columns": b["measures"]["columns"], "rows": [row] if row else [],
                     "legs": {entity_id: b["measures"]["legs"].get(entity_id, [])},
                     "horizon": b["measures"]["horizon"]},
        "sources": {k: v for k, v in b["sources"].items() if k in used},
    }


def loops_view(b: Mapping[str, Any], firm: str | None = None, limit: int = 50,
               min_amount: float = 0.0) -> dict[str, Any]:
    """The largest loops of bundle ``b`` (through ``firm`` if given, each round at least
    ``min_amount``), at most ``limit``, with the firms, legs and sources they name.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.report.bundle import results_bundle
    >>> v = loops_view(results_bundle(dl.load()), firm="nvidia", limit=3)
    >>> len(v["loops"]["loops"]) <= 3 and all("nvidia" in lp["firms"] for lp in v["loops"]["loops"])
    True
    """
    index = {e["id"]: e for e in b["entities"]}
    found = [lp for lp in b["loops"]["loops"] if (firm is None or firm in lp["firms"])
             and (lp["amount"] or 0.0) >= min_amount]
    firms = {f for lp in found[:limit] for f in lp["firms"]}
    legs = {x for lp in found[:limit] for x in lp["legs"]}
    return {
        "dataset": b["dataset"],
        "loops": {**{k: v for k, v in b["loops"].items() if k not in ("loops", "by_firm")},
                  "loops": found[:limit], "n_matching": len(found)},
        "entities": [index[f] for f in sorted(firms)],
        "legs": [x for x in b["legs"] if x["id"] in legs],
        "sources": {k: v for k, v in b["sources"].items()
                    if any(k in x["sources"] for x in b["legs"] if x["id"] in legs)},
    }
