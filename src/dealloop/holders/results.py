"""What :func:`dealloop.holders.follow` returns: losses by sector, on households and
retirement accounts, and against bank capital."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from ..jsonutil import jsonable
from ..result import Result

__all__ = ["METHOD", "SECTOR_LABELS", "HoldersResult", "bank_date", "basis_text", "label",
           "line_text"]

#: Display names of sectors and instruments.
SECTOR_LABELS: dict[str, str] = {
    "retirement_ira": "IRAs", "retirement_dc": "401(k) and other DC plans",
    "retirement_db": "defined-benefit pensions", "annuities": "annuities",
    "households": "households directly (taxable accounts)",
    "households_via_funds": "households through mutual funds",
    "rest_of_world": "rest of the world", "investors": "named investors",
    "other": "other / not allocated", "banks": "banks", "insurers": "insurers",
    "pension_funds": "pension funds", "mutual_funds": "mutual funds",
    "retirement": "retirement savings", "private_credit_funds": "private-credit funds",
}


def label(sector: str) -> str:
    """Display name of a sector.

    Examples
    --------
    >>> label("retirement_dc"), label("banks"), label("some_new_sector")
    ('401(k) and other DC plans', 'banks', 'some new sector')
    """
    return SECTOR_LABELS.get(sector, sector.replace("_", " "))

#: The method and its assumptions, shown next to the numbers wherever they are printed.
METHOD = (
    "Debt losses are book losses (unpaid principal and dues); equity losses are market value "
    "lost by outside shareholders (stakes held inside the network are counted in the "
    "holders' own value), and for a vehicle (no market value) the sponsor equity it loses "
    "(all of it when it defaults), split by what each sponsor put in: an outside sponsor's "
    "part lands on it here, an inside sponsor's is written off its own book. Named holders "
    "of a leg (holdings.csv) take their share first; the "
    "rest is split by the instrument's sector shares (holders.csv: corporate bonds from Z.1 "
    "via a 2017 reading, private credit from Form PF 2021, listed equity from the Tax Policy "
    "Center's 2019 ownership estimate). Funds, pensions and retirement assets pass their "
    "losses to their owners: pension funds to defined-benefit plans, the retirement share of "
    "stock to IRAs, DC plans, DB plans and annuities in proportion to their assets (ICI, "
    "Q3 2025), mutual funds to households without an account-type split. Banks and insurers "
    "keep their losses (their capital absorbs them first); a named bank's loss is set "
    "against its CET1 capital from its latest quarterly report (banks.csv, dated), "
    "risk-weighted assets held fixed; the banking sector's whole loss (named banks and the "
    "rest) is set against US banks' aggregate capital (history.csv; tangible common equity "
    "from the Federal Reserve while no dollar CET1 aggregate is sourced). Insurers' whole loss "
    "is set against US life and P&C insurers' statutory capital and surplus (history.csv, "
    "end-2024), and the loss on private-credit funds' loans (before it passes to their "
    "investors) against their investors' capital (derived from Form PF, Q4 2021: older and "
    "smaller than today's market); a sector without a capital figure shows NO DATA, never 0. "
    "Private firms' equity beyond named stakes is not allocated. Monte Carlo draws follow "
    "the same shares, draw by draw."
)


@dataclass(frozen=True, eq=False, repr=False)
class HoldersResult(Result):
    """Where a run's losses land.

    Attributes
    ----------
    flows
        Every edge of the chain: ``source_type, source, target_type, target, amount, firm,
        deals, rows, sources, basis`` (USD bn).
    sectors
        Loss per terminal sector: ``amount, household, retirement, assets, share_of_assets``.
    households
        ``total`` (USD bn on US households), ``retirement`` (IRAs, DC, DB, annuities),
        ``ira, dc, db, annuities``, ``retirement_assets`` and ``share_of_retirement``,
        ``households`` (count) and ``per_household`` (USD), ``entered`` (all losses in).
    banks
        Per named bank with capital figures: ``loss, cet1, cet1_after, ratio, ratio_after,
        min_ratio, headroom, below_min, as_of, stale, sources`` (``stale``: why the
        capital figure is older than the others', or empty); plus a ``banks (unnamed)`` row with
        the loss that no capital figure covers.
    named
        Loss per named holder: ``holder, sector, amount``.
    notes
        What the run adds in words: the sponsor equity each vehicle loses and who bears it
        (:func:`~dealloop.holders.exposures.sponsor_notes`).
    capital
        The sector lines (:func:`~dealloop.holders.sector_lines`) by name: ``banks`` (all
        bank losses against US banks' aggregate capital), ``insurers`` (against US life and
        P&C insurers' capital and surplus) and ``private_credit`` (the loss on private-credit
        funds' loans against their investors' capital), each with its loss, capital, share,
        metric, date, row and sources, or ``no_data`` (the reason) where the data has no
        capital figure.
    banking
        The banking-sector line, ``capital["banks"]``
        (:func:`~dealloop.holders.banking_sector`).
    basis
        Which data the figures stand on, generated from the layer
        (:func:`~dealloop.holders.layer.data_basis`): per split of ``holders.csv`` its rows,
        dates, basis and measure (market or book), then the banks' and sectors' capital.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import holders, scenarios
    >>> net = dl.load()
    >>> where = holders.follow(scenarios.run("coreweave-default", net, band=False), net)
    >>> bool(where.households["total"] >= 0 and where.households["retirement"] >= 0)
    True
    >>> where.lines()[0].startswith("Where the")
    True
    >>> where.banking_line().startswith("Banking sector:")
    True
    >>> list(where.capital)
    ['banks', 'insurers', 'private_credit']
    >>> [t.split(":")[0] for t in where.capital_lines()]
    ['Banking sector', 'Insurers', 'Private-credit funds']
    >>> set(where.explain("bank_loan")["direction"]) <= {"in", "out"}
    True
    """

    flows: pd.DataFrame
    sectors: pd.DataFrame
    households: Mapping[str, float]
    banks: pd.DataFrame
    named: pd.DataFrame
    notes: tuple[str, ...] = ()
    method: str = METHOD
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    banking: Mapping[str, Any] = field(default_factory=dict)
    capital: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    basis: tuple[Mapping[str, Any], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "households", MappingProxyType(dict(self.households)))
        caps = {k: MappingProxyType(dict(v)) for k, v in self.capital.items()}
        banking = dict(self.banking) or dict(caps.get("banks", {}))
        if banking and "banks" not in caps:
            caps["banks"] = MappingProxyType(banking)
        object.__setattr__(self, "capital", MappingProxyType(caps))
        object.__setattr__(self, "banking", MappingProxyType(banking))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    def to_frame(self) -> pd.DataFrame:
        """Loss per terminal sector (a copy of :attr:`sectors`)."""
        return self.sectors.copy()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "sectors": self.sectors, "households": dict(self.households),
            "banks": self.banks, "named": self.named, "flows": self.flows,
            "notes": list(self.notes), "method": self.method,
            "sources": {k: list(v) for k, v in self.sources.items()},
            "banking": dict(self.banking),
            "capital": {k: dict(v) for k, v in self.capital.items()},
            "basis": [dict(x) for x in self.basis],
        })

    def explain(self, name: str) -> pd.DataFrame:
        """Every flow into and out of a node, instrument, sector or named holder:
        ``direction, counterparty, amount, firm, rows, sources, basis`` (USD bn), so a sector
        line can be traced to the legs, shares and sources behind it."""
        f = self.flows
        cols = ["direction", "counterparty", "amount", "firm", "deals", "rows", "sources",
                "basis"]
        if f.empty:
            return pd.DataFrame(columns=cols)
        inn = f[f["target"] == name].assign(direction="in", counterparty=lambda d: d["source"])
        out = f[f["source"] == name].assign(direction="out",
                                            counterparty=lambda d: d["target"])
        both = pd.concat([inn, out])
        if both.empty:
            return pd.DataFrame(columns=cols)
        agg = both.groupby(["direction", "counterparty", "firm"], sort=False).agg(
            amount=("amount", "sum"),
            deals=("deals", lambda s: ";".join(dict.fromkeys(x for v in s for x in
                                                             str(v).split(";") if x))),
            rows=("rows", lambda s: ";".join(dict.fromkeys(x for v in s for x in
                                                           str(v).split(";") if x))),
            sources=("sources", lambda s: ";".join(dict.fromkeys(x for v in s for x in
                                                                 str(v).split(";") if x))),
            basis=("basis", "first")).reset_index()
        return agg[cols].sort_values(["direction", "amount"], ascending=[True, False],
                                     kind="stable").reset_index(drop=True)

    def summary(self) -> str:
        """Where the losses land, the households' share and the banks (see :meth:`lines`)."""
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        """A few lines of text for the terminal."""
        h = self.households
        out = []
        if h.get("entered", 0.0) <= 0:
            return ["Losses outside the network: none"]
        sec = self.sectors.sort_values("amount", ascending=False)
        parts = ", ".join(f"{label(str(s))} {a:,.1f}" for s, a in sec["amount"].items()
                          if abs(a) >= 0.05)
        out.append(f"Where the {h['entered']:,.1f} bn lost outside the network lands: {parts}")
        per = h.get("per_household")
        per_s = f"; ${per:,.0f} per US household" if per is not None else ""
        out.append(f"US households {h['total']:,.1f} bn{per_s}; retirement accounts "
                   f"{h['retirement']:,.1f} bn ({h['share_of_retirement']:.2%} of their "
                   f"assets): IRAs {h['ira']:,.1f}, 401(k)/DC {h['dc']:,.1f}, DB pensions "
                   f"{h['db']:,.1f}, annuities {h['annuities']:,.1f}")
        out.extend(self.notes)
        named = self.banks[self.banks["cet1"].notna()] if len(self.banks) else self.banks
        if len(named) and not (named["loss"].abs() > 0.005).any():
            out.append(f"Named banks with capital figures ({', '.join(named.index)}): no loss")
        for b, r in named[named["loss"].abs() > 0.005].iterrows():
            flag = "  BELOW REQUIREMENT" if r["below_min"] else ""
            when = bank_date(r["as_of"], r.get("stale"))
            out.append(f"Bank {b}: loss {r['loss']:,.1f} bn of CET1 {r['cet1']:,.0f} bn "
                       f"({when}); CET1 ratio {r['ratio']:.1%} -> {r['ratio_after']:.1%} "
                       f"(requirement {r['min_ratio']:.1%}){flag}")
        if "banks (unnamed)" in self.banks.index:
            u = float(self.banks["loss"].loc["banks (unnamed)"])
            if u > 0.05:
                out.append(f"Banks without a capital figure: {u:,.1f} bn")
        out.extend(self.capital_lines())
        return out

    def capital_lines(self) -> list[str]:
        """One line per sector line with a loss (banks, insurers, private-credit funds):
        the loss against the sector's capital, or NO DATA with the reason."""
        return [t for t in (line_text(v) for v in self.capital.values()) if t]

    def banking_line(self) -> str | None:
        """The banking-sector line: all bank losses against the US banking sector's capital
        (None when nothing lands on banks)."""
        return line_text(self.banking)


def basis_text(basis: Any) -> str:
    """:func:`~dealloop.holders.layer.data_basis` in one line: which shares, which year.

    Examples
    --------
    >>> text = basis_text([
    ...     {"what": "listed_equity", "label": "who owns listed shares", "rows": ["HD30", "HD31"],
    ...      "as_of": ["2019-12-31"], "basis": ["reported"], "measure": "market"},
    ...     {"what": "bank_capital", "label": "named banks' CET1", "rows": ["a", "b"],
    ...      "as_of": ["2025-03-31", "2025-12-31"], "basis": ["reported"], "measure": "book"}])
    >>> for part in text.split("; named"):
    ...     print(part)
    Which shares, which year: who owns listed shares 2019-12-31 (HD30-HD31; reported; market)
     banks' CET1 2025-03-31 to 2025-12-31 (2 banks; reported; book)
    """
    parts = []
    for x in basis:
        rows = list(x.get("rows") or [])
        span = (f"{len(rows)} banks" if x.get("what") == "bank_capital" else rows[0]
                if len(rows) == 1 else f"{rows[0]}-{rows[-1]}" if rows else "")
        dates = list(x.get("as_of") or [])
        when = (dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}" if dates
                else "undated")
        how = "; ".join(p for p in (span, ", ".join(x.get("basis") or []), x.get("measure"))
                        if p)
        parts.append(f"{x.get('label') or x.get('what')} {when} ({how})")
    return "Which shares, which year: " + "; ".join(parts)


def bank_date(as_of: Any, stale: Any = None) -> str:
    """The date of a bank's capital figure in words: ``at 2025-12-31``, or the note of
    :func:`~dealloop.holders.layer.stale_dates` when it is older than the others'.

    Examples
    --------
    >>> bank_date("2025-12-31", "")
    'at 2025-12-31'
    >>> bank_date("2025-03-31", "at 2025-03-31, 9 months before the newest bank's (2025-12-31)")
    "at 2025-03-31, 9 months before the newest bank's (2025-12-31)"
    """
    return str(stale) if stale else f"at {as_of}"


def line_text(x: Mapping[str, Any]) -> str | None:
    """A sector line in words (see :func:`dealloop.holders.sector_line`); None when its loss
    is under 0.005 bn.

    Examples
    --------
    >>> line_text({"label": "Insurers", "loss": 3.2, "capital": 1600.0, "share": 0.002,
    ...            "capital_name": "US insurers' capital", "as_of": "2024-12-31",
    ...            "row": "H9", "no_data": None})
    "Insurers: 3.2 bn, 0.200% of US insurers' capital (1,600 bn at 2024-12-31, H9)"
    >>> line_text({"label": "Insurers", "loss": 3.2, "capital": None, "no_data": "none"})
    'Insurers: 3.2 bn; its capital: NO DATA (none)'
    """
    loss = x.get("loss") or 0.0
    if loss <= 0.005:
        return None
    label = x.get("label") or "Banking sector"
    amount = f"{loss:,.2f}" if loss < 0.095 else f"{loss:,.1f}"  # never a loss shown as 0.0
    if x.get("capital") is None:
        why = x.get("no_data") or "no sector capital figure in the data"
        return f"{label}: {amount} bn; its capital: NO DATA ({why})"
    return (f"{label}: {amount} bn, {x['share']:.3%} of {x.get('capital_name')} "
            f"({x['capital']:,.0f} bn {bank_date(x['as_of'], x.get('stale'))}, {x['row']})")
