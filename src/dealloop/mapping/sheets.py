"""Balance sheets built from a deal network and a scenario's mapping.

A stress run needs, for each firm *inside* the network, what it owes, what it is owed, what it
holds and what it has from outside. This module builds them from the legs and the company
figures, one traceable line at a time; ``dealloop stress --explain FIRM`` prints the lines.

Who is inside
    Every entity except those of an outside kind (default: investor, lender) or listed in
    ``mapping.outside``, unless ``mapping.inside`` brings it in. Outside entities are a
    sink and a source: what a firm owes them is an *external liability* (pari passu with
    its other obligations), what they pay a firm is *outside funding*, and they always pay.

Claims (one direction of money each; ``claims`` table)
    ==============  ==========================  ==============================================
    channel         debtor -> creditor          amount counted (USD bn, inside the horizon)
    ==============  ==========================  ==============================================
    ``purchase``    customer -> supplier        compute, chip, revenue-share legs: the part of
                                                the term inside the horizon (a contract with no
                                                end date gets the dataset's assumed term, or
                                                ``undated_term_years``)
    ``equity``      investor -> investee        equity committed but not yet paid (the part
                                                falling inside the horizon)
    ``funding``     lender -> borrower          a loan or bond drawn inside the horizon
    ``principal``   borrower -> lender          principal maturing inside the horizon times
                                                ``1 - rollover``; the whole outstanding
                                                principal when the borrower defaults
    ``backstop``    backstopper -> beneficiary  contingent: pays only when triggered
    ``plan``        outside -> firm             new money the plan needs (``new_money: plan``)
    ``capex``       firm -> outside             extra GPU replacement capex (0 unless a
                                                ``collateral`` shock marks GPUs down)
    ``purchase``    firm -> outside             build-out capex owed to outside suppliers
                                                (``capex_obligation``; deal id ``build:FIRM``)
    ==============  ==========================  ==============================================

    A debt leg gives a ``funding`` and a ``principal`` claim; reported debt beyond the debt
    legs (``debt_usd_bn`` minus the legs already drawn at the figure's date) is one more
    ``principal`` claim owed to outside lenders (deal id ``debt:FIRM``).

Outside assets ``e``
    cash (``cash_usd_bn``) plus outside revenue: annual revenue x ``revenue_years`` (grown at
    ``revenue_growth``) minus the purchase receipts the data already book for the firm,
    floored at 0 (so no dollar counts twice), times ``cash_margin``.

Stakes
    equity legs (investor holds investee) and warrants (holder holds issuer), at the ``stake``
    column or amount / market value of the issuer. A stake bought inside the horizon is held
    only as far as it is paid; a warrant vests as its holder's purchases from the issuer are
    paid (``warrant_vesting``).

Market value
    ``market_cap_usd_bn`` (or book equity), the reference for market value lost.

Starting equity
    reported book equity where the dataset has it (the loss buffer, ``mapping.loss_buffer:
    book``), else the model's construct, flagged; every starting number names its figure
    id and grade or says it is assumed (:mod:`.starting`).

GPU assets
    the larger of the firm's chip purchases in the data and capex x ``revenue_years`` x
    ``gpu_capex_share``: what a ``collateral`` shock marks down.

New money the plan needs (``new_money: plan``)
    with every leg paid in full, a firm whose means fall short of its obligations raises the
    gap as new outside money (deal id ``plan:FIRM``), so the unshocked run clears with no
    default and the gap itself is a headline ("OpenAI must raise $X by 2030"). The firm
    raises only what it needs, up to the gap plus ``new_money_headroom`` plus the part of
    its round investors hold back (``new_money_buffer``); new money dilutes
    existing shareholders rather than adding to their value.

Every line records the deal ids and figure ids behind it.

Examples
--------
>>> import dealloop as dl
>>> from dealloop import mapping
>>> from dealloop.scenarios import loads
>>> bs = mapping.build(dl.load(), loads("name: x\\nquestion: q"))
>>> "openai" in bs.firms and "bond-investors" in bs.outside
True
>>> lines = bs.explain("oracle")
>>> bool(((lines["item"] == "receivable") & (lines["counterparty"] == "openai")).any())
True
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..data.problems import DataError, Problem
from ..vocabulary import DEBT_KINDS, horizon_years, parse_horizon
from .collateral import pledges
from .earnings import contract_factors, demand_exposures, margins, value_multiples
from .legs import (
    DEAL_COLUMNS,
    DrawnDebt,
    claims_and_stakes,
    date,
    discount_rate,
    select_legs,
)
from .starting import figure_grades, starting
from .values import OUTSIDE, per_entity, plan_stretch, point
from .vehicles import sponsor_equity, sponsor_legs

if TYPE_CHECKING:  # pragma: no cover
    from ..scenarios.spec import Scenario
    from .compiled import Compiled
    from .explain import Sheet
    from .legview import Layers

__all__ = ["OUTSIDE", "BalanceSheets", "build", "discount_rate", "per_entity", "point"]



@dataclass(frozen=True)
class BalanceSheets:
    """Balance sheets of the firms inside a network, for one leg selection and horizon.

    Attributes
    ----------
    firms, outside
        In-network entity ids (the index ``0..N-1`` of every array) and outside ids.
    horizon, years
        The horizon and its length in years.
    evidence, derived
        The evidence grades and derived-leg choice the sheets were built on.
    deals
        Candidate legs, one row each: ``id, payer, payee, kind, status, evidence, basis,
        value`` (whole term), ``low, high`` (range of ``value``), ``share`` (part inside the
        horizon), ``base`` (1 if counted in the unshocked run), ``parts`` (ids of its parts).
        Synthetic rows ``debt:FIRM`` and ``plan:FIRM`` come last.
    claims
        One row per claim: ``deal, debtor, creditor`` (ids or ``(outside)``), ``channel``,
        ``amount`` (counted in normal times, before rollover), ``maturing`` (principal falling
        due), ``accel`` (due on default), ``weight`` (share of the deal's value), ``base``.
    stakes
        ``deal, holder, issuer, kind, fraction, prepaid`` (share paid before the horizon),
        ``cost`` (the leg's amount, what the holder paid for it; NaN when not stated: the
        carrying value of the book-equity line, :mod:`dealloop.scenarios.buffer`).
    frame
        Per firm: ``cash, revenue, revenue_in_horizon, receipts_booked, outside_revenue, gpu,
        market_value, debt, new_money`` and the figure ids behind them.
    lines
        Every balance-sheet line (``firm, side, item, counterparty, amount, deals, figures,
        note``), see :meth:`explain`.
    notes
        Legs left out and why (undisclosed amounts, missing stakes).
    discount_rate, discount_source
        The rate a year-by-year run discounts at (:func:`discount_rate`) and where it comes
        from.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> bs = mapping.build(dl.load(), scenarios.load("baseline"))
    >>> sheet = bs.explain("oracle")
    >>> {"asset", "liability"} <= set(sheet["side"])
    True
    >>> lay = bs.to_layers()                       # matrices for dealloop.contagion
    >>> lay.L.shape == (bs.n, bs.n)
    True
    >>> bs.compile().n == bs.n                     # arrays for the stress engine
    True
    """

    firms: tuple[str, ...]
    outside: tuple[str, ...]
    horizon: tuple[dt.date, dt.date]
    years: float
    evidence: tuple[str, ...]
    derived: bool
    deals: pd.DataFrame
    claims: pd.DataFrame
    stakes: pd.DataFrame
    frame: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    scenario: Scenario | None = field(default=None, repr=False)
    revenue_years: float = 0.0
    discount_rate: float = 0.0
    discount_source: str = ""
    collateral: pd.DataFrame | None = None
    """The secured debt legs and their collateral (:func:`.collateral.pledges`)."""
    grades: dict[str, str] = field(default_factory=dict, repr=False)
    """Evidence grade of each company figure id (:func:`.starting.figure_grades`)."""
    assumed_from: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict,
                                                                   repr=False)
    """The amounts ``mapping.vehicle_terms`` assumes, by debt leg: ``{leg id: ((debt id,
    part), ...)}`` (:func:`.vehicles.assumed_terms`), which a draw of the debt rescales."""
    debt_beyond: dict[str, tuple[float, tuple[str, ...]]] = field(default_factory=dict,
                                                                  repr=False)
    """Per firm with reported debt (``mapping.reported_debt``): ``(debt_usd_bn, legs)``, the
    debt legs drawn by the figure's date, counted in the run or not. The claim ``debt:FIRM``
    is the figure minus the legs counted (not counted, at the whole figure, when the legs
    cover it), so that removing a leg, or drawing its amount, keeps the firm's reported
    total (:func:`.reported.drawn_debt`)."""

    @property
    def n(self) -> int:
        """Number of firms with a balance sheet."""
        return len(self.firms)

    @cached_property
    def sponsors(self) -> dict[str, tuple[tuple[str, str, float], ...]]:
        """Who bears each vehicle's sponsor equity: ``{vehicle: ((deal id, sponsor, share),
        ...)}`` (:func:`.vehicles.sponsor_legs`, built on first use)."""
        return sponsor_legs(self.frame, self.deals)

    @cached_property
    def lines(self) -> pd.DataFrame:
        """Every balance-sheet line: ``firm, side, item, counterparty, amount, deals,
        figures, note`` (built on first use)."""
        from .explain import lines

        if self.scenario is None:
            raise ValueError("scenario: these balance sheets were built without one")
        return lines(self.firms, self.frame, self.claims, self.stakes, self.deals,
                     self.scenario, self.revenue_years, self.collateral, self.grades)

    def explain(self, firm: str) -> pd.DataFrame:
        """The balance sheet of ``firm`` as built, line by line, with the ids behind each."""
        return self.sheet(firm).to_frame()

    def sheet(self, firm: str) -> Sheet:
        """The balance sheet of ``firm``: a named, frozen :class:`~.explain.Sheet` whose
        line items cite the leg and figure ids behind them.

        Examples
        --------
        >>> import dealloop as dl
        >>> from dealloop.scenarios import loads
        >>> s = build(dl.load(), loads("name: x\\nquestion: q")).sheet("oracle")
        >>> s.firm, any(i.item == "receivable" and i.counterparty == "openai" for i in s.items)
        ('oracle', True)
        """
        from .explain import Sheet

        if firm not in self.firms:
            where = "outside the network" if firm in self.outside else "not in the dataset"
            raise KeyError(f"{firm!r} is {where}; firms inside: {', '.join(self.firms)}")
        return Sheet.from_lines(firm, self.lines[self.lines["firm"] == firm])

    def compile(self) -> Compiled:
        """The engine's arrays for these sheets under their scenario
        (:func:`~.compiled.compile_scenario`)."""
        from .compiled import compile_scenario

        if self.scenario is None:
            raise ValueError("scenario: these balance sheets were built without one")
        return compile_scenario(self.scenario, self)

    def to_layers(self) -> Layers:
        """The matrices of these sheets for the single-layer models of
        :mod:`dealloop.contagion` (see :meth:`~.compiled.Compiled.to_layers`)."""
        return self.compile().to_layers()


def _grown(annual: float, years: float, growth: float) -> float:
    if growth == 0:
        return annual * years
    return annual * ((1 + growth) ** years - 1) / growth


class _Figures:
    """Company figures of the dataset's entities, each with the figure ids behind it."""

    def __init__(self, net: Any) -> None:
        self.ents = net.entities
        self.prov = getattr(net, "provenance", None)
        self.figures = getattr(net, "figures", None)
        self.row_of = {e: r for r, e in zip(self.ents.index, self.ents["id"], strict=True)}

    def __call__(self, eid: str, column: str) -> tuple[float, tuple[str, ...]]:
        """The figure ``column`` of ``eid`` (NaN when unknown) and its figure id."""
        row = self.row_of[eid]
        v = self.ents.at[row, column]
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return math.nan, ()
        prov = self.prov
        fid = prov.at[row, column] if prov is not None and column in prov.columns else None
        return float(v), ((str(fid),) if isinstance(fid, str) else ())

    def date(self, fids: tuple[str, ...]) -> dt.date | None:
        """The ``as_of`` date of the first figure id."""
        figures = self.figures
        if not fids or figures is None or not len(figures):
            return None
        hit = figures[figures["id"] == fids[0]]
        if hit.empty:
            return None
        return date(hit.iloc[0]["as_of"], end=True)


def build(net: Any, scenario: Scenario, *, evidence: tuple[str, ...] | None = None,
          derived: bool | None = None) -> BalanceSheets:
    """Balance sheets of ``net`` under ``scenario``'s horizon, leg selection and mapping.

    ``evidence`` and ``derived`` override the scenario's (used for the evidence bands). The
    steps: who is inside (:func:`_parties`), the legs counted (:func:`.legs.select_legs`), claims
    and stakes from the legs (:func:`.legs.claims_and_stakes`), each firm's figures
    (:func:`_firm_frame`), reported debt beyond the legs, outside revenue, GPU assets and
    build-out capex, new money and replacement purchases, and the mapping's own synthetic
    deals (:func:`_synthetic_deals`).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> bs = mapping.build(dl.load(), scenarios.load("baseline"), evidence=("A",))
    >>> "openai" in bs.firms
    True
    """
    m = scenario.mapping
    t0, t1 = parse_horizon(scenario.horizon)
    years_h = horizon_years(t0, t1)
    rev_years = m.revenue_years if m.revenue_years is not None else years_h
    evidence = tuple(evidence if evidence is not None else scenario.legs.evidence)
    derived = scenario.legs.derived if derived is None else derived
    kinds, firms, outside = _parties(net, scenario)
    figure = _Figures(net)
    notes: list[str] = []
    deal_rows = select_legs(net, scenario, (t0, t1), evidence, derived, notes)
    cap = {e: figure(e, "market_cap_usd_bn") for e in net.entities["id"]}
    claims, stakes, drawn_debt = claims_and_stakes(deal_rows, set(firms), cap, m, (t0, t1),
                                                    notes)
    frame = _firm_frame(firms, kinds, figure, m)
    grades = figure_grades(net)
    starting(frame, {e: figure(e, "book_equity_usd_bn") for e in firms}, grades, m,
             sponsor_equity(deal_rows, kinds, m))
    cl = pd.DataFrame(claims, columns=["deal", "debtor", "creditor", "channel", "amount",
                                       "maturing", "accel", "weight", "base"])
    beyond = _reported_debt(cl, frame, firms, drawn_debt, figure, m, t0)
    _outside_revenue(cl, frame, firms, m, rev_years)
    _gpu_and_build_out(cl, frame, firms, deal_rows, m, rev_years, t1)
    st = pd.DataFrame(stakes, columns=["deal", "holder", "issuer", "kind", "fraction",
                                       "prepaid", "cost"])
    st = st[st["holder"].isin(firms) & st["issuer"].isin(firms)].reset_index(drop=True)
    _new_money(cl, frame, firms, st, {r["id"]: r["base"] for r in deal_rows}, m)
    _sourced(cl, frame, firms, set(outside), deal_rows, m)
    _replacement(cl, set(firms), m)
    margins(net, frame, m)
    demand_exposures(net, frame, m)
    _capex(cl, frame, firms, {r["payer"] for r in deal_rows if r["kind"] == "chip_purchase"})
    deals = _synthetic_deals(pd.DataFrame(deal_rows, columns=list(DEAL_COLUMNS)), cl)
    rate, source = discount_rate(net, m)
    value_multiples(net, frame, m, rev_years,
                    *contract_factors(cl, deals, set(firms), (t0, t1), rate, m))
    pledged = pledges(deal_rows, kinds, m, t0, notes)
    return BalanceSheets(firms, outside, (t0, t1), years_h, evidence, bool(derived), deals, cl,
                         st, frame, tuple(notes), scenario=scenario, revenue_years=rev_years,
                         discount_rate=rate, discount_source=source, collateral=pledged,
                         grades=grades, assumed_from={
                             r["id"]: r["assumed_from"] for r in deal_rows
                             if r.get("assumed_from")}, debt_beyond=beyond)


def _parties(net: Any, scenario: Scenario
             ) -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]:
    """Each entity's kind, the firms inside the network and the outside entities."""
    m = scenario.mapping
    ents = net.entities
    kinds = dict(zip(ents["id"], ents["kind"], strict=True))
    outside_set = ({e for e, k in kinds.items() if k in set(m.outside_kinds)} | set(m.outside)) \
        - set(m.inside)
    firms = tuple(e for e in ents["id"] if e not in outside_set)
    outside = tuple(e for e in ents["id"] if e in outside_set)
    if not firms:  # nothing to clear: say so rather than fail on an empty frame
        raise DataError([scenario.problem(("mapping", "outside_kinds"), "every firm of the "
                                          "dataset is outside the network; nothing to stress")
                         if len(ents) else Problem("entities.csv", None, None, "the dataset "
                                                   "has no firms; nothing to stress")])
    return kinds, firms, outside


def _firm_frame(firms: tuple[str, ...], kinds: dict[str, str], figure: _Figures, m: Any
                ) -> pd.DataFrame:
    """Per firm: cash, revenue, market value, debt and capex, with their figure ids."""
    rows = []
    for eid in firms:
        cash, cash_f = figure(eid, "cash_usd_bn")
        rev, rev_f = figure(eid, "revenue_usd_bn")
        mcap, mcap_f = figure(eid, "market_cap_usd_bn")
        if math.isnan(mcap):
            mcap, mcap_f = figure(eid, "book_equity_usd_bn")
        debt, debt_f = figure(eid, "debt_usd_bn")
        capex, capex_f = figure(eid, "capex_usd_bn")
        rows.append({"firm": eid, "kind": kinds[eid],
                     "cash": 0.0 if math.isnan(cash) or not m.cash else cash,
                     "cash_figures": cash_f, "revenue": rev, "revenue_figures": rev_f,
                     "market_value": 0.0 if math.isnan(mcap) else mcap,
                     "market_value_figures": mcap_f, "debt": debt, "debt_figures": debt_f,
                     "capex": capex, "capex_figures": capex_f})
    return pd.DataFrame(rows).set_index("firm")


def _add_claim(cl: pd.DataFrame, deal: str, debtor: str, creditor: str, channel: str,
               amount: float = 0.0, *, maturing: float = 0.0, accel: float | None = None,
               base: float = 1.0) -> None:
    """Append one claim of the mapping itself (weight 1, counted unless ``base`` is 0) to
    ``cl``."""
    cl.loc[len(cl)] = {"deal": deal, "debtor": debtor, "creditor": creditor,
                       "channel": channel, "amount": amount, "maturing": maturing,
                       "accel": amount if accel is None else accel, "weight": 1.0,
                       "base": base}


def _number(frame: pd.DataFrame, eid: str, column: str) -> float:
    """A number of the firms' frame (its numeric columns hold floats, NaN when unknown)."""
    return float(frame[column][eid])


def _reported_debt(cl: pd.DataFrame, frame: pd.DataFrame, firms: tuple[str, ...],
                   drawn_debt: DrawnDebt, figure: _Figures, m: Any, t0: dt.date
                   ) -> dict[str, tuple[float, tuple[str, ...]]]:
    """Reported debt beyond the debt legs drawn at the figure's date: one more principal
    claim owed outside (``debt:FIRM``). Returns, per firm with reported debt, the figure
    and the debt legs (counted or not) drawn by its date, which a rerun with other legs
    counts against it (:attr:`BalanceSheets.debt_beyond`)."""
    out: dict[str, tuple[float, tuple[str, ...]]] = {}
    for eid in firms:
        debt = _number(frame, eid, "debt")
        if not m.reported_debt or math.isnan(debt):
            continue
        as_of = figure.date(frame["debt_figures"][eid]) or t0
        legs = [(d, v, counted) for d, s, v, counted in drawn_debt.get(eid, [])
                if s is None or s <= as_of]
        out[eid] = (debt, tuple(d for d, _, _ in legs))
        in_data = sum(v for _, v, counted in legs if counted)
        extra = max(0.0, debt - in_data)
        mshare = per_entity(m.debt_maturing_share, eid, 0.5)
        if extra > 0:
            _add_claim(cl, f"debt:{eid}", eid, OUTSIDE, "principal", 0.0,
                       maturing=extra * mshare, accel=extra)
        elif legs and debt > 0:  # the legs cover the figure: not counted, but a rerun
            # with less of them counts the rest (sized from the whole figure, .reported)
            _add_claim(cl, f"debt:{eid}", eid, OUTSIDE, "principal", 0.0,
                       maturing=debt * mshare, accel=debt, base=0.0)
    return out


def _outside_revenue(cl: pd.DataFrame, frame: pd.DataFrame, firms: tuple[str, ...], m: Any,
                     rev_years: float) -> None:
    """Revenue over the horizon minus the purchase receipts the legs already book, times
    the cash margin (columns ``revenue_in_horizon``, ``cash_margin``, ``receipts_booked``,
    ``outside_revenue``)."""
    purchases = cl[(cl["channel"] == "purchase") & (cl["base"] > 0)]
    booked = purchases.groupby("creditor")["amount"].sum()
    out_rev, rev_h = [], []
    for eid in firms:
        rev = _number(frame, eid, "revenue")
        g = per_entity(m.revenue_growth, eid, 0.0)
        total = 0.0 if math.isnan(rev) else _grown(rev, rev_years, g)
        margin = per_entity(m.cash_margin, eid, 1.0)
        rev_h.append(total)
        out_rev.append(margin * max(0.0, total - float(booked.get(eid, 0.0))))
    frame["revenue_in_horizon"] = rev_h
    frame["cash_margin"] = [per_entity(m.cash_margin, e, 1.0) for e in firms]
    frame["receipts_booked"] = [float(booked.get(e, 0.0)) for e in firms]
    frame["outside_revenue"] = out_rev


def _gpu_and_build_out(cl: pd.DataFrame, frame: pd.DataFrame, firms: tuple[str, ...],
                       deal_rows: list[dict[str, Any]], m: Any, rev_years: float,
                       t1: dt.date) -> None:
    """GPU assets (chip purchases or capex share) and build-out capex owed to outside
    suppliers beyond the chip purchases in the data (``build:FIRM``)."""
    chips = pd.DataFrame([r for r in deal_rows if r["kind"] == "chip_purchase" and r["base"]
                          and (r["start"] is None or r["start"] <= t1)],
                         columns=["payer", "value"])
    chip_by = chips.groupby("payer")["value"].sum() if len(chips) else pd.Series(dtype=float)
    capex_years = frame["capex"].fillna(0.0) * rev_years
    frame["gpu_capex"] = capex_years * m.gpu_capex_share
    frame["gpu"] = [max(float(chip_by.get(e, 0.0)), _number(frame, e, "gpu_capex"))
                    for e in firms]
    frame["build_gross"] = [capex_years[e] * per_entity(m.capex_obligation, e, 0.0)
                            for e in firms]
    for eid in firms:  # kept when 0 too: a rerun with other legs sizes it again
        if _number(frame, eid, "build_gross") > 0:
            owed = max(0.0, _number(frame, eid, "build_gross") - float(chip_by.get(eid, 0.0)))
            _add_claim(cl, f"build:{eid}", eid, OUTSIDE, "purchase", owed)


def _new_money(cl: pd.DataFrame, frame: pd.DataFrame, firms: tuple[str, ...],
               st: pd.DataFrame, base_mult: dict[str, float], m: Any) -> None:
    """The new money the plan needs (``new_money: plan``): one claim per firm, 0 when it
    needs none, so that a rerun with other legs (Monte Carlo, remove-a-deal) can size each
    firm's gap again (``plan:FIRM``)."""
    frame["new_money"] = 0.0
    if m.new_money != "plan":
        return
    frame["new_money"] = _plan_gap(firms, frame, cl, st, base_mult, m)
    for eid in firms:
        cap = _number(frame, eid, "new_money") * (1 + plan_stretch(m))
        _add_claim(cl, f"plan:{eid}", OUTSIDE, eid, "plan", cap)


def _sourced(cl: pd.DataFrame, frame: pd.DataFrame, firms: tuple[str, ...],
             outside: set[str], deal_rows: list[dict[str, Any]], m: Any) -> None:
    """New money from announced sources (``new_money: sourced``): each firm may raise, over
    the whole horizon and only as needed, ``mapping.new_money_sources`` of it, else the
    announced rounds and facilities in the data that no run counts yet (equity and debt
    legs into it from outside the network, status conditional); one ``plan:FIRM`` claim
    each, its sources in ``new_money_sources``."""
    if m.new_money != "sourced":
        return
    budget = {e: 0.0 for e in firms}
    ids: dict[str, list[str]] = {e: [] for e in firms}
    for r in deal_rows:
        if r["payee"] in budget and r["payer"] in outside and not r["base"] \
                and r["status"] == "conditional" \
                and (r["kind"] == "equity_investment" or r["kind"] in DEBT_KINDS):
            budget[r["payee"]] += r["value"]
            ids[r["payee"]].append(r["id"])
    for e, v in m.new_money_sources.items():
        if e in budget:
            budget[e], ids[e] = float(v), ["mapping.new_money_sources"]
    frame["new_money"] = [budget[e] for e in firms]
    frame["new_money_sources"] = [tuple(ids[e]) for e in firms]
    for eid in firms:
        _add_claim(cl, f"plan:{eid}", OUTSIDE, eid, "plan", budget[eid])


def _replacement(cl: pd.DataFrame, in_net: set[str], m: Any) -> None:
    """What a customer pays outside suppliers when its failed supplier stops delivering
    (0 unless a ``fail`` shock terminates contracts; ``mapping.terminated_contracts``)."""
    if m.terminated_contracts != "replace":
        return
    inside = cl[(cl["channel"] == "purchase") & cl["creditor"].isin(in_net)]
    for eid in sorted(set(inside["debtor"]) & in_net):
        _add_claim(cl, f"replace:{eid}", eid, OUTSIDE, "replacement")


def _capex(cl: pd.DataFrame, frame: pd.DataFrame, firms: tuple[str, ...],
           buyers: set[str]) -> None:
    """Extra GPU replacement capex, 0 unless a ``collateral`` shock marks GPUs down."""
    for eid in firms:
        if _number(frame, eid, "gpu") > 0 or eid in buyers:
            _add_claim(cl, f"capex:{eid}", eid, OUTSIDE, "capex")


def _synthetic_deals(deals: pd.DataFrame, cl: pd.DataFrame) -> pd.DataFrame:
    """``deals`` with one row per claim the mapping adds (``plan:``, ``debt:``, ``capex:``,
    ``build:``, ``replace:``), so every claim names a deal."""
    synth = sorted({d for d in cl["deal"] if ":" in d})
    if not synth:
        return deals
    into = {"plan", "debt"}  # outside pays the firm (the deal's money direction)
    prefix = [d.split(":", 1)[0] for d in synth]
    who = [d.split(":", 1)[1] for d in synth]
    deals = pd.concat([deals, pd.DataFrame({
        "id": synth,
        "payer": [OUTSIDE if p in into else w for p, w in zip(prefix, who, strict=True)],
        "payee": [w if p in into else OUTSIDE for p, w in zip(prefix, who, strict=True)],
        "kind": [{"plan": "new_money", "debt": "reported_debt", "capex": "gpu_capex",
                  "build": "build_out_capex", "replace": "replacement_purchases"}[p]
                 for p in prefix],
        "status": "mapping", "evidence": "", "basis": "mapping",
        "value": [float(cl.loc[cl["deal"] == d, ["amount", "accel"]].max(axis=1).sum())
                  for d in synth],
        "share": 1.0, "parts": [()] * len(synth), "sources": "",
        "base": [float(cl.loc[cl["deal"] == d, "base"].max()) for d in synth]})],
        ignore_index=True)
    deals["low"] = deals["low"].fillna(deals["value"])
    deals["high"] = deals["high"].fillna(deals["value"])
    return deals


def _plan_gap(firms: tuple[str, ...], frame: pd.DataFrame, cl: pd.DataFrame, st: pd.DataFrame,
              base_mult: dict[str, float], m: Any) -> list[float]:
    """Shortfall of each firm with every leg paid in full and stakes at market value."""
    pos = {e: k for k, e in enumerate(firms)}
    n = len(firms)
    res = frame["cash"].to_numpy(float) + frame["outside_revenue"].to_numpy(float)
    owed = np.zeros(n)
    for debtor, creditor, channel, amount, maturing, base in cl[
            ["debtor", "creditor", "channel", "amount", "maturing", "base"]].itertuples(
            index=False, name=None):
        if channel == "backstop" or not base:
            continue
        amt = amount + maturing * (1 - per_entity(m.rollover, debtor, 1.0)) \
            if channel == "principal" else amount
        if debtor in pos:
            owed[pos[debtor]] += amt
        if creditor in pos:
            res[pos[creditor]] += amt
    mv = frame["market_value"].to_numpy(float)
    for deal, holder, issuer, frac in st[["deal", "holder", "issuer", "fraction"]].itertuples(
            index=False, name=None):
        res[pos[holder]] += m.stake_liquidity * frac * base_mult.get(deal, 0.0) * mv[pos[issuer]]
    return [float(max(0.0, owed[k] - res[k])) for k in range(n)]
