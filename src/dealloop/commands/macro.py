"""``dealloop macro``: AI capex against US GDP, history side by side, and a capex pullback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import (
    DataOpt,
    JsonOpt,
    console,
    exit_with_problems,
    fail,
    load_network,
    print_json,
    rich_table,
)


def macro(
    cut: Annotated[float, typer.Option(
        "--cut", min=0.0, max=1.0,
        help="Pullback: the fraction of the year's AI capex that is cancelled.")] = 0.3,
    year: Annotated[int, typer.Option("--year", help="Pullback: the year cut.")] = 2026,
    import_share: Annotated[float | None, typer.Option(
        "--import-share", min=0.0, max=1.0,
        help="Imported share of the spending (default: the dataset's "
             "imports_share_of_data_centre_cost).")] = None,
    io: Annotated[Path | None, typer.Option(
        "--io", metavar="FILE",
        help="Input-output table (CSV: sector, one column per sector, output, capex_share[, "
             "value_added, label, sources]) to spread the pullback over sectors with the "
             "Leontief model, instead of the shipped BEA 1997 summary table.")] = None,
    first_round: Annotated[bool, typer.Option(
        "--first-round",
        help="Pullback: no input-output table, the first round only (GDP falls by the "
             "domestic demand cut, no sector detail).")] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Macro panel: AI capex by firm and year against US GDP, published estimates of its
    share of GDP growth, the dot-com, telecom and 2008 episodes in nominal dollars, real
    dollars (CPI) and shares of GDP beside the AI build-out, and a capex pullback's GDP
    effect."""
    from ..data.problems import DataError
    from ..macro import bundled_io, macro_panel, pullback, read_io

    if io is not None and first_round:
        fail("Error: --io and --first-round exclude each other", code=2)
        return
    net = load_network(data)
    try:
        table = None if first_round else read_io(io) if io is not None else bundled_io()
        panel = macro_panel(net)
        cutback = pullback(net, cut=cut, year=year, import_share=import_share, io=table)
    except DataError as exc:
        exit_with_problems(exc)
        return
    except ValueError as exc:
        fail(f"Error: {exc}")
        return
    if json_out:
        print_json({**panel.to_dict(), "pullback": cutback.to_dict()})
        return
    con = console()
    _capex(con, panel)
    con.print(rich_table("Published estimates: AI investment and US GDP growth",
                         ["row", "estimate", "value", "unit", "date"],
                         [[r["id"], r["metric"], f"{r['value']:g}", r["unit"], r["date"]]
                          for r in panel.growth.to_dict("records")], right={2}))
    _history(con, panel)
    con.print(cutback.summary())
    if len(cutback.sectors):
        con.print(rich_table("Pullback by sector ($bn)", ["sector", "output", "value added"],
                             [[str(r["label"]), f"{r['output_change']:+,.1f}",
                               f"{r['value_added_change']:+,.1f}"]
                              for r in cutback.sectors.to_dict("records")],
                             right={1, 2}))
    for n in (*cutback.notes, *panel.notes):
        con.print(f"[dim]{n}[/dim]")


def _pct(v: Any) -> str:
    return "" if v is None or v != v else f"{v:.1%}"


def _capex(con: Any, panel: Any) -> None:
    """The capex table: firms by year, the id behind each figure, total and share of GDP."""
    recs = panel.capex.to_dict("records")
    years = sorted({r["year"] for r in recs})
    cells: dict[tuple[str, int], dict[str, Any]] = {}
    for r in recs:  # reported beats a plan for the same firm and year
        key = (r["firm"], r["year"])
        if key not in cells or r["basis"] == "reported":
            cells[key] = r
    rows = []
    for f in sorted({r["firm"] for r in recs}):
        row = [f]
        for y in years:
            c = cells.get((f, y))
            row.append("" if c is None else f"{c['value']:,.1f}"
                       + ("" if c["basis"] == "reported" else " (plan)") + f" {c['id']}")
        rows.append(row)
    tot = panel.totals.to_dict("index")
    rows.append(["total", *[f"{tot[y]['total']:,.1f}" for y in years]])
    rows.append(["share of GDP", *[f"{_pct(tot[y]['share_of_gdp'])} ({tot[y]['gdp_row']})"
                                   for y in years]])
    con.print(rich_table("AI capex by firm and year ($bn, row id behind each figure)",
                         ["firm", *[str(y) for y in years]], rows,
                         right=set(range(1, len(years) + 1)),
                         caption="reported capex, else guidance (plan); GDP is the year's or "
                                 "the latest before it"))


def _history(con: Any, panel: Any) -> None:
    recs = panel.comparisons.to_dict("records")
    at = next((r["real_at"] for r in recs if r["real_at"]), None)
    rows = []
    for r in recs:
        ids = str(r["id"]).split(";")
        used = [ids[0] if len(ids) < 3 else "capex rows", r["cpi_row"], r["gdp_row"]]
        rows.append([r["episode"], r["label"], f"{r['nominal']:,.1f}", r["date"],
                     "" if r["real"] != r["real"] else f"{r['real']:,.1f}",
                     _pct(r["share_of_gdp"]), ", ".join(str(x) for x in used if x)])
    con.print(rich_table(f"History side by side ($bn; real = at the CPI of {at})" if at
                         else "History side by side ($bn)",
                         ["episode", "what", "nominal", "date", "real", "% of GDP", "rows"],
                         rows, right={2, 4, 5}))
