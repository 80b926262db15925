"""Balance sheets as named, frozen objects, and the line-by-line explanation behind them.

``dealloop stress --explain FIRM`` prints :meth:`Sheet.to_frame`; every line cites the deal
ids and company-figure ids it was built from, and says how (a formula or a mapping choice).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..jsonutil import jsonable
from ..result import Result
from .sheets import OUTSIDE
from .values import per_entity, plan_stretch

if TYPE_CHECKING:  # pragma: no cover
    from ..scenarios.spec import Scenario

__all__ = ["COLUMNS", "LineItem", "Sheet", "lines"]

#: Columns of an explanation table (without ``firm``).
COLUMNS = ("side", "item", "counterparty", "amount", "deals", "figures", "note")


@dataclass(frozen=True)
class LineItem:
    """One line of a balance sheet: ``side`` (start, asset, liability, stake, contingent,
    memo; ``start`` lines say where the starting numbers come from),
    ``item``, ``counterparty``, ``amount`` (USD bn), the ``deals`` and company ``figures``
    behind it and a ``note`` saying how it was computed.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> sheet = mapping.build(dl.load(), scenarios.load("baseline")).sheet("oracle")
    >>> all(isinstance(item, mapping.LineItem) for item in sheet.items)
    True
    """

    side: str
    item: str
    counterparty: str | None
    amount: float
    deals: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, repr=False)
class Sheet(Result):
    """The balance sheet of one firm as built: its line items in order.

    Examples
    --------
    >>> s = Sheet("x", (LineItem("asset", "cash", None, 2.0, figures=("F1",)),
    ...                 LineItem("liability", "debt to repay", "bank", 1.5, deals=("D1",))))
    >>> s.total("asset") - s.total("liability")
    0.5
    >>> s.to_frame().loc[1, "deals"]
    'D1'
    >>> Sheet.from_lines("x", s.to_frame()) == s        # back from the table
    True
    """

    firm: str
    items: tuple[LineItem, ...]

    def total(self, side: str) -> float:
        """Sum of the amounts on one side (an unknown amount, NaN, counts 0)."""
        return float(sum(i.amount for i in self.items if i.side == side
                         and i.amount == i.amount))

    def to_frame(self) -> pd.DataFrame:
        """One row per line item (ids joined by ``;``), the table ``--explain`` prints."""
        rows = [{"side": i.side, "item": i.item, "counterparty": i.counterparty,
                 "amount": i.amount, "deals": ";".join(i.deals),
                 "figures": ";".join(i.figures), "note": i.note} for i in self.items]
        return pd.DataFrame(rows, columns=list(COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        """``firm`` and one record per line item (the rows of :meth:`to_frame`)."""
        return jsonable({"firm": self.firm, "lines": self.to_frame()})

    def summary(self) -> str:
        """The firm and the total of each side."""
        sides = dict.fromkeys(i.side for i in self.items if i.side != "start")
        totals = ", ".join(f"{side} {self.total(side):,.1f}" for side in sides) or "no lines"
        return f"Balance sheet of {self.firm} (USD bn): {totals}"

    @classmethod
    def from_lines(cls, firm: str, frame: pd.DataFrame) -> Sheet:
        """The sheet of ``firm`` from rows of :func:`lines` (a missing counterparty, NaN in
        the table, is ``None`` again)."""
        def ids(x: Any) -> tuple[str, ...]:
            return tuple(v for v in str(x).split(";") if v) if isinstance(x, str) else ()

        rows: Iterable[Any] = frame.itertuples(index=False)  # the columns of lines()
        items = tuple(LineItem(r.side, r.item,
                               r.counterparty if isinstance(r.counterparty, str) else None,
                               float(r.amount), ids(r.deals),
                               ids(r.figures), r.note) for r in rows)
        return cls(firm, items)


_ITEM = {"purchase": ("receivable", "obligation"), "equity": ("equity to receive",
                                                              "equity to pay in"),
         "funding": ("loan to draw", "loan to fund"), "principal": ("loan repaid to it",
                                                                     "debt to repay"),
         "backstop": ("backstop (contingent)", "backstop given (contingent)"),
         "plan": ("new money (plan)", "")}


def lines(firms: tuple[str, ...], frame: pd.DataFrame, cl: pd.DataFrame, st: pd.DataFrame,
          deals: pd.DataFrame, scenario: Scenario, rev_years: float,
          collateral: pd.DataFrame | None = None, grades: dict[str, str] | None = None
          ) -> pd.DataFrame:
    """Every balance-sheet line of every firm (``firm`` + :data:`COLUMNS`); a debt secured
    on ``collateral`` (:func:`.collateral.pledges`) says so in its note. The first lines
    (side ``start``) say where the firm's starting equity, cash, debt and market value come
    from: the figure id and its evidence grade (``grades``, figure id -> grade), or
    ``assumed``.

    Examples
    --------
    :func:`dealloop.mapping.build` calls it; its table is ``BalanceSheets.lines``:

    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> table = mapping.build(dl.load(), scenarios.load("baseline")).lines
    >>> list(table.columns) == ["firm", *COLUMNS]
    True
    """
    m = scenario.mapping
    rows: list[dict[str, Any]] = []
    by_id = deals.set_index("id") if len(deals) else pd.DataFrame()
    grades = grades or {}
    for eid in firms:
        f = frame.loc[eid]
        assert isinstance(f, pd.Series)  # firm ids are unique: one row
        _start(rows, eid, f, m, grades)
        _own_assets(rows, eid, f, m, rev_years)
        _claims_held(rows, eid, f, m, cl, by_id)
        _claims_owed(rows, eid, f, m, cl, by_id, rev_years)
        _stakes(rows, eid, st, by_id, frame)
        _memos(rows, eid, f, m)
    out = pd.DataFrame(rows, columns=["firm", *COLUMNS])
    if collateral is not None and len(collateral):
        for deal, borrower, asset, value, basis in zip(
                collateral["deal"], collateral["borrower"], collateral["asset"],
                collateral["value"], collateral["basis"], strict=True):
            hit = (out["firm"] == borrower) & (out["item"] == "debt to repay") \
                & (out["deals"] == deal)
            out.loc[hit, "note"] += (f"; secured on its {asset} (worth {value:,.2f} at "
                                     f"origination: {basis}), repaid from it first on default")
    return out


def _add(rows: list[dict[str, Any]], firm: str, side: str, item: str, cp: str | None,
         amount: float, deals_: tuple[str, ...] = (), figs: tuple[str, ...] = (),
         note: str = "") -> None:
    rows.append({"firm": firm, "side": side, "item": item, "counterparty": cp,
                 "amount": float(amount), "deals": ";".join(deals_),
                 "figures": ";".join(figs), "note": note})


def _grade(fids: Any, grades: dict[str, str]) -> str:
    """``F201, grade A``: the figure ids behind a number with their evidence grades."""
    return ", ".join(f"{x}, grade {grades[x]}" if grades.get(x) else str(x) for x in fids)


def _equity_note(f: pd.Series, m: Any, figs: tuple[str, ...], grades: dict[str, str]
                 ) -> str:
    """How a firm's book equity is the loss buffer."""
    kept = m.earnings_retained
    return (f"sourced: book equity ({_grade(figs, grades)}), the loss buffer "
            "(mapping.loss_buffer: book), measured at the horizon's end: plus "
            f"{kept:.0%} of the earnings the unshocked run brings over the horizon (margin "
            f"{float(f['margin']):.1%} x its revenue in the run; "
            + ("payouts to shareholders not modelled, assumed" if kept == 1
               else "mapping.earnings_retained") + "), less the run's losses with stakes at "
            "cost")


def _start(rows: list[dict[str, Any]], eid: str, f: pd.Series, m: Any,
           grades: dict[str, str]) -> None:
    """Where the firm's starting equity, cash, debt and market value come from."""
    book = f.get("equity_basis", "model") == "book"
    figs = tuple(f.get("book_equity_figures", ()) or ())
    if f.get("equity_basis", "model") == "sponsor":
        how = str(f.get("starting", "")).split("; ")[0].partition(", ")[2]
        _add(rows, eid, "start", "starting equity", None, float(f["book_equity"]),
             deals_=figs, note=("assumed" if how.startswith("assumed") else "sourced")
             + f": the sponsors' equity ({how}), the loss buffer: lost first, before the "
             "lenders, and part of what the collateral is worth (mapping.vehicle_equity)")
    else:
        _add(rows, eid, "start", "starting equity", None,
             float(f["book_equity"]) if book else math.nan, figs=figs if book else (),
             note=_equity_note(f, m, figs, grades) if book else
             "assumed: " + ("mapping.loss_buffer: model" if m.loss_buffer == "model"
                            else "no book equity figure") + "; the model's construct "
             "(means minus obligations over the horizon) is the loss buffer")
    cash_f = tuple(f["cash_figures"])
    _add(rows, eid, "start", "starting cash", None, f["cash"], figs=cash_f,
         note=("not counted (mapping.cash)" if not m.cash else
               f"sourced: {_grade(cash_f, grades)}" if cash_f else "assumed: 0, no figure"))
    debt_f = tuple(f["debt_figures"])
    known = bool(debt_f) and not math.isnan(float(f["debt"]))
    _add(rows, eid, "start", "starting debt", None, float(f["debt"]) if known else math.nan,
         figs=debt_f, note=f"sourced: {_grade(debt_f, grades)}" if known else
         "assumed: no debt beyond the debt legs in the data, no figure")
    mv_f = tuple(f["market_value_figures"])
    _add(rows, eid, "start", "starting market value", None, f["market_value"], figs=mv_f,
         note=f"sourced: {_grade(mv_f, grades)}" if mv_f else "assumed: 0, no figure")


def _own_assets(rows: list[dict[str, Any]], eid: str, f: pd.Series, m: Any,
                rev_years: float) -> None:
    """Cash, and the outside revenue of the horizon."""
    _add(rows, eid, "asset", "cash", None, f["cash"], figs=f["cash_figures"],
         note=("cash and short-term investments" if f["cash_figures"] else
               "no cash figure: 0 assumed") if m.cash else "not counted (mapping.cash)")
    rev = f["revenue"]
    if math.isnan(rev):
        _add(rows, eid, "asset", "outside revenue", None, 0.0, note="no revenue figure")
        return
    g = per_entity(m.revenue_growth, eid, 0.0)
    margin = per_entity(m.cash_margin, eid, 1.0)
    grow = f" growing {g:.0%} a year" if g else ""
    _add(rows, eid, "asset", "outside revenue", None, f["outside_revenue"],
         figs=f["revenue_figures"],
         note=f"revenue {rev:,.1f}/yr x {rev_years:.2f} yr{grow} = "
              f"{f['revenue_in_horizon']:,.1f}, minus purchase receipts booked in the "
              f"data {f['receipts_booked']:,.1f}, floored at 0"
              + (f", x cash margin {margin:g}" if margin != 1 else ""))


def _claims_held(rows: list[dict[str, Any]], eid: str, f: pd.Series, m: Any,
                 cl: pd.DataFrame, by_id: pd.DataFrame) -> None:
    """What the firm is owed: receivables, equity and loans to receive, backstops, new money."""
    held: Iterable[Any] = cl[(cl["creditor"] == eid) & (cl["base"] > 0)].itertuples(index=False)
    for r in held:
        cp = r.debtor if r.debtor != OUTSIDE else _payer(by_id, r.deal)
        if r.channel == "principal" or (r.channel == "plan" and r.amount <= 0):
            continue
        item = _ITEM[r.channel][0]
        if r.debtor == OUTSIDE and r.channel in ("equity", "funding"):
            item = "outside funding"
        elif r.debtor == OUTSIDE and r.channel == "purchase":
            item = "receivable (outside customer)"
        note = (f"gap between obligations and means with every leg paid "
                f"({f['new_money']:,.2f}), raised from outside as needed, up to "
                f"{1 + plan_stretch(m):.0%} of it (new_money: plan; headroom "
                f"{m.new_money_headroom:.0%}, held back {m.new_money_buffer:.0%})"
                if r.channel == "plan" else "")
        _add(rows, eid, "asset" if r.channel != "backstop" else "contingent", item, cp,
             r.amount, (r.deal,), note=note or _share_note(by_id, r.deal, r.weight))


def _claims_owed(rows: list[dict[str, Any]], eid: str, f: pd.Series, m: Any,
                 cl: pd.DataFrame, by_id: pd.DataFrame, rev_years: float) -> None:
    """What the firm owes: obligations, equity to pay in, loans to fund, debt to repay,
    backstops given, build-out capex."""
    owed: Iterable[Any] = cl[(cl["debtor"] == eid) & (cl["base"] > 0)
                             & ~cl["channel"].isin(["capex", "replacement"])
                             ].itertuples(index=False)
    for r in owed:
        cp = r.creditor if r.creditor != OUTSIDE else (
            _payer(by_id, r.deal) if r.channel == "principal" else _payee(by_id, r.deal))
        if cp == OUTSIDE:
            cp = "outside lenders" if r.channel == "principal" else cp
        if r.channel == "principal":
            roll = per_entity(m.rollover, eid, 1.0)
            _add(rows, eid, "liability", "debt to repay", cp, r.maturing * (1 - roll),
                 (r.deal,), figs=f["debt_figures"] if r.deal.startswith("debt:") else (),
                 note=f"principal maturing in the horizon {r.maturing:,.2f}, rolled over "
                      f"{roll:.0%}; all {r.accel:,.2f} due on default"
                      + (" (reported debt beyond the debt legs)"
                         if r.deal.startswith("debt:") else ""))
            continue
        item = _ITEM[r.channel][1]
        if r.creditor == OUTSIDE:
            item = "external " + item
        note = _share_note(by_id, r.deal, r.weight)
        if r.deal.startswith("build:"):
            item, cp = "build-out capex", "outside suppliers"
            note = (f"capex {f['capex']:,.1f}/yr x {rev_years:.2f} yr x "
                    f"{per_entity(m.capex_obligation, eid, 0.0):g}, minus chip purchases "
                    "in the data (mapping.capex_obligation)")
        _add(rows, eid, "liability" if r.channel != "backstop" else "contingent", item, cp,
             r.amount, (r.deal,), figs=f["capex_figures"] if r.deal.startswith("build:")
             else (), note=note)


def _stakes(rows: list[dict[str, Any]], eid: str, st: pd.DataFrame, by_id: pd.DataFrame,
            frame: pd.DataFrame) -> None:
    """The firm's stakes in other firms of the network, at their market value (and, for a
    firm whose loss buffer is its book equity, what the book carries them at)."""
    book = frame.get("equity_basis", pd.Series(dtype=object)).get(eid) == "book"
    mv = frame["market_value"]
    figures = frame["market_value_figures"]
    held: Iterable[Any] = st[st["holder"] == eid].itertuples(index=False)
    for r in held:
        if r.deal in by_id.index and not by_id["base"][r.deal]:
            continue  # a stake from a leg not counted (e.g. a conditional warrant)
        _add(rows, eid, "stake", "stake", r.issuer, r.fraction * mv[r.issuer], (r.deal,),
             figs=figures[r.issuer],
             note=f"{r.fraction:.2%} of {r.issuer} ({r.kind}) at market value "
                  f"{mv[r.issuer]:,.1f}" + ("" if r.prepaid >= 1 else
                                            f"; {1 - r.prepaid:.0%} paid inside the horizon")
             + ("" if not book else _carried(getattr(r, "cost", math.nan))))


def _carried(cost: float) -> str:
    """How the book-equity line carries a stake."""
    if math.isnan(cost):
        return "; book equity line: at market value (no amount invested in the data)"
    return (f"; book equity line: at cost {cost:,.2f} (the amount invested; assumed: no "
            "carrying value reported), or market value when lower")


def _memos(rows: list[dict[str, Any]], eid: str, f: pd.Series, m: Any) -> None:
    """Market value, the loss on a lost sale and GPU assets: what shocks and stakes use."""
    _add(rows, eid, "memo", "market value", None, f["market_value"],
         figs=(*f["market_value_figures"], *f.get("value_figures", ())),
         note=("" if f["market_value_figures"] else "no market value figure: 0 assumed; ")
         + (_value_note(f, m) if "value_multiple" in f else ""))
    if m.contracts == "margin":
        src = ("mapping.operating_margin" if eid in m.operating_margin else
               "net income / revenue" if f["margin_figures"] else
               "vehicle: nothing to deliver" if not f["margin_assumed"] else
               "assumed: mapping.margin_fallback")
        _add(rows, eid, "memo", "loss on a lost sale", None, f["loss_weight"],
             figs=f["margin_figures"],
             note=f"margin {f['margin']:.1%} ({src}) + (1 - margin) x stranded share "
                  f"{per_entity(m.stranded_share, eid, 0.5):g}, per dollar not paid")
    if "demand_exposure" in f:
        src = ("mapping.demand_exposure" if eid in m.demand_exposure
               or "default" in m.demand_exposure else
               "AI or data-centre segment over revenue" if f["demand_figures"] else
               "no sourced AI share: all its revenue, assumed")
        _add(rows, eid, "memo", "AI share of revenue", None, f["demand_exposure"],
             figs=f["demand_figures"],
             note=f"the share of its outside revenue a demand shock reaches ({src})")
    _add(rows, eid, "memo", "GPU assets", None, f["gpu"], figs=f["capex_figures"],
         note="larger of chip purchases in the data and capex x years x "
              f"{m.gpu_capex_share:g}")


def _value_note(f: pd.Series, m: Any) -> str:
    """How the firm's market value moves with what it loses (``mapping.market_value_rule``)."""
    rule = m.market_value_rule
    legs = tuple(f.get("value_legs", ()) or ())
    why = {"contract_pv": "present value of the margin and stranded costs lost over the "
                          "years the contracts run",
           "earnings": "lost earnings at its price-earnings ratio, an upper bound",
           "price_to_book": "present value of the contracts at its price-to-book",
           "fixed": "dollar for dollar"}[rule]
    note = f"{f['value_multiple']:.2f} lost per $ of sales to other firms lost"
    if "outside_multiple" in f and abs(float(f["outside_multiple"])
                                       - float(f["value_multiple"])) > 1e-12:
        note += f", {float(f['outside_multiple']):.2f} per $ of outside revenue lost"
    note += f" (rule {rule}: {why}"
    if legs:
        note += "; contracts running past the horizon: " + ", ".join(legs)
    if f.get("value_assumed", False):
        note += "; no figure for the rule: as contract_pv"
    return note + ")"


def _payer(by_id: pd.DataFrame, deal: str) -> str:
    return str(by_id.at[deal, "payer"]) if deal in by_id.index else OUTSIDE


def _payee(by_id: pd.DataFrame, deal: str) -> str:
    return str(by_id.at[deal, "payee"]) if deal in by_id.index else OUTSIDE


def _share_note(by_id: pd.DataFrame, deal: str, weight: float) -> str:
    if deal not in by_id.index or ":" in deal:
        return ""
    value = float(by_id["value"][deal])
    note = f"{weight:.0%} of {value:,.2f} falls inside the horizon" if weight < 1 else ""
    if "term_assumed" in by_id.columns and bool(by_id.at[deal, "term_assumed"]):
        note += ("; " if note else "") + "no end reported: term assumed"
    return note
