"""The ``dealloop`` command line.

Every command takes ``--data DIR`` (default: the bundled ``ai2026`` dataset) and, where it
prints results, ``--json`` for machine-readable output on stdout. Exit codes: 0 ok, 1 invalid
data or scenario (every problem on stderr as ``file:row: field: message``), 2 usage error.
User errors never print a traceback; output files are written atomically, so a failed run
leaves no partial file behind.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from ._version import __version__

app = typer.Typer(
    name="dealloop",
    help="Map, measure and stress-test circular financing networks.\n\n"
    "Runs on the bundled 2025-26 AI deals dataset unless --data names another folder.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

DataOpt = Annotated[
    Path | None,
    typer.Option("--data", "-d", help="Dataset folder (default: bundled ai2026).",
                 show_default=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
StatusOpt = Annotated[
    list[str] | None,
    typer.Option("--status", help="Leg statuses to keep (repeatable): committed, reported, "
                 "conditional, superseded, cancelled."),
]
EvidenceOpt = Annotated[
    list[str] | None, typer.Option("--evidence", help="Evidence grades to keep (A, B, C).")
]
DerivedOpt = Annotated[
    bool, typer.Option("--derived/--no-derived", help="Include legs with basis 'derived'.")
]
EstimatesOpt = Annotated[
    bool, typer.Option("--estimates/--no-estimates",
                       help="Count legs with basis 'estimate' (a third party's estimate, "
                            "at its range midpoint); off by default.")
]


class UserError(Exception):
    """A problem the user can fix; printed without a traceback, exit code 1."""


def _err(msg: str) -> None:
    typer.echo(msg, err=True)


def _fail(msg: str, code: int = 1) -> NoReturn:
    _err(msg)
    raise typer.Exit(code)


def _print_json(obj: Any) -> None:
    sys.stdout.write(json_text(obj))


def json_text(obj: Any) -> str:
    """``obj`` as indented JSON; a value that is not finite (an overflow when inputs were
    combined) is refused with a message naming where it is, never written as ``Infinity``.

    Examples
    --------
    >>> json_text({"a": [1.5]})
    '{\\n  "a": [\\n    1.5\\n  ]\\n}\\n'
    """
    try:
        return json.dumps(obj, indent=2, default=_json_default, allow_nan=False) + "\n"
    except ValueError:
        where = _not_finite(obj) or "?"
        _fail(f"Error: the result is not finite at {where}: the dataset's values overflow "
              "when combined; nothing printed")


def _not_finite(obj: Any, path: str = "") -> str | None:
    """The key path of the first value that is not a finite number, or ``None``."""
    if hasattr(obj, "tolist") and not isinstance(obj, float | int):
        obj = obj.tolist()
    elif hasattr(obj, "item") and not isinstance(obj, float | int):
        obj = obj.item()
    if isinstance(obj, float):
        return None if obj - obj == 0 else (path or "the top level")
    if isinstance(obj, dict):
        items: Any = ((f"{path}.{k}" if path else str(k), v) for k, v in obj.items())
    elif isinstance(obj, list | tuple):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(obj))
    else:
        return None
    for where, value in items:
        found = _not_finite(value, where)
        if found:
            return found
    return None


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)


def _check_output(path: Path, *, folder: bool = False) -> None:
    """Refuse an output path that cannot be written, before any work is done (exit 1)."""
    from .data.write import output_problem

    why = output_problem(path, folder=folder)
    if why is not None:
        _fail(f"Error: cannot write {path}: {why}")


def _load(data: Path | None):
    from .data.load import load
    from .data.problems import DataError

    try:
        return load(data)
    except DataError as exc:
        for p in exc.problems:
            _err(str(p))
        _fail(f"{len(exc.problems)} problem(s) in {data or 'the bundled dataset'}; "
              "run 'dealloop validate' for details")


def _console():
    from rich.console import Console

    return Console()


def _table(title: str, frame: Any, fmt: str = "{:,.1f}") -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    t.add_column(frame.index.name or "", no_wrap=True)
    for c in frame.columns:
        t.add_column(str(c), justify="right")
    for idx, row in frame.iterrows():
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append("" if v != v else fmt.format(v))
            else:
                cells.append(str(v))
        t.add_row(str(idx), *cells)
    return t


def _version_cb(value: bool) -> None:
    if value:
        typer.echo(f"dealloop {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version_cb, is_eager=True, help="Show the version."),
    ] = None,
) -> None:
    """Map, measure and stress-test circular financing networks."""


# ---------------------------------------------------------------------------------- validate
@app.command()
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
    from . import datasets
    from .data.validate import validate as run

    if directory is not None and data is not None and directory != data:
        _fail("Error: give the dataset folder once (as the argument or as --data)", 2)
    root = datasets.resolve(directory if directory is not None else data)
    problems = run(root)
    errs = [p for p in problems if p.severity == "error"]
    warns = [p for p in problems if p.severity != "error"]
    if json_out:
        _print_json({"path": str(root), "errors": len(errs), "warnings": len(warns),
                     "problems": [p.to_dict() for p in problems]})
    else:
        for p in problems:
            _err(str(p))
        msg = f"{len(errs)} error(s), {len(warns)} warning(s) in {root}"
        (_err if errs else typer.echo)(msg if problems else f"{root}: no problems found")
    if errs:
        raise typer.Exit(1)


# ---------------------------------------------------------------------------------- summary
@app.command()
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
    from .summary import summarize

    net = _load(data)
    s = summarize(net, include_estimates=estimates)
    if json_out:
        _print_json(s.to_dict())
        return
    con = _console()
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
    con.print(_table("Totals by kind, USD bn: stated cash flows (firm = committed + "
                     "reported; all adds conditional); stocks and non-cash apart", totals))
    ev = s.evidence.copy()
    ev[["legs", "live_legs"]] = ev[["legs", "live_legs"]].astype(int).astype(str)
    ev.index.name = "evidence"
    con.print(_table("By evidence grade (A a dated primary or major-outlet source, B one report, "
                     "C weak), USD bn", ev))
    con.print(f"{s.undisclosed_live} live legs have no disclosed amount and are not in any sum.")


# ---------------------------------------------------------------------------------- export
@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="graphml, gexf, json or csv.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    data: DataOpt = None,
) -> None:
    """Write the network for Gephi, Cytoscape, networkx (graphml, gexf, json) or spreadsheets
    (csv, formula-injection safe)."""
    from . import export as ex

    if fmt not in ex.FORMATS:
        _fail(f"Error: --format must be one of {', '.join(ex.FORMATS)}, not {fmt!r}", 2)
    _check_output(output)
    net = _load(data)
    try:
        path = ex.export(net, fmt, output)
    except OSError as exc:
        _fail(f"Error: cannot write {output}: {exc.strerror or exc}")
    typer.echo(f"wrote {path} ({fmt}, {len(net.entities)} nodes, {len(net.deals)} legs)")


# ---------------------------------------------------------------------------------- diff
@app.command()
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
        _fail("Error: give the newer dataset once (as the second argument or as --data)", 2)
    new = new if new is not None else data
    from .data.diff import diff as run
    from .data.load import load
    from .data.problems import DataError

    nets, bad = [], 0
    for folder in (old, new):  # report the problems of both folders, not just the first
        try:
            nets.append(load(folder))
        except DataError as exc:
            for p in exc.problems:
                _err(f"{folder}/{p}" if p.file != str(folder) else str(p))
            _err(f"{len(exc.problems)} problem(s) in {folder}")
            bad += 1
    if bad:
        _fail("run 'dealloop validate' on the folder(s) for details; nothing compared")
    d = run(*nets)
    if json_out:
        _print_json(d.to_dict())
        return
    lines = d.lines()
    for line in lines:
        typer.echo(line)
    typer.echo("no differences" if not lines else f"{len(lines)} change(s)")


def _register_topics() -> None:
    import importlib

    from .commands import TOPICS

    for topic in TOPICS:
        name = f"{__package__}.commands.{topic}"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a topic not built yet; anything else is a bug
            if exc.name != name:
                raise


_register_topics()


class Terminated(SystemExit):
    """Raised in the main thread on SIGTERM, so ``finally`` blocks and the atomic writers'
    clean-up run (Python's default for SIGTERM is to die on the spot, leaving ``.tmp`` files
    and folders behind)."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated(128 + signum)


def main() -> None:
    """Entry point: run the app, turning user errors into messages and exit codes."""
    import signal

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app()
    except Terminated as exc:
        _err("terminated; nothing half-written is left behind")
        sys.exit(exc.code)
    except UserError as exc:
        _err(f"Error: {exc}")
        sys.exit(1)
    except KeyboardInterrupt:
        _err("interrupted; nothing half-written is left behind")
        sys.exit(130)
    except SystemExit as exc:
        if exc.code == 130:  # typer turns Ctrl-C into Exit(130) without a word
            _err("interrupted; nothing half-written is left behind")
        raise


if __name__ == "__main__":  # pragma: no cover
    # Run the imported module, not this __main__ copy, so topic commands register on one app.
    from dealloop.cli import main as _main

    _main()
