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

FORMATS = ("graphml", "gexf", "json", "csv")
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
    """Node-link data plus Cytoscape.js elements and the sources table."""
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
    """One row per leg with entity names and source URLs, formula-injection safe."""
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
    """Write ``net`` in format ``fmt`` (one of :data:`FORMATS`) to ``path``, atomically."""
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
    raise ValueError(f"format: unknown {fmt!r}; expected one of {', '.join(FORMATS)}")
