"""``dealloop validate``, ``summary``, ``export`` and ``diff``: the dataset itself."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import (
    DataOpt,
    EstimatesOpt,
    JsonOpt,
    check_output,
    console,
    err,
    fail,
    load_network,
    print_json,
    table,
)


def validate(
    directory: Annotated[Path | None, typer.Argument(help="Dataset folder to check.",
                                                     show_default="bundled ai2026")] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Check a dataset folder and print every problem as file:row: field: message.

    The folder is the argument or --data (as for every other command). Exit code 0 when there
    is no error (warnings are printed but accepted), 1 otherwise.
    """
    from .. import datasets
    from ..data.validate import validate as run

    if directory is not None and data is not None and directory != data:
        fail("Error: give the dataset folder once (as the argument or as --data)", 2)
    root = datasets.resolve(directory if directory is not None else data)
    problems = run(root)
    errs = [p for p in problems if p.severity == "error"]
    warns = [p for p in problems if p.severity != "error"]
    if json_out:
        print_json({"path": str(root), "errors": len(errs), "warnings": len(warns),
                     "problems": [p.to_dict() for p in problems]})
    else:
        for p in problems:
            err(str(p))
        msg = f"{len(errs)} error(s), {len(warns)} warning(s) in {root}"
        (err if errs else typer.echo)(msg if problems else f"{root}: no problems found")
    if errs:
        raise typer.Exit(1)


def summary(data: DataOpt = None, estimates: EstimatesOpt = False,
            json_out: JsonOpt = False) -> None:
    """Firms, legs and totals by kind and status (USD bn), never adding a dollar twice.

    firm = committed + reported; all = every live leg (adds conditional "up to" legs). The
    headline columns count stated cash flows only; stocks (debt outstanding) and non-cash
    legs (all-stock mergers, share swaps, warrants) have their own columns. Superseded and
    cancelled legs are never added; aggregate legs add only what their parts leave;
    undisclosed amounts are counted as legs, never as 0 or a guess; estimated and derived
    legs are shown apart.
    """
    from ..summary import summarize

    net = load_network(data)
    s = summarize(net, include_estimates=estimates)
    if json_out:
        print_json(s.to_dict())
        return
    con = console()
    con.print(f"[bold]{s.name}[/bold] {s.version or ''}: {s.n_entities} entities, "
              f"{s.n_legs} legs, announced {s.first_announced} to {s.last_announced}")
    con.print("legs by status: " + ", ".join(f"{k} {v}" for k, v in s.legs_by_status.items()))
    t = s.totals
    totals = t[["committed", "reported", "conditional", "firm", "all"]].copy()
    totals["legs"] = t["legs"].astype(int).astype(str)
    totals["no amount"] = t["undisclosed_legs"].astype(int).astype(str)
    totals["stock"] = [f"{v:,.1f}" if v else "" for v in t["stock"]]
    totals["non-cash"] = [f"{v:,.1f}" if v else "" for v in t["non_cash"]]
    apart = [("estimate", "estimated (apart)")] if not s.include_estimates else []
    for col, label in [*apart, ("derived", "derived (apart)")]:
        if t[f"{col}_legs"].sum():
            totals[label] = [
                f"{lo:,.0f}-{hi:,.0f}" if n else "" for lo, hi, n in
                zip(t[f"{col}_low"], t[f"{col}_high"], t[f"{col}_legs"], strict=True)
            ]
    totals.index = [k.replace("_", " ") for k in totals.index]
    totals.index.name = "kind"
    con.print(table("Totals by kind, USD bn: stated cash flows (firm = committed + "
                     "reported; all adds conditional); stocks and non-cash apart", totals))
    ev = s.evidence.copy()
    ev[["legs", "live_legs"]] = ev[["legs", "live_legs"]].astype(int).astype(str)
    ev.index.name = "evidence"
    con.print(table("By evidence grade (A a dated primary or major-outlet source, B one report, "
                     "C weak), USD bn", ev))
    con.print(f"{s.undisclosed_live} live legs have no disclosed amount and are not in any sum.")


def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="graphml, gexf, json or csv.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    data: DataOpt = None,
) -> None:
    """Write the network for Gephi, Cytoscape, networkx (graphml, gexf, json) or spreadsheets
    (csv, formula-injection safe)."""
    from .. import export as ex

    if fmt not in ex.FORMATS:
        fail(f"Error: --format must be one of {', '.join(ex.FORMATS)}, not {fmt!r}", 2)
    check_output(output)
    net = load_network(data)
    try:
        path = ex.export(net, fmt, output)
    except OSError as exc:
        fail(f"Error: cannot write {output}: {exc.strerror or exc}")
    typer.echo(f"wrote {path} ({fmt}, {len(net.entities)} nodes, {len(net.deals)} legs)")


def diff(
    old: Annotated[Path, typer.Argument(help="Older dataset folder, or a bundled release such "
                                              "as ai2026@2026.11.0.")],
    new: Annotated[Path | None, typer.Argument(help="Newer dataset folder (or --data).",
                                               show_default=False)] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Legs, firms, sources and figures added, removed and changed (field by field).

    The newer dataset is the second argument or --data (default: the bundled ai2026), so
    ``dealloop diff OLD`` shows what changed from OLD to the bundled data. Earlier releases of
    the bundled dataset are kept: ``dealloop diff ai2026@2026.11.0`` shows what the current
    release changed.
    """
    if new is not None and data is not None and new != data:
        fail("Error: give the newer dataset once (as the second argument or as --data)", 2)
    new = new if new is not None else data
    from ..data.diff import diff as run
    from ..data.problems import DataError
    from ..network import load

    nets, bad = [], 0
    for folder in (old, new):  # report the problems of both folders, not just the first
        try:
            nets.append(load(folder))
        except DataError as exc:
            for p in exc.problems:
                err(f"{folder}/{p}" if p.file != str(folder) else str(p))
            err(f"{len(exc.problems)} problem(s) in {folder}")
            bad += 1
    if bad:
        fail("run 'dealloop validate' on the folder(s) for details; nothing compared")
    d = run(*nets)
    if json_out:
        print_json(d.to_dict())
        return
    lines = d.lines()
    for line in lines:
        typer.echo(line)
    typer.echo("no differences" if not lines else f"{len(lines)} change(s)")
