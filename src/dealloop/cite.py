"""How to cite a dataset: name, version, content hash, licence, and a citation to paste.

The fields come from the dataset's ``datapackage.json`` (title, version, created, licences,
contributors, homepage) and from the files themselves (the content hash, and whether it is
the release the descriptor records). A modified or as-of copy says so in the citation.
"""

from __future__ import annotations

import json
from typing import Any

from .network import DealNetwork

__all__ = ["citation"]


def _descriptor(net: DealNetwork) -> dict[str, Any]:
    if net.path is None or not (net.path / "datapackage.json").exists():
        return {}
    try:
        pkg = json.loads((net.path / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return pkg if isinstance(pkg, dict) else {}


def citation(net: DealNetwork) -> dict[str, Any]:
    """The citation block of ``net``'s dataset.

    Returns
    -------
    dict
        ``name``, ``title``, ``version``, ``date``, ``content_hash``, ``release_status``,
        ``release_note``, ``as_of`` (or None), ``licence`` (name, title, url), ``authors``,
        ``url``, ``text`` (a one-paragraph citation) and ``bibtex``.

    Examples
    --------
    >>> import dealloop as dl
    >>> c = citation(dl.load())
    >>> c["licence"]["name"], c["name"]
    ('CC-BY-4.0', 'ai2026')
    >>> c["content_hash"][:7] in c["text"]
    True
    """
    from ._version import __version__
    from .data.release import describe

    pkg = _descriptor(net)
    meta = net.meta
    lic = (pkg.get("licenses") or [{}])[0] if isinstance(pkg.get("licenses"), list) else {}
    licence = {"name": lic.get("name"), "title": lic.get("title"), "url": lic.get("path")}
    authors = [str(c["title"]) for c in pkg.get("contributors") or []
               if isinstance(c, dict) and c.get("title")] or ["dealloop contributors"]
    name = str(meta.get("name") or (net.path.name if net.path else "dataset"))
    title = str(meta.get("title") or pkg.get("title") or name)
    version = meta.get("version") or pkg.get("version")
    date = str(meta.get("created") or pkg.get("created") or "")
    digest = str(meta.get("content_hash") or "")
    short = digest.split(":")[-1][:12]
    status = meta.get("release_status")
    as_of = meta.get("as_of")
    url = str(pkg["homepage"]) if pkg.get("homepage") else None
    copy = {"release": "", "modified": " Modified copy: the files differ from the release.",
            "unreleased": " Not a published release."}.get(str(status), "")
    view = f" Seen as of {as_of}." if as_of else ""
    text = (f"{', '.join(authors)} ({date[:4] or 'n.d.'}). {title} (dataset {name}"
            f"{', version ' + str(version) if version else ''}; content {digest or 'unknown'})."
            f"{' Licence ' + str(licence['name']) + '.' if licence['name'] else ''}"
            f"{' ' + url if url else ''}{copy}{view} Analysed with dealloop {__version__}.")
    key = f"{name}{(str(version) or '').replace('.', '_')}"
    bib = "\n".join([
        f"@misc{{{key},",
        f"  author = {{{' and '.join('{' + a + '}' for a in authors)}}},",
        f"  title = {{{title}}},",
        f"  year = {{{date[:4] or 'n.d.'}}},",
        *([f"  version = {{{version}}},"] if version else []),
        *([f"  url = {{{url}}},"] if url else []),
        f"  note = {{Dataset {name}, content {digest or 'unknown'}"
        f"{', licence ' + str(licence['name']) if licence['name'] else ''}"
        f"{', as of ' + str(as_of) if as_of else ''}}}",
        "}",
    ])
    return {"name": name, "title": title, "version": version, "date": date or None,
            "content_hash": digest or None, "short_hash": short or None,
            "release_status": status, "release_note": describe(meta), "as_of": as_of,
            "licence": licence, "authors": authors, "url": url, "text": text, "bibtex": bib}
