"""Parsed tables to pandas DataFrames, and DataFrames back to CSV files."""

from __future__ import annotations

import csv
import io
import math
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .read import Table, parse_date
from .schema import FILES_BY_NAME, HEADLINE_METRICS, MAX_FILE_BYTES, FileSpec
from .write import atomic_write_text

__all__ = ["FX_UNITS", "convert_to_usd", "empty_frame", "fill_headlines", "frame_to_csv",
           "to_frame", "write_dataset"]

_NUMERIC = ("number", "fraction", "signed")
_SUBANNUAL = re.compile(r"^\s*(Q\d|H\d|[0-9]M\b|quarter)", re.IGNORECASE)


def to_frame(table: Table) -> pd.DataFrame:
    """One DataFrame per file, with every column of the spec (empty ones as missing).

    Examples
    --------
    >>> from dealloop import datasets
    >>> from dealloop.data.read import read_table
    >>> from dealloop.data.schema import FILES_BY_NAME
    >>> table, problems = read_table(datasets.path() / "sources.csv", FILES_BY_NAME["sources.csv"])
    >>> frame = to_frame(table)
    >>> len(frame) == len(table.rows), list(frame.columns[:3])
    (True, ['id', 'url', 'publisher'])
    """
    data: dict[str, object] = {}
    for col in table.spec.columns:
        values: list[Any] = [row.get(col.name) for row in table.rows]  # cells of any type
        if col.type in _NUMERIC:
            data[col.name] = pd.array(
                [math.nan if v is None else v for v in values], dtype="float64"
            )
        elif col.type == "bool":
            data[col.name] = pd.array(values, dtype="boolean")
        else:
            data[col.name] = pd.array(values, dtype="object")
    return pd.DataFrame(data)


def empty_frame(spec: FileSpec) -> pd.DataFrame:
    """A frame with the spec's columns and no rows.

    Examples
    --------
    >>> from dealloop.data.schema import FILES_BY_NAME
    >>> frame = empty_frame(FILES_BY_NAME["sources.csv"])
    >>> len(frame), list(frame.columns[:3])
    (0, ['id', 'url', 'publisher'])
    """
    return to_frame(Table(spec, spec.column_names, [], []))


def annual_only(figures: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``figures`` whose ``period`` is not a quarter, half or month count.

    Examples
    --------
    >>> f = pd.DataFrame({"period": ["FY2025", "Q3 2025", None, "H1 2025", "TTM 2025-12"]})
    >>> annual_only(f)["period"].fillna("(none)").tolist()
    ['FY2025', '(none)', 'TTM 2025-12']
    """
    if "period" not in figures:
        return figures
    return figures[~figures["period"].fillna("").astype(str).str.match(_SUBANNUAL)]


def fill_headlines(entities: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """Fill empty headline figures of ``entities`` from ``figures``; say where each came from.

    For each headline column (see :data:`~dealloop.data.schema.HEADLINE_METRICS`) left empty
    in ``entities.csv``, take the latest annual (not quarterly) ``usd_bn`` figure of the first
    metric that has one. Returns a frame, indexed like ``entities``, whose cells name the figure
    id behind each headline value (``"entities.csv"`` when the entity row gave it itself).

    Examples
    --------
    >>> import dealloop as dl
    >>> net = dl.load()
    >>> where = fill_headlines(net.entities.copy(), net.figures)
    >>> bool(where.index.equals(net.entities.index)), "revenue_usd_bn" in where.columns
    (True, True)
    >>> set(where["revenue_usd_bn"].dropna()) <= {"entities.csv", *net.figures["id"]}
    True
    """
    provenance = pd.DataFrame(index=entities.index, columns=[*HEADLINE_METRICS, "fx"],
                              dtype=object)
    figures, fx_used = convert_to_usd(figures)
    usable = figures[(figures["unit"] == "usd_bn") & figures["value"].notna()]
    usable = annual_only(usable)
    order = usable.assign(
        _date=pd.Series([parse_date(str(d), end=True) if isinstance(d, str) else None
                         for d in usable["as_of"]], index=usable.index, dtype=object)
    )
    order = order.sort_values("_date", na_position="first", kind="stable")
    latest = order.groupby(["entity", "metric"], sort=False).tail(1)
    lookup = {(e, m): (v, fid) for e, m, v, fid in
              zip(latest["entity"], latest["metric"], latest["value"], latest["id"], strict=True)}
    for column, metrics in HEADLINE_METRICS.items():
        given = entities[column].notna()
        for idx, eid in zip(entities.index, entities["id"], strict=True):
            if given.at[idx]:
                provenance.at[idx, column] = "entities.csv"
                continue
            for metric in metrics:
                hit = lookup.get((eid, metric))
                if hit is not None:
                    entities.at[idx, column] = hit[0]
                    provenance.at[idx, column] = hit[1]
                    if hit[1] in fx_used:
                        provenance.at[idx, "fx"] = fx_used[hit[1]]
                    break
    return provenance


#: Foreign-currency units :func:`convert_to_usd` converts, with the metric of the rate used
#: (units of the currency per US dollar) and the factor from the unit to the currency's bn.
FX_UNITS: dict[str, tuple[str, float]] = {"jpy_tn": ("fx_usd_jpy", 1000.0),
                                          "jpy_bn": ("fx_usd_jpy", 1.0)}


def convert_to_usd(figures: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Figures in a foreign currency converted to ``usd_bn`` with a sourced, dated rate.

    A rate is a figure whose metric is ``fx_usd_jpy`` (yen per dollar). Each yen figure is
    divided by the latest rate dated on or before it (else the earliest rate); figures
    without any rate are left as they are. Returns the converted frame and, per converted
    figure id, the id of the rate used.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"id": ["F1", "R1"], "entity": ["sb", "sb"],
    ...                   "metric": ["cash", "fx_usd_jpy"], "value": [3.0, 150.0],
    ...                   "unit": ["jpy_tn", "jpy_per_usd"], "as_of": ["2025-12-31", "2025-03-31"]})
    >>> out, used = convert_to_usd(f)
    >>> float(out.loc[0, "value"]), out.loc[0, "unit"], used
    (20.0, 'usd_bn', {'F1': 'R1'})
    """
    used: dict[str, str] = {}
    if figures is None or not len(figures) or not figures["unit"].isin(list(FX_UNITS)).any():
        return figures, used
    out = figures.copy()
    for unit, (metric, factor) in FX_UNITS.items():
        rates = out[(out["metric"] == metric) & out["value"].notna()]
        if rates.empty:
            continue
        dated = sorted(((parse_date(str(d), end=True) if isinstance(d, str) else None, fid, v)
                        for d, fid, v in zip(rates["as_of"], rates["id"], rates["value"],
                                             strict=True)), key=lambda r: (r[0] is None, r[0]))
        for k in out.index[(out["unit"] == unit) & out["value"].notna()]:
            when = out.at[k, "as_of"]
            day = parse_date(str(when), end=True) if isinstance(when, str) else None
            before = [r for r in dated if r[0] is not None and day is not None and r[0] <= day]
            rate = before[-1] if before else dated[0]
            value = out.at[k, "value"]
            assert isinstance(value, float)  # the rows picked have a number in "value"
            out.at[k, "value"] = value * factor / float(rate[2])
            out.at[k, "unit"] = "usd_bn"
            used[str(out.at[k, "id"])] = str(rate[1])
    return out, used


def _cell(value: object) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def frame_to_csv(frame: pd.DataFrame, spec: FileSpec) -> str:
    """Serialise a frame in the spec's column order (unknown columns dropped).

    Examples
    --------
    >>> import pandas as pd
    >>> from dealloop.data.schema import FILES_BY_NAME
    >>> frame = pd.DataFrame({"url": ["https://example.org/a"], "id": ["s1"], "extra": [1]})
    >>> frame_to_csv(frame, FILES_BY_NAME["sources.csv"]).splitlines()   # spec order, no extra
    ['id,url', 's1,https://example.org/a']
    """
    cols = [c for c in spec.column_names if c in frame.columns]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    for row in frame[cols].itertuples(index=False, name=None):
        writer.writerow([_cell(v) for v in row])
    return buf.getvalue()


def write_dataset(frames: Mapping[str, pd.DataFrame], path: str | Path, *,
                  extra: Mapping[str, str] | None = None) -> Path:
    """Write frames (keyed by file name, e.g. ``"deals.csv"``) as a dataset directory.

    ``extra`` adds text files written as given (e.g. ``{"datapackage.json": ...}``).

    A new (or empty) folder is written whole or not at all: the files go to a temporary
    folder beside it, renamed into place at the end, so an interrupted write leaves nothing.
    In a folder that already holds files, each file is replaced atomically: a reader sees the
    old file or the new one, never half. Raises ``ValueError`` (and writes nothing) when a
    file would be larger than the reader accepts (:data:`~dealloop.data.schema.MAX_FILE_BYTES`).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import dealloop as dl
    >>> net = dl.load()
    >>> folder = write_dataset({"entities.csv": net.entities, "deals.csv": net.deals,
    ...                         "sources.csv": net.sources}, Path(tempfile.mkdtemp()) / "copy")
    >>> sorted(p.name for p in folder.iterdir())
    ['deals.csv', 'entities.csv', 'sources.csv']
    >>> len(dl.load(folder).deals) == len(net.deals)
    True
    """
    texts = {name: frame_to_csv(frame, FILES_BY_NAME[name]) for name, frame in frames.items()}
    texts.update(extra or {})
    for name, text in texts.items():
        size = len(text) if text.isascii() else len(text.encode("utf-8"))
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{name} would be {size / 2**20:,.1f} MiB, more than the "
                             f"{MAX_FILE_BYTES / 2**20:g} MiB a dataset file may have (the "
                             "reader would refuse it); nothing written")
    root = Path(path)
    if root.is_dir() and any(root.iterdir()):
        for name, text in texts.items():
            atomic_write_text(root / name, text)
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", suffix=".tmp", dir=root.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; give the folder the usual mode
        for name, text in texts.items():
            atomic_write_text(tmp / name, text)
        if root.is_dir():
            root.rmdir()  # empty (checked above)
        os.rename(tmp, root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root
