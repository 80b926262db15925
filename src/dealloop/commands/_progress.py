"""Progress on stderr for work that can take more than a couple of seconds.

A rich progress bar (named steps, elapsed time) on stderr, removed when the work is done.
Silent when stderr is not a terminal or the command prints ``--json``, so pipes, logs and
machine-readable output never see it.

Examples
--------
>>> with steps(3, "report", enabled=False) as step:
...     step("loops"); step("measures"); step("scenario baseline")
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

__all__ = ["enabled", "steps", "working"]


def enabled(json_out: bool = False) -> bool:
    """Whether to show progress: stderr is a terminal and the output is not JSON."""
    try:
        return not json_out and sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


@contextlib.contextmanager
def steps(total: int | None, label: str, *, enabled: bool) -> Iterator[Callable[[str], None]]:
    """Yield ``step(name)``: call it as each part starts; ``total=None`` for a spinner.

    The bar counts finished parts out of ``total`` and names the running one.
    """
    if not enabled:
        yield lambda _name: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    cols = ([SpinnerColumn()] if total is None else [BarColumn(), MofNCompleteColumn()])
    bar = Progress(TextColumn(f"{label}:"), *cols, TextColumn("{task.description}"),
                   TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    task = bar.add_task("", total=total)
    started = [False]

    def step(name: str) -> None:
        if started[0]:
            bar.advance(task)
        started[0] = True
        bar.update(task, description=name)

    with bar:
        yield step


@contextlib.contextmanager
def working(label: str, what: str, *, json_out: bool = False) -> Iterator[None]:
    """A spinner with the elapsed time on stderr (``label: what``) for one long step, when
    :func:`enabled`.

    >>> with working("timeline", "loops month by month", json_out=True):
    ...     pass
    """
    with steps(None, label, enabled=enabled(json_out)) as step:
        step(what)
        yield
