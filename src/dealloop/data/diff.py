"""What changed between two versions of a dataset: rows added, removed, changed field by field."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

__all__ = ["DatasetDiff", "FileDiff", "diff"]

if TYPE_CHECKING:
    from ..network import DealNetwork


@dataclass(frozen=True)
class FileDiff:
    """Changes in one file, keyed by row id.

    Examples
    --------
    >>> import dealloop as dl
    >>> same = diff(dl.load(), dl.load())
    >>> first = same.files[0]
    >>> first.file, first.added, first.removed, first.changed
    ('entities.csv', (), (), {})
    """

    file: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class DatasetDiff:
    """Changes between two datasets, one :class:`FileDiff` per file.

    Examples
    --------
    >>> import dealloop as dl
    >>> d = diff(dl.load(), dl.load())
    >>> d.empty, [f.file for f in d.files]
    (True, ['entities.csv', 'deals.csv', 'sources.csv', 'figures.csv'])
    """

    files: tuple[FileDiff, ...]

    @property
    def empty(self) -> bool:
        return all(f.empty for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            f.file: {
                "added": list(f.added),
                "removed": list(f.removed),
                "changed": {rid: {k: {"old": o, "new": n} for k, (o, n) in ch.items()}
                            for rid, ch in f.changed.items()},
            }
            for f in self.files
        }

    def lines(self) -> list[str]:
        """Human-readable lines, one per added/removed row and per changed field."""
        out: list[str] = []
        for f in self.files:
            out += [f"{f.file}: + {rid}" for rid in f.added]
            out += [f"{f.file}: - {rid}" for rid in f.removed]
            for rid, ch in f.changed.items():
                out += [f"{f.file}: ~ {rid}.{k}: {o!r} -> {n!r}" for k, (o, n) in ch.items()]
        return out


def _plain(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def _diff_frame(name: str, old: pd.DataFrame | None, new: pd.DataFrame | None) -> FileDiff:
    old = old if old is not None else pd.DataFrame(columns=["id"])
    new = new if new is not None else pd.DataFrame(columns=["id"])
    o = {r["id"]: r for r in old.to_dict("records")}
    n = {r["id"]: r for r in new.to_dict("records")}
    changed: dict[str, dict[str, tuple[Any, Any]]] = {}
    for rid in o.keys() & n.keys():
        cols = [c for c in new.columns if c in o[rid]] + [c for c in old.columns if c not in n[rid]]
        ch = {c: (_plain(o[rid].get(c)), _plain(n[rid].get(c))) for c in cols}
        ch = {c: v for c, v in ch.items() if v[0] != v[1]}
        if ch:
            changed[str(rid)] = ch
    return FileDiff(
        name,
        added=tuple(sorted(str(r) for r in n.keys() - o.keys())),
        removed=tuple(sorted(str(r) for r in o.keys() - n.keys())),
        changed=dict(sorted(changed.items())),
    )


def diff(old: DealNetwork, new: DealNetwork) -> DatasetDiff:
    """Compare two loaded datasets row by row (rows matched by ``id``).

    Examples
    --------
    >>> import dealloop as dl
    >>> net = dl.load()
    >>> diff(net, net).empty
    True
    """
    pairs = [
        ("entities.csv", old.entities, new.entities),
        ("deals.csv", old.deals, new.deals),
        ("sources.csv", old.sources, new.sources),
        ("figures.csv", old.figures, new.figures),
    ]
    return DatasetDiff(tuple(_diff_frame(n, o, w) for n, o, w in pairs))
