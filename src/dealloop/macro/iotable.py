"""A small input-output table for the capex-pullback scenario, read from a CSV file.

The file has one row per sector: ``sector``, one column per sector with the intermediate
sales of the row's sector to the column's sector (``Z[i, j]``, USD bn, the row sells), then
``output`` (total output, USD bn), ``capex_share`` (the share of AI capex spending that is
final demand for the sector's products, summing to 1 over the sectors; imports excluded) and
optionally ``value_added`` (USD bn; default: output less the column's intermediate purchases,
which counts imported inputs as value added unless the table is a domestic-requirements
table), ``label`` (the sector's name in words) and ``sources`` (the row's source ids).
Lines before the header that start with ``#`` are comments; ``# title: ...`` and
``# year: ...`` among them name the table, and each ``# note: ...`` is a caveat a report
shows with it.

dealloop ships one table (:func:`bundled_io`): BEA's 1997 benchmark input-output accounts at
summary level, aggregated to seven sectors by ``scripts/build_io_table.py`` from the BEA
lines typed in under ``scripts/data/bea1997``.

Every problem is reported at once as ``file:row: field: message``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from ..data.problems import DataError, Problem

__all__ = ["BUNDLED_IO", "IOTable", "bundled_io", "read_io"]

#: The input-output table dealloop ships (see the module docstring).
BUNDLED_IO = Path(__file__).resolve().parent / "data" / "bea1997_ai_capex.csv"


@dataclass(frozen=True)
class IOTable:
    """Sectors, intermediate sales ``Z`` (row sells to column), total output ``x``, value
    added ``va`` and the split of capex demand over sectors (``capex_share``); ``sources``,
    ``name`` (the file's name), ``title``, ``year``, ``labels`` (sector names in words) and
    ``notes`` (caveats) say what the table is.

    Examples
    --------
    >>> t = IOTable(("a", "b"), np.array([[10.0, 20.0], [30.0, 40.0]]),
    ...             np.array([100.0, 200.0]), np.array([60.0, 140.0]), np.array([0.0, 1.0]))
    >>> t.sectors, float(t.capex_share.sum()), t.describe()
    (('a', 'b'), 1.0, 'given')
    """

    sectors: tuple[str, ...]
    Z: np.ndarray
    x: np.ndarray
    va: np.ndarray
    capex_share: np.ndarray
    sources: tuple[str, ...] = ()
    name: str = ""
    title: str = ""
    year: int | None = None
    labels: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """The table in words for a report: title (or file name), year and source ids.

        Examples
        --------
        >>> bundled_io().describe().startswith("BEA 1997 benchmark")
        True
        """
        what = self.title or self.name or "given"
        extra = [str(self.year)] if self.year and str(self.year) not in what else []
        extra += [", ".join(self.sources)] if self.sources else []
        return f"{what} ({'; '.join(extra)})" if extra else what


#: Columns that are not sectors.
_EXTRA = ("output", "capex_share", "value_added", "label", "sources")


def _num(text: str) -> float | None:
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _split(rows: list[list[str]]) -> tuple[dict[str, list[str]], int, list[list[str]]]:
    """Metadata of the leading ``# key: value`` lines (values per key in order), the header's
    line number and the rows from the header on."""
    meta: dict[str, list[str]] = {}
    start = 0
    while start < len(rows) and (not rows[start] or rows[start][0].lstrip().startswith("#")):
        text = ",".join(rows[start]).lstrip().lstrip("#").strip()
        key, sep, value = text.partition(":")
        if sep and key.strip():
            meta.setdefault(key.strip().lower(), []).append(value.strip())
        start += 1
    return meta, start + 1, rows[start:]


def _header(name: str, line: int, rows: list[list[str]]) -> tuple[list[str], list[str]]:
    """The header and the sector columns, or a DataError."""
    if not rows:
        raise DataError([Problem(name, None, None, "empty file")])
    head = [h.strip() for h in rows[0]]
    if not head or head[0] != "sector":
        raise DataError([Problem(name, line, head[0] if head else None,
                                 "the first column must be 'sector'")])
    missing = [Problem(name, line, c, "missing column") for c in ("output", "capex_share")
               if c not in head]
    if missing:
        raise DataError(missing)
    return head, [h for h in head[1:] if h not in _EXTRA]


def _cell(name: str, line: int, field: str, text: str, problems: list[Problem]
          ) -> float | None:
    v = _num(text)
    if v is None or v < 0:
        problems.append(Problem(name, line, field, "expected a number >= 0"))
        return None
    return v


def _checks(name: str, first: int, sectors: list[str], Z: np.ndarray, x: np.ndarray,
            share: np.ndarray) -> list[Problem]:
    out = [Problem(name, first + j, "output", f"sector {s!r} buys more intermediate inputs "
                   "than its output") for j, s in enumerate(sectors) if Z[:, j].sum() > x[j] > 0]
    if abs(share.sum() - 1.0) > 1e-6:
        out.append(Problem(name, None, "capex_share", f"shares add up to {share.sum():g}, "
                           "not 1"))
    return out


def _year(name: str, text: str | None) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise DataError([Problem(name, None, "year", f"expected a year, got {text!r}")])
    return int(text)


def read_io(path: str | Path) -> IOTable:
    """Read an input-output table (see the module docstring) or raise
    :class:`~dealloop.data.problems.DataError` listing every problem.

    Examples
    --------
    >>> import tempfile, os
    >>> text = ("# title: two sectors\\nsector,a,b,output,capex_share\\n"
    ...         "a,10,20,100,0\\nb,30,40,200,1\\n")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "io.csv")
    ...     _ = open(p, "w").write(text)
    ...     t = read_io(p)
    >>> t.sectors, t.va.tolist(), t.title
    (('a', 'b'), [60.0, 140.0], 'two sectors')
    """
    p = Path(path)
    name = p.name
    try:
        with p.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError) as e:
        raise DataError([Problem(name, None, None, f"cannot read: {e}")]) from None
    meta, line, rows = _split(rows)
    head, sectors = _header(name, line, rows)
    body = [(line + k, r) for k, r in enumerate(rows) if k and any(c.strip() for c in r)]
    names = [r[0].strip() if r else "" for _, r in body]
    if names != sectors:
        raise DataError([Problem(name, None, "sector", "rows must name the sector columns in "
                                 f"the same order ({', '.join(sectors)}); got "
                                 f"{', '.join(names) or 'none'}")])
    n = len(sectors)
    Z = np.zeros((n, n))
    x, va, share = np.zeros(n), np.full(n, np.nan), np.zeros(n)
    srcs: list[str] = []
    labels: list[str] = []
    problems: list[Problem] = []
    for i, (ln, r) in enumerate(body):
        cells = dict(zip(head, [c.strip() for c in r] + [""] * (len(head) - len(r)),
                         strict=False))
        for j, s in enumerate(sectors):
            Z[i, j] = _cell(name, ln, s, cells.get(s, ""), problems) or 0.0
        x[i] = _cell(name, ln, "output", cells["output"], problems) or 0.0
        share[i] = _cell(name, ln, "capex_share", cells["capex_share"], problems) or 0.0
        if cells.get("value_added"):
            v = _cell(name, ln, "value_added", cells["value_added"], problems)
            va[i] = np.nan if v is None else v
        srcs += [s for s in cells.get("sources", "").split(";") if s]
        labels.append(cells.get("label", "") or sectors[i])
    problems = problems or _checks(name, body[0][0] if body else line + 1, sectors, Z, x, share)
    if problems:
        raise DataError(problems)
    va = np.where(np.isnan(va), x - Z.sum(axis=0), va)
    first = {k: v[0] for k, v in meta.items()}
    return IOTable(tuple(sectors), Z, x, va, share, tuple(dict.fromkeys(srcs)), name,
                   first.get("title", ""), _year(name, first.get("year")), tuple(labels),
                   tuple(meta.get("note", ())))


@cache
def bundled_io() -> IOTable:
    """The input-output table dealloop ships: BEA's 1997 benchmark table at summary level in
    seven sectors, with the split of AI capex between computer and electronic products and
    construction from Bernstein's cost of an AI server rack (see ``scripts/build_io_table.py``).

    Examples
    --------
    >>> t = bundled_io()
    >>> t.year, t.sectors[0], round(float(t.capex_share.sum()), 6), t.Z.flags.writeable
    (1997, 'computer_electronic', 1.0, False)
    """
    t = read_io(BUNDLED_IO)
    for a in (t.Z, t.x, t.va, t.capex_share):  # one copy serves every caller: read-only
        a.flags.writeable = False
    return t
