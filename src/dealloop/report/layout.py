"""Deterministic positions of the firms in the report's and the dashboard's graph."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..vocabulary import LIVE_STATUSES

__all__ = ["LAYOUT_FORCE_MAX", "layout_part"]

if TYPE_CHECKING:
    from ..network import DealNetwork

#: Largest network drawn with a force layout; larger ones get a linear-time spiral.
LAYOUT_FORCE_MAX = 400


def layout_part(net: DealNetwork, seed: int = 7) -> dict[str, list[float]]:
    """Deterministic node positions (x, y, roughly in [-1, 1]) for the graph.

    ForceAtlas2 (``networkx.forceatlas2_layout``, fixed seed, strong gravity so small
    components stay near the rest) on the undirected graph of live legs weighted by the log of
    their money, then nodes pushed apart until none overlaps at its drawn size (the report's
    node diameter, 18-80 px, in an 800 x 640 px box). The same dataset always draws the same.
    Networks of more than :data:`LAYOUT_FORCE_MAX` firms get a spiral, most connected firms
    in the middle (a force layout grows with the square of the size).

    Examples
    --------
    >>> import dealloop as dl
    >>> net = dl.load()
    >>> pos = layout_part(net)
    >>> set(pos) == set(net.entities["id"]), pos == layout_part(net)      # same seed, same layout
    (True, True)
    """
    import networkx as nx
    import numpy as np

    g = nx.Graph()
    g.add_nodes_from(net.ids)
    legs = net.legs(statuses=LIVE_STATUSES)
    for payer, payee, value in legs[["payer", "payee", "value"]].itertuples(index=False):
        if payer == payee:
            continue
        w = 1.0 + math.log1p(value) if isinstance(value, float) and value == value else 1.0
        if g.has_edge(payer, payee):
            g.edges[payer, payee]["weight"] += w
        else:
            g.add_edge(payer, payee, weight=w)
    nodes = list(g)
    if len(nodes) < 2:
        return {str(n): [0.0, 0.0] for n in nodes}
    if len(nodes) > LAYOUT_FORCE_MAX:
        return _sunflower(g)
    pos = nx.forceatlas2_layout(g, seed=seed, max_iter=400, strong_gravity=True, gravity=0.6,
                                scaling_ratio=6.0, weight="weight",
                                node_size={n: 1.0 + 0.3 * g.degree(n) for n in nodes})
    xy = np.array([pos[n] for n in nodes], dtype=float)
    xy -= xy.mean(axis=0)
    span = np.maximum(xy.max(axis=0) - xy.min(axis=0), 1e-9)
    xy *= min(800 / span[0], 640 / span[1])
    values = _node_values(net)
    radius = np.array([_node_diameter(values, n) / 2 + 9 for n in nodes])
    xy = _declutter(xy, radius)
    xy /= np.abs(xy).max() or 1.0
    return {str(n): [round(float(x), 4), round(float(y), 4)] for n, (x, y) in zip(nodes, xy,
                                                                                 strict=True)}


def _sunflower(g: Any) -> dict[str, list[float]]:
    """Positions for large graphs: firms on a sunflower spiral, most connected at the centre.

    Linear in the number of firms (a force layout is quadratic); deterministic.
    """
    order = sorted(g, key=lambda n: (-g.degree(n), str(n)))
    golden = math.pi * (3 - math.sqrt(5))
    scale = math.sqrt(len(order))
    return {str(n): [round(math.sqrt(k + 0.5) / scale * math.cos(k * golden), 4),
                     round(math.sqrt(k + 0.5) / scale * math.sin(k * golden), 4)]
            for k, n in enumerate(order)}


def _node_values(net: DealNetwork) -> dict[str, float]:
    """The value a firm's drawn size follows: its market value, else its revenue, else 0."""
    values = {}
    for eid, cap, rev in net.entities[["id", "market_cap_usd_bn", "revenue_usd_bn"]
                                      ].itertuples(index=False):
        v = cap if isinstance(cap, float) and cap == cap and cap > 0 else rev
        values[str(eid)] = float(v) if isinstance(v, float) and v == v and v > 0 else 0.0
    return values


def _node_diameter(values: dict[str, float], entity_id: str) -> float:
    """The diameter the page draws a firm at (see ``nodeSize`` in ``assets/js/graph.js``)."""
    vmax = max(values.values(), default=0.0)
    v = values.get(entity_id, 0.0)
    return 18.0 + 62.0 * math.sqrt(v / vmax) if vmax > 0 and v > 0 else 18.0


def _declutter(xy: Any, radius: Any, iterations: int = 300) -> Any:
    """Push overlapping discs (centres ``xy``, radii ``radius``) apart, pairwise."""
    import numpy as np

    n = len(radius)
    need = radius[:, None] + radius[None, :]
    for _ in range(iterations):
        d = xy[:, None, :] - xy[None, :, :]
        dist = np.hypot(d[..., 0], d[..., 1]) + np.eye(n) * 1e9
        over = np.clip(need - dist, 0.0, None)
        if over.max() < 0.5:
            break
        push = d / np.maximum(dist, 1e-6)[..., None] * (over / 2)[..., None]
        xy = xy + 0.5 * push.sum(axis=1)
    return xy
