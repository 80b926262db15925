"""Which release a dataset is: its content hash, and whether it still matches the release.

A release's ``datapackage.json`` records ``content_hash``, the SHA-256 of its data files (the
CSV files of :data:`dealloop.data.schema.FILES` that are present, in that order, each as its
name, a NUL byte and its bytes). :func:`content_hash` recomputes it for any folder, so a
report built from an edited copy of a release can say that it is not the release.

Run ``python -m dealloop.data.release DIR`` after editing a release folder to record the new
hash in its descriptor (written atomically).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from .schema import FILES
from .write import atomic_write_text

__all__ = ["STATUSES", "content_hash", "describe", "release_status", "stamp"]

#: How :func:`release_status` labels a dataset.
STATUSES = ("release", "modified", "unreleased")


def content_hash(root: str | Path) -> str:
    """``"sha256:<hex>"`` of the data files of a dataset folder.

    Examples
    --------
    >>> from dealloop import datasets
    >>> content_hash(datasets.path()).startswith("sha256:")
    True
    """
    h = hashlib.sha256()
    root = Path(root)
    for spec in FILES:
        f = root / spec.name
        if f.is_file():
            h.update(spec.name.encode("utf-8") + b"\0")
            h.update(f.read_bytes())
            h.update(b"\0")
    return "sha256:" + h.hexdigest()


def release_status(recorded: str | None, actual: str) -> str:
    """``release`` when the recorded hash matches the files, ``modified`` when it does not,
    ``unreleased`` when the descriptor records none.

    Examples
    --------
    >>> release_status("sha256:ab", "sha256:ab"), release_status("sha256:ab", "sha256:cd")
    ('release', 'modified')
    >>> release_status(None, "sha256:cd")
    'unreleased'
    """
    if not recorded:
        return "unreleased"
    return "release" if recorded == actual else "modified"


def describe(meta: dict[str, Any]) -> str:
    """One line for reports: name, version and whether the files are the release's.

    Examples
    --------
    >>> describe({"name": "ai2026", "version": "2026.12.0", "release_status": "modified",
    ...           "content_hash": "sha256:0123456789abcdef0123"})
    'ai2026 2026.12.0, modified copy (content sha256:0123456789ab differs from the release)'
    """
    name = f"{meta.get('name', 'dataset')} {meta.get('version') or ''}".strip()
    short = str(meta.get("content_hash", ""))[:19]
    status = meta.get("release_status")
    if status == "release":
        return f"{name}, the release as published (content {short})"
    if status == "modified":
        return f"{name}, modified copy (content {short} differs from the release)"
    return f"{name}, not a release (content {short})"


def stamp(root: str | Path) -> str:
    """Record the folder's :func:`content_hash` in its ``datapackage.json``; returns it.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from dealloop.userdata import user_copy
    >>> folder = user_copy(Path(tempfile.mkdtemp()) / "mine")
    >>> stamp(folder) == content_hash(folder)
    True
    """
    root = Path(root)
    descriptor = root / "datapackage.json"
    pkg = json.loads(descriptor.read_text(encoding="utf-8"))
    pkg["content_hash"] = content_hash(root)
    atomic_write_text(descriptor, json.dumps(pkg, indent=2, ensure_ascii=False) + "\n")
    return pkg["content_hash"]


if __name__ == "__main__":  # pragma: no cover
    for arg in sys.argv[1:]:
        print(arg, stamp(arg))
