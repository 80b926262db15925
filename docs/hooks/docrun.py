"""MkDocs hook for the dealloop docs: real command output and MathML equations.

Loaded by ``mkdocs.yml`` (``hooks:``); MkDocs registers it as the module ``docrun``, so the
cookbook's ``markdown-exec`` blocks can call::

    ```python exec="on"
    from docrun import run
    print(run("dealloop summary"))
    ```

``run`` executes the command through the real ``dealloop`` command line, in this process
(one import of the library for the whole build), and returns a console block with the command
and what it printed, for the block to print. A command that exits with a non-zero code
raises, markdown-exec reports it as a warning and ``mkdocs build --strict`` fails: a
documented command that no longer runs breaks the build.

Equations: ``$$ ... $$`` (display, on lines of their own) and ``\\( ... \\)`` (inline) in the
Markdown sources are turned into MathML at build time with ``latex2mathml``; browsers draw
MathML themselves, so the site loads no maths library and works offline. Fenced code is left
alone (dollar signs in money stay money).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import traceback
from typing import Any

__all__ = ["run"]

#: Terminal width the outputs are rendered at (the CLI fits its tables to it).
WIDTH = 100

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
_DISPLAY = re.compile(r"^[ \t]*\$\$(.+?)\$\$[ \t]*$", re.M | re.S)
_INLINE = re.compile(r"\\\((.+?)\\\)")

# MkDocs registers a hook under its path; the cookbook's code blocks import it by this name.
sys.modules.setdefault("docrun", sys.modules[__name__])


def run(command: str, *, expect: int = 0, lines: int | None = None) -> str:
    """Run ``command`` (a ``dealloop ...`` line); return it with its output as a console block.

    ``expect`` is the exit code the page documents (0 unless the page shows an error); any
    other code raises ``RuntimeError``. ``lines`` keeps the first N lines of output and marks
    the cut.
    """
    from typer.testing import CliRunner

    from dealloop.cli import app

    argv = shlex.split(command)
    if not argv or argv[0] != "dealloop":
        raise ValueError(f"not a dealloop command: {command!r}")
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH)
    try:
        res = CliRunner().invoke(app, argv[1:], catch_exceptions=True)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    out = res.output
    if res.exit_code != expect:
        exc = res.exception
        if exc is not None and not isinstance(exc, SystemExit):
            detail = "".join(traceback.format_exception(exc))
        else:
            detail = out[-2000:]
        raise RuntimeError(f"`{command}` exited with {res.exit_code}, not {expect}:\n{detail}")
    text = out.rstrip("\n")
    if lines is not None:
        kept = text.splitlines()
        if len(kept) > lines:
            text = "\n".join([*kept[:lines], " ..."])
    return f"```console\n$ {command}\n{text}\n```"


def _mathml(latex: str, display: bool) -> str:
    from latex2mathml.converter import convert

    return convert(latex.strip(), display="block" if display else "inline")


def _convert(markdown: str) -> str:
    """Replace the equations outside fenced code by MathML."""
    out: list[str] = []
    pos = 0
    for fence in _FENCE.finditer(markdown):
        out.append(_convert_text(markdown[pos : fence.start()]))
        out.append(fence.group(0))
        pos = fence.end()
    out.append(_convert_text(markdown[pos:]))
    return "".join(out)


def _convert_text(text: str) -> str:
    text = _DISPLAY.sub(lambda m: "\n" + _mathml(m.group(1), True) + "\n", text)
    return _INLINE.sub(lambda m: _mathml(m.group(1), False), text)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """MkDocs event: equations to MathML before the Markdown is converted."""
    return _convert(markdown)
