"""Reading a dataset directory into the tables a :class:`~dealloop.network.DealNetwork` is
built from (:func:`dealloop.network.load` builds it; this layer knows no network)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from .frames import empty_frame, fill_headlines, to_frame
from .problems import DataError, errors
from .release import content_hash, release_status
from .schema import (
    BANKS,
    DEALS,
    ENTITIES,
    FIGURES,
    HISTORY,
    HOLDERS,
    HOLDINGS,
    MARKET,
    SOURCES,
)
from .validate import read_dataset

__all__ = ["Frames", "read_frames"]


class Frames(NamedTuple):
    """The validated tables of a dataset and what it says about itself.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import datasets
    >>> frames = read_frames(datasets.path())
    >>> len(frames.deals) == len(dl.load().deals), frames.path == datasets.path()
    (True, True)
    """

    entities: Any
    deals: Any
    sources: Any
    figures: Any
    history: Any
    provenance: Any
    tables: dict[str, Any]
    path: Path
    meta: dict[str, Any]


def read_frames(path: str | Path | None = None) -> Frames:
    """The tables of a dataset directory; the bundled ``ai2026`` dataset when ``path`` is None.

    ``path`` may also name a bundled dataset (``"ai2026"``). Raises :class:`DataError`
    listing every problem when the dataset is not valid.

    Examples
    --------
    >>> f = read_frames()
    >>> f.deals.loc[f.deals["id"] == "D02", ["payer", "payee", "amount_usd_bn"]].values
    array([['nvidia', 'openai', 30.0]], dtype=object)
    """
    from .. import datasets

    root = datasets.resolve(path)
    tables, problems = read_dataset(root)
    if errors(problems):
        raise DataError(problems)
    frames = {
        spec.name: to_frame(tables[spec.name]) if spec.name in tables else empty_frame(spec)
        for spec in (ENTITIES, DEALS, SOURCES, FIGURES, HISTORY, HOLDERS, HOLDINGS, BANKS,
                     MARKET)
    }
    entities = frames[ENTITIES.name]
    provenance = fill_headlines(entities, frames[FIGURES.name])
    meta: dict[str, Any] = {"name": root.name}
    descriptor = root / "datapackage.json"
    recorded = None
    if descriptor.exists():
        pkg = json.loads(descriptor.read_text(encoding="utf-8"))
        meta.update({k: pkg[k] for k in ("name", "title", "version", "created", "as_of")
                     if isinstance(pkg.get(k), str)})
        recorded = pkg.get("content_hash") if isinstance(pkg.get("content_hash"), str) else None
    meta["content_hash"] = content_hash(root)
    meta["release_hash"] = recorded
    meta["release_status"] = release_status(recorded, meta["content_hash"])
    return Frames(entities, frames[DEALS.name], frames[SOURCES.name], frames[FIGURES.name],
                  frames[HISTORY.name], provenance,
                  {spec.name: frames[spec.name] for spec in (HOLDERS, HOLDINGS, BANKS, MARKET)},
                  root, meta)
