"""Your own copy of a dataset, and adding a deal leg to it.

:func:`user_copy` copies a dataset folder (by default the bundled one) byte for byte to a
folder of yours; :func:`add_leg` appends one validated leg (and, when it cites a new
document, its source) to such a copy and bumps its version (``2026.12.0`` becomes
``2026.12.0+user.1``, then ``+user.2``...). The bundled data are never written: a folder
inside the installed package is refused. The copy's files then differ from the release its
descriptor records, so every report made from it says it was modified.

The new row is checked by the dataset's own validator on a scratch copy first: a bad value
gives every problem as ``file:row: field: message`` and writes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["AddedLeg", "add_leg", "bump_version", "is_bundled", "next_leg_id", "source_id",
           "user_copy"]

_USER = re.compile(r"^(?P<base>.*?)\+user\.(?P<n>\d+)$")


@dataclass(frozen=True)
class AddedLeg:
    """What :func:`add_leg` wrote: the leg id, the source id (``new_source`` when the source
    row was added), the folder and its new version.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = user_copy(Path(tempfile.mkdtemp()) / "mine")
    >>> added = add_leg(folder, {"payer": "nvidia", "payee": "coreweave",
    ...                          "kind": "compute_contract", "amount_usd_bn": 1.0,
    ...                          "status": "committed", "evidence": "B",
    ...                          "sources": "s-c3e3bc66bd"})
    >>> added.leg, added.new_source, added.version.endswith("+user.1")
    ('U01', False, True)
    >>> added.to_dict()["source"]
    's-c3e3bc66bd'
    """

    leg: str
    source: str
    new_source: bool
    folder: Path
    version: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"leg": self.leg, "source": self.source, "new_source": self.new_source,
                "folder": str(self.folder), "version": self.version}


def bump_version(version: str | None) -> str:
    """The next user version of ``version``.

    Examples
    --------
    >>> bump_version("2026.12.0"), bump_version("2026.12.0+user.1"), bump_version(None)
    ('2026.12.0+user.1', '2026.12.0+user.2', 'user.1')
    """
    if not version:
        return "user.1"
    m = _USER.match(version)
    if m:
        return f"{m['base']}+user.{int(m['n']) + 1}"
    return f"{version}+user.1"


def source_id(url: str) -> str:
    """The id a new source gets: ``s-`` and the first 10 hex digits of the URL's SHA-1, the
    rule the bundled dataset's ids follow (so one URL has one id everywhere).

    Examples
    --------
    >>> source_id("https://example.com/a")
    's-c4ed1c218d'
    """
    return "s-" + hashlib.sha1(url.strip().encode("utf-8")).hexdigest()[:10]


def next_leg_id(ids: list[str], prefix: str = "U") -> str:
    """The first free id ``U01``, ``U02``... (legs added by hand, apart from the curated D ids).

    Examples
    --------
    >>> next_leg_id(["D01", "U01", "U03"])
    'U04'
    """
    nums = [int(i[len(prefix):]) for i in ids
            if i.startswith(prefix) and i[len(prefix):].isdigit()]
    return f"{prefix}{(max(nums) + 1) if nums else 1:02d}"


def is_bundled(folder: str | Path) -> bool:
    """True for a folder inside the installed package's bundled datasets.

    Examples
    --------
    >>> import dealloop as dl
    >>> is_bundled(dl.datasets.path()), is_bundled("/tmp/my-copy")
    (True, False)
    """
    from . import datasets

    root = Path(datasets.__file__).resolve().parent
    try:
        Path(folder).resolve().relative_to(root)
    except ValueError:
        return False
    return True


def user_copy(dest: str | Path, source: str | Path | None = None) -> Path:
    """Copy the dataset ``source`` (default: bundled) to the new folder ``dest``, byte for
    byte, whole or not at all; ``ValueError`` when ``dest`` exists and is not empty.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import dealloop as dl
    >>> copy = user_copy(Path(tempfile.mkdtemp()) / "mine")
    >>> len(dl.load(copy).deals) == len(dl.load().deals)
    True
    """
    from . import datasets

    src = datasets.resolve(source)
    out = Path(dest)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"{out}: exists and is not an empty folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        for f in sorted(src.iterdir()):
            if f.is_file() and (f.suffix in (".csv", ".json") or f.name.endswith(".md")):
                shutil.copy2(f, tmp / f.name)
        if out.is_dir():
            out.rmdir()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _append(text: str, row: Mapping[str, Any]) -> tuple[str, list[str]]:
    """``text`` (a CSV file) with ``row`` appended in its header's order; the fields the
    header lacks."""
    header = next(csv.reader(io.StringIO(text)))
    missing = [k for k, v in row.items() if k not in header and v not in (None, "")]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(
        ["" if row.get(c) is None else str(row.get(c)) for c in header])
    body = text if text.endswith("\n") or not text else text + "\n"
    return body + buf.getvalue(), missing


def add_leg(folder: str | Path, leg: Mapping[str, Any], *,
            source: Mapping[str, Any] | None = None) -> AddedLeg:
    """Append the leg ``leg`` (columns of ``deals.csv``) to the dataset in ``folder``.

    Parameters
    ----------
    folder : your copy of a dataset (see :func:`user_copy`); never the bundled data.
    leg : the row: ``payer``, ``payee``, ``kind``, ``status``, ``evidence`` and an amount or
        range at least; ``id`` defaults to the next ``Unn``, ``basis`` to ``reported``, and
        ``sources`` to the new source's id.
    source : a new document to cite (``url`` required; ``publisher``, ``title``, ``date``,
        ``tier``): added to ``sources.csv`` unless a source with that URL exists.

    Raises
    ------
    ValueError
        For the bundled data, or a leg that cites no source.
    DataError
        Every problem the validator finds with the row in place (nothing is written).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import dealloop as dl
    >>> folder = user_copy(Path(tempfile.mkdtemp()) / "mine")
    >>> added = add_leg(folder, {"payer": "nvidia", "payee": "coreweave",
    ...                          "kind": "compute_contract", "amount_usd_bn": 1.0,
    ...                          "status": "committed", "evidence": "B"},
    ...                 source={"url": "https://example.com/a-report", "tier": "major_outlet"})
    >>> added.new_source, added.leg in set(dl.load(folder).deals["id"])
    (True, True)
    """
    from .data.problems import DataError, Problem, errors
    from .data.validate import validate
    from .data.write import atomic_write_text

    root = Path(folder)
    if is_bundled(root):
        raise ValueError(f"{root}: the bundled dataset is read-only; make your own copy "
                         "first (dealloop add-leg --data NEW_FOLDER)")
    deals_text = (root / "deals.csv").read_text(encoding="utf-8")
    sources_text = (root / "sources.csv").read_text(encoding="utf-8")
    ids = [r["id"] for r in csv.DictReader(io.StringIO(deals_text))]
    known = {r["url"].strip(): r["id"] for r in csv.DictReader(io.StringIO(sources_text))}
    row = {k: v for k, v in leg.items() if v not in (None, "")}
    row.setdefault("id", next_leg_id(ids))
    row.setdefault("basis", "reported")
    new_source, sid = False, ""
    if source and source.get("url"):
        url = str(source["url"]).strip()
        sid = known.get(url) or source_id(url)
        if url not in known:
            new_source = True
            sources_text, extra = _append(sources_text, {**source, "id": sid, "url": url})
            if extra:
                raise ValueError(f"sources.csv has no column(s) {', '.join(extra)}")
        refs = [s for s in str(row.get("sources") or "").split(";") if s]
        row["sources"] = ";".join(dict.fromkeys([*refs, sid]))
    if not row.get("sources"):
        raise ValueError("sources: a leg needs a source (an existing source id, or a URL)")
    deals_text, extra = _append(deals_text, row)
    if extra:
        raise ValueError(f"deals.csv has no column(s) {', '.join(extra)}")
    pkg_path = root / "datapackage.json"
    pkg = json.loads(pkg_path.read_text(encoding="utf-8")) if pkg_path.exists() else {}
    version = bump_version(pkg.get("version"))
    pkg["version"] = version
    pkg_text = json.dumps(pkg, indent=2, ensure_ascii=False) + "\n"
    with tempfile.TemporaryDirectory() as tmp:  # check the row in place, on a scratch copy
        scratch = Path(tmp) / root.name
        shutil.copytree(root, scratch)
        (scratch / "deals.csv").write_text(deals_text, encoding="utf-8")
        (scratch / "sources.csv").write_text(sources_text, encoding="utf-8")
        (scratch / "datapackage.json").write_text(pkg_text, encoding="utf-8")
        found = errors(validate(scratch))
    if found:
        raise DataError([Problem(str(root / p.file) if p.file else str(root), p.row, p.field,
                                 p.message, p.severity) for p in found])
    if new_source:
        atomic_write_text(root / "sources.csv", sources_text)
    atomic_write_text(root / "deals.csv", deals_text)
    atomic_write_text(pkg_path, pkg_text)
    return AddedLeg(str(row["id"]), sid or str(row["sources"]), new_source, root, version)
