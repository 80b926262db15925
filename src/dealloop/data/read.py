"""Reading one dataset file: bytes, header and cells, with every problem located.

The reader never stops at the first problem: it decodes what it can, checks every cell, and
returns the parsed rows together with the list of problems, so ``dealloop validate`` shows a
user everything to fix in one pass.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ..text import cell_problem, printable
from ..vocabulary import parse_date
from .problems import Problem
from .schema import MAX_FILE_BYTES, MAX_MAGNITUDE, Column, FileSpec

__all__ = ["MAX_PROBLEMS_PER_FILE", "Table", "number", "read_table", "split_refs"]

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
# Plain ASCII decimals only: float() would also take Arabic-Indic digits, "inf", "nan", "1_0".
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}
MAX_PROBLEMS_PER_FILE = 500


@dataclass(frozen=True)
class Table:
    """The parsed rows of one file. ``rows`` map column name to parsed value; ``lines`` holds
    the line number of each row, so later checks can point at it.

    Examples
    --------
    >>> from dealloop import datasets
    >>> from dealloop.data.schema import FILES_BY_NAME
    >>> table, problems = read_table(datasets.path() / "sources.csv", FILES_BY_NAME["sources.csv"])
    >>> problems, table.lines[:2]                  # first data row is line 2 of the file
    ([], [2, 3])
    """

    spec: FileSpec
    columns: tuple[str, ...]
    rows: list[dict[str, object]]
    lines: list[int]


def split_refs(text: object) -> list[str]:
    """Split a ``;``-separated list of ids, dropping blanks.

    Examples
    --------
    >>> split_refs("s-1; s-2;")
    ['s-1', 's-2']
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    return [t.strip() for t in str(text).split(";") if t.strip()]


def _utf16(raw: bytes) -> bool:
    """Whether ``raw`` looks like UTF-16 (or UTF-32): a byte-order mark, or NULs in every other
    byte of the first kilobytes, as Excel's "Unicode text" writes."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    head = raw[:4096]
    return len(head) >= 4 and (head[0::2].count(0) > len(head) // 4
                               or head[1::2].count(0) > len(head) // 4)


def number(text: str) -> float:
    """Parse a plain ASCII decimal such as ``12``, ``-0.5`` or ``1e3``; ``-0`` becomes ``0``.

    Raises ``ValueError`` for anything else: other scripts' digits, ``inf``, ``nan``, ``1_000``.

    Examples
    --------
    >>> number("1e3"), number("-0")
    (1000.0, 0.0)
    >>> number("\u0661\u0662")
    Traceback (most recent call last):
    ...
    ValueError: not a plain decimal number
    """
    if not _NUMBER_RE.fullmatch(text):
        raise ValueError("not a plain decimal number")
    return float(text) + 0.0  # + 0.0 turns -0.0 into 0.0


def _decode(raw: bytes, name: str, problems: list[Problem]) -> str | None:
    if _utf16(raw):
        problems.append(Problem(name, None, None, "file is UTF-16 (or UTF-32) text, not "
                                "UTF-8; save it as CSV UTF-8"))
        return None
    if b"\x00" in raw:
        nul_line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        problems.append(Problem(name, nul_line, None, "contains NUL bytes; not a text file"))
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(
            Problem(name, 1, None, "starts with a byte-order mark (BOM); accepted, but save "
                    "as UTF-8 without BOM", "warning")
        )
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for lineno, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = line[exc.start : exc.start + 1].hex()
            problems.append(
                Problem(name, lineno, None, f"bytes that are not UTF-8 (0x{bad} at byte "
                        f"{exc.start + 1}); save the file as UTF-8")
            )
            if len(problems) >= MAX_PROBLEMS_PER_FILE:
                break
    return raw.decode("utf-8", errors="replace")


def _parse_id(text: str) -> tuple[object, str | None]:
    if not _ID_RE.match(text):
        return text, f"{text!r} is not a valid id (letters, digits, '-', '_', '.')"
    return text, None


def _parse_enum(choices: Sequence[str], text: str) -> tuple[object, str | None]:
    if text not in choices:
        close = difflib.get_close_matches(text, choices, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return text, f"unknown value {text!r}; expected one of {', '.join(choices)}{hint}"
    return text, None


def _parse_number(kind: str, text: str) -> tuple[object, str | None]:
    """A ``number`` (>= 0), ``fraction`` (in [0, 1]) or ``signed`` cell."""
    try:
        value = number(text)
    except ValueError:
        return None, f"{text!r} is not a number (write plain digits 0-9, e.g. 12.5)"
    if not abs(value) < MAX_MAGNITUDE:  # also inf: 1e999 reads as inf
        return None, (f"{text} is too large: numbers must stay below {MAX_MAGNITUDE:g} "
                      "(sums and products of such values would overflow)")
    if kind != "signed" and value < 0:
        return None, f"negative value {text}; amounts must be >= 0"
    if kind == "fraction" and value > 1:
        return None, f"{text} is outside [0, 1] (write 10% as 0.1)"
    return value, None


def _parse_date(text: str) -> tuple[object, str | None]:
    try:
        parse_date(text)
    except ValueError as exc:
        return None, str(exc)
    return text, None


def _parse_bool(text: str) -> tuple[object, str | None]:
    low = text.lower()
    if low in _TRUE:
        return True, None
    if low in _FALSE:
        return False, None
    return None, f"{text!r} is not true or false"


def _parse_url(text: str) -> tuple[object, str | None]:
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return text, f"{text!r} is not an http(s) URL"
    return text, None


def _parse_as_is(text: str) -> tuple[object, str | None]:
    return text, None


#: the parser of each column type that needs only the text: ``text -> (value, error
#: message or None)``
_PARSERS: dict[str, Callable[[str], tuple[object, str | None]]] = {
    "text": _parse_as_is, "ref": _parse_as_is, "refs": _parse_as_is, "id": _parse_id,
    "date": _parse_date, "bool": _parse_bool, "url": _parse_url,
}


def _parse_cell(col: Column, text: str) -> tuple[object, str | None]:
    """Return (value, error message or None) for one non-empty cell."""
    if col.type == "enum":
        return _parse_enum(col.choices, text)
    if col.type in ("number", "fraction", "signed"):
        return _parse_number(col.type, text)
    parse = _PARSERS.get(col.type)
    if parse is None:  # pragma: no cover
        raise AssertionError(f"unknown column type {col.type}")
    return parse(text)


def _check_header(spec: FileSpec, header: list[str], problems: list[Problem]) -> None:
    name = spec.name
    known = spec.column_names
    seen: set[str] = set()
    for col in header:
        if len(problems) >= MAX_PROBLEMS_PER_FILE - 1:  # a runaway header: enough said
            # (one short of the cap, so this line is shown, not counted as "1 more problem")
            problems.append(Problem(name, None, None, f"the header has {len(header):,} "
                                    "columns; too many problems, stopped checking it"))
            return
        shown = printable(col)
        if col in seen:
            problems.append(Problem(name, 1, shown, "column appears twice"))
        seen.add(col)
        if col not in known:
            close = difflib.get_close_matches(col, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(Problem(name, 1, shown, f"unknown column{hint}"))
    for column in spec.columns:
        if column.name not in seen and column.name not in spec.optional_columns:
            problems.append(Problem(name, 1, column.name, "required column is missing"))


def read_table(path: Path, spec: FileSpec) -> tuple[Table | None, list[Problem]]:
    """Read and check one file against its spec.

    Returns the parsed table (``None`` when the file cannot be read at all) and the problems.
    Cells that fail to parse become ``None`` so later checks can go on.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from dealloop.data.schema import FILES_BY_NAME
    >>> bad = Path(tempfile.mkdtemp()) / "sources.csv"
    >>> _ = bad.write_text("\\n".join(["id,url", "s1,not a url", ""]), encoding="utf-8")
    >>> table, problems = read_table(bad, FILES_BY_NAME["sources.csv"])
    >>> [str(p).split(": ")[:2] for p in problems]
    [['sources.csv:2', 'url']]
    """
    name = spec.name
    problems: list[Problem] = []
    text = _read_text(path, name, problems)
    if text is None:
        return None, problems
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        return None, [*problems, Problem(name, 1, None, f"malformed CSV header: {exc}")]
    _check_header(spec, header, problems)
    cols = {c.name: c for c in spec.columns}
    rows: list[dict[str, object]] = []
    lines: list[int] = []
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            hint = ("; a quoted field that starts on this line is never closed"
                    if "end of data" in str(exc) else "")
            problems.append(Problem(name, start, None, f"malformed CSV: {exc}{hint}"))
            break
        line = start
        start = reader.line_num + 1
        if not record or all(not c.strip() for c in record):
            continue
        if len(record) != len(header):
            problems.append(
                Problem(name, line, None,
                        f"row has {len(record)} fields but the header has {len(header)}")
            )
            continue
        rows.append(_parse_row(spec, cols, header, record, line, problems))
        lines.append(line)
        if len(problems) > MAX_PROBLEMS_PER_FILE:
            problems.append(Problem(name, None, None, "too many problems; stopped reading"))
            break
    present = tuple(c for c in spec.column_names if c in header)
    return Table(spec, present, rows, lines), problems


def _read_text(path: Path, name: str, problems: list[Problem]) -> str | None:
    """The text of the file at ``path``, or None (the reason added to ``problems``) when it
    cannot be read, is too large, is not UTF-8 text or is empty."""
    try:
        st = path.stat()
    except OSError as exc:
        problems.append(Problem(name, None, None, f"cannot read file: {exc.strerror}"))
        return None
    if not stat.S_ISREG(st.st_mode):  # a folder, or a pipe that would block the read forever
        what = "is a directory" if stat.S_ISDIR(st.st_mode) else "is not a regular file"
        problems.append(Problem(name, None, None, f"{what}; expected a CSV file"))
        return None
    size = st.st_size
    if size > MAX_FILE_BYTES:
        msg = (f"file is {size / 2**20:.0f} MiB, larger than the {MAX_FILE_BYTES // 2**20} MiB "
               "limit; refusing to read it")
        problems.append(Problem(name, None, None, msg))
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(name, None, None, f"cannot read file: {exc.strerror or exc}"))
        return None
    text = _decode(raw, name, problems)
    if text is not None and not text.strip():
        problems.append(Problem(name, None, None, "file is empty (no header row)"))
        return None
    return text


def _parse_row(spec: FileSpec, cols: dict[str, Column], header: list[str],
               record: list[str], line: int, problems: list[Problem]) -> dict[str, object]:
    """One data row (``record``, at ``line``) parsed by column, its problems added; every
    column of the spec is a key (None when absent, empty or unparsable)."""
    name = spec.name
    row: dict[str, object] = {}
    for key, cell in zip(header, record, strict=True):
        col = cols.get(key)
        if col is None:
            continue
        value = cell.strip()
        if not value:
            if col.required:
                problems.append(Problem(name, line, key, "required value is empty"))
            row[key] = None
            continue
        parsed, err = _parse_cell(col, value)
        if err:
            problems.append(Problem(name, line, key, err))
        elif col.type == "text" and (bad := cell_problem(value)) is not None:
            problems.append(Problem(name, line, key, bad[1], bad[0]))
        row[key] = parsed
    for col in spec.columns:
        row.setdefault(col.name, None)
    return row
