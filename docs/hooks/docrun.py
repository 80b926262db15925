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

Tutorials: the notebooks are executed once, by mkdocs-jupyter while the site is built
(``execute: true``, ``allow_errors: false`` in ``mkdocs.yml``: a cell that raises fails the
build). :func:`on_post_page` then checks that each tutorial page shows its results the way a
reader expects (tables as DataFrames, charts inline) and fails the build when it does not.

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

__all__ = ["notebook_problems", "run"]

#: Terminal width the outputs are rendered at (the CLI fits its tables to it).
WIDTH = 100

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
_DISPLAY = re.compile(r"^[ \t]*\$\$(.+?)\$\$[ \t]*$", re.M | re.S)
_INLINE = re.compile(r"\\\((.+?)\\\)")

# MkDocs registers a hook under its path; the cookbook's code blocks import it by this name.
sys.modules.setdefault("docrun", sys.modules[__name__])


def run(command: str, *, expect: int = 0, lines: int | None = None, width: int = WIDTH) -> str:
    """Run ``command`` (a ``dealloop ...`` line); return it with its output as a console block.

    ``expect`` is the exit code the page documents (0 unless the page shows an error); any
    other code raises ``RuntimeError``. ``lines`` keeps the first N lines of output and marks
    the cut; ``width`` is the terminal width the command fits its tables to.
    """
    from typer.testing import CliRunner

    from dealloop.cli import app

    argv = shlex.split(command)
    if not argv or argv[0] != "dealloop":
        raise ValueError(f"not a dealloop command: {command!r}")
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
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
    # In a span: Markdown reads a line that starts with <math> as a block of raw HTML.
    return _INLINE.sub(lambda m: f'<span class="math">{_mathml(m.group(1), False)}</span>', text)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """MkDocs event: ``<!-- api: PACKAGE -->`` markers become mkdocstrings directives, and
    equations become MathML, before the Markdown is converted."""
    markdown = _SUBMODULES.sub(lambda m: api_directives(m.group(1)), markdown)
    return _convert(markdown)


def spec_table(model: Any) -> str:
    """A Markdown table of a scenario section's keys: name, default and the description its
    docstring gives (``name`` on a line, the description indented under it), read from the
    pydantic model itself so the page follows the code."""
    import inspect

    doc = inspect.getdoc(model) or ""
    described: dict[str, str] = {}
    names: list[str] = []
    for line in doc.splitlines():
        if line and not line[0].isspace() and names is not None and line.strip():
            names = [n.strip() for n in line.split(",")]
            if not all(n.isidentifier() for n in names):
                names = []
            continue
        if names and line.startswith(" "):
            for n in names:
                described[n] = (described.get(n, "") + " " + line.strip()).strip()
    rows = ["| key | default | what it does |", "|---|---|---|"]
    for name, field in model.model_fields.items():
        default = field.get_default(call_default_factory=True)
        text = _rst_inline(described.get(name, field.description or "")).replace("|", "\\|")
        rows.append(f"| `{name}` | `{_short(default)}` | {text} |")
    return "\n".join(rows)


def _short(value: Any) -> str:
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    text = repr(value) if not isinstance(value, str) else value
    return text.replace("|", "\\|").replace("`", "'")


def _rst_inline(text: str) -> str:
    """``code`` and :role:`target` of reStructuredText as Markdown code."""
    text = re.sub(r":[a-z]+:`~?\.?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def shock_table() -> str:
    """A Markdown table of every shock type a scenario can name, with its keys and defaults
    and what it does (the class docstring), read from :mod:`dealloop.scenarios.shocks`."""
    import inspect
    import typing

    from dealloop.scenarios import shocks

    rows = ["| type | keys (default) | what it does |", "|---|---|---|"]
    for _, cls in inspect.getmembers(shocks, inspect.isclass):
        field = getattr(cls, "model_fields", {}).get("type")
        if field is None or cls.__module__ != shocks.__name__:
            continue
        (kind,) = typing.get_args(field.annotation)
        keys = []
        for name, f in cls.model_fields.items():
            if name in ("type", "note"):
                continue
            keys.append(f"`{name}`" if f.is_required()
                        else f"`{name}` ({_short(f.get_default(call_default_factory=True))})")
        text = " ".join(_rst_inline(inspect.getdoc(cls) or "").split()).replace("|", "\\|")
        rows.append(f"| `{kind}` | {', '.join(keys)} | {text} |")
    return "\n".join(rows)


_SUBMODULES = re.compile(r"^<!-- api: ([\w.]+) -->[ \t]*$", re.M)


def api_directives(package: str) -> str:
    """mkdocstrings directives for a package: its docstring with the public objects it
    defines itself or re-exports from private modules, then every public submodule in turn
    (found when the site is built, so a new module appears and a removed one cannot linger).

    A public function that shares its module's name (``contagion.eisenberg_noe``) is
    documented under its module, where griffe finds it."""
    import importlib
    import pkgutil

    pkg = importlib.import_module(package)
    own = []
    for name in getattr(pkg, "__all__", ()):
        obj = getattr(pkg, name, None)
        module = getattr(obj, "__module__", None) or ""
        if obj is None or type(obj).__name__ == "module" or not module.startswith(package):
            continue
        rest = module[len(package):].lstrip(".")
        if not rest or rest.split(".")[0].startswith("_"):
            own.append(name)
    members = "[" + ", ".join(own) + "]" if own else "false"
    out = [f"::: {package}\n    options:\n      members: {members}\n      show_submodules: false\n"]
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        out.append(f"::: {package}.{info.name}\n    options:\n      heading_level: 2\n")
    return "\n".join(out)


_RST_MATH_BLOCK = re.compile(r"<p>\.\. math::</p>\s*<pre><code>(.*?)</code></pre>", re.S)
_RST_MATH = re.compile(r":math:<code>(.*?)</code>", re.S)
_RST_ROLE = re.compile(r":(?:func|class|mod|meth|data|attr|exc|obj):<code>~?\.?(.*?)</code>")


def _safe_mathml(latex: str, display: bool, fallback: str) -> str:
    import html

    try:
        return _mathml(html.unescape(latex), display)
    except Exception:  # a construct latex2mathml does not know: keep the source as code
        return fallback


def on_page_content(html: str, **_: Any) -> str:
    """MkDocs event: the reStructuredText roles the docstrings use (``:math:``, ``.. math::``,
    ``:func:``...) rendered in the API pages: maths as MathML, cross-reference roles as code."""
    if ":math:" not in html and ".. math::" not in html and "<code>" not in html:
        return html
    html = _RST_MATH_BLOCK.sub(
        lambda m: _safe_mathml(m.group(1), True, m.group(0)), html)
    html = _RST_MATH.sub(
        lambda m: '<span class="math">' + _safe_mathml(m.group(1), False, m.group(0))
        + "</span>", html)
    return _RST_ROLE.sub(r"<code>\1</code>", html)


#: What an executed tutorial page shows at least: DataFrames drawn as HTML tables, a chart.
MIN_TABLES = 3


def notebook_problems(html: str) -> list[str]:
    """What an executed tutorial page lacks: at least :data:`MIN_TABLES` DataFrames rendered
    as HTML tables and one chart inline (a PNG in the page); ``tests/test_notebooks.py``
    checks it on pages with and without them."""
    out = []
    tables = html.count('class="dataframe"')
    if tables < MIN_TABLES:
        out.append(f"{tables} DataFrame tables (at least {MIN_TABLES}: tables should render "
                   "as DataFrames)")
    if "data:image/png;base64," not in html:
        out.append("no chart inline (image/png)")
    return out


def on_post_page(output: str, page: Any, **_: Any) -> str:
    """MkDocs event: a tutorial page (an executed notebook) that does not show its tables and
    charts fails the build."""
    from mkdocs.exceptions import PluginError

    src = page.file.src_uri
    if src.endswith(".ipynb"):
        problems = notebook_problems(output)
        if problems:
            raise PluginError(f"{src}: " + "; ".join(problems))
    return output
