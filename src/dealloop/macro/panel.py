"""AI capex by firm and year, its share of US GDP, the published estimates of its share of GDP
growth, and history comparisons in nominal dollars, real dollars and shares of GDP.

Every number comes from the dataset: capex from ``figures.csv`` (metric ``capex``, annual
periods) and ``history.csv`` (topic ``capex``: ``<firm>_capex`` actuals and
``<firm>_capex_guidance`` plans); GDP (``us_gdp_nominal``) and prices (``us_cpi_u_index``)
from ``history.csv`` topic ``macro``. A year's total takes each firm's reported capex, else
its guidance, and says which. Real dollars are at the latest CPI in the data
(``nominal x CPI_latest / CPI_then``, with the CPI row dated at or before the figure); a share
of GDP divides by the GDP of the figure's year or the latest year before it. Each row names
the history rows it used, so a reader can check the arithmetic.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..data.read import parse_date, split_refs
from ..jsonutil import jsonable
from ..result import Result

__all__ = ["COMPARISONS", "MacroPanel", "capex_table", "capex_totals", "comparisons",
           "level_at", "macro_panel"]

_HIST_CAPEX = re.compile(r"^(?P<firm>[a-z0-9]+)_capex(?P<guidance>_guidance)?$")
_FY = re.compile(r"^FY\d{4}$")
#: History rows compared side by side: (episode, history metric, label). The first row of a
#: metric (lowest id) is used.
COMPARISONS: tuple[tuple[str, str, str], ...] = (
    ("dot-com 2000-02", "us_market_cap_peak", "US stock market value at the March 2000 peak"),
    ("dot-com 2000-02", "market_value_lost_dotcom", "market value lost, 2000-2002"),
    ("telecom 2000-02", "na_wireline_capex", "North American wireline capex, peak year"),
    ("telecom 2000-02", "market_value_lost_telecom", "telecom market value lost, 2000-2002"),
    ("2008 crisis", "tarp_authorised", "TARP authorised"),
    ("2008 crisis", "tarp_bank_capital_injected", "bank capital injected (CPP)"),
    ("2008 crisis", "household_net_worth_lost_peak_to_trough",
     "household net worth lost, peak to trough"),
    ("AI 2025-28", "global_datacentre_spend_ms", "data-centre spend 2025-2028 (forecast)"),
    ("AI 2025-28", "datacentre_funding_gap_ms", "funding gap 2025-2028 (forecast)"),
)
GDP_METRIC = "us_gdp_nominal"
CPI_METRIC = "us_cpi_u_index"
#: Published estimates of AI investment's contribution to US GDP growth (``history.csv``).
GROWTH_PREFIXES = ("ai_share_of_gdp_growth", "ai_contribution_to_gdp_growth")
IMPORT_SHARE_METRIC = "imports_share_of_data_centre_cost"


def _hist(net: Any) -> pd.DataFrame:
    h = getattr(net, "history", None)
    if h is None or h.empty:
        return pd.DataFrame(columns=["id", "topic", "metric", "value", "unit", "date",
                                     "sources", "notes"])
    return h


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _end(date: Any) -> Any:
    return parse_date(str(date), end=True) if isinstance(date, str) and date else None


def capex_table(net: Any) -> pd.DataFrame:
    """Capex by firm and year: ``firm, year, value`` (USD bn), ``basis`` (``reported`` or
    ``guidance``), ``period``, ``id`` and ``sources``. Annual ``capex`` figures of
    ``figures.csv`` first (the year is that of the period's end, so a fiscal year ending in
    May 2025 counts in 2025), then ``history.csv`` capex rows for the firm-years and bases the
    figures do not cover; of several rows for one firm-year-basis the first is kept.

    Examples
    --------
    >>> import dealloop as dl
    >>> t = capex_table(dl.load())
    >>> t.loc[(t.firm == "amazon") & (t.year == 2025), ["value", "basis"]].values.tolist()
    [[131.8, 'reported']]
    """
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, int, str]] = set()
    firms = set(net.entities["id"])
    fig = getattr(net, "figures", None)
    if fig is not None and not fig.empty:
        f = fig[(fig["metric"] == "capex") & (fig["unit"] == "usd_bn") & fig["value"].notna()]
        for r in _records(f):
            period = r["period"] if isinstance(r["period"], str) else ""
            day = _end(r["as_of"])
            if not _FY.match(period) or day is None:
                continue
            key = (str(r["entity"]), day.year, "reported")
            if key in seen:
                continue
            seen.add(key)
            rows.append({"firm": key[0], "year": key[1], "value": float(r["value"]),
                         "basis": "reported", "period": period, "id": str(r["id"]),
                         "sources": ";".join(split_refs(r["sources"]))})
    h = _hist(net)
    for r in _records(h[h["topic"] == "capex"]):
        m = _HIST_CAPEX.match(str(r["metric"]))
        day = _end(r["date"])
        if m is None or day is None or m.group("firm") not in firms or r["unit"] != "usd_bn":
            continue
        basis = "guidance" if m.group("guidance") else "reported"
        key = (m.group("firm"), day.year, basis)
        if key in seen:
            continue
        seen.add(key)
        rows.append({"firm": key[0], "year": key[1], "value": float(r["value"]),
                     "basis": basis, "period": str(r["date"]), "id": str(r["id"]),
                     "sources": ";".join(split_refs(r["sources"]))})
    cols = ["firm", "year", "value", "basis", "period", "id", "sources"]
    return pd.DataFrame(rows, columns=cols).sort_values(["year", "firm", "basis"],
                                                         ignore_index=True)


def level_at(net: Any, metric: str, date: Any) -> dict[str, Any] | None:
    """The latest ``history.csv`` row of ``metric`` dated in the year of ``date`` or before
    (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or a year as int; years, not days, so an annual
    GDP counts for a figure dated inside that year): ``value``, ``date``, ``id``, ``sources``;
    None when there is none.

    Examples
    --------
    >>> import dealloop as dl
    >>> level_at(dl.load(), "us_gdp_nominal", 2001)["value"]
    10286.2
    """
    h = _hist(net)
    rows = h[h["metric"] == metric]
    if rows.empty:
        return None
    day = _end(str(date))
    best: tuple[Any, dict[str, Any]] | None = None
    for r in _records(rows):
        d = _end(r["date"])
        if d is None or (day is not None and d.year > day.year):
            continue
        if best is None or d > best[0]:
            best = (d, r)
    if best is None:
        return None
    r = best[1]
    return {"value": float(r["value"]), "date": str(r["date"]), "id": str(r["id"]),
            "sources": split_refs(r["sources"])}


def _latest(net: Any, metric: str) -> dict[str, Any] | None:
    return level_at(net, metric, "9999")


def capex_totals(net: Any, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Capex per year over the firms in the data: ``total`` (each firm's reported capex,
    else its guidance), ``reported``, ``guidance`` (the part of the total that is a plan),
    ``firms``, and against GDP: ``gdp`` (the year's GDP or the latest before it),
    ``gdp_year``, ``gdp_row``, ``share_of_gdp``. Indexed by year.

    Examples
    --------
    >>> import dealloop as dl
    >>> t = capex_totals(dl.load())
    >>> bool(t.loc[2026, "guidance"] == t.loc[2026, "total"])   # 2026 is plans only
    True
    """
    t = capex_table(net) if table is None else table
    out = []
    for year in sorted(set(t["year"])):
        g = t[t["year"] == year]
        rep = g[g["basis"] == "reported"]
        plan = g[(g["basis"] == "guidance") & ~g["firm"].isin(rep["firm"])]
        total = float(rep["value"].sum() + plan["value"].sum())
        gdp = level_at(net, GDP_METRIC, int(year))
        out.append({"year": int(year), "total": total, "reported": float(rep["value"].sum()),
                    "guidance": float(plan["value"].sum()),
                    "firms": ";".join(sorted(set(rep["firm"]) | set(plan["firm"]))),
                    "gdp": gdp["value"] if gdp else math.nan,
                    "gdp_year": gdp["date"] if gdp else None,
                    "gdp_row": gdp["id"] if gdp else None,
                    "share_of_gdp": total / gdp["value"] if gdp else math.nan})
    cols = ["year", "total", "reported", "guidance", "firms", "gdp", "gdp_year", "gdp_row",
            "share_of_gdp"]
    return pd.DataFrame(out, columns=cols).set_index("year")


def comparisons(net: Any, extra: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """The :data:`COMPARISONS` rows (and ``extra`` rows with ``episode, label, nominal,
    date, id, sources``) in nominal dollars, real dollars at the latest CPI and as a share of
    the GDP of their year: ``episode, label, nominal, date, real, cpi_row, share_of_gdp,
    gdp_row, id, sources``.

    Examples
    --------
    >>> import dealloop as dl
    >>> c = comparisons(dl.load()).set_index("label")
    >>> row = c.loc["TARP authorised"]
    >>> round(float(row["real"]), 1)   # 700 x 315.605 / 219.086
    1008.4
    """
    h = _hist(net)
    items = []
    for episode, metric, label in COMPARISONS:
        rows = h[h["metric"] == metric].sort_values("id", kind="stable")
        if rows.empty:
            continue
        r = _records(rows.head(1))[0]
        items.append({"episode": episode, "label": label, "nominal": float(r["value"]),
                      "date": str(r["date"]), "id": str(r["id"]),
                      "sources": ";".join(split_refs(r["sources"]))})
    items += list(extra or [])
    ref = _latest(net, CPI_METRIC)
    out = []
    for it in items:
        cpi = level_at(net, CPI_METRIC, it["date"])
        gdp = level_at(net, GDP_METRIC, it["date"])
        real = it["nominal"] * ref["value"] / cpi["value"] if ref and cpi else math.nan
        out.append({**it, "real": real, "real_at": ref["date"] if ref else None,
                    "cpi_row": cpi["id"] if cpi else None,
                    "share_of_gdp": it["nominal"] / gdp["value"] if gdp else math.nan,
                    "gdp_row": gdp["id"] if gdp else None})
    cols = ["episode", "label", "nominal", "date", "real", "real_at", "cpi_row",
            "share_of_gdp", "gdp_row", "id", "sources"]
    return pd.DataFrame(out, columns=cols)


def growth_estimates(net: Any) -> pd.DataFrame:
    """Published estimates of AI investment's contribution to US GDP growth
    (``history.csv`` metrics starting with :data:`GROWTH_PREFIXES`), as given."""
    h = _hist(net)
    keep = h[h["metric"].astype(str).str.startswith(GROWTH_PREFIXES)]
    return keep[["id", "metric", "value", "unit", "date", "sources", "notes"]] \
        .reset_index(drop=True)


@dataclass(frozen=True, repr=False)
class MacroPanel(Result):
    """The macro panel of a dataset: ``capex`` (by firm and year), ``totals`` (per year,
    against GDP), ``growth`` (published estimates of the share of GDP growth),
    ``comparisons`` (history side by side), ``import_share`` (share of data-centre cost
    that is imported, with its row) and ``notes``.

    Examples
    --------
    >>> import dealloop as dl
    >>> p = macro_panel(dl.load())
    >>> p.summary().splitlines()[0]
    'Macro panel: AI capex of the firms in the data against US GDP'
    """

    capex: pd.DataFrame
    totals: pd.DataFrame
    growth: pd.DataFrame
    comparisons: pd.DataFrame
    import_share: dict[str, Any] | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """Capex per year against GDP (a copy of :attr:`totals`)."""
        return self.totals.copy()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"capex": self.capex, "totals": self.totals.reset_index(),
                         "growth": self.growth, "comparisons": self.comparisons,
                         "import_share": self.import_share, "notes": list(self.notes)})

    def summary(self) -> str:
        lines = ["Macro panel: AI capex of the firms in the data against US GDP"]
        for y, r in self.totals.iterrows():
            share = (f"{r['share_of_gdp']:.2%} of {r['gdp_year']} GDP"
                     if r["share_of_gdp"] == r["share_of_gdp"] else "no GDP figure")
            plan = f", {r['guidance']:,.0f} of it guidance" if r["guidance"] > 0 else ""
            n = len(str(r["firms"]).split(";"))
            lines.append(f"  {y}: {r['total']:,.1f} bn ({n} firms{plan}), {share}")
        return "\n".join(lines)


def macro_panel(net: Any) -> MacroPanel:
    """Build the :class:`MacroPanel` of a network (see the module docstring).

    Examples
    --------
    >>> import dealloop as dl
    >>> p = macro_panel(dl.load())
    >>> round(float(p.totals.loc[2025, "total"]), 1) > 0
    True
    """
    table = capex_table(net)
    totals = capex_totals(net, table)
    extra = []
    for year, label in ((2025, "AI capex of the firms in the data, 2025"),
                        (2026, "AI capex of the firms in the data, 2026 (plans)")):
        if year in totals.index:
            ids = table[(table["year"] == year)]
            extra.append({"episode": "AI 2025-28", "label": label,
                          "nominal": float(totals["total"].get(year, math.nan)),
                          "date": str(year),
                          "id": ";".join(ids["id"]),
                          "sources": ";".join(dict.fromkeys(
                              s for x in ids["sources"] for s in split_refs(x)))})
    imp = _latest(net, IMPORT_SHARE_METRIC)
    notes = ("Capex is what the firms in the dataset report or plan; it is not BEA's AI "
             "investment (which nets imports and counts other firms).",
             "GDP levels of different BEA vintages are mixed: historical years as published in "
             "2009, 2024 from the World Bank; shares are approximate to a few percent.")
    return MacroPanel(table, totals, growth_estimates(net), comparisons(net, extra), imp,
                      notes)
