"""Bundled datasets, one folder each (``ai2026``: the 2025–26 AI financing network)."""

from __future__ import annotations

from pathlib import Path

DEFAULT = "ai2026"
_HERE = Path(__file__).parent


def names() -> list[str]:
    """Names of the bundled datasets.

    Examples
    --------
    >>> "ai2026" in names()
    True
    """
    return sorted(p.name for p in _HERE.iterdir() if (p / "deals.csv").exists())


def path(name: str = DEFAULT) -> Path:
    """Folder of a bundled dataset."""
    if name not in names():
        raise KeyError(f"no bundled dataset {name!r}; bundled: {', '.join(names())}")
    return _HERE / name


def resolve(where: str | Path | None) -> Path:
    """A dataset folder from a path, a bundled dataset's name, or None (the default)."""
    if where is None:
        return path(DEFAULT)
    p = Path(where)
    if not p.exists() and isinstance(where, str) and where in names():
        return path(where)
    return p
