"""Loading a dataset directory into a :class:`~dealloop.network.DealNetwork`."""

from __future__ import annotations

import json
from pathlib import Path

from ..network import DealNetwork
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


def load(path: str | Path | None = None) -> DealNetwork:
    """Load a dataset directory; the bundled ``ai2026`` dataset when ``path`` is None.

    ``path`` may also name a bundled dataset (``"ai2026"``). Raises :class:`DataError`
    listing every problem when the dataset is not valid.

    Examples
    --------
    >>> import dealloop as dl
    >>> net = dl.load()
    >>> net.deals.loc[net.deals["id"] == "D02", ["payer", "payee", "amount_usd_bn"]].values
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
    meta: dict = {"name": root.name}
    descriptor = root / "datapackage.json"
    recorded = None
    if descriptor.exists():
        pkg = json.loads(descriptor.read_text(encoding="utf-8"))
        meta.update({k: pkg[k] for k in ("name", "title", "version", "created") if k in pkg})
        recorded = pkg.get("content_hash") if isinstance(pkg.get("content_hash"), str) else None
    meta["content_hash"] = content_hash(root)
    meta["release_hash"] = recorded
    meta["release_status"] = release_status(recorded, meta["content_hash"])
    return DealNetwork(
        entities,
        frames[DEALS.name],
        frames[SOURCES.name],
        frames[FIGURES.name],
        frames[HISTORY.name],
        provenance=provenance,
        tables={spec.name: frames[spec.name] for spec in (HOLDERS, HOLDINGS, BANKS, MARKET)},
        path=root,
        meta=meta,
    )
