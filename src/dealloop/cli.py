"""The ``dealloop`` command line.

Every command takes ``--data DIR`` (default: the bundled ``ai2026`` dataset) and, where it
prints results, ``--json`` for machine-readable output on stdout. Exit codes: 0 ok, 1 invalid
data or scenario (every problem on stderr as ``file:row: field: message``), 2 usage error.
User errors never print a traceback; output files are written atomically, so a failed run
leaves no partial file behind.

The commands live in :mod:`dealloop.commands` (one module per topic, over the helpers of
:mod:`dealloop.commands._common`) and are registered here, explicitly and in the order
``dealloop --help`` lists them.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from ._version import __version__
from .commands import (
    circularity,
    data,
    edit,
    holders,
    macro,
    markets,
    publish,
    report,
    scenarios,
    simulate,
    sources,
    synth,
    timeline,
    web,
    with_as_of,
)

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

#: Every command, in the order of ``dealloop --help``: name -> function.
COMMANDS: dict[str, Callable[..., Any]] = {
    "validate": data.validate,
    "summary": data.summary,
    "export": data.export,
    "diff": data.diff,
    "add-leg": edit.add_leg,
    "timeline": timeline.timeline,
    "calendar": timeline.calendar,
    "cycles": circularity.cycles,
    "circularity": circularity.circularity,
    "scenarios": scenarios.scenarios_cmd,
    "stress": scenarios.stress,
    "simulate": simulate.simulate,
    "systemic": holders.systemic,
    "signals": markets.signals,
    "macro": macro.macro,
    "sources": sources.sources,
    "cite": publish.cite,
    "chart": publish.chart,
    "report": report.report,
    "serve": web.serve,
    "synth": synth.synth,
}
#: Commands that read no dataset as of a date (the others get ``--as-of DATE``).
TIMELESS = ("validate", "synth", "add-leg")


def _short_help(command: Callable[..., Any]) -> str:
    """The docstring's first paragraph on one line (typer's rich mode keeps its line breaks)."""
    first = inspect.cleandoc(command.__doc__ or "").split("\n\n")[0]
    return " ".join(first.split())


for _name, _command in COMMANDS.items():
    app.command(_name, short_help=_short_help(_command))(
        _command if _name in TIMELESS else with_as_of(_command))


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


class Terminated(SystemExit):
    """Raised in the main thread on SIGTERM, so ``finally`` blocks and the atomic writers'
    clean-up run (Python's default for SIGTERM is to die on the spot, leaving ``.tmp`` files
    and folders behind)."""


def _on_sigterm(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal handler signature
    raise Terminated(128 + signum)


def main() -> None:
    """Entry point: run the app, turning Ctrl-C and SIGTERM into a message and exit code."""
    import signal

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app()
    except Terminated as exc:
        typer.echo("terminated; nothing half-written is left behind", err=True)
        sys.exit(exc.code)
    except KeyboardInterrupt:
        _interrupted()
        sys.exit(130)
    except SystemExit as exc:
        if exc.code == 130:  # typer turns Ctrl-C into Exit(130) without a word
            _interrupted()
        raise
    except OSError as exc:
        # Files a command writes are its own business (atomic, with a message); what gets
        # here is the terminal or pipe it prints to failing: a full disk behind `> file`, a
        # closed pipe (click itself handles only EPIPE), a vanished network mount.
        _stdout_gone()
        typer.echo(f"Error: cannot write the output: {exc.strerror or exc}", err=True)
        sys.exit(1)


def _stdout_gone() -> None:
    """Point stdout at the null device, so Python's flush at exit does not fail again with
    "Exception ignored" and exit code 120 (the recipe of the ``signal`` module's docs)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (captured): nothing to flush later
        pass


def _interrupted() -> None:
    """Say it once; a second Ctrl-C while the process winds down must not add a traceback
    or turn exit code 130 into a kill by signal."""
    import signal

    from .__main__ import INTERRUPTED

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    typer.echo(INTERRUPTED, err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
