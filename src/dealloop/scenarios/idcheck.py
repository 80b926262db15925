"""Checks of the ids a scenario names (entities, deals, history figures) against a network."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from ..data.problems import Problem
from ..vocabulary import (
    OUTSIDE_KINDS,
)
from .models import Scenario
from .values import key_text, line_for


# --------------------------------------------------------------------- checks against the data
def validate_against(scenario: Scenario, net: Any) -> list[Problem]:
    """Every problem with the ids a scenario names, checked against a network.

    Entity ids (shocks, per-entity mapping keys, ``mapping.outside``, ``mapping.inside``),
    deal ids (legs, shocks, Monte Carlo settings) and history ids (``compare``) must exist;
    shocks must fit the deal they name (``backstop`` needs a capacity backstop, ``fail`` an
    in-network firm...).
    Returns an empty list when everything is known.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.scenarios.loading import loads
    >>> sc = loads("name: x\\nquestion: q\\nshocks: [{type: fail, entity: corewave}]")
    >>> [str(p) for p in validate_against(sc, dl.load())]
    ["<scenario>:3: shocks[0].entity: unknown entity 'corewave'; did you mean 'coreweave'?"]
    """
    raw = scenario._raw if scenario._raw is not None else scenario.model_dump(mode="python")
    return check_ids(raw, scenario._lines, scenario._source, net)


def check_ids(data: Any, lines: Mapping[tuple, int], source: str, net: Any) -> list[Problem]:
    """The checks of :func:`validate_against` on a scenario's raw YAML data, which need not
    be a valid scenario (so a file with schema problems gets its id problems too)."""
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        return problems
    ents = dict(zip(net.entities["id"], net.entities["kind"], strict=True))
    deals = net.deals.set_index("id")

    def get(obj: Any, *keys: Any) -> Any:
        for key in keys:
            if isinstance(obj, Mapping):
                obj = obj.get(key)
            elif isinstance(obj, list) and isinstance(key, int) and key < len(obj):
                obj = obj[key]
            else:
                return None
        return obj

    def items(obj: Any) -> list[tuple[Any, Any]]:
        if isinstance(obj, Mapping):
            return list(obj.items())
        if isinstance(obj, list):
            return list(enumerate(obj))
        return []

    def problem(path: tuple, msg: str, severity: str = "error") -> None:
        problems.append(Problem(source, line_for(lines, path), key_text(path), msg, severity))

    kinds = get(data, "mapping", "outside_kinds")
    kinds = set(kinds) if isinstance(kinds, list) else set(OUTSIDE_KINDS)
    extra = get(data, "mapping", "outside")
    extra = {x for x in extra if isinstance(x, str)} if isinstance(extra, list) else set()
    brought = get(data, "mapping", "inside")
    brought = {x for x in brought if isinstance(x, str)} if isinstance(brought, list) else set()
    outside = ({e for e, k in ents.items() if k in kinds} | extra) - brought

    def entity(path: tuple, eid: Any, *, inside: bool = False) -> None:
        if not isinstance(eid, str):
            return
        if eid not in ents:
            close = difflib.get_close_matches(eid, list(ents), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(path, f"unknown entity {eid!r}{hint}")
        elif inside and eid in outside:
            problem(path, f"{eid!r} is outside the network (kind {ents[eid]}); shock a firm "
                    "inside it, or bring it inside with mapping.inside")

    def deal(path: tuple, did: Any) -> bool:
        if not isinstance(did, str):
            return False
        if did not in deals.index:
            close = difflib.get_close_matches(did, list(deals.index), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(path, f"unknown deal {did!r}{hint}")
            return False
        return True

    for k, eid in items(get(data, "mapping", "outside")):
        entity(("mapping", "outside", k), eid)
        if eid in brought:
            problem(("mapping", "outside", k), f"{eid!r} is in both mapping.outside and "
                    "mapping.inside")
    for k, eid in items(get(data, "mapping", "inside")):
        entity(("mapping", "inside", k), eid)
    for field in ("revenue_growth", "cash_margin", "debt_maturing_share", "rollover",
                  "capex_obligation", "operating_margin", "stranded_share", "demand_exposure"):
        obj = get(data, "mapping", field)
        if isinstance(obj, Mapping):
            for key in obj:
                if key != "default":
                    entity(("mapping", field, key), key)
    for field in ("include", "exclude"):
        for k, did in items(get(data, "legs", field)):
            deal(("legs", field, k), did)
    amounts = get(data, "legs", "amounts")
    for did in amounts if isinstance(amounts, Mapping) else ():
        deal(("legs", "amounts", did), did)
    include = set(x for _, x in items(get(data, "legs", "include")) if isinstance(x, str))
    include |= set(x for _, x in items(get(data, "legs", "exclude")) if isinstance(x, str))
    for i, shock in items(data.get("shocks")):
        if not isinstance(shock, Mapping):
            continue
        base = ("shocks", i)
        entity((*base, "entity"), shock.get("entity"), inside=True)
        for k, eid in items(shock.get("entities")):
            entity((*base, "entities", k), eid, inside=True)
        did = shock.get("deal")
        if deal((*base, "deal"), did):
            row = deals.loc[did]
            kind, status = row["kind"], row["status"]
            if shock.get("type") == "backstop" and kind != "capacity_backstop":
                problem((*base, "deal"), f"{did} is a {kind}, not a capacity_backstop")
            if shock.get("type") == "conditional" and \
                    status not in ("conditional", "superseded") and did not in include:
                problem((*base, "deal"), f"{did} has status {status!r}; a conditional shock "
                        "needs a conditional or superseded leg (or one listed in legs.include "
                        "or legs.exclude)", "warning")
        for k, d in items(shock.get("deals")):
            deal((*base, "deals", k), d)
    ranges = get(data, "monte_carlo", "ranges")
    for did in ranges if isinstance(ranges, Mapping) else ():
        deal(("monte_carlo", "ranges", did), did)
    cond = get(data, "monte_carlo", "conditional", "deals")
    for did in cond if isinstance(cond, Mapping) else ():
        deal(("monte_carlo", "conditional", "deals", did), did)
    hist = getattr(net, "history", None)
    known = set(hist["id"]) if hist is not None and len(hist) else set()
    for k, hid in items(data.get("compare")):
        if isinstance(hid, str) and hid not in known:
            close = difflib.get_close_matches(hid, sorted(known), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(("compare", k), f"unknown history figure {hid!r}{hint}")
    return problems


