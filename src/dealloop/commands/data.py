"""``dealloop validate``, ``summary``, ``export`` and ``diff``: the dataset itself."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import (
    DataOpt,
    EstimatesOpt,
    JsonOpt,
    check_output,
    console,
    current_as_of,
    err,
    fail,
    load_network,
    print_json,
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
    _print_summary(s)


def _print_summary(s: Any) -> None:
    from ._tables import Col, count, echo, table, wrap

    echo(wrap(f"{s.name} {s.version or ''}: {count(s.n_entities)} entities, "
              f"{count(s.n_legs)} legs, announced {s.first_announced} to {s.last_announced}"))
    echo(wrap("legs by status: " + ", ".join(f"{k} {count(v)}"
                                             for k, v in s.legs_by_status.items())))
    t = s.totals
    apart = [("estimate", "estimated (apart)", "est.")] if not s.include_estimates else []
    ranges = [(col, label, short) for col, label, short in
              [*apart, ("derived", "derived (apart)", "derived")] if t[f"{col}_legs"].sum()]
    rows = [[k.replace("_", " "), r["committed"], r["reported"], r["conditional"], r["firm"],
             r["all"], r["legs"], r["undisclosed_legs"], r["stock"] or "", r["non_cash"] or "",
             *[f"{r[f'{col}_low']:,.0f}–{r[f'{col}_high']:,.0f}" if r[f"{col}_legs"] else ""
               for col, _, _ in ranges]] for k, r in t.iterrows()]
    echo(table("Totals by kind, $bn: stated cash flows (firm = committed + reported; all adds "
               "conditional); stocks and non-cash apart",
               [Col("kind"), Col("committed", "money", "comm."),
                Col("reported", "money", "rep."), Col("conditional", "money", "cond."),
                Col("firm", "money"), Col("all", "money"), Col("legs", "count"),
                Col("no amount", "count", "no amt"), Col("stock", "money"),
                Col("non-cash", "money", "non-c."),
                *[Col(label, "raw", short) for _, label, short in ranges]],
               rows))
    ev = s.evidence
    echo(table("By evidence grade (A a dated primary or major-outlet source, B one report, "
               "C weak), $bn",
               [Col("evidence"), Col("legs", "count"), Col("live legs", "count"),
                Col("firm", "money"), Col("all", "money")],
               [[k, r["legs"], r["live_legs"], r["firm"], r["all"]] for k, r in ev.iterrows()]))
    echo(wrap(f"{count(s.undisclosed_live)} live legs have no disclosed amount and are not "
              "in any sum."))


def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="graphml, gexf, json, csv or "
                                     "dataset (a folder dealloop reads back).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File (or, for dataset, "
                                         "folder) to write.")],
    data: DataOpt = None,
) -> None:
    """Write the network for Gephi, Cytoscape, networkx (graphml, gexf, json), spreadsheets
    (csv, formula-injection safe) or as a dataset folder (with --as-of: as known then)."""
    from .. import export as ex

    if fmt not in ex.FORMATS:
        fail(f"Error: --format must be one of {', '.join(ex.FORMATS)}, not {fmt!r}", 2)
    check_output(output, folder=fmt == "dataset")
    net = load_network(data)
    try:
        path = ex.export(net, fmt, output)
    except OSError as exc:
        fail(f"Error: cannot write {output}: {exc.strerror or exc}")
    except ValueError as exc:
        fail(f"Error: {exc}")
    console().print(f"wrote {path} ({fmt}, {len(net.entities)} nodes, {len(net.deals)} legs)")


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
            nets.append(load(folder, as_of=current_as_of()))
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
    from ._tables import wrap

    lines = d.lines()
    for line in lines:
        typer.echo(wrap(line, hang="    "))
    console().print("no differences" if not lines else f"{len(lines)} change(s)")
