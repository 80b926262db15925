"""Shipped scenarios: YAML files in ``scenarios/library/``, found by name.

Copy one (``dealloop scenarios`` lists them; :func:`path` gives the file) and edit it: every
assumption is in the file, none in code.

Examples
--------
>>> "coreweave-default" in names()
True
>>> path("coreweave-default").suffix
'.yaml'
"""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

__all__ = ["names", "path", "questions"]

_HERE = Path(__file__).parent / "library"


def names() -> list[str]:
    """Names of the shipped scenarios (file names without ``.yaml``), sorted.

    Examples
    --------
    >>> "coreweave-default" in names()
    True
    """
    return sorted(p.stem for p in _HERE.glob("*.yaml") if not p.stem.startswith("_"))


def path(name: str) -> Path:
    """The file of a shipped scenario; ``KeyError`` with close matches when unknown.

    Examples
    --------
    >>> path("baseline").name
    'baseline.yaml'
    """
    if name not in names():
        close = difflib.get_close_matches(name, names(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"no shipped scenario {name!r}{hint}")
    return _HERE / f"{name}.yaml"


def questions() -> dict[str, str]:
    """Each shipped scenario's one-line question, by name (read without full validation).

    Examples
    --------
    >>> questions()["coreweave-default"].startswith("If CoreWeave defaults")
    True
    """
    out = {}
    for name in names():
        try:
            data = yaml.safe_load(path(name).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:  # pragma: no cover - shipped files are tested
            data = {}
        out[name] = " ".join(str(data.get("question", "")).split())
    return out
