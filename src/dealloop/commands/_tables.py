"""How every ``dealloop`` command prints numbers and tables: one place, one style.

Numbers
    money in USD bn with thousands separators (``1,060.6``; the title or label says ``$bn``),
    counts as integers (``85``), shares as percentages (``26.2%``), ratios with a ``x``
    (``0.14x``), an unknown as ``n/a``. A column that can go below zero carries a note saying
    what a negative means, printed under the table whenever one appears.

Tables
    :func:`table` lays a table out for the terminal width (``COLUMNS``, else the terminal,
    else 80 when piped). A number is never wrapped, split or cut: text cells and headers wrap
    on spaces first, then headers are abbreviated (with a legend); a table still too wide is
    printed as several narrower ones, each repeating the first column, and only when even one
    column beside the first does not fit, each row becomes a block of ``label  value`` lines
    (the long layout).

Colour
    a column may name a style per value (``Col.style``: the traffic lights of ``signals``);
    it is shown only on a terminal (not when piped, not with ``NO_COLOR`` set).

Everything here is pure (strings in, strings out) apart from :func:`width` and :func:`echo`.

Examples
--------
>>> money(1060.6), count(85.0), share(0.262), ratio(0.1416), money(None)
('1,060.6', '85', '26.2%', '0.14x', 'n/a')
>>> print(table("Loops ($bn)", [Col("firm"), Col("bottleneck", "money")],
...             [["openai", 50.0], ["amd", 50]], width=40))
Loops ($bn)
firm    bottleneck
──────  ──────────
openai        50.0
amd           50.0
"""

from __future__ import annotations

import math
import os
import re
import shutil
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Col", "Printer", "colour", "count", "echo", "fmt", "horizon_label", "kv", "money",
           "money_bn", "number", "paint", "ratio", "share", "table", "width", "wrap"]

NA = "n/a"
GAP = "  "
RULE = "─"
#: Words in text cells longer than this (URLs, long titles) may be broken to fit a column.
LONG_WORD = 20
#: Styles a column may give its cells, as terminal escape codes.
STYLES = {"red": "\x1b[1;31m", "amber": "\x1b[33m", "green": "\x1b[32m", "dim": "\x1b[2m",
          "bold": "\x1b[1m"}
_RESET = "\x1b[0m"


def _missing(v: Any) -> bool:
    if v is None or type(v).__name__ in ("NAType", "NaTType"):
        return True
    if isinstance(v, float):
        return math.isnan(v)
    return False


def money(v: Any, digits: int = 1) -> str:
    """USD bn with thousands separators, ``n/a`` for unknown.

    >>> money(1686.93), money(-434.6), money(float("nan")), money(0.04, 2)
    ('1,686.9', '-434.6', 'n/a', '0.04')
    """
    if _missing(v):
        return NA
    out = f"{float(v):,.{digits}f}"
    return "0.0" if digits == 1 and out == "-0.0" else out


def money_bn(v: Any, digits: int = 1) -> str:
    """Money for running text: ``$1,308.2bn`` (``n/a`` for unknown).

    >>> money_bn(1308.24), money_bn(-2300), money_bn(None)
    ('$1,308.2bn', '-$2,300.0bn', 'n/a')
    """
    if _missing(v):
        return NA
    s = money(abs(float(v)), digits)
    return f"{'-' if float(v) < 0 and s.strip('0.,') else ''}${s}bn"


def count(v: Any) -> str:
    """A count as an integer with thousands separators (``85.0`` -> ``85``).

    >>> count(85.0), count(1234567), count(None)
    ('85', '1,234,567', 'n/a')
    """
    if _missing(v):
        return NA
    return f"{round(float(v)):,}"


def share(v: Any, digits: int = 1) -> str:
    """A fraction as a percentage; small non-zero shares keep two significant digits, and
    rounding noise (below a billionth) is zero.

    >>> share(0.262), share(0.0002216), share(0.0), share(1), share(None), share(-3e-19)
    ('26.2%', '0.022%', '0.0%', '100.0%', 'n/a', '0.0%')
    """
    if _missing(v):
        return NA
    p = float(v) * 100
    if abs(p) < 1e-7:
        p = 0.0
    if p != 0 and abs(p) < 10 ** -digits * 5:
        return f"{p:.2g}%"
    return f"{p:.{digits}f}%"


def ratio(v: Any, digits: int = 2) -> str:
    """A ratio with an ``x`` (coverage 0.1416 -> ``0.14x``).

    >>> ratio(0.1416), ratio(54.03), ratio(2212.1), ratio(None)
    ('0.14x', '54.0x', '2,212x', 'n/a')
    """
    if _missing(v):
        return NA
    x = float(v)
    digits = digits if abs(x) < 10 else 1 if abs(x) < 1000 else 0
    return f"{x:,.{digits}f}x"


def number(v: Any, digits: int = 2) -> str:
    """Any other number (an index, a z-score) with a fixed number of decimals.

    >>> number(0.5213), number(-1.5, 1), number(None)
    ('0.52', '-1.5', 'n/a')
    """
    if _missing(v):
        return NA
    return f"{float(v):,.{digits}f}"


def _text(v: Any) -> str:
    if _missing(v):
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


_FORMATS: dict[str, Callable[[Any], str]] = {
    "text": _text, "money": money, "count": count, "share": share, "ratio": ratio,
    "number": number, "money2": lambda v: money(v, 2), "number1": lambda v: number(v, 1),
    "number4": lambda v: number(v, 4), "raw": lambda v: _text(v) or "",
}


def fmt(v: Any, kind: str = "text") -> str:
    """Format ``v`` as ``kind`` (text, money, money2, count, share, ratio, number[1|4]).

    >>> fmt(3.0, "count"), fmt("openai")
    ('3', 'openai')
    """
    if isinstance(v, str) and kind != "text" and not v:
        return ""
    return _FORMATS[kind](v)


def horizon_label(horizon: Sequence[Any]) -> str:
    """The one way a horizon is written: ``2026-2030`` (years), whatever its form.

    >>> horizon_label((2026, 2030)), horizon_label(("2026-01-01", "2030-12-31"))
    ('2026-2030', '2026-2030')
    >>> horizon_label(("2026-07-01", "2030-12-31"))
    '2026-07-01 to 2030-12-31'
    """
    a, b = (str(x) for x in horizon[:2])
    if len(a) == 4 or a.endswith("-01-01"):
        if len(b) == 4 or b.endswith("-12-31"):
            return f"{a[:4]}-{b[:4]}"
    return f"{a} to {b}"


@dataclass(frozen=True)
class Col:
    """One table column.

    ``kind`` picks the number format (see :func:`fmt`); text columns are left-aligned and
    may wrap on spaces, every other kind is right-aligned and never wraps (``raw``: text
    formatted already, kept whole and right-aligned). ``short`` is an
    abbreviation used when the full header does not fit (explained in a legend).
    ``negative`` says what a value below zero means; it is printed under the table when a
    negative value shows. ``style`` maps a cell's raw value to a style name of ``STYLES``
    (or None), shown on a terminal only (:func:`colour`).
    """

    header: str
    kind: str = "text"
    short: str | None = None
    negative: str | None = None
    style: Callable[[Any], str | None] | None = None

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


def width() -> int:
    """Width to lay out for: ``COLUMNS`` when set, else the terminal's, else 80."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return max(20, int(env))
    return max(20, shutil.get_terminal_size((80, 24)).columns)


def colour() -> bool:
    """Whether to print styles: stdout is a terminal and ``NO_COLOR`` is not set."""
    import sys

    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(sys.stdout, "isatty", lambda: False)())


def paint(text: str, style: str | None, on: bool = True) -> str:
    """``text`` in ``style`` (a name of ``STYLES``) when ``on``; as it is otherwise.

    >>> paint("ALERT", "red", on=False), paint("ALERT", "red") == "\x1b[1;31mALERT\x1b[0m"
    ('ALERT', True)
    """
    if not on or not style or not text.strip():
        return text
    code = STYLES[style]
    body = text.strip()
    i = text.index(body)
    return f"{text[:i]}{code}{body}{_RESET}{text[i + len(body):]}"


def wrap(text: str, w: int | None = None, indent: str = "", hang: str | None = None,
         break_long: bool = True) -> str:
    """Wrap running text at ``w`` columns without breaking words (numbers stay whole); only
    a word longer than the whole line (a URL) is broken, unless ``break_long`` is false (text
    to copy: a hash or an address kept whole even past the width). ``hang`` indents the lines
    after the first (default: ``indent``).

    >>> print(wrap("a 1,234.5 b", 7))
    a
    1,234.5
    b
    >>> print(wrap("D01.amount: 10 -> 12", 12, hang="  "))
    D01.amount:
      10 -> 12
    """
    w = w or width()
    return "\n".join(
        textwrap.fill(para, w, initial_indent=indent,
                      subsequent_indent=indent if hang is None else hang,
                      break_long_words=break_long, break_on_hyphens=False)
        or indent.rstrip()
        for para in text.split("\n"))


def _words_max(s: str) -> int:
    return max((len(x) for x in s.split()), default=0)


def _cell_lines(s: str, w: int, numeric: bool) -> list[str]:
    if numeric or len(s) <= w:
        return [s]
    long = w >= LONG_WORD  # only words longer than LONG_WORD can be wider than the column
    return textwrap.wrap(s, w, break_long_words=long, break_on_hyphens=False) or [""]


def _fit(cols: Sequence[Col], headers: list[str], cells: list[list[str]], avail: int,
         wrap_text: bool = True) -> list[int] | None:
    """Column widths that fit ``avail`` (numbers whole; headers wrapped, and text cells too
    when ``wrap_text``), or None."""
    n = len(cols)
    natural, hard, soft = [], [], []
    for j, c in enumerate(cols):
        data = [r[j] for r in cells]
        nat_data = max((len(s) for s in data), default=0)
        min_data = nat_data if c.numeric else min(
            max((_words_max(s) for s in data), default=0), LONG_WORD)
        natural.append(max(nat_data, len(headers[j])))
        hard.append(max(min_data, _words_max(headers[j]), 1))
        soft.append(max(nat_data, _words_max(headers[j]), 1))  # header wrapped, data whole
    if not wrap_text:
        hard = soft
    if sum(hard) > avail:
        return None
    widths = natural[:]
    # First let headers wrap, then let text cells wrap; take from the widest slack first.
    for floor in (soft, hard):
        while sum(widths) > avail:
            slack = [widths[j] - floor[j] for j in range(n)]
            j = max(range(n), key=lambda k: slack[k])
            if slack[j] <= 0:
                break
            widths[j] -= 1
    if sum(widths) > avail:
        return None
    for j, c in enumerate(cols):  # give back what wrapping left unused
        used = [len(x) for x in _cell_lines(headers[j], widths[j], False)]
        for r in cells:
            used.extend(len(x) for x in _cell_lines(r[j], widths[j], c.numeric))
        widths[j] = max(max(used, default=1), 1)
    return widths


def _negatives(cols: Sequence[Col], rows: Sequence[Sequence[Any]], shown: list[str]
               ) -> list[str]:
    notes = []
    for j, c in enumerate(cols):
        if not c.numeric:
            continue
        if any(isinstance(r[j], (int, float)) and not isinstance(r[j], bool)
               and not _missing(r[j]) and r[j] < 0 and fmt(r[j], c.kind).startswith("-")
               for r in rows):
            notes.append(f"{shown[j]}: {c.negative or 'a negative value is a decrease'}")
    return notes


def table(title: str | None, cols: Sequence[Col], rows: Sequence[Sequence[Any]], *,
          caption: str | None = None, width: int | None = None,
          color: bool | None = None) -> str:
    """Lay out a table for ``width`` columns (default: :func:`width`).

    ``rows`` hold raw values (numbers, text, None); each column's :class:`Col` formats them.
    Returns the lines joined with newlines, none longer than ``width``: numbers are never
    wrapped or cut; text and headers wrap on spaces; headers are abbreviated (with a legend);
    a table still too wide is split into narrower ones that each repeat the first column and,
    as a last resort, rows become blocks of ``label  value`` lines. ``color`` (default:
    :func:`colour`) shows the columns' styles.

    Examples
    --------
    >>> cols = [Col("firm"), Col("market value lost", "money"),
    ...         Col("counterparty", short="cp")]
    >>> print(table(None, cols, [["microsoft", 1686.9, "amd"]], width=40))
               market value
    firm               lost  counterparty
    ─────────  ────────────  ────────────
    microsoft       1,686.9  amd
    >>> print(table(None, cols, [["microsoft", -1686.9, "amd"]], width=26))
                   market
    firm       value lost  cp
    ─────────  ──────────  ───
    microsoft    -1,686.9  amd
    cp = counterparty; market
    value lost: a negative
    value is a decrease.
    >>> print(table(None, cols, [["microsoft", 1686.9, "amd"]], width=22))
                   market
    firm       value lost
    ─────────  ──────────
    microsoft     1,686.9
    <BLANKLINE>
    firm       cp
    ─────────  ───
    microsoft  amd
    cp = counterparty
    >>> print(table(None, cols, [["microsoft", 1686.9, "amd"]], width=17))
    microsoft
      market value
      lost
          1,686.9
      counterparty
          amd
    """
    w = width or globals()["width"]()
    on = colour() if color is None else color
    cells = [[fmt(v, c.kind) for v, c in zip(r, cols, strict=True)] for r in rows]
    styles = [[c.style(v) if c.style else None for v, c in zip(r, cols, strict=True)]
              for r in rows] if on and any(c.style for c in cols) else None
    out: list[str] = [wrap(title, w)] if title else []
    laid = _layout(cols, cells, w)
    legend: list[str] = []
    if laid is None:  # one block per row, where full labels fit
        headers = [c.header for c in cols]
        out.append(_long(headers, cells, w, styles))
    else:
        blocks, headers, legend = laid
        out.append("\n\n".join(
            _grid([cols[j] for j in js], [headers[j] for j in js],
                  [[r[j] for j in js] for r in cells], widths,
                  [[r[j] for j in js] for r in styles] if styles else None)
            for js, widths in blocks))
    notes = legend + _negatives(cols, rows, headers)
    if notes:
        out.append(wrap("; ".join(notes) + ("." if len(notes) > len(legend) else ""), w))
    if caption:
        out.append(wrap(caption, w))
    return "\n".join(out)


Blocks = list[tuple[list[int], list[int]]]


def _layout(cols: Sequence[Col], cells: list[list[str]], w: int
            ) -> tuple[Blocks, list[str], list[str]] | None:
    """Which columns go in which grid, at which widths, under which headers (and the legend of
    abbreviations): one grid when the table fits (headers wrapped, then abbreviated, then text
    cells wrapped), else several that each repeat the first column; None when even the first
    column and one other do not fit side by side."""
    avail = w - len(GAP) * (len(cols) - 1)

    def saving(j: int) -> int:
        data = max((len(r[j]) for r in cells), default=0)
        full = max(_words_max(cols[j].header), data)
        return full - max(_words_max(cols[j].short or ""), data)

    order = sorted((j for j, c in enumerate(cols) if c.short), key=saving, reverse=True)

    def attempt(wrap_text: bool) -> tuple[list[int] | None, list[str], list[str]]:
        """Full headers, then abbreviated ones (those that save the most first)."""
        shown, legend = [c.header for c in cols], []
        widths = _fit(cols, shown, cells, avail, wrap_text)
        for j in order:
            if widths is not None:
                break
            shown[j] = cols[j].short or shown[j]
            legend.append(f"{cols[j].short} = {cols[j].header}")
            widths = _fit(cols, shown, cells, avail, wrap_text)
        return widths, shown, legend

    # Wrapped headers and abbreviations before wrapped text cells, then split tables.
    for wrap_text in (False, True):
        widths, shown, legend = attempt(wrap_text)
        if widths is not None:
            return [(list(range(len(cols))), widths)], shown, legend
    return _split(cols, cells, w)


def _split(cols: Sequence[Col], cells: list[list[str]], w: int
           ) -> tuple[Blocks, list[str], list[str]] | None:
    """A table too wide for one grid as consecutive groups of columns, each beside the first
    column, headers wrapped (and abbreviated where a column does not fit beside the first
    even on its own); None when one column beside the first does not fit."""
    every = list(range(len(cols)))
    if len(cols) < 3:
        return None
    shown, legend = [c.header for c in cols], []
    for j in every[1:]:
        if _fit_group(cols, shown, cells, [0, j], w) is None and cols[j].short:
            shown[j] = cols[j].short or shown[j]
            legend.append(f"{cols[j].short} = {cols[j].header}")
    blocks: Blocks = []
    group: list[int] = []
    group_widths: list[int] | None = None
    for j in every[1:]:
        trial = _fit_group(cols, shown, cells, [0, *group, j], w)
        if trial is not None:
            group, group_widths = [*group, j], trial
            continue
        if not group or group_widths is None:
            return None
        blocks.append(([0, *group], group_widths))
        group, group_widths = [j], _fit_group(cols, shown, cells, [0, j], w)
        if group_widths is None:
            return None
    assert group_widths is not None
    blocks.append(([0, *group], group_widths))
    return blocks, shown, legend


def _fit_group(cols: Sequence[Col], shown: list[str], cells: list[list[str]], js: list[int],
               w: int) -> list[int] | None:
    return _fit([cols[j] for j in js], [shown[j] for j in js],
                [[r[j] for j in js] for r in cells], w - len(GAP) * (len(js) - 1))


def _grid(cols: Sequence[Col], headers: list[str], cells: list[list[str]], widths: list[int],
          styles: list[list[str | None]] | None = None) -> str:
    def line(parts: list[list[str]], style: list[str | None] | None = None) -> list[str]:
        height = max(len(p) for p in parts)
        out = []
        for i in range(height):
            bits = []
            for j, c in enumerate(cols):
                s = parts[j][i] if i < len(parts[j]) else ""
                s = s.rjust(widths[j]) if c.numeric else s.ljust(widths[j])
                bits.append(paint(s, style[j]) if style else s)
            out.append(GAP.join(bits).rstrip())
        return out

    head = [textwrap.wrap(h, widths[j], break_long_words=False, break_on_hyphens=False)
            or [""] for j, h in enumerate(headers)]
    top = max(len(h) for h in head)  # headers sit on the rule, like a spreadsheet
    head = [[""] * (top - len(h)) + h for h in head]
    lines = line(head)
    lines.append(GAP.join(RULE * wd for wd in widths))
    for i, r in enumerate(cells):
        lines.extend(line([_cell_lines(s, widths[j], cols[j].numeric)
                           for j, s in enumerate(r)], styles[i] if styles else None))
    return "\n".join(lines)


def _long(headers: list[str], cells: list[list[str]], w: int,
          styles: list[list[str | None]] | None = None) -> str:
    """One block per row: the first cell as a heading, then ``label  value`` lines."""
    lab = min(max((len(h) for h in headers[1:]), default=0), max(8, w // 2))
    lines: list[str] = []
    for i, r in enumerate(cells):
        lines.append(wrap(r[0], w) if r[0] else NA)
        for j, (h, s) in enumerate(zip(headers[1:], r[1:], strict=True), start=1):
            if not s:
                continue
            label = h
            room = w - 2 - lab - len(GAP)
            style = styles[i][j] if styles else None
            if len(label) > lab or len(s) > room:
                lines.append(wrap(label, w, "  "))
                lines.append(paint(wrap(s, w, "      "), style))
            else:
                lines.append(f"  {label.ljust(lab)}{GAP}{paint(s, style)}")
    return "\n".join(lines)


def kv(title: str | None, items: Sequence[tuple[str, str]], *, width: int | None = None
       ) -> str:
    """Labelled values, one per line (already formatted), aligned when they fit.

    >>> print(kv("System", [("loops", "107"), ("cycled share", "1.8%")], width=30))
    System
      loops         107
      cycled share  1.8%
    """
    rows = [[k, v] for k, v in items]
    w = width or globals()["width"]()
    lab = max((len(k) for k, _ in items), default=0)
    out = [wrap(title, w)] if title else []
    for k, v in rows:
        if 2 + lab + len(GAP) + len(v) <= w:
            out.append(f"  {k.ljust(lab)}{GAP}{v}")
        else:
            out.append(wrap(k, w, "  "))
            out.append(wrap(v, w, "      "))
    return "\n".join(out)


def echo(text: str) -> None:
    """Print a block on stdout."""
    import typer

    typer.echo(text)


#: Rich style tags commands may put in running text (``[bold]``, ``[/dim]``, ``[/]``); any
#: other bracketed text (``[s-3f2a]``, ``[1, 2]``) is data and is printed as it is.
_STYLE_TAG = re.compile(r"\[/?(?:(?:bold|dim|italic|underline|red|green|yellow)"
                        r"(?: (?:bold|dim|italic|red|green|yellow))*)?\]")


class Printer:
    """What commands print through: plain text fitted to :func:`width`.

    ``print`` takes a block from :func:`table` or :func:`kv` (printed as it is) or a line of
    running text, which may carry rich style tags (``[bold]..[/bold]``, dropped) and is
    wrapped at the width without breaking words.

    >>> Printer().print("[bold]openai[/bold] cites [s-3f2a]")
    openai cites [s-3f2a]
    """

    def print(self, text: Any = "") -> None:
        if not isinstance(text, str):  # a rich renderable: lay it out at the same width
            import io

            from rich.console import Console

            buf = io.StringIO()
            Console(file=buf, width=width(), color_system=None, highlight=False,
                    soft_wrap=False).print(text)
            echo(buf.getvalue().rstrip("\n"))
            return
        if "\n" not in text and "[" in text:
            text = _STYLE_TAG.sub("", text)
        if "\n" in text:
            echo(text)
        else:  # running text: wrapped, keeping its indent on every line
            body = text.lstrip(" ")
            echo(wrap(body, indent=" " * (len(text) - len(body))))
