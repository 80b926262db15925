"""The dataset schema: files, columns, controlled vocabularies.

A dataset is a directory of CSV files (UTF-8, comma-separated, header row). Three are required,
``entities.csv``, ``deals.csv`` and ``sources.csv``; ``figures.csv`` (company figures, one per
row, each with its date and source) and ``history.csv`` (reference figures such as the dot-com
bust) are optional. ``datapackage.json`` (a Frictionless descriptor) may sit beside them.

Every column is described once here; the reader, the validator, the data dictionary in the docs
and the JSON export all read these specs, so there is one place to change a column.

Conventions
-----------
* Money is in USD billions (``*_usd_bn``), as reported.
* Money direction: ``payer`` sends cash to ``payee``. For equity the investor pays the
  investee; for contracts the customer pays the supplier; for loans and bonds the lender pays
  the borrower; a warrant is equity the *issuer* (payer) gives to the *holder* (payee); a
  capacity backstop is a contingent promise of the backstopper (payer) to the beneficiary.
* Dates are ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``. A partial date means the first day of the
  period, except in ``end`` where it means the last day.
* Multi-valued fields (``sources``, ``supersedes``) separate values with ``;``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..vocabulary import (  # the shared vocabulary, re-exported with the column specs
    BASES,
    DEAL_KINDS,
    ENTITY_KINDS,
    EVIDENCE,
    STATUSES,
)

__all__ = ["APART_BASES", "BANKS", "CITABLE_TIERS", "DEALS", "ENTITIES", "FIGURES", "FILES",
           "FILES_BY_NAME", "HEADLINE_METRICS", "HISTORY", "HOLDERS", "HOLDER_BASES",
           "HOLDER_SECTORS", "HOLDINGS", "HOUSEHOLD_SECTORS", "INSTRUMENTS", "ISSUE_INSTRUMENTS",
           "MARKET", "MARKET_INSTRUMENTS", "MARKET_UNITS", "MAX_FILE_BYTES", "MAX_MAGNITUDE",
           "MONEY", "RETIREMENT_SECTORS", "SOURCES", "SOURCE_TIERS", "Column", "FileSpec",
           "data_dictionary"]

#: Bases kept apart from totals, loops and stress unless asked for: amounts the dataset did
#: not find stated as the deal's value (a third party's estimate, or dealloop's own formula).
APART_BASES = ("estimate", "derived")
#: What a leg's amount measures. ``cash_flow``: money that moves (or will move) once;
#: ``stock``: an amount outstanding at a date (debt drawn, a balance), not a new payment;
#: ``non_cash``: value moved without cash (all-stock mergers, share swaps, warrants, shares
#: issued in kind). Headline "money" totals count cash flows only.
MONEY = ("cash_flow", "stock", "non_cash")
#: How close a source is to the fact it reports, best first. ``primary``: a filing,
#: regulator, court, or the company's own release or blog; ``major_outlet``: a news
#: organisation with its own reporting (Reuters, Bloomberg, FT, WSJ, CNBC, AP, The
#: Information and peers); ``trade_press``: specialist or regional press; ``aggregator``:
#: reposts, blogs, summaries and sites that relay others' reporting.
SOURCE_TIERS = ("primary", "major_outlet", "trade_press", "aggregator")
#: Tiers a reporter can cite on their own.
CITABLE_TIERS = ("primary", "major_outlet")

#: Headline entity figures, filled from ``figures.csv`` when ``entities.csv`` leaves them empty.
#: Each maps to the metrics tried in order (the first with a value wins).
HEADLINE_METRICS: dict[str, tuple[str, ...]] = {
    "revenue_usd_bn": ("revenue", "revenue_run_rate"),
    "market_cap_usd_bn": ("market_cap", "valuation"),
    "cash_usd_bn": ("cash",),
    "debt_usd_bn": ("debt",),
    "book_equity_usd_bn": ("book_equity",),
    "capex_usd_bn": ("capex",),
    "backlog_usd_bn": ("backlog",),
}

#: Largest magnitude a number cell may hold, in its column's unit. The tools add values over
#: every row and multiply them by growth, years and shares; keeping each value below 1e15
#: (a million times world output, in USD bn) keeps every such sum and product far from
#: overflow (a float reaches 1.8e308).
MAX_MAGNITUDE = 1e15

#: Largest CSV file the reader accepts, in bytes; larger files are refused, not parsed.
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    """One column of a dataset file.

    ``type`` is one of ``id`` (slug), ``text``, ``enum``, ``number`` (non-negative decimal),
    ``fraction`` (decimal in [0, 1]), ``date``, ``bool``, ``url``, ``ref`` (an id in another
    file, ``refs`` for a ``;``-separated list).

    Examples
    --------
    >>> col = FILES_BY_NAME["deals.csv"].columns[0]
    >>> col.name, col.type, col.required
    ('id', 'id', True)
    """

    name: str
    type: str
    required: bool = False
    description: str = ""
    choices: tuple[str, ...] = ()
    ref: str | None = None  # "file" or "file.column" for ref/refs


@dataclass(frozen=True)
class FileSpec:
    """A dataset file: its name, its columns and whether the dataset needs it.

    Examples
    --------
    >>> spec = FILES_BY_NAME["sources.csv"]
    >>> spec.key, spec.required, [c.name for c in spec.columns[:2]]
    ('id', True, ['id', 'url'])
    """

    name: str
    columns: tuple[Column, ...]
    required: bool = True
    description: str = ""
    key: str = "id"
    optional_columns: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


_SRC = "sources"

ENTITIES = FileSpec(
    "entities.csv",
    (
        Column("id", "id", True, "Slug that names the firm or vehicle in every other file."),
        Column("name", "text", True, "Display name."),
        Column("kind", "enum", True, "Role in the network.", ENTITY_KINDS),
        Column("country", "text", False, "ISO 3166 alpha-2 country code."),
        Column("listed", "bool", False, "true when publicly listed."),
        Column("ticker", "text", False, "Main listing ticker."),
        Column("parent", "ref", False, "Entity that controls or sponsors this one.",
               ref="entities"),
        Column("revenue_usd_bn", "number", False, "Annual revenue, USD bn."),
        Column("market_cap_usd_bn", "number", False, "Market value or last post-money valuation."),
        Column("cash_usd_bn", "number", False, "Cash and short-term investments, USD bn."),
        Column("debt_usd_bn", "number", False, "Total debt, USD bn."),
        Column("book_equity_usd_bn", "number", False, "Book equity, USD bn."),
        Column("capex_usd_bn", "number", False, "Annual capital expenditure, USD bn."),
        Column("backlog_usd_bn", "number", False, "Backlog / remaining performance obligations."),
        Column("as_of", "date", False, "Date the row is current to."),
        Column("sources", "refs", False, "Source ids.", ref=_SRC),
        Column("notes", "text", False, "Free text."),
    ),
    description="One row per firm or vehicle.",
    optional_columns=(
        "country",
        "listed",
        "ticker",
        "parent",
        "revenue_usd_bn",
        "market_cap_usd_bn",
        "cash_usd_bn",
        "debt_usd_bn",
        "book_equity_usd_bn",
        "capex_usd_bn",
        "backlog_usd_bn",
        "as_of",
        "sources",
        "notes",
    ),
)

DEALS = FileSpec(
    "deals.csv",
    (
        Column("id", "id", True, "Leg id (e.g. D02)."),
        Column("payer", "ref", True, "Entity that sends the money.", ref="entities"),
        Column("payee", "ref", True, "Entity that receives the money.", ref="entities"),
        Column("kind", "enum", True, "What the money buys.", DEAL_KINDS),
        Column("amount_usd_bn", "number", False, "Headline amount; empty when undisclosed."),
        Column("amount_low", "number", False, "Low end of an estimate range, USD bn."),
        Column("amount_high", "number", False, "High end of an estimate range, USD bn."),
        Column("basis", "enum", True, "How the amount is known.", BASES),
        Column("money", "enum", False, "What the amount measures: a cash flow, a stock "
               "outstanding at a date, or a non-cash transfer (empty = cash_flow).", MONEY),
        Column("status", "enum", True, "Whether the leg is firm, conditional or dead.", STATUSES),
        Column("condition", "text", False, "The condition of a conditional leg."),
        Column("announced", "date", False, "Date first reported."),
        Column("status_date", "date", False, "Date the leg became superseded or cancelled "
               "(empty: a superseded leg's date is its successor's announcement, a cancelled "
               "leg counts as dead since announced); used by as-of views."),
        Column("start", "date", False, "Start of the term (first payment)."),
        Column("end", "date", False, "End of the term (last payment); empty for one-off."),
        Column("stake", "fraction", False, "Equity fraction for equity and warrants."),
        Column("evidence", "enum", True, "A primary / B one report / C weak.", EVIDENCE),
        Column("supersedes", "refs", False, "Legs this one replaces.", ref="deals"),
        Column("part_of", "ref", False, "Aggregate leg whose amount includes this one.",
               ref="deals"),
        Column("sources", "refs", True, "Source ids.", ref=_SRC),
        Column("notes", "text", False, "Free text."),
    ),
    description="One row per leg: one direction of money between two entities.",
    optional_columns=(
        "amount_low",
        "amount_high",
        "money",
        "condition",
        "announced",
        "status_date",
        "start",
        "end",
        "stake",
        "supersedes",
        "part_of",
        "notes",
    ),
)

SOURCES = FileSpec(
    "sources.csv",
    (
        Column("id", "id", True, "Source id."),
        Column("url", "url", True, "http(s) address."),
        Column("publisher", "text", False, "Site or publisher."),
        Column("title", "text", False, "Title or short description."),
        Column("date", "date", False, "Publication date."),
        Column("tier", "enum", False, "primary, major_outlet, trade_press or aggregator.",
               SOURCE_TIERS),
        Column("original_publisher", "text", False,
               "For a copy or repost: the original's publisher, as the copy states it."),
        Column("original_title", "text", False, "The original's title, as the copy states it."),
        Column("original_date", "date", False, "The original's date, as the copy states it."),
    ),
    description="One row per cited document.",
    optional_columns=("publisher", "title", "date", "tier", "original_publisher",
                      "original_title", "original_date"),
)

FIGURES = FileSpec(
    "figures.csv",
    (
        Column("id", "id", True, "Figure id."),
        Column("entity", "ref", True, "Entity the figure describes.", ref="entities"),
        Column("metric", "text", True, "revenue, market_cap, valuation, cash, debt, ..."),
        Column("value", "signed", True, "The figure as reported (converted to unit)."),
        Column("unit", "text", True, "usd_bn, fraction, gw, count, ..."),
        Column("period", "text", False, "Accounting period (FY2026, Q4 FY2026, 2025, ...)."),
        Column("as_of", "date", False, "Date the figure refers to."),
        Column("sources", "refs", True, "Source ids.", ref=_SRC),
        Column("counterparty", "ref", False, "Other entity, e.g. for customer_share.",
               ref="entities"),
        Column("notes", "text", False, "Free text."),
        Column("evidence", "enum", False, "A: a dated primary or major-outlet source; B: "
               "trade press or an undated citable source; C: aggregators only.", EVIDENCE),
    ),
    required=False,
    description="Company figures, one per row, each with its date and source.",
    optional_columns=("period", "as_of", "counterparty", "notes", "evidence"),
)

HISTORY = FileSpec(
    "history.csv",
    (
        Column("id", "id", True, "Figure id."),
        Column("topic", "text", True, "dotcom, vendor_financing, exposure, ..."),
        Column("metric", "text", True, "What is measured."),
        Column("value", "signed", True, "The figure."),
        Column("unit", "text", True, "usd_bn, fraction, index_points, years, ..."),
        Column("date", "date", False, "Date or end of the period."),
        Column("sources", "refs", True, "Source ids.", ref=_SRC),
        Column("notes", "text", False, "Free text."),
    ),
    required=False,
    description="Reference figures to compare results with (dot-com bust, exposures).",
    optional_columns=("date", "notes"),
)

#: What a collective lender or investor node holds, by instrument (the first level of the
#: holders layer; see :mod:`dealloop.holders`).
INSTRUMENTS = ("corporate_bond", "bank_loan", "private_credit", "listed_equity",
               "private_equity")
#: Sectors that hold instruments, and the owners that funds, pensions and retirement assets
#: pass their losses on to. A sector that never appears in ``holders.csv``'s ``holds`` column
#: is terminal: losses stop there.
HOLDER_SECTORS = (
    "banks", "insurers", "pension_funds", "private_credit_funds", "mutual_funds",
    "retirement", "households", "households_via_funds", "retirement_ira", "retirement_dc",
    "retirement_db", "annuities", "rest_of_world", "investors", "other",
)
#: Terminal sectors that are US households (directly or through their retirement savings).
HOUSEHOLD_SECTORS = ("households", "households_via_funds", "retirement_ira", "retirement_dc",
                     "retirement_db", "annuities")
#: Household sectors that are retirement savings.
RETIREMENT_SECTORS = ("retirement_ira", "retirement_dc", "retirement_db", "annuities")
HOLDER_BASES = ("reported", "derived", "estimate", "assumption")

HOLDERS = FileSpec(
    "holders.csv",
    (
        Column("id", "id", True, "Row id."),
        Column("holds", "enum", True, "The instrument or sector being split.",
               INSTRUMENTS + HOLDER_SECTORS),
        Column("sector", "enum", True, "Who holds that share of it.", HOLDER_SECTORS),
        Column("weight", "number", True, "Amount or percentage held; the shares of one "
               "`holds` value are its weights over their sum, so money is conserved."),
        Column("basis", "enum", True, "How the weight is known.", HOLDER_BASES),
        Column("as_of", "date", False, "Date the holdings refer to."),
        Column("sources", "refs", False, "Source ids (required unless basis is assumption).",
               ref=_SRC),
        Column("notes", "text", False, "Free text."),
    ),
    required=False,
    description="The holders layer: who holds each instrument of the collective lender and "
                "investor nodes, and whom funds, pensions and retirement assets belong to.",
    optional_columns=("as_of", "sources", "notes"),
)

HOLDINGS = FileSpec(
    "holdings.csv",
    (
        Column("id", "id", True, "Row id."),
        Column("deal", "ref", True, "The leg whose holder is named.", ref="deals"),
        Column("holder", "id", True, "Slug of the named holder (a `banks.csv` id for banks)."),
        Column("name", "text", False, "Display name of the holder."),
        Column("sector", "enum", True, "Sector the holder belongs to.", HOLDER_SECTORS),
        Column("share", "fraction", True, "Share of the leg it holds."),
        Column("basis", "enum", True, "How the share is known.", HOLDER_BASES),
        Column("sources", "refs", True, "Source ids.", ref=_SRC),
        Column("notes", "text", False, "Free text."),
    ),
    required=False,
    description="Named holders of single legs (anchor bond buyers, lead banks); they take "
                "their share before the sector split of the rest.",
    optional_columns=("name", "notes"),
)

BANKS = FileSpec(
    "banks.csv",
    (
        Column("id", "id", True, "Bank slug (matches `holdings.csv` holder)."),
        Column("name", "text", True, "Display name."),
        Column("cet1_ratio", "fraction", True, "Common equity tier 1 ratio (standardized)."),
        Column("rwa_usd_bn", "number", True, "Risk-weighted assets, USD bn."),
        Column("min_cet1_ratio", "fraction", True, "CET1 requirement including buffers."),
        Column("period", "text", False, "Reporting period."),
        Column("as_of", "date", True, "Date of the figures."),
        Column("sources", "refs", True, "Source ids.", ref=_SRC),
        Column("notes", "text", False, "Free text."),
    ),
    required=False,
    description="Bank capital: CET1 ratio, risk-weighted assets and requirement, dated and "
                "sourced; CET1 capital is ratio times RWA.",
    optional_columns=("period", "notes"),
)

#: Market instruments quoted in ``market.csv``, each with the one unit it is quoted in.
MARKET_UNITS: dict[str, str] = {
    "cds_5y": "bp",          # five-year credit default swap spread
    "bond_spread": "bp",     # spread of a named bond issue over Treasuries
    "bond_yield": "pct",     # yield of a named bond issue, percent a year
    "share_price": "usd",    # share price, US dollars (a close unless the notes say otherwise)
    "market_value": "usd_bn",  # equity market value
}
MARKET_INSTRUMENTS = tuple(MARKET_UNITS)
#: Instruments that quote one named issue (``issue`` required).
ISSUE_INSTRUMENTS = ("bond_spread", "bond_yield")

MARKET = FileSpec(
    "market.csv",
    (
        Column("id", "id", True, "Observation id (e.g. M001)."),
        Column("entity", "ref", True, "Entity the price is about.", ref="entities"),
        Column("instrument", "enum", True, "What is quoted: " + ", ".join(
            f"`{k}` in {v}" for k, v in MARKET_UNITS.items()) + ".", MARKET_INSTRUMENTS),
        Column("issue", "text", False, "The named issue for bond spreads and yields."),
        Column("date", "date", True, "Trading day (or month, when the source gives only "
               "the month; such a value counts from the end of the month)."),
        Column("value", "number", True, "The quote, in `unit`."),
        Column("unit", "text", True, "bp, pct, usd or usd_bn, matching the instrument."),
        Column("sources", "refs", True, "Source ids.", ref=_SRC),
        Column("notes", "text", False, "Free text: close or intraday, who compiled the data."),
    ),
    required=False,
    description="What markets price: dated, sourced quotes of CDS spreads, bond spreads and "
                "yields of named issues, share prices and market values.",
    optional_columns=("issue", "notes"),
)

FILES: tuple[FileSpec, ...] = (ENTITIES, DEALS, SOURCES, FIGURES, HISTORY, HOLDERS, HOLDINGS,
                               BANKS, MARKET)
FILES_BY_NAME = {f.name: f for f in FILES}


def data_dictionary() -> str:
    """The data dictionary as Markdown (the source of ``docs/data-model.md``).

    Examples
    --------
    >>> data_dictionary().splitlines()[0]
    '# dealloop data model'
    """
    lines = ["# dealloop data model", "", "Generated from `dealloop.data.schema` by "
             "`python -m dealloop.data.schema`; do not edit by hand.", "",
             (__doc__ or "").strip(), ""]
    for spec in FILES:
        need = "required" if spec.required else "optional"
        lines += [f"## `{spec.name}` ({need})", "", spec.description, "",
                  "| column | type | required | description |", "|---|---|---|---|"]
        for c in spec.columns:
            kind = c.type
            if c.choices:
                kind += ": " + ", ".join(f"`{x}`" for x in c.choices)
            if c.ref:
                kind += f" → `{c.ref}`"
            col_opt = "column optional" if c.name in spec.optional_columns else "column required"
            req = "value required" if c.required else col_opt
            lines.append(f"| `{c.name}` | {kind} | {req} | {c.description} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(data_dictionary())
