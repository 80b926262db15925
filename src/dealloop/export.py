"""Exports for Gephi, Cytoscape, networkx and spreadsheets.

=========  ==========================================================================
format     what is written
=========  ==========================================================================
graphml    one edge per leg (all columns as attributes); Gephi, Cytoscape, networkx
gexf       the same graph as GEXF 1.2 (Gephi's native format)
json       networkx node-link JSON (``networkx.node_link_graph`` reads it back), with
           the sources list; Cytoscape.js users can take ``cytoscape`` elements from it
csv        one row per leg with payer/payee names and source URLs; text cells that a
           spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or
           carriage return) are prefixed with ``'`` so they stay text
dataset    a dataset folder (every CSV and its ``datapackage.json``) that
           :func:`dealloop.load` reads back with the same tables; an as-of view is
           written as it was known then
=========  ==========================================================================

Every file is written atomically.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from .data.write import atomic_write_bytes, atomic_write_text
from .network import DealNetwork

FORMATS = ("graphml", "gexf", "json", "csv", "dataset")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> object:
    """Make a text cell safe for spreadsheets; numbers pass through.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise(-5.0)
    -5.0
    """
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def _graph_for_files(net: DealNetwork) -> Any:
    """A MultiDiGraph whose attributes are all str/float/int/bool (GraphML/GEXF need that),
    with the characters XML cannot carry (control characters) written as escapes."""
    from .text import xml_safe

    g = net.to_networkx()
    for data in [d for _, d in g.nodes(data=True)] + [d for _, _, d in g.edges(data=True)]:
        for k in [k for k, v in data.items() if v is None]:
            del data[k]
        for k, v in data.items():
            if isinstance(v, str):
                data[k] = xml_safe(v)
    return g


def to_json(net: DealNetwork) -> dict[str, Any]:
    """Node-link data plus Cytoscape.js elements and the sources table.

    Examples
    --------
    >>> import dealloop as dl
    >>> doc = to_json(dl.load())
    >>> sorted(doc)[:3]
    ['cytoscape', 'directed', 'edges']
    """
    import networkx as nx

    g = net.to_networkx()
    data = nx.node_link_data(g, edges="edges")
    data["cytoscape"] = nx.cytoscape_data(nx.MultiDiGraph(g))["elements"]
    data["sources"] = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
        for r in net.sources.to_dict("records")
    ]
    data["meta"] = {k: v for k, v in net.meta.items() if isinstance(v, str | int | float)}
    return data


def legs_csv(net: DealNetwork) -> str:
    """One row per leg with entity names and source URLs, formula-injection safe.

    Examples
    --------
    >>> import dealloop as dl
    >>> legs_csv(dl.load()).splitlines()[0].split(",")[:3]
    ['id', 'payer', 'payer_name']
    """
    names = dict(zip(net.entities["id"], net.entities["name"], strict=True))
    deals = net.deals.copy()
    deals.insert(2, "payer_name", deals["payer"].map(names))
    deals.insert(4, "payee_name", deals["payee"].map(names))
    deals["source_urls"] = [" ".join(net.source_urls(s)) for s in deals["sources"]]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(list(deals.columns))
    for row in deals.itertuples(index=False, name=None):
        writer.writerow(["" if v is None or (isinstance(v, float) and math.isnan(v))
                         else neutralise(v) for v in row])
    return buf.getvalue()


def export(net: DealNetwork, fmt: str, path: str | Path) -> Path:
    """Write ``net`` in format ``fmt`` (one of :data:`FORMATS`) to ``path``, atomically.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import dealloop as dl
    >>> out = export(dl.load(), "graphml", Path(tempfile.mkdtemp()) / "net.graphml")
    >>> out.read_text().startswith("<?xml")
    True
    """
    import networkx as nx

    out = Path(path)
    if fmt == "graphml":
        buf = io.BytesIO()
        nx.write_graphml(_graph_for_files(net), buf)
        return atomic_write_bytes(out, buf.getvalue())
    if fmt == "gexf":
        buf = io.BytesIO()
        nx.write_gexf(_graph_for_files(net), buf)
        return atomic_write_bytes(out, buf.getvalue())
    if fmt == "json":
        return atomic_write_text(out, json.dumps(to_json(net), indent=1, default=str) + "\n")
    if fmt == "csv":
        return atomic_write_text(out, legs_csv(net))
    if fmt == "dataset":
        return export_dataset(net, out)
    raise ValueError(f"format: unknown {fmt!r}; expected one of {', '.join(FORMATS)}")


def export_dataset(net: DealNetwork, path: str | Path) -> Path:
    """Write ``net`` as a dataset folder that :func:`dealloop.load` reads back unchanged.

    Every table goes to its CSV (optional files only when they hold rows), with the
    descriptor ``datapackage.json`` of the source (name, title, version, licences, the
    recorded release hash: a copy whose files differ from the release loads as
    ``modified``). An as-of view records its date in the descriptor (``as_of``). The folder
    is written whole or not at all, and only to a new (or empty) folder: ``ValueError``
    otherwise, so no dataset is overwritten.

    Examples
    --------
    >>> import tempfile, dealloop as dl
    >>> net = dl.load()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     back = dl.load(export_dataset(net, Path(tmp) / "copy"))
    >>> back.deals.equals(net.deals), back.entities.equals(net.entities)
    (True, True)
    """
    from .data.frames import write_dataset

    out = Path(path)
    if out.is_dir() and any(out.iterdir()):
        raise ValueError(f"{out}: the folder is not empty; export a dataset to a new folder")
    frames = {"entities.csv": net.typed_entities(), "deals.csv": net.deals,
              "sources.csv": net.sources}
    for name, frame in (("figures.csv", net.figures), ("history.csv", net.history),
                        *net.tables.items()):
        if frame is not None and len(frame):
            frames[name] = frame
    pkg: dict[str, Any] = {}
    if net.path is not None and (net.path / "datapackage.json").exists():
        try:
            pkg = json.loads((net.path / "datapackage.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pkg = {}
    pkg.setdefault("name", net.meta.get("name") or "dataset")
    for key in ("title", "version"):
        if net.meta.get(key) and key not in pkg:
            pkg[key] = net.meta[key]
    if net.meta.get("as_of"):
        pkg["as_of"] = net.meta["as_of"]
    if isinstance(pkg.get("resources"), list):  # describe only the files written
        pkg["resources"] = [r for r in pkg["resources"]
                            if not isinstance(r, dict) or r.get("path") in frames]
    descriptor = json.dumps(pkg, indent=2, ensure_ascii=False) + "\n"
    return write_dataset(frames, out, extra={"datapackage.json": descriptor})
