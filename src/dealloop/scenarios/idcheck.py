"""Checks of the ids a scenario names (entities, deals, history figures) against a network."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..data.problems import Problem
from ..vocabulary import OUTSIDE_KINDS, did_you_mean
from .models import Scenario
from .values import key_text, line_for

__all__ = ["check_ids", "validate_against"]


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
    raw = scenario.raw if scenario.raw is not None else scenario.model_dump(mode="python")
    return check_ids(raw, scenario.key_lines, scenario.source, net)


def check_ids(data: Any, lines: Mapping[tuple, int], source: str, net: Any) -> list[Problem]:
    """The checks of :func:`validate_against` on a scenario's raw YAML data, which need not
    be a valid scenario (so a file with schema problems gets its id problems too).

    Examples
    --------
    >>> import dealloop as dl
    >>> raw = {"shocks": [{"type": "fail", "entity": "corewave"}]}     # need not be valid
    >>> [str(p) for p in check_ids(raw, {("shocks", 0, "entity"): 3}, "x.yaml", dl.load())]
    ["x.yaml:3: shocks[0].entity: unknown entity 'corewave'; did you mean 'coreweave'?"]
    """
    if not isinstance(data, Mapping):
        return []
    check = _IdCheck(data, lines, source, net)
    check.mapping()
    check.legs()
    check.shocks()
    check.monte_carlo()
    check.compare()
    return check.problems


#: Mapping keys that take ``{entity id or "default": value}``.
_PER_ENTITY = ("revenue_growth", "cash_margin", "debt_maturing_share", "rollover",
               "capex_obligation", "operating_margin", "stranded_share", "demand_exposure",
               "vehicle_equity")


def _get(obj: Any, *keys: Any) -> Any:
    """``obj[k1][k2]...`` through mappings and lists, ``None`` where a key is missing."""
    for key in keys:
        if isinstance(obj, Mapping):
            obj = obj.get(key)
        elif isinstance(obj, list) and isinstance(key, int) and key < len(obj):
            obj = obj[key]
        else:
            return None
    return obj


def _items(obj: Any) -> list[tuple[Any, Any]]:
    """Key-value pairs of a mapping, index-value pairs of a list, else none."""
    if isinstance(obj, Mapping):
        return list(obj.items())
    if isinstance(obj, list):
        return list(enumerate(obj))
    return []


def _texts(obj: Any) -> set[str]:
    """The text items of a list (anything else: none)."""
    return {x for x in obj if isinstance(x, str)} if isinstance(obj, list) else set()


class _IdCheck:
    """One pass over a scenario's raw data, collecting a located problem per unknown id."""

    def __init__(self, data: Mapping[str, Any], lines: Mapping[tuple, int], source: str,
                 net: Any) -> None:
        self.data, self.lines, self.source = data, lines, source
        self.problems: list[Problem] = []
        self.ents = dict(zip(net.entities["id"], net.entities["kind"], strict=True))
        self.deals = net.deals.set_index("id")
        hist = getattr(net, "history", None)
        self.history = set(hist["id"]) if hist is not None and len(hist) else set()
        kinds = _get(data, "mapping", "outside_kinds")
        kinds = set(kinds) if isinstance(kinds, list) else set(OUTSIDE_KINDS)
        self.brought = _texts(_get(data, "mapping", "inside"))
        self.outside = ({e for e, k in self.ents.items() if k in kinds}
                        | _texts(_get(data, "mapping", "outside"))) - self.brought

    def problem(self, path: tuple, msg: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.source, line_for(self.lines, path), key_text(path),
                                     msg, severity))

    def entity(self, path: tuple, eid: Any, *, inside: bool = False) -> None:
        if not isinstance(eid, str):
            return
        if eid not in self.ents:
            self.problem(path, f"unknown entity {eid!r}{did_you_mean(eid, self.ents)}")
        elif inside and eid in self.outside:
            self.problem(path, f"{eid!r} is outside the network (kind {self.ents[eid]}); "
                         "shock a firm inside it, or bring it inside with mapping.inside")

    def deal(self, path: tuple, did: Any) -> bool:
        if not isinstance(did, str):
            return False
        if did not in self.deals.index:
            self.problem(path, f"unknown deal {did!r}{did_you_mean(did, self.deals.index)}")
            return False
        return True

    def mapping(self) -> None:
        for k, eid in _items(_get(self.data, "mapping", "outside")):
            self.entity(("mapping", "outside", k), eid)
            if eid in self.brought:
                self.problem(("mapping", "outside", k), f"{eid!r} is in both mapping.outside "
                             "and mapping.inside")
        for k, eid in _items(_get(self.data, "mapping", "inside")):
            self.entity(("mapping", "inside", k), eid)
        for field in _PER_ENTITY:
            obj = _get(self.data, "mapping", field)
            if isinstance(obj, Mapping):
                for key in obj:
                    if key != "default":
                        self.entity(("mapping", field, key), key)

    def legs(self) -> None:
        for field in ("include", "exclude"):
            for k, did in _items(_get(self.data, "legs", field)):
                self.deal(("legs", field, k), did)
        amounts = _get(self.data, "legs", "amounts")
        for did in amounts if isinstance(amounts, Mapping) else ():
            self.deal(("legs", "amounts", did), did)

    def shocks(self) -> None:
        listed = {x for field in ("include", "exclude")
                  for _, x in _items(_get(self.data, "legs", field)) if isinstance(x, str)}
        for i, shock in _items(self.data.get("shocks")):
            if not isinstance(shock, Mapping):
                continue
            base = ("shocks", i)
            self.entity((*base, "entity"), shock.get("entity"), inside=True)
            for k, eid in _items(shock.get("entities")):
                self.entity((*base, "entities", k), eid, inside=True)
            did = shock.get("deal")
            if isinstance(did, str) and self.deal((*base, "deal"), did):
                self._shock_fits(base, shock, did, listed)
            for k, d in _items(shock.get("deals")):
                self.deal((*base, "deals", k), d)

    def _shock_fits(self, base: tuple, shock: Mapping[str, Any], did: str,
                    listed: set[str]) -> None:
        """A backstop shock needs a capacity backstop; a conditional one, a leg that may not
        happen (or one the scenario lists in legs.include or legs.exclude)."""
        row = self.deals.loc[did]
        kind, status = row["kind"], row["status"]
        if shock.get("type") == "backstop" and kind != "capacity_backstop":
            self.problem((*base, "deal"), f"{did} is a {kind}, not a capacity_backstop")
        if shock.get("type") == "conditional" and \
                status not in ("conditional", "superseded") and did not in listed:
            self.problem((*base, "deal"), f"{did} has status {status!r}; a conditional shock "
                         "needs a conditional or superseded leg (or one listed in legs.include "
                         "or legs.exclude)", "warning")

    def monte_carlo(self) -> None:
        ranges = _get(self.data, "monte_carlo", "ranges")
        for did in ranges if isinstance(ranges, Mapping) else ():
            self.deal(("monte_carlo", "ranges", did), did)
        cond = _get(self.data, "monte_carlo", "conditional", "deals")
        for did in cond if isinstance(cond, Mapping) else ():
            self.deal(("monte_carlo", "conditional", "deals", did), did)

    def compare(self) -> None:
        for k, hid in _items(self.data.get("compare")):
            if isinstance(hid, str) and hid not in self.history:
                self.problem(("compare", k), f"unknown history figure {hid!r}"
                             f"{did_you_mean(hid, sorted(self.history))}")
