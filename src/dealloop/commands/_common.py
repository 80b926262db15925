"""What every command shares: option types, messages, exits, loading and output helpers.

Commands import from here, never from :mod:`dealloop.cli` (which imports the commands to
register them). Everything here is light: heavy libraries are imported inside the helpers.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import sys
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from ..network import DealNetwork

__all__ = [
    "AsOfOpt",
    "DataOpt",
    "DerivedOpt",
    "EstimatesOpt",
    "EvidenceOpt",
    "FirmOpt",
    "HorizonOpt",
    "JsonOpt",
    "KindOpt",
    "ScenarioArg",
    "SeedOpt",
    "StatusOpt",
    "check_output",
    "choose",
    "console",
    "current_as_of",
    "err",
    "exit_with_problems",
    "fail",
    "fail_with_problems",
    "fmt_cell",
    "horizon_opt",
    "json_text",
    "load_network",
    "prepare_scenario",
    "print_json",
    "rich_table",
    "table",
    "with_as_of",
]

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
KindOpt = Annotated[
    list[str] | None,
    typer.Option("--kind", "--kinds", help="Deal kinds to keep (repeatable), as tables print "
                 "them or as ids: 'equity investment', chip_purchase."),
]
FirmOpt = Annotated[
    str | None,
    typer.Option("--firm", metavar="FIRM",
                 help="Only what involves this firm (its id or its name: openai, 'OpenAI')."),
]
HorizonOpt = Annotated[
    tuple[int, int] | None,
    typer.Option("--horizon", metavar="START END", show_default="2026 2030",
                 help="Years over which multi-year contracts are apportioned."),
]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="Random seed.")]
ScenarioArg = Annotated[
    str, typer.Argument(help="Scenario YAML file, or the name of a shipped scenario.",
                        show_default=False),
]

AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", metavar="DATE",
                 help="The dataset as known on DATE (YYYY, YYYY-MM or YYYY-MM-DD; a partial "
                      "date means its last day): legs announced later left out, later "
                      "supersessions and cancellations undone, later figures and market "
                      "quotes dropped.", show_default=False),
]

#: The ``--as-of`` date of the running command (``None``: the dataset as it is).
_AS_OF: ContextVar[str | None] = ContextVar("dealloop_as_of", default=None)


def current_as_of() -> str | None:
    """The ``--as-of`` date of the running command, as typed (``None`` when not given)."""
    return _AS_OF.get()


def with_as_of(command: Callable[..., Any]) -> Callable[..., Any]:
    """``command`` with an ``--as-of DATE`` option (kept as is when it declares ``as_of``
    itself): the date is checked (exit 2 when it is not one) and every dataset the command
    loads through :func:`load_network` or :func:`prepare_scenario` is seen as of then."""
    sig = inspect.signature(command, eval_str=True)  # typer reads the evaluated annotations
    declared = "as_of" in sig.parameters

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        value = kwargs.get("as_of") if declared else kwargs.pop("as_of", None)
        if value is not None:
            from ..data.asof import as_of_date

            try:
                as_of_date(value)
            except ValueError as exc:
                fail(f"Error: --as-of: {exc}", 2)
        token = _AS_OF.set(value)
        try:
            return command(*args, **kwargs)
        finally:
            _AS_OF.reset(token)

    params = list(sig.parameters.values())
    if not declared:
        params.append(inspect.Parameter("as_of", inspect.Parameter.KEYWORD_ONLY, default=None,
                                        annotation=AsOfOpt))
    run.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params}
    return run


def err(msg: str) -> None:
    """Print ``msg`` on stderr."""
    typer.echo(msg, err=True)


def fail(msg: str, code: int = 1) -> NoReturn:
    """Print ``msg`` on stderr and exit with ``code`` (1: bad input, 2: usage)."""
    err(msg)
    raise typer.Exit(code)


def fail_with_problems(problems: Iterable[Any], summary: str, code: int = 1) -> NoReturn:
    """Print every problem (one ``file:row: field: message`` line each), then ``summary``,
    and exit with ``code``: the one way a command reports bad input."""
    for p in problems:
        err(str(p))
    fail(summary, code)


def print_json(obj: Any) -> None:
    """Write ``obj`` as indented JSON on stdout (see :func:`json_text`)."""
    sys.stdout.write(json_text(obj))


def json_text(obj: Any) -> str:
    """``obj`` as indented JSON; a value that is not finite (an overflow when inputs were
    combined) is refused with a message naming where it is, never written as ``Infinity``.

    Examples
    --------
    >>> json_text({"a": [1.5]})
    '{\\n  "a": [\\n    1.5\\n  ]\\n}\\n'
    """
    from ..jsonutil import jsonable

    try:
        return json.dumps(obj, indent=2, default=jsonable, allow_nan=False) + "\n"
    except ValueError:
        where = _not_finite(obj) or "?"
        fail(f"Error: the result is not finite at {where}: the dataset's values overflow "
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


def check_output(path: Path, *, folder: bool = False) -> None:
    """Refuse an output path that cannot be written, before any work is done (exit 1)."""
    from ..data.write import output_problem

    why = output_problem(path, folder=folder)
    if why is not None:
        fail(f"Error: cannot write {path}: {why}")


def horizon_opt(horizon: tuple[int, int] | None) -> tuple[int, int]:
    """The --horizon given, checked (exit 2), or the shared default
    (:data:`dealloop.vocabulary.DEFAULT_HORIZON`)."""
    from ..vocabulary import DEFAULT_HORIZON, parse_horizon

    if horizon is None:
        return DEFAULT_HORIZON
    if horizon[1] < horizon[0]:
        fail(f"Error: --horizon: end {horizon[1]} is before start {horizon[0]}", 2)
    try:  # years the calendar knows (not 0 or 99999)
        parse_horizon(horizon)
    except ValueError as exc:
        fail(f"Error: --horizon: {str(exc).removeprefix('horizon: ')}", 2)
    return horizon


def choose(flag: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Resolve a name given with ``flag`` (see :mod:`dealloop.commands._names`), or exit 2
    with one line: ``Error: --firm: unknown firm 'x'; did you mean ...?``."""
    from ._names import ChoiceError

    try:
        return fn(*args, **kwargs)
    except ChoiceError as exc:
        fail(f"Error: {flag}: {exc}", 2)


def load_network(data: Path | None, *, what: str | None = None) -> DealNetwork:
    """The dataset in ``data`` (bundled when ``None``); every problem and exit 1 if invalid.

    ``what`` replaces the default tail of the summary line (``run 'dealloop validate' for
    details``).
    """
    from ..data.problems import DataError
    from ..network import load

    try:
        return load(data, as_of=current_as_of())
    except DataError as exc:
        tail = what or "run 'dealloop validate' for details"
        fail_with_problems(exc.problems, f"{len(exc.problems)} problem(s) in "
                                         f"{data or 'the bundled dataset'}; {tail}")


def console() -> Any:
    """The printer every command uses: plain text fitted to the terminal, or 80 columns
    when piped (see :mod:`dealloop.commands._tables`)."""
    from ._tables import Printer

    return Printer()


def table(title: str, frame: Any, fmt: str = "{:,.1f}") -> str:
    """A DataFrame as a table that fits the terminal (index first): float columns are USD bn
    (or formatted with ``fmt`` when it is not the default), integer columns counts, the rest
    text. See :func:`dealloop.commands._tables.table`."""
    from ._tables import Col
    from ._tables import table as layout

    cols = [Col(str(frame.index.name or ""))]
    rows = [[str(i)] for i in frame.index]
    for c in frame.columns:
        kind = frame[c].dtype.kind
        if kind == "f" and fmt != "{:,.1f}":
            cols.append(Col(str(c).replace("_", " "), "raw"))
            vals = ["" if v != v else fmt.format(v) for v in frame[c]]
        else:
            cols.append(Col(str(c).replace("_", " "),
                            "money" if kind == "f" else "count" if kind in "iu" else "text"))
            vals = list(frame[c])
        for r, v in zip(rows, vals, strict=True):
            r.append(v)
    return layout(title, cols, rows)


def exit_with_problems(exc: Any) -> NoReturn:
    """Every problem of a ``DataError`` on stderr, then exit 1: nothing was run."""
    n = len(exc.problems)
    fail_with_problems(exc.problems, f"{n} problem{'s' if n != 1 else ''}; nothing was run")


def prepare_scenario(scenario: str, data: Path | None,
                     horizon: tuple[int, int] | None = None) -> tuple[Any, Any]:
    """The scenario (a file or a shipped name) and the network it runs on, checked against
    each other; every problem and exit 1 otherwise. ``horizon`` (``--horizon``) replaces the
    scenario's own horizon."""
    from ..data.problems import DataError
    from ..scenarios.runner import prepare

    net = None
    if data is not None:  # the dataset's own problems: name the folder they are in
        net = load_network(data, what="run 'dealloop validate' for details; nothing was run")
    try:
        sc, net = prepare(scenario, net)
        if horizon is not None:
            sc = sc.model_copy(update={"horizon": horizon_opt(horizon)})
        day = current_as_of()
        if day is not None and net.meta.get("as_of") is None:  # check the ids against then
            sc, net = prepare(sc, net.as_of(day))
        return sc, net
    except DataError as exc:
        exit_with_problems(exc)


def fmt_cell(v: Any, digits: int = 1) -> str:
    """A table cell: blank for None and NaN, ``yes`` for true, thousands separators."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else ""
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return f"{v:,.{digits}f}"
    return str(v)


def rich_table(title: str, columns: list[str], rows: list[list[Any]], *,
               right: set[int] | None = None, caption: str | None = None) -> str:
    """A table from plain column names (see :func:`dealloop.commands._tables.table`): columns
    in ``right`` (default: all but the first) hold numbers (floats are USD bn, ints counts)
    or text formatted already, kept whole and right-aligned."""
    from ._tables import Col
    from ._tables import table as layout

    right = right if right is not None else set(range(1, len(columns)))

    def kind(j: int) -> str:
        if j not in right:
            return "text"
        vals = [r[j] for r in rows if r[j] is not None and r[j] != ""]
        if vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            return "count"
        if vals and all(isinstance(v, int | float) and not isinstance(v, bool)
                        for v in vals):
            return "money"
        return "raw"

    cols = [Col(c, kind(j)) for j, c in enumerate(columns)]
    return layout(title, cols, rows, caption=caption)
