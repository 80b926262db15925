"""DealNetwork: the deal table, its legs selected and apportioned over a horizon.

A dataset holds *legs*: one direction of money between two entities. This module selects
them (status, evidence, derived, kinds) and apportions each over a horizon; the mapping stage
(:mod:`dealloop.mapping`) turns the selected legs into the matrices of each layer and into
balance sheets.

Which legs count is an explicit choice (:class:`Selection`): by default the *firm* legs
(status committed or reported), every evidence grade, derived legs included. "Up to" and
letter-of-intent legs (status conditional) come in only when asked for; superseded and
cancelled legs only when named explicitly.

Aggregates: a leg whose ``part_of`` names another leg is already included in that leg's
amount. The parts are counted, and the aggregate only with its unallocated remainder
(its amount minus its parts, floored at 0), so nothing is added twice.

Horizon: a multi-year contract is spread linearly over its term ``[start, end]`` and only the
part inside the horizon counts; a one-off payment counts if it falls inside. A contract,
chip order, revenue share or lease with a start but no reported end gets an assumed term
(:data:`DEFAULT_TERM_YEARS`: 5, 2, 5 and 15 years) and is flagged ``term_assumed``. Undated legs
count in full and are flagged ``dated`` False.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .data.asof import as_of_date, deals_as_of, known_by
from .data.read import parse_date, split_refs
from .vocabulary import (
    CONTINGENT_KINDS,
    DAYS_PER_YEAR,
    DEAL_KINDS,
    EVIDENCE,
    FIRM_STATUSES,
    LIVE_STATUSES,
    STATUSES,
    HorizonLike,
    parse_horizon,
)

#: What a leg's amount measures when the ``money`` column is empty or absent.
DEFAULT_MONEY = "cash_flow"

if TYPE_CHECKING:
    import networkx as nx

#: Term, in years from the start, given to a contract that reports no end. Without one, a
#: multi-year contract would count as a one-off payment at its announcement and fall out of
#: a forward horizon. Such legs are flagged ``term_assumed``.
#: A lease's 15 years are the term of the data-centre leases whose term is reported (Oracle's
#: Abilene lease, D04's note; Doña Ana is 18).
DEFAULT_TERM_YEARS: dict[str, int] = {"compute_contract": 5, "chip_purchase": 2,
                                      "revenue_share": 5, "lease": 15}


def assumed_term_end(start: dt.date, kind: str, years: float | None = None) -> dt.date | None:
    """The last day of a ``kind`` leg starting ``start`` with no reported end: ``years``
    after it, else :data:`DEFAULT_TERM_YEARS` years (the day before the same month that many
    years on); ``None`` for a kind without a default term (a one-off payment).

    Examples
    --------
    >>> assumed_term_end(dt.date(2026, 3, 1), "lease")
    datetime.date(2041, 2, 28)
    >>> assumed_term_end(dt.date(2026, 1, 1), "loan") is None
    True
    """
    if years is not None:
        return start + dt.timedelta(days=years * DAYS_PER_YEAR - 1)
    if kind not in DEFAULT_TERM_YEARS:
        return None
    return dt.date(start.year + DEFAULT_TERM_YEARS[kind], start.month, 1) - dt.timedelta(days=1)
def _tuple(
    values: Iterable[str] | str | None, allowed: Sequence[str], name: str
) -> tuple[str, ...]:
    if values is None:
        return tuple(allowed)
    if isinstance(values, str):
        values = [v for v in values.replace(",", " ").split() if v]
    out = tuple(values)
    bad = [v for v in out if v not in allowed]
    if bad:
        raise ValueError(f"{name}: unknown value(s) {', '.join(map(repr, bad))}; "
                         f"expected {', '.join(allowed)}")
    return out


@dataclass(frozen=True)
class Selection:
    """Which legs count.

    Parameters
    ----------
    statuses : statuses kept (default: firm legs, ``committed`` and ``reported``).
    evidence : evidence grades kept (default: all, ``A``, ``B`` and ``C``).
    include_derived : keep legs whose basis is ``derived`` (default ``True``).
    kinds : deal kinds kept (default: all).
    include_estimates : keep legs whose basis is ``estimate`` (a third party's estimate, not
        a stated amount; default ``False``: a guess is never counted silently).

    Examples
    --------
    >>> import dealloop as dl
    >>> net = dl.load()
    >>> sel = dl.Selection(statuses=("committed",), evidence=("A",), include_derived=False)
    >>> legs = net.legs(selection=sel)
    >>> set(legs["status"]) <= {"committed"} and set(legs["evidence"]) <= {"A"}
    True
    """

    statuses: tuple[str, ...] = FIRM_STATUSES
    evidence: tuple[str, ...] = EVIDENCE
    include_derived: bool = True
    kinds: tuple[str, ...] = DEAL_KINDS
    include_estimates: bool = False

    @classmethod
    def make(
        cls,
        statuses: Iterable[str] | str | None = None,
        evidence: Iterable[str] | str | None = None,
        include_derived: bool = True,
        kinds: Iterable[str] | str | None = None,
        *,
        default_statuses: Sequence[str] = FIRM_STATUSES,
        include_estimates: bool = False,
    ) -> Selection:
        """Build a selection, checking every value; ``None`` means the default.

        Examples
        --------
        >>> Selection.make(evidence="A").evidence
        ('A',)
        >>> Selection.make(evidence="D")
        Traceback (most recent call last):
        ...
        ValueError: evidence: unknown value(s) 'D'; expected A, B, C
        """
        return cls(
            statuses=_tuple(statuses, STATUSES, "statuses") if statuses is not None
            else tuple(default_statuses),
            evidence=_tuple(evidence, EVIDENCE, "evidence"),
            include_derived=bool(include_derived),
            kinds=_tuple(kinds, DEAL_KINDS, "kinds"),
            include_estimates=bool(include_estimates),
        )

    def mask(self, deals: pd.DataFrame) -> pd.Series:
        """``True`` for each row of ``deals`` (a legs table) this selection keeps.

        Examples
        --------
        >>> import pandas as pd
        >>> legs = pd.DataFrame({"status": ["committed", "reported"], "evidence": ["A", "C"],
        ...                      "kind": ["equity_investment"] * 2, "basis": ["reported"] * 2})
        >>> Selection.make(evidence=["A", "B"]).mask(legs).tolist()
        [True, False]
        """
        keep = deals["status"].isin(self.statuses) & deals["evidence"].isin(self.evidence)
        keep &= deals["kind"].isin(self.kinds)
        if not self.include_derived:
            keep &= deals["basis"] != "derived"
        if not self.include_estimates:
            keep &= deals["basis"] != "estimate"
        return keep


class DealNetwork:
    """A dataset of deal legs between entities, with its sources and company figures.

    Build one with :func:`dealloop.load`. ``entities``, ``deals``, ``sources``, ``figures`` and
    ``history`` are pandas DataFrames with the columns of :mod:`dealloop.data.schema`.

    Examples
    --------
    >>> import dealloop as dl
    >>> net = dl.load()
    >>> {"nvidia", "openai", "oracle"} <= set(net.ids)
    True
    >>> bool(net.legs(horizon=(2026, 2030))["value_in_horizon"].sum() > 0)
    True
    >>> net.entity("oracle")["kind"]
    'hyperscaler'
    >>> net.flow_graph()["openai"]["oracle"]["legs"]      # parallel legs merged into one edge
    ['D03']
    >>> net.to_networkx().number_of_edges() == len(net.deals)   # one edge per leg
    True
    >>> d03 = net.deals.set_index("id").loc["D03", "sources"]
    >>> all(u.startswith("http") for u in net.source_urls(d03))
    True

    The matrices of each layer come from the mapping stage (:mod:`dealloop.mapping`).
    """

    def __init__(
        self,
        entities: pd.DataFrame,
        deals: pd.DataFrame,
        sources: pd.DataFrame,
        figures: pd.DataFrame | None = None,
        history: pd.DataFrame | None = None,
        *,
        provenance: pd.DataFrame | None = None,
        tables: dict[str, pd.DataFrame] | None = None,
        path: Path | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.entities = entities
        self.deals = deals
        self.sources = sources
        self.figures = figures
        self.history = history
        self.provenance = provenance
        #: Optional dataset files beyond the five above (``holders.csv``, ``holdings.csv``,
        #: ``banks.csv``), by file name; absent files are missing keys.
        self.tables = dict(tables or {})
        self.path = path
        self.meta = dict(meta or {})
        self._cache: dict[Any, Any] = {}

    def __repr__(self) -> str:
        name = self.meta.get("name") or (self.path.name if self.path else "dataset")
        return f"<DealNetwork {name}: {len(self.entities)} entities, {len(self.deals)} legs>"

    # ------------------------------------------------------------------ basics
    @property
    def ids(self) -> list[str]:
        """Entity ids in file order; the index of every matrix."""
        return [str(i) for i in self.entities["id"]]

    def entity(self, entity_id: str) -> pd.Series:
        """One entity's row; ``KeyError`` with close matches when the id is unknown."""
        hit = self.entities[self.entities["id"] == entity_id]
        if hit.empty:
            import difflib

            close = difflib.get_close_matches(entity_id, self.ids, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(f"unknown entity {entity_id!r}{hint}")
        return hit.iloc[0]

    def source_urls(self, ids: object) -> list[str]:
        """URLs of a ``;``-separated list of source ids."""
        lookup = self._source_lookup()
        return [lookup[s] for s in split_refs(ids) if s in lookup]

    def _source_lookup(self) -> dict[str, str]:
        if "sources" not in self._cache:
            self._cache["sources"] = dict(zip(self.sources["id"], self.sources["url"], strict=True))
        return self._cache["sources"]

    # ------------------------------------------------------------------ legs
    def legs(
        self,
        statuses: Iterable[str] | str | None = None,
        evidence: Iterable[str] | str | None = None,
        include_derived: bool = True,
        kinds: Iterable[str] | str | None = None,
        *,
        horizon: HorizonLike = None,
        selection: Selection | None = None,
        include_estimates: bool = True,
    ) -> pd.DataFrame:
        """The selected legs with the amounts that count.

        By default every *live* leg (committed, reported, conditional), estimates included
        (this is a listing; totals, loops and layers leave estimates out unless asked).
        Added columns:

        ``money``
            ``cash_flow``, ``stock`` or ``non_cash`` (empty cells read as ``cash_flow``).

        ``value``
            the amount counted, USD bn: the reported amount, the midpoint of an estimate range,
            or for an aggregate leg the remainder not covered by its parts; NaN when
            undisclosed (never silently 0).
        ``value_low``, ``value_high``
            the range of ``value`` (equal to it for a point amount).
        ``value_note``
            ``reported``, ``range midpoint``, ``aggregate remainder`` or ``undisclosed``.
        ``horizon_share``, ``value_in_horizon``
            the share of the term inside ``horizon`` and the part of ``value`` falling there
            (share 1 when no horizon is given; undated legs count in full, ``dated`` False;
            contracts without a reported end get an assumed term, ``term_assumed`` True).
        """
        sel = selection or Selection.make(statuses, evidence, include_derived, kinds,
                                          default_statuses=LIVE_STATUSES,
                                          include_estimates=include_estimates)
        deals = self.deals[sel.mask(self.deals)].copy()
        deals["money"] = money_column(deals)
        amount = deals["amount_usd_bn"].astype(float)
        low = deals["amount_low"].astype(float)
        high = deals["amount_high"].astype(float)
        mid = (low + high) / 2
        full = amount.fillna(mid)
        note = np.where(amount.notna(), "reported",
                        np.where(mid.notna(), "range midpoint", "undisclosed")).astype(object)
        full_low = low.where(low.notna(), full)
        full_high = high.where(high.notna(), full)
        value, vlow, vhigh = full.copy(), full_low.copy(), full_high.copy()
        # Aggregates: counted only with what their live parts (selected or not) leave over.
        child_sum = self._live_part_sums()
        child_sum = child_sum[child_sum.index.isin(set(deals["id"]))]
        if not child_sum.empty:
            by_id = pd.Series(deals.index, index=deals["id"])
            for agg, s in child_sum.items():
                pos = by_id[str(agg)]  # deal ids are text
                value.loc[pos] = max(0.0, full.loc[pos] - s) if pd.notna(full.loc[pos]) else np.nan
                vlow.loc[pos] = max(0.0, full_low.loc[pos] - s) if pd.notna(full_low.loc[pos]) \
                    else np.nan
                vhigh.loc[pos] = max(0.0, full_high.loc[pos] - s) \
                    if pd.notna(full_high.loc[pos]) else np.nan
                note[deals.index.get_loc(pos)] = "aggregate remainder"
        deals["value"] = value
        deals["value_low"] = vlow
        deals["value_high"] = vhigh
        deals["value_note"] = note
        share, dated, assumed = self._horizon_share(deals, parse_horizon(horizon))
        deals["horizon_share"] = share
        deals["dated"] = dated
        deals["term_assumed"] = assumed
        deals["value_in_horizon"] = deals["value"] * deals["horizon_share"]
        return deals

    def _live_part_sums(self) -> pd.Series:
        """Per aggregate leg id, the summed amounts of its live parts (point or midpoint)."""
        if "part_sums" not in self._cache:
            d = self.deals
            live = d[d["status"].isin(LIVE_STATUSES) & d["part_of"].notna()]
            amount = live["amount_usd_bn"].fillna((live["amount_low"] + live["amount_high"]) / 2)
            self._cache["part_sums"] = amount.fillna(0.0).groupby(live["part_of"]).sum()
        return self._cache["part_sums"]

    @staticmethod
    def _horizon_share(
        deals: pd.DataFrame, horizon: tuple[dt.date, dt.date] | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Share of each leg's value due inside ``horizon``, whether it is dated, and whether
        its term was assumed (a contract kind with a start but no reported end)."""
        n = len(deals)
        share = np.ones(n)
        dated = np.ones(n, dtype=bool)
        assumed = np.zeros(n, dtype=bool)
        starts = deals["start"].where(deals["start"].notna(), deals["announced"])
        for k, (s, e, kind) in enumerate(zip(starts, deals["end"], deals["kind"], strict=True)):
            if not isinstance(s, str):
                dated[k] = False
                continue
            s0 = parse_date(s)
            e1: dt.date | None
            if isinstance(e, str):
                e1 = parse_date(e, end=True)
            elif kind in DEFAULT_TERM_YEARS:
                e1 = assumed_term_end(s0, kind)
                assumed[k] = True
            else:
                e1 = None
            if horizon is None:
                continue
            t0, t1 = horizon
            if e1 is None:
                share[k] = 1.0 if t0 <= s0 <= t1 else 0.0
                continue
            term = (e1 - s0).days + 1
            overlap = (min(e1, t1) - max(s0, t0)).days + 1
            share[k] = max(0, overlap) / term if term > 0 else float(t0 <= s0 <= t1)
        return share, dated, assumed

    def typed_entities(self) -> pd.DataFrame:
        """``entities`` as ``entities.csv`` has them: the headline figures the loader filled
        in from ``figures.csv`` (see :func:`dealloop.data.frames.fill_headlines`) left empty.

        Examples
        --------
        >>> import dealloop as dl
        >>> net = dl.load()
        >>> bool(net.typed_entities()["revenue_usd_bn"].isna().sum()
        ...      >= net.entities["revenue_usd_bn"].isna().sum())
        True
        """
        from .data.schema import HEADLINE_METRICS

        entities = self.entities.copy()
        prov = self.provenance
        if prov is None:
            return entities
        for column in HEADLINE_METRICS:
            if column in entities and column in prov:
                filled = (prov[column].notna() & (prov[column] != "entities.csv")).to_numpy()
                entities.loc[filled, column] = np.nan
        return entities

    # ------------------------------------------------------------------ time
    def as_of(self, day: str | dt.date) -> DealNetwork:
        """The network as it was known on ``day`` (see :func:`~dealloop.data.asof.deals_as_of`).

        Legs announced after ``day`` are gone, a leg superseded or cancelled later is back
        to the status it had then, and figures and market quotes dated after ``day`` are
        dropped (the entities' headline figures are refilled from the figures left; values
        typed into ``entities.csv`` itself carry no date and stay). ``meta["as_of"]`` records
        the date. Rows of the other tables dated later (``date`` or ``as_of``) are dropped
        too, and holdings of legs not yet announced. A partial date counts from the *last*
        day of its period (``"2025-12"`` is
        2025-12-31), as market quotes do.

        Examples
        --------
        >>> import dealloop as dl
        >>> net = dl.load()
        >>> then = net.as_of("2025-12-31")
        >>> "D02" in set(then.deals["id"]), then.deals.set_index("id").at["D01", "status"]
        (False, 'conditional')
        >>> then.meta["as_of"]
        '2025-12-31'
        """
        from .data.frames import fill_headlines

        when = as_of_date(day)
        deals = deals_as_of(self.deals, when).reset_index(drop=True)
        entities = self.entities.copy()
        provenance = self.provenance
        figures = self.figures
        if figures is not None and "as_of" in figures:
            figures = figures[known_by(figures["as_of"], when)].reset_index(drop=True)
            entities = self.typed_entities()
            provenance = fill_headlines(entities, figures)
        tables = {}
        for name, frame in self.tables.items():  # rows dated later (quotes, bank figures)
            column = "date" if "date" in frame else "as_of" if "as_of" in frame else None
            tables[name] = frame if column is None else \
                frame[known_by(frame[column], when)].reset_index(drop=True)
        holdings = tables.get("holdings.csv")
        if holdings is not None and "deal" in holdings:  # who holds legs not yet announced
            tables["holdings.csv"] = holdings[holdings["deal"].isin(set(deals["id"]))] \
                .reset_index(drop=True)
        meta = {**self.meta, "as_of": when.isoformat()}
        return DealNetwork(entities, deals, self.sources, figures, self.history,
                           provenance=provenance, tables=tables, path=self.path, meta=meta)

    # ------------------------------------------------------------------ graphs
    def flow_graph(
        self,
        statuses: Iterable[str] | str | None = None,
        evidence: Iterable[str] | str | None = None,
        include_derived: bool = True,
        kinds: Iterable[str] | str | None = None,
        *,
        horizon: HorizonLike = None,
        include_estimates: bool = False,
    ) -> nx.DiGraph:
        """Money graph with parallel legs merged: one edge per (payer, payee).

        By default every live leg (committed, reported, conditional) of every kind except
        contingent backstops; legs whose basis is ``estimate`` only with
        ``include_estimates``. Edge attributes: ``amount`` (sum of the known counted values,
        USD bn; undisclosed legs add nothing), ``legs`` (deal ids), ``amounts`` (per leg, NaN
        when undisclosed), ``dates`` (announced, ISO, or None), ``kinds``, ``statuses``, and
        per leg ``caveats`` (see :func:`leg_caveats`).
        """
        import networkx as nx

        if kinds is None:
            kinds = [k for k in DEAL_KINDS if k not in CONTINGENT_KINDS]
        legs = self.legs(statuses, evidence, include_derived, kinds, horizon=horizon,
                         include_estimates=include_estimates)
        caveats = leg_caveats(legs)
        g = nx.DiGraph()
        for eid, name, kind in zip(self.entities["id"], self.entities["name"],
                                   self.entities["kind"], strict=True):
            g.add_node(eid, name=name, kind=kind)
        column = "value" if horizon is None else "value_in_horizon"
        for deal, payer, payee, kind, status, value, announced in legs[
            ["id", "payer", "payee", "kind", "status", column, "announced"]
        ].itertuples(index=False, name=None):
            if not g.has_edge(payer, payee):
                g.add_edge(payer, payee, amount=0.0, legs=[], amounts=[], dates=[], kinds=[],
                           statuses=[], caveats=[])
            d = g.edges[payer, payee]
            d["legs"].append(deal)
            d["caveats"].append(caveats[deal])
            d["amounts"].append(float(value))
            d["dates"].append(parse_date(announced).isoformat() if isinstance(announced, str)
                              else None)
            d["kinds"].append(kind)
            d["statuses"].append(status)
            if not math.isnan(value):
                d["amount"] += float(value)
        return g

    def to_networkx(self) -> nx.MultiDiGraph:
        """Every leg as one edge (key = deal id), every entity as a node; attributes = columns.

        Missing values become ``None``. Nothing is filtered: use :meth:`flow_graph` for the
        merged graph of a selection.
        """
        import networkx as nx

        g = nx.MultiDiGraph(name=self.meta.get("name", ""))
        for rec in self.entities.to_dict("records"):
            g.add_node(rec["id"], **{str(k): _clean(v) for k, v in rec.items() if k != "id"})
        for rec in self.deals.to_dict("records"):
            g.add_edge(rec["payer"], rec["payee"], key=rec["id"],
                       **{str(k): _clean(v) for k, v in rec.items()})
        return g


def money_column(deals: pd.DataFrame) -> pd.Series:
    """The ``money`` column with empty cells (or a missing column) read as ``cash_flow``.

    Examples
    --------
    >>> import pandas as pd
    >>> money_column(pd.DataFrame({"money": ["stock", None]})).tolist()
    ['stock', 'cash_flow']
    """
    if "money" not in deals:
        return pd.Series(DEFAULT_MONEY, index=deals.index, dtype=object)
    return deals["money"].where(deals["money"].notna(), DEFAULT_MONEY).astype(object)


#: Why a leg's amount is not a plain cash flow stated by a source, as :func:`leg_caveats`
#: names it.
CAVEATS = ("undisclosed", "estimate", "derived", "stock", "non_cash")


def leg_caveats(legs: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Per leg id, why its amount is not a plain stated cash flow (empty tuple when it is).

    ``undisclosed`` (no amount), ``estimate`` or ``derived`` (basis), ``stock`` or
    ``non_cash`` (the ``money`` column). A loop resting on a hop whose legs all carry a caveat
    is marked with them (:func:`dealloop.circularity.cycles.Loop.caveats`).

    Examples
    --------
    >>> import dealloop as dl
    >>> marks = leg_caveats(dl.load().legs())
    >>> marks["D02"], marks["D08"], marks["D80"]
    ((), ('undisclosed',), ('non_cash',))
    """
    money = money_column(legs)
    amount = legs["amount_usd_bn"].astype(float)
    low = legs["amount_low"].astype(float)
    out: dict[str, tuple[str, ...]] = {}
    for did, basis, m, a, lo in zip(legs["id"], legs["basis"], money, amount, low,
                                    strict=True):
        marks = []
        if math.isnan(a) and math.isnan(lo):
            marks.append("undisclosed")
        if basis in ("estimate", "derived"):
            marks.append(str(basis))
        if m != DEFAULT_MONEY:
            marks.append(str(m))
        out[str(did)] = tuple(marks)
    return out


def load(path: str | Path | None = None, *, as_of: str | dt.date | None = None
         ) -> DealNetwork:
    """Load a dataset directory as a :class:`DealNetwork`; the bundled ``ai2026`` dataset
    when ``path`` is None (``path`` may also name a bundled dataset).

    ``as_of`` gives the network as it was known on that date (:meth:`DealNetwork.as_of`);
    ``ValueError`` when it is not a date.

    Raises :class:`~dealloop.data.DataError` listing every problem when the dataset is not
    valid.

    Examples
    --------
    >>> net = load()
    >>> net.deals.loc[net.deals["id"] == "D02", ["payer", "payee", "amount_usd_bn"]].values
    array([['nvidia', 'openai', 30.0]], dtype=object)
    """
    from .data.load import read_frames

    f = read_frames(path)
    net = DealNetwork(f.entities, f.deals, f.sources, f.figures, f.history,
                      provenance=f.provenance, tables=f.tables, path=f.path, meta=f.meta)
    return net if as_of is None else net.as_of(as_of)


def _clean(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
