"""The holders layer as data: who holds each instrument, whom intermediaries belong to, which
named holders take which legs, and the capital of named banks.

:func:`layer` reads it from a network's ``holders.csv``, ``holdings.csv``, ``banks.csv`` and
``history.csv`` (household count); :func:`override` applies a scenario's changes. Everything
here is plain data; the arithmetic lives in :mod:`.allocate`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from ..data.read import split_refs
from ..data.schema import HOLDER_SECTORS, INSTRUMENTS

__all__ = ["BANK_SECTOR_CAPITAL", "CAPITAL_NAMES", "CAPITAL_STALE_AFTER_DAYS",
           "NODE_INSTRUMENTS", "SECTOR_LINES", "STALE_AFTER_DAYS", "Bank", "Layer", "Named",
           "SectorCapital", "SectorLine", "Split", "data_basis", "layer", "line", "override",
           "sector_capital", "sector_capitals", "stale_dates"]

#: Which instrument a collective (or named outside) creditor node holds, when the leg's kind
#: does not say more. A scenario can change it (``holders: {nodes: {...}}``).
NODE_INSTRUMENTS: dict[str, str] = {
    "bond-investors": "corporate_bond",
    "bank-lenders": "bank_loan",
    "jpmorgan": "bank_loan",
    "private-credit-lenders": "private_credit",
}
#: Instrument of a leg by its kind, used when the creditor node is not in the mapping above.
KIND_INSTRUMENTS: dict[str, str] = {
    "bond": "corporate_bond",
    "loan": "bank_loan",
    "private_credit": "private_credit",
}


@dataclass(frozen=True)
class Split:
    """One row of a split: ``sector`` holds ``share`` of what is split, from row ``row``.

    Examples
    --------
    >>> from dealloop.holders.layer import Layer, Split
    >>> lay = Layer({"bank_loan": (Split("banks", 0.75, "r1", "reported"),
    ...                            Split("other", 0.25, "r2", "reported"))})
    >>> [s.sector for s in lay.splits["bank_loan"]]
    ['banks', 'other']
    """

    sector: str
    share: float
    row: str
    basis: str
    sources: tuple[str, ...] = ()
    as_of: str = ""


@dataclass(frozen=True)
class Named:
    """A named holder of ``share`` of leg ``deal``.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import holders
    >>> named = holders.layer(dl.load()).named
    >>> all(isinstance(n, holders.Named) for rows in named.values() for n in rows)
    True
    """

    deal: str
    holder: str
    name: str
    sector: str
    share: float
    basis: str
    row: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bank:
    """A bank's capital: CET1 ratio on risk-weighted assets, and its requirement.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import holders
    >>> banks = holders.layer(dl.load()).banks
    >>> all(0 < b.cet1_ratio < 1 and b.min_ratio < 1 for b in banks.values())
    True
    """

    id: str
    name: str
    cet1_ratio: float
    rwa: float
    min_ratio: float
    as_of: str
    sources: tuple[str, ...] = ()

    @property
    def cet1(self) -> float:
        """CET1 capital, USD bn (ratio times RWA)."""
        return self.cet1_ratio * self.rwa

    @property
    def headroom(self) -> float:
        """Capital above the requirement, USD bn."""
        return (self.cet1_ratio - self.min_ratio) * self.rwa


#: A named bank's capital figure dated more than this many days before the newest one is
#: flagged as older than the others (a quarter: banks report on calendars a quarter apart).
STALE_AFTER_DAYS = 92
#: The same for the sector lines' capital figures (a year: some are annual, year-end).
CAPITAL_STALE_AFTER_DAYS = 366


def stale_dates(dates: Mapping[str, str], after_days: int = STALE_AFTER_DAYS,
                what: str = "figure") -> dict[str, str]:
    """The figures among ``dates`` (id -> ISO date) dated more than ``after_days`` before
    the newest, each with a note saying so (``what`` names the newest one in it); an id
    with no date is flagged too. Used for the
    named banks' capital (:class:`Bank` ``as_of``) and the sector lines' capital
    (:data:`CAPITAL_STALE_AFTER_DAYS`), so the report and the command line can say which
    figure is older than the others.

    Examples
    --------
    >>> stale_dates({"a": "2025-12-31", "b": "2025-09-30", "c": "2025-03-31"}, what="bank's")
    {'c': "at 2025-03-31, 9 months before the newest bank's (2025-12-31)"}
    >>> stale_dates({"a": "2025-12-31", "b": ""})
    {'b': 'undated: it may be older than the others'}
    """
    import datetime as dt

    def day(text: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(str(text)[:10])
        except ValueError:
            return None

    known = {k: d for k, v in dates.items() if (d := day(v)) is not None}
    if not known:
        return {}
    newest = max(known.values())
    out = {}
    for k in dates:
        d = known.get(k)
        if d is None:
            out[k] = "undated: it may be older than the others"
        elif (newest - d).days > after_days:
            months = round((newest - d).days / 30.436875)
            out[k] = (f"at {d.isoformat()}, {months} months before the newest {what} "
                      f"({newest.isoformat()})")
    return out


@dataclass(frozen=True)
class SectorCapital:
    """The capital of a whole sector a sector line is set against: ``value`` (USD bn) of
    ``metric`` (a ``history.csv`` metric) dated ``as_of``, from history row ``row``.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import holders
    >>> cap = holders.layer(dl.load()).sector_capital
    >>> cap.metric, cap.row
    ('us_banks_tangible_common_equity', 'H943')
    """

    metric: str
    value: float
    as_of: str
    row: str
    sources: tuple[str, ...] = ()


#: ``history.csv`` metrics that give the US banking sector's capital, in order of
#: preference: aggregate CET1 capital if a dataset has it, else tangible common equity.
BANK_SECTOR_CAPITAL = ("us_banks_cet1_capital", "us_banks_tangible_common_equity")

#: What each sector-capital metric of ``history.csv`` is, in words (the lines' text).
CAPITAL_NAMES: dict[str, str] = {
    "us_banks_cet1_capital": "US banks' aggregate CET1 capital",
    "us_banks_tangible_common_equity": "US banks' aggregate tangible common equity",
    "us_insurers_capital_surplus": "US life and P&C insurers' statutory capital and surplus",
    "private_credit_fund_investor_capital": "investors' capital in US private-credit funds",
}


@dataclass(frozen=True)
class SectorLine:
    """A sector line: everything that lands on one holder sector, set against that sector's
    capital (the first of ``metrics`` a dataset's ``history.csv`` has).

    ``into`` lists the flow targets ``(target_type, target)`` whose amounts make the line's
    loss; an edge from one of them to another is counted once. ``missing`` says why a
    dataset without any of the metrics shows NO DATA instead of a share.

    Examples
    --------
    >>> line("insurers").metrics, line("private_credit").into[0]
    (('us_insurers_capital_surplus',), ('instrument', 'private_credit'))
    """

    name: str
    label: str
    metrics: tuple[str, ...]
    into: tuple[tuple[str, str], ...]
    missing: str


#: The sector lines, in the order they print: banks (against US banks' capital), insurers
#: (against life and P&C statutory capital and surplus) and private-credit funds (the loss
#: on their loans, before it passes to their investors, against the investors' capital).
SECTOR_LINES: tuple[SectorLine, ...] = (
    SectorLine("banks", "Banking sector", BANK_SECTOR_CAPITAL, (("sector", "banks"),),
               "no US banking-sector capital figure in the data (history.csv metric "
               "us_banks_cet1_capital or us_banks_tangible_common_equity)"),
    SectorLine("insurers", "Insurers", ("us_insurers_capital_surplus",),
               (("sector", "insurers"),),
               "no US insurers' capital figure in the data (history.csv metric "
               "us_insurers_capital_surplus)"),
    SectorLine("private_credit", "Private-credit funds", ("private_credit_fund_investor_capital",),
               (("instrument", "private_credit"), ("sector", "private_credit_funds")),
               "no private-credit fund capital figure in the data (history.csv metric "
               "private_credit_fund_investor_capital)"),
)


def line(name: str) -> SectorLine:
    """The :data:`SECTOR_LINES` entry called ``name``; ``KeyError`` naming the lines if none.

    Examples
    --------
    >>> line("banks").label
    'Banking sector'
    """
    for x in SECTOR_LINES:
        if x.name == name:
            return x
    raise KeyError(f"no sector line {name!r} (one of "
                   f"{', '.join(x.name for x in SECTOR_LINES)})")


@dataclass(frozen=True)
class Layer:
    """The holders layer: splits by instrument or sector, named holders by leg, bank capital,
    node instruments and the household denominators.

    ``households`` is the number of US households (``None`` when the dataset has none) with
    its source ids in ``household_sources``; ``retirement_assets`` the assets (USD bn) of each
    retirement sector, the raw weights of the ``retirement`` split, which are levels.
    ``capitals`` holds the capital of each sector line (:data:`SECTOR_LINES`) the dataset
    has a figure for, by line name; a line without one is absent (NO DATA).
    ``sector_capital`` is the banks' entry (:data:`BANK_SECTOR_CAPITAL`), the denominator of
    the banking-sector line; ``None`` when the dataset has none. Either may be given; the
    other follows.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import holders
    >>> lay = holders.layer(dl.load())
    >>> "corporate_bond" in lay.splits and lay.households > 0
    True
    """

    splits: Mapping[str, tuple[Split, ...]]
    named: Mapping[str, tuple[Named, ...]] = field(default_factory=dict)
    banks: Mapping[str, Bank] = field(default_factory=dict)
    nodes: Mapping[str, str] = field(default_factory=lambda: dict(NODE_INSTRUMENTS))
    households: float | None = None
    household_sources: tuple[str, ...] = ()
    retirement_assets: Mapping[str, float] = field(default_factory=dict)
    sector_capital: SectorCapital | None = None
    capitals: Mapping[str, SectorCapital] = field(default_factory=dict)

    def __post_init__(self) -> None:
        caps = dict(self.capitals)
        if self.sector_capital is not None:
            caps.setdefault("banks", self.sector_capital)
        object.__setattr__(self, "sector_capital", caps.get("banks"))
        object.__setattr__(self, "capitals", caps)
        for name in ("splits", "named", "banks", "nodes", "retirement_assets", "capitals"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def instrument(self, node: str, kind: str | None) -> str:
        """The instrument a claim of ``node`` of deal kind ``kind`` is.

        Examples
        --------
        >>> Layer({}).instrument("bond-investors", "loan")
        'corporate_bond'
        >>> Layer({}).instrument("some-fund", "private_credit")
        'private_credit'
        """
        if node in self.nodes:
            return self.nodes[node]
        return KIND_INSTRUMENTS.get(kind or "", "corporate_bond")


def _f(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _s(x: Any) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)


def layer(net: Any) -> Layer:
    """Read the holders layer of a network (its optional ``holders.csv``, ``holdings.csv``
    and ``banks.csv``, and the ``us_households`` figure of ``history.csv``).

    Examples
    --------
    >>> import dealloop as dl
    >>> lay = layer(dl.load())
    >>> round(sum(s.share for s in lay.splits["corporate_bond"]), 12)
    1.0
    >>> lay.banks["jpmorgan"].cet1 > 0
    True
    """
    tables = getattr(net, "tables", {}) or {}
    splits: dict[str, list[Split]] = {}
    totals: dict[str, float] = {}
    frame = tables.get("holders.csv")
    if frame is not None and len(frame):
        for r in frame.to_dict("records"):
            holds = _s(r.get("holds"))
            w = _f(r.get("weight")) or 0.0
            totals[holds] = totals.get(holds, 0.0) + w
            splits.setdefault(holds, []).append(Split(
                _s(r.get("sector")), w, _s(r.get("id")), _s(r.get("basis")),
                tuple(split_refs(r.get("sources"))), _s(r.get("as_of"))))
    norm = {h: tuple(replace(s, share=s.share / totals[h]) for s in rows)
            for h, rows in splits.items() if totals.get(h, 0) > 0}
    named: dict[str, list[Named]] = {}
    frame = tables.get("holdings.csv")
    if frame is not None and len(frame):
        for r in frame.to_dict("records"):
            n = Named(_s(r.get("deal")), _s(r.get("holder")), _s(r.get("name")) or
                      _s(r.get("holder")), _s(r.get("sector")), _f(r.get("share")) or 0.0,
                      _s(r.get("basis")), _s(r.get("id")), tuple(split_refs(r.get("sources"))))
            named.setdefault(n.deal, []).append(n)
    banks: dict[str, Bank] = {}
    frame = tables.get("banks.csv")
    if frame is not None and len(frame):
        for r in frame.to_dict("records"):
            b = Bank(_s(r.get("id")), _s(r.get("name")), _f(r.get("cet1_ratio")) or 0.0,
                     _f(r.get("rwa_usd_bn")) or 0.0, _f(r.get("min_cet1_ratio")) or 0.0,
                     _s(r.get("as_of")), tuple(split_refs(r.get("sources"))))
            banks[b.id] = b
    households: float | None = None
    hh_src: tuple[str, ...] = ()
    hist = getattr(net, "history", None)
    if hist is not None and len(hist) and "metric" in hist:
        rows = hist[hist["metric"] == "us_households"]
        if len(rows):
            last = rows.sort_values("date", kind="stable").iloc[-1]
            households = _f(last["value"])
            hh_src = (str(last["id"]), *split_refs(last.get("sources")))
    assets = {s.sector: s.share for s in splits.get("retirement", ())}
    return Layer(norm, {k: tuple(v) for k, v in named.items()}, banks,
                 households=households, household_sources=hh_src, retirement_assets=assets,
                 capitals=sector_capitals(hist))


#: What each split of ``holders.csv`` says, in words (the ``holds`` column).
SPLIT_LABELS: dict[str, str] = {
    "corporate_bond": "who holds corporate bonds", "bank_loan": "who holds bank loans",
    "private_credit": "who invests in private-credit funds",
    "listed_equity": "who owns listed shares", "private_equity": "who owns private shares",
    "retirement": "retirement assets by account type",
    "pension_funds": "whom pension funds belong to", "mutual_funds": "whom mutual funds belong to",
    "insurers": "whom insurers pass losses to",
}
#: How a loss on each instrument is measured (market or book).
MEASURES: dict[str, str] = {
    "corporate_bond": "book", "bank_loan": "book", "private_credit": "book",
    "listed_equity": "market", "private_equity": "market",
}


def data_basis(lay: Layer) -> list[dict[str, Any]]:
    """Which data each holders figure stands on, generated from the layer (so what the
    report shows next to the numbers cannot drift from the data): one record per split of
    ``holders.csv`` (``what``: its ``holds`` value; ``label``; ``rows``; ``as_of``: the dates
    of its rows, empty for assumptions; ``basis``: reported, derived, assumption...;
    ``measure``: market or book, for instruments; ``sources``), then ``bank_capital`` (the
    named banks' CET1, ``as_of`` their dates) and one ``capital:<line>`` per sector line with
    a capital figure (its ``basis`` left empty: the history row's note says how it is
    known).

    Examples
    --------
    >>> import dealloop as dl
    >>> rows = {r["what"]: r for r in data_basis(layer(dl.load()))}
    >>> rows["corporate_bond"]["as_of"], rows["corporate_bond"]["measure"]
    (['2017-06-30'], 'book')
    >>> rows["listed_equity"]["as_of"], rows["listed_equity"]["rows"][:2]
    (['2019-12-31'], ['HD30', 'HD31'])
    >>> rows["capital:private_credit"]["as_of"], rows["capital:private_credit"]["rows"]
    (['2021-12-31'], ['H993'])
    """
    def uniq(xs: Any) -> list[str]:
        return sorted({str(x) for x in xs if x})

    out: list[dict[str, Any]] = []
    for holds, rows in lay.splits.items():
        out.append({"what": holds, "label": SPLIT_LABELS.get(holds, holds.replace("_", " ")),
                    "rows": [s.row for s in rows], "as_of": uniq(s.as_of for s in rows),
                    "basis": uniq(s.basis for s in rows), "measure": MEASURES.get(holds),
                    "sources": list(dict.fromkeys(x for s in rows for x in s.sources))})
    if lay.banks:
        banks = list(lay.banks.values())
        out.append({"what": "bank_capital", "label": "named banks' CET1 capital (banks.csv)",
                    "rows": [b.id for b in banks], "as_of": uniq(b.as_of for b in banks),
                    "basis": ["reported"], "measure": "book",
                    "sources": list(dict.fromkeys(x for b in banks for x in b.sources))})
    for name, cap in lay.capitals.items():
        out.append({"what": f"capital:{name}",
                    "label": CAPITAL_NAMES.get(cap.metric, cap.metric.replace("_", " ")),
                    "rows": [cap.row], "as_of": uniq([cap.as_of]), "basis": [],
                    "measure": "book", "sources": list(cap.sources)})
    return out


def sector_capitals(hist: Any) -> dict[str, SectorCapital]:
    """The capital of each sector line (:data:`SECTOR_LINES`) a ``history.csv`` table has a
    figure for, by line name (lines without one are left out).

    Examples
    --------
    >>> import dealloop as dl
    >>> caps = sector_capitals(dl.load().history)
    >>> {k: c.row for k, c in caps.items()}
    {'banks': 'H943', 'insurers': 'H992', 'private_credit': 'H993'}
    """
    out = {}
    for x in SECTOR_LINES:
        cap = sector_capital(hist, x.metrics)
        if cap is not None:
            out[x.name] = cap
    return out


def sector_capital(hist: Any, metrics: tuple[str, ...] = BANK_SECTOR_CAPITAL
                   ) -> SectorCapital | None:
    """The latest sector capital figure of a ``history.csv`` table (the first of ``metrics``
    it has with a positive value; by default the US banking sector's,
    :data:`BANK_SECTOR_CAPITAL`), or None.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"id": ["H1", "H2"], "metric": ["us_banks_tangible_common_equity"] * 2,
    ...                   "value": [2000.0, 2200.0], "date": ["2024-06-30", "2025-06-30"],
    ...                   "sources": ["s1", "s2"]})
    >>> c = sector_capital(h)
    >>> c.value, c.as_of, c.sources
    (2200.0, '2025-06-30', ('s2',))
    """
    if hist is None or not len(hist) or "metric" not in hist:
        return None
    for metric in metrics:
        rows = hist[hist["metric"] == metric]
        if len(rows):
            last = rows.sort_values("date", kind="stable").iloc[-1]
            value = _f(last["value"])
            if value is not None and value > 0:
                return SectorCapital(metric, value, _s(last.get("date")), _s(last.get("id")),
                                     tuple(split_refs(last.get("sources"))))
    return None


def override(base: Layer, changes: Mapping[str, Any] | None) -> Layer:
    """Apply a scenario's ``holders:`` block: ``shares`` (``{holds: {sector: weight}}``
    replaces that whole split; weights are normalised) and ``nodes`` (``{node:
    instrument}``). Raises ``ValueError`` naming the bad key.

    Examples
    --------
    >>> lay = override(Layer({}), {"shares": {"bank_loan": {"banks": 3, "other": 1}}})
    >>> [(s.sector, s.share) for s in lay.splits["bank_loan"]]
    [('banks', 0.75), ('other', 0.25)]
    """
    if not changes:
        return base
    unknown = set(changes) - {"shares", "nodes"}
    if unknown:
        raise ValueError(f"holders: unknown key {sorted(unknown)[0]!r} (use shares, nodes)")
    splits = dict(base.splits)
    for holds, weights in (changes.get("shares") or {}).items():
        if holds not in INSTRUMENTS + HOLDER_SECTORS:
            raise ValueError(f"holders.shares: unknown instrument or sector {holds!r}")
        if not isinstance(weights, Mapping) or not weights:
            raise ValueError(f"holders.shares.{holds}: expected a mapping sector -> weight")
        total = 0.0
        for sector, w in weights.items():
            if sector not in HOLDER_SECTORS:
                raise ValueError(f"holders.shares.{holds}: unknown sector {sector!r}")
            if not isinstance(w, int | float) or isinstance(w, bool) or not w >= 0 \
                    or math.isinf(w):
                raise ValueError(f"holders.shares.{holds}.{sector}: expected a weight >= 0")
            total += float(w)
        if total <= 0:
            raise ValueError(f"holders.shares.{holds}: weights add up to 0")
        splits[holds] = tuple(Split(s, float(w) / total, "scenario", "scenario")
                              for s, w in weights.items())
    nodes = dict(base.nodes)
    for node, inst in (changes.get("nodes") or {}).items():
        if inst not in INSTRUMENTS:
            raise ValueError(f"holders.nodes.{node}: unknown instrument {inst!r} (one of "
                             f"{', '.join(INSTRUMENTS)})")
        nodes[str(node)] = inst
    return replace(base, splits=splits, nodes=nodes)
