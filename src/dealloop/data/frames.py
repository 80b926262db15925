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

import pandas as pd

from .read import Table, parse_date
from .schema import FILES_BY_NAME, HEADLINE_METRICS, MAX_FILE_BYTES, FileSpec
from .write import atomic_write_text

_NUMERIC = ("number", "fraction", "signed")
_SUBANNUAL = re.compile(r"^\s*(Q\d|H\d|[0-9]M\b|quarter)", re.IGNORECASE)


def to_frame(table: Table) -> pd.DataFrame:
    """One DataFrame per file, with every column of the spec (empty ones as missing)."""
    data: dict[str, object] = {}
    for col in table.spec.columns:
        values = [row.get(col.name) for row in table.rows]
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
    """A frame with the spec's columns and no rows."""
    return to_frame(Table(spec, spec.column_names, [], []))


def fill_headlines(entities: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """Fill empty headline figures of ``entities`` from ``figures``; say where each came from.

    For each headline column (see :data:`~dealloop.data.schema.HEADLINE_METRICS`) left empty
    in ``entities.csv``, take the latest annual (not quarterly) ``usd_bn`` figure of the first
    metric that has one. Returns a frame, indexed like ``entities``, whose cells name the figure
    id behind each headline value (``"entities.csv"`` when the entity row gave it itself).
    """
    provenance = pd.DataFrame(index=entities.index, columns=list(HEADLINE_METRICS), dtype=object)
    usable = figures[(figures["unit"] == "usd_bn") & figures["value"].notna()]
    if "period" in usable:
        usable = usable[~usable["period"].fillna("").astype(str).str.match(_SUBANNUAL)]
    order = usable.assign(
        _date=[parse_date(str(d), end=True) if isinstance(d, str) else None
               for d in usable["as_of"]]
    )
    order = order.sort_values("_date", na_position="first", kind="stable")
    latest = order.groupby(["entity", "metric"], sort=False).tail(1)
    lookup = {(e, m): (v, fid) for e, m, v, fid in
              zip(latest["entity"], latest["metric"], latest["value"], latest["id"], strict=True)}
    for column, metrics in HEADLINE_METRICS.items():
        for idx, eid in zip(entities.index, entities["id"], strict=True):
            if pd.notna(entities.at[idx, column]):
                provenance.at[idx, column] = "entities.csv"
                continue
            for metric in metrics:
                hit = lookup.get((eid, metric))
                if hit is not None:
                    entities.at[idx, column] = hit[0]
                    provenance.at[idx, column] = hit[1]
                    break
    return provenance


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
    """Serialise a frame in the spec's column order (unknown columns dropped)."""
    cols = [c for c in spec.column_names if c in frame.columns]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    for row in frame[cols].itertuples(index=False, name=None):
        writer.writerow([_cell(v) for v in row])
    return buf.getvalue()


def write_dataset(frames: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write frames (keyed by file name, e.g. ``"deals.csv"``) as a dataset directory.

    A new (or empty) folder is written whole or not at all: the files go to a temporary
    folder beside it, renamed into place at the end, so an interrupted write leaves nothing.
    In a folder that already holds files, each file is replaced atomically: a reader sees the
    old file or the new one, never half. Raises ``ValueError`` (and writes nothing) when a
    file would be larger than the reader accepts (:data:`~dealloop.data.schema.MAX_FILE_BYTES`).
    """
    texts = {name: frame_to_csv(frame, FILES_BY_NAME[name]) for name, frame in frames.items()}
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
