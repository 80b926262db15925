"""Griffe extension for the API reference: reStructuredText idioms of the docstrings in Markdown.

The docstrings are numpydoc, written to read well in a terminal and in ``help()``; a few of
their reStructuredText idioms do not exist in Markdown. Before mkdocstrings renders them, this
turns simple tables (``=====  =====`` borders) into Markdown tables and cross-reference roles
(``:func:`x```) into code. Maths (``:math:`` and ``.. math::``) is left for the MkDocs hook
(``docrun.on_page_content``), which renders it as MathML.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_BORDER = re.compile(r"^(\s*)(=+)((?:\s+=+)+)\s*$")
_ROLE = re.compile(r":(?:func|class|mod|meth|data|attr|exc|obj):`~?\.?([^`]+)`")


def _spans(border: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"=+", border)]


def _cells(line: str, spans: list[tuple[int, int]]) -> list[str]:
    out = []
    for k, (a, _) in enumerate(spans):
        b = spans[k + 1][0] if k + 1 < len(spans) else len(line)
        out.append(line[a:b].strip())
    return out


def simple_tables(text: str) -> str:
    """Every reStructuredText simple table in ``text`` as a Markdown table.

    Examples
    --------
    >>> print(simple_tables("===  ===\\na    b\\n===  ===\\n1    2\\n     3\\n===  ===").strip())
    | a | b |
    |---|---|
    | 1 | 2 3 |
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = _BORDER.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        spans = _spans(lines[i])
        borders, rows, j = 1, [], i + 1
        while j < len(lines) and borders < 3:
            if _BORDER.match(lines[j]):
                borders += 1
            elif lines[j].strip():
                cells = _cells(lines[j].ljust(spans[-1][1]), spans)
                if rows and not cells[0] and borders == 2:
                    rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
                else:
                    rows.append(cells)
            j += 1
        if borders < 3 or not rows:  # not a table after all
            out.append(lines[i])
            i += 1
            continue
        # Unindented and set apart by blank lines: an indented Markdown table is code.
        esc = [[c.replace("|", "\\|") for c in r] for r in rows]
        out.extend(["", "| " + " | ".join(esc[0]) + " |",
                    "|" + "|".join("---" for _ in spans) + "|"])
        out.extend("| " + " | ".join(r) + " |" for r in esc[1:])
        out.append("")
        i = j
    return "\n".join(out)


def to_markdown(text: str) -> str:
    """Simple tables and cross-reference roles of a docstring in Markdown."""
    return _ROLE.sub(r"`\1`", simple_tables(text))


class RstToMarkdown(griffe.Extension):
    """Rewrite each docstring once, when griffe loads the object."""

    def on_instance(self, *, obj: Any, **_: Any) -> None:
        doc = getattr(obj, "docstring", None)
        if doc is not None and ("==" in doc.value or ":`" in doc.value):
            doc.value = to_markdown(doc.value)
