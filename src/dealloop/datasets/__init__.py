"""Bundled datasets, one folder each (``ai2026``: the 2025–26 AI financing network)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT", "names", "path", "releases", "resolve"]

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
    """Folder of a bundled dataset.

    Examples
    --------
    >>> (path() / "deals.csv").is_file()
    True
    """
    if name not in names():
        raise KeyError(f"no bundled dataset {name!r}; bundled: {', '.join(names())}")
    return _HERE / name


#: Earlier releases of bundled datasets, one folder each (``NAME@VERSION``), kept so that
#: ``dealloop diff ai2026@2026.11.0 ai2026`` shows what changed between releases.
_RELEASES = _HERE / "_releases"


def releases(name: str = DEFAULT) -> list[str]:
    """Versions of earlier releases of a bundled dataset kept for comparison.

    Examples
    --------
    >>> "2026.11.0" in releases("ai2026")
    True
    """
    if not _RELEASES.is_dir():
        return []
    return sorted(p.name.split("@", 1)[1] for p in _RELEASES.iterdir()
                  if p.name.startswith(f"{name}@") and (p / "deals.csv").exists())


def resolve(where: str | Path | None) -> Path:
    """A dataset folder from a path, a bundled dataset's name (``ai2026``), an earlier
    release (``ai2026@2026.11.0``), or None (the default).

    Examples
    --------
    >>> resolve(None) == resolve("ai2026") == path()
    True
    """
    if where is None:
        return path(DEFAULT)
    p = Path(where)
    if p.exists():
        return p
    text = str(where)
    if text in names():
        return path(text)
    if "@" in text and (_RELEASES / text / "deals.csv").exists():
        return _RELEASES / text
    return p
