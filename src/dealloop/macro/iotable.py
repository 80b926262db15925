"""A small input-output table for the capex-pullback scenario, read from a CSV file.

The file has one row per sector: ``sector``, one column per sector with the intermediate
sales of the row's sector to the column's sector (``Z[i, j]``, USD bn, the row sells), then
``output`` (total output, USD bn), ``capex_share`` (the share of AI capex spending that is
final demand for the sector's products, summing to 1 over the sectors; imports excluded) and
optionally ``value_added`` (USD bn; default: output less the column's intermediate purchases,
which counts imported inputs as value added unless the table is a domestic-requirements
table). A ``sources`` column, when present, carries the table's source ids.

Every problem is reported at once as ``file:row: field: message``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.problems import DataError, Problem

__all__ = ["IOTable", "read_io"]


@dataclass(frozen=True)
class IOTable:
    """Sectors, intermediate sales ``Z`` (row sells to column), total output ``x``, value
    added ``va`` and the split of capex demand over sectors (``capex_share``).

    Examples
    --------
    >>> t = IOTable(("a", "b"), np.array([[10.0, 20.0], [30.0, 40.0]]),
    ...             np.array([100.0, 200.0]), np.array([60.0, 140.0]), np.array([0.0, 1.0]))
    >>> t.sectors, float(t.capex_share.sum())
    (('a', 'b'), 1.0)
    """

    sectors: tuple[str, ...]
    Z: np.ndarray
    x: np.ndarray
    va: np.ndarray
    capex_share: np.ndarray
    sources: tuple[str, ...] = ()
    name: str = ""


#: Columns that are not sectors.
_EXTRA = ("output", "capex_share", "value_added", "sources")


def _num(text: str) -> float | None:
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _header(name: str, rows: list[list[str]]) -> tuple[list[str], list[str]]:
    """The header and the sector columns, or a DataError."""
    if not rows:
        raise DataError([Problem(name, None, None, "empty file")])
    head = [h.strip() for h in rows[0]]
    if not head or head[0] != "sector":
        raise DataError([Problem(name, 1, head[0] if head else None,
                                 "the first column must be 'sector'")])
    missing = [Problem(name, 1, c, "missing column") for c in ("output", "capex_share")
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


def _checks(name: str, sectors: list[str], Z: np.ndarray, x: np.ndarray,
            share: np.ndarray) -> list[Problem]:
    out = [Problem(name, j + 2, "output", f"sector {s!r} buys more intermediate inputs than "
                   "its output") for j, s in enumerate(sectors) if Z[:, j].sum() > x[j] > 0]
    if abs(share.sum() - 1.0) > 1e-6:
        out.append(Problem(name, None, "capex_share", f"shares add up to {share.sum():g}, "
                           "not 1"))
    return out


def read_io(path: str | Path) -> IOTable:
    """Read an input-output table (see the module docstring) or raise
    :class:`~dealloop.data.problems.DataError` listing every problem.

    Examples
    --------
    >>> import tempfile, os
    >>> text = "sector,a,b,output,capex_share\\na,10,20,100,0\\nb,30,40,200,1\\n"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "io.csv")
    ...     _ = open(p, "w").write(text)
    ...     t = read_io(p)
    >>> t.sectors, t.va.tolist()
    (('a', 'b'), [60.0, 140.0])
    """
    p = Path(path)
    name = p.name
    try:
        with p.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError) as e:
        raise DataError([Problem(name, None, None, f"cannot read: {e}")]) from None
    head, sectors = _header(name, rows)
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    names = [r[0].strip() if r else "" for r in body]
    if names != sectors:
        raise DataError([Problem(name, None, "sector", "rows must name the sector columns in "
                                 f"the same order ({', '.join(sectors)}); got "
                                 f"{', '.join(names) or 'none'}")])
    n = len(sectors)
    Z = np.zeros((n, n))
    x, va, share = np.zeros(n), np.full(n, np.nan), np.zeros(n)
    srcs: list[str] = []
    problems: list[Problem] = []
    for i, r in enumerate(body):
        cells = dict(zip(head, [c.strip() for c in r] + [""] * (len(head) - len(r)),
                         strict=False))
        for j, s in enumerate(sectors):
            Z[i, j] = _cell(name, i + 2, s, cells.get(s, ""), problems) or 0.0
        x[i] = _cell(name, i + 2, "output", cells["output"], problems) or 0.0
        share[i] = _cell(name, i + 2, "capex_share", cells["capex_share"], problems) or 0.0
        if cells.get("value_added"):
            v = _cell(name, i + 2, "value_added", cells["value_added"], problems)
            va[i] = np.nan if v is None else v
        srcs += [s for s in cells.get("sources", "").split(";") if s]
    problems = problems or _checks(name, sectors, Z, x, share)
    if problems:
        raise DataError(problems)
    va = np.where(np.isnan(va), x - Z.sum(axis=0), va)
    return IOTable(tuple(sectors), Z, x, va, share, tuple(dict.fromkeys(srcs)), name)
