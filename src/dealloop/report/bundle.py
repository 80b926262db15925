"""Everything the HTML report and the dashboard show, as one JSON-safe dictionary.

:func:`results_bundle` is the single place where network results are assembled for display:
the report embeds its output, and the dashboard's JSON API serves it (or one of its parts,
each built by the ``*_part`` function of the same name). Numbers are those of the library
(:meth:`~dealloop.network.DealNetwork.legs`, :func:`~dealloop.summary.summarize`,
:mod:`dealloop.circularity`, :mod:`dealloop.scenarios`); nothing here re-derives a model.

Conventions of the bundle
-------------------------
* Money is in USD bn. Missing numbers are ``null`` (never 0, never NaN).
* Every leg carries its ``sources`` (ids into ``sources``), every headline figure its figure id
  and sources, every loop and per-firm measure the leg ids behind it, so every number shown
  links to its deal legs and its sources.
* A source's ``href`` is set only for ``http``/``https`` URLs; other URLs stay text (``url``).
* Leg statuses are grouped for display as ``firm`` (committed, reported), ``conditional``
  and ``dead`` (superseded, cancelled); kinds as layers ``equity``, ``credit``, ``purchase``,
  ``contingent`` and ``other``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .._version import __version__
from ..data.read import split_refs
from ..data.schema import HEADLINE_METRICS
from ..jsonutil import jsonable
from ..text import bidi_marked
from ..vocabulary import DEFAULT_HORIZON, FIRM_STATUSES, LIVE_STATUSES

if TYPE_CHECKING:

    from ..network import DealNetwork

SCHEMA = "dealloop.results/1"
#: Loops kept in the bundle (largest money first); the full count is reported beside them.
MAX_LOOPS = 200
#: Largest network drawn with a force layout; larger ones get a linear-time spiral.
LAYOUT_FORCE_MAX = 400

LAYER_OF_KIND = {
    "equity_investment": "equity",
    "warrant": "equity",
    "loan": "credit",
    "bond": "credit",
    "private_credit": "credit",
    "compute_contract": "purchase",
    "chip_purchase": "purchase",
    "revenue_share": "purchase",
    "capacity_backstop": "contingent",
    "other": "other",
}
STATUS_GROUP = {
    "committed": "firm",
    "reported": "firm",
    "conditional": "conditional",
    "superseded": "dead",
    "cancelled": "dead",
}


# ------------------------------------------------------------------------------ helpers
def _val(v: Any) -> Any:
    """A cell as a JSON value: NaN / NA -> None, numpy -> Python."""
    return jsonable(v) if not (isinstance(v, float) and math.isnan(v)) else None


def _text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or jsonable(v) is None:
        return None
    s = str(v)
    # dataset text is shown to a reader: a bidirectional override would reverse what follows
    return bidi_marked(s) if s else None


def safe_href(url: Any) -> str | None:
    """``url`` when it is an absolute ``http(s)`` URL that may become a link, else ``None``.

    Examples
    --------
    >>> safe_href("https://example.com/a?b=1")
    'https://example.com/a?b=1'
    >>> safe_href("javascript:alert(1)") is None
    True
    >>> safe_href(" JAVASCRIPT:alert(1)") is None
    True
    """
    text = _text(url)
    if text is None or text != text.strip() or any(ord(c) < 0x20 for c in text):
        return None
    try:
        parsed = urlparse(text)
    except ValueError:
        return None
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        return None
    return text


def _horizon_label(horizon: Sequence[Any] | None) -> dict[str, Any] | None:
    if horizon is None:
        return None
    return {"start": str(horizon[0]), "end": str(horizon[1])}


# ------------------------------------------------------------------------------ parts
def dataset_part(net: DealNetwork) -> dict[str, Any]:
    """Name, title, version and date of the dataset, with its size, its content hash and
    whether it is the release its descriptor names (``release_status``: ``release``,
    ``modified`` or ``unreleased``; ``release_note`` says it in words).

    ``date`` is the descriptor's ``created`` date, else the latest date in the data (legs
    announced, figures, sources).
    """
    from ..data.release import describe

    meta = net.meta
    date = _text(meta.get("created"))
    if date is None:
        dates = [str(d) for frame, col in ((net.deals, "announced"), (net.sources, "date"))
                 if frame is not None and col in frame for d in frame[col].dropna()]
        date = max(dates) if dates else None
    return {
        "name": _text(meta.get("name")) or (net.path.name if net.path else "dataset"),
        "title": _text(meta.get("title")),
        "version": _text(meta.get("version")),
        "date": date,
        "entities": len(net.entities),
        "legs": len(net.deals),
        "sources": len(net.sources),
        "dealloop_version": __version__,
        "content_hash": _text(meta.get("content_hash")),
        "release_hash": _text(meta.get("release_hash")),
        "release_status": _text(meta.get("release_status")),
        "release_note": describe(meta),
        "as_of": _text(meta.get("as_of")),
    }


def citation_part(net: DealNetwork) -> dict[str, Any]:
    """How to cite the dataset (:func:`dealloop.cite.citation`)."""
    from ..cite import citation

    return jsonable(citation(net))


def sources_part(net: DealNetwork) -> dict[str, dict[str, Any]]:
    """Source id -> ``url`` (text), ``href`` (only for http(s)), ``publisher``, ``title``,
    ``date``, ``tier`` (``primary``, ``major_outlet``, ``trade_press`` or ``aggregator``; an
    empty cell reads as ``aggregator``) and, for a copy, ``original_publisher``,
    ``original_title`` and ``original_date`` as the copy states them."""
    from ..sources import tiers

    tier = tiers(net)
    out: dict[str, dict[str, Any]] = {}
    for rec in net.sources.to_dict("records"):
        url = _text(rec.get("url"))
        out[str(rec["id"])] = {
            "url": url,
            "href": safe_href(url),
            "publisher": _text(rec.get("publisher")),
            "title": _text(rec.get("title")),
            "date": _text(rec.get("date")),
            "tier": tier[str(rec["id"])],
            "original_publisher": _text(rec.get("original_publisher")),
            "original_title": _text(rec.get("original_title")),
            "original_date": _text(rec.get("original_date")),
        }
    return out


def entities_part(net: DealNetwork) -> list[dict[str, Any]]:
    """One record per entity: its columns, headline figures with the figure id and sources
    behind each, and its rows of ``figures.csv``."""
    ents = net.entities
    prov = net.provenance
    figures = net.figures if net.figures is not None else None
    fig_sources: dict[str, list[str]] = {}
    per_entity: dict[str, list[dict[str, Any]]] = {}
    if figures is not None and len(figures):
        for rec in figures.to_dict("records"):
            srcs = split_refs(rec.get("sources"))
            fig_sources[str(rec["id"])] = srcs
            per_entity.setdefault(str(rec["entity"]), []).append({
                "id": str(rec["id"]),
                "metric": _text(rec.get("metric")),
                "value": _val(rec.get("value")),
                "unit": _text(rec.get("unit")),
                "period": _text(rec.get("period")),
                "as_of": _text(rec.get("as_of")),
                "counterparty": _text(rec.get("counterparty")),
                "sources": srcs,
                "notes": _text(rec.get("notes")),
            })
    out = []
    for idx, rec in zip(ents.index, ents.to_dict("records"), strict=True):
        own_sources = split_refs(rec.get("sources"))
        headline: dict[str, Any] = {}
        for col in HEADLINE_METRICS:
            value = _val(rec.get(col))
            if value is None:
                continue
            origin = None
            if prov is not None and col in prov.columns and idx in prov.index:
                origin = _text(prov.at[idx, col])
            if origin in (None, "entities.csv"):
                headline[col] = {"value": value, "figure": None, "sources": own_sources}
            else:
                headline[col] = {"value": value, "figure": origin,
                                 "sources": fig_sources.get(origin, [])}
        out.append({
            "id": str(rec["id"]),
            "name": _text(rec.get("name")) or str(rec["id"]),
            "kind": _text(rec.get("kind")),
            "country": _text(rec.get("country")),
            "listed": _val(rec.get("listed")),
            "ticker": _text(rec.get("ticker")),
            "parent": _text(rec.get("parent")),
            "as_of": _text(rec.get("as_of")),
            "headline": headline,
            "sources": own_sources,
            "notes": _text(rec.get("notes")),
            "figures": per_entity.get(str(rec["id"]), []),
        })
    return out


def legs_part(net: DealNetwork, horizon: Sequence[Any] | None = DEFAULT_HORIZON
              ) -> list[dict[str, Any]]:
    """Every leg (dead ones included, for history) with the value the library counts.

    ``value`` is :meth:`DealNetwork.legs`'s counted value (``null`` when undisclosed, the
    remainder for an aggregate); ``value_in_horizon`` the part of it inside ``horizon``.
    ``counted`` says whether the leg enters totals (live and not fully covered by its parts).
    """
    from ..vocabulary import STATUSES

    legs = net.legs(statuses=STATUSES, horizon=tuple(horizon) if horizon else None)
    out = []
    for rec in legs.to_dict("records"):
        status = str(rec["status"])
        kind = str(rec["kind"])
        out.append({
            "id": str(rec["id"]),
            "payer": str(rec["payer"]),
            "payee": str(rec["payee"]),
            "kind": kind,
            "layer": LAYER_OF_KIND.get(kind, "other"),
            "status": status,
            "status_group": STATUS_GROUP.get(status, "dead"),
            "evidence": _text(rec.get("evidence")),
            "basis": _text(rec.get("basis")),
            "amount_usd_bn": _val(rec.get("amount_usd_bn")),
            "amount_low": _val(rec.get("amount_low")),
            "amount_high": _val(rec.get("amount_high")),
            "value": _val(rec.get("value")),
            "value_low": _val(rec.get("value_low")),
            "value_high": _val(rec.get("value_high")),
            "value_note": _text(rec.get("value_note")),
            "value_in_horizon": _val(rec.get("value_in_horizon")),
            "horizon_share": _val(rec.get("horizon_share")),
            "counted": status in LIVE_STATUSES,
            "condition": _text(rec.get("condition")),
            "announced": _text(rec.get("announced")),
            "start": _text(rec.get("start")),
            "end": _text(rec.get("end")),
            "stake": _val(rec.get("stake")),
            "supersedes": split_refs(rec.get("supersedes")),
            "part_of": _text(rec.get("part_of")),
            "sources": split_refs(rec.get("sources")),
            "notes": _text(rec.get("notes")),
        })
    return out


def summary_part(net: DealNetwork) -> dict[str, Any]:
    """:func:`dealloop.summary.summarize` as a dictionary (the CLI's ``summary --json``)."""
    from ..summary import summarize

    return jsonable(summarize(net).to_dict())


def flows_part(net: DealNetwork, horizon: Sequence[Any] | None = DEFAULT_HORIZON
               ) -> dict[str, Any]:
    """Who pays whom over ``horizon``: merged payer -> payee links for the Sankey.

    Two selections: ``firm`` (committed and reported legs) and ``all`` (every live leg, adding
    conditional ones). Contingent backstops are left out (they move no cash unless triggered);
    undisclosed legs are listed on their link but add nothing to its amount.
    """
    h = tuple(horizon) if horizon else None
    out: dict[str, Any] = {"horizon": _horizon_label(h), "units": "USD bn"}
    for name, statuses in (("firm", FIRM_STATUSES), ("all", LIVE_STATUSES)):
        g = net.flow_graph(statuses=statuses, horizon=h)
        links = []
        for payer, payee, d in g.edges(data=True):
            if not d["amount"] > 0:
                continue
            links.append({"payer": payer, "payee": payee, "amount": round(d["amount"], 6),
                          "legs": list(d["legs"])})
        links.sort(key=lambda x: -x["amount"])
        out[name] = links
    return out


def history_part(net: DealNetwork) -> list[dict[str, Any]]:
    """Reference figures from ``history.csv`` (dot-com bust, exposures), with their sources."""
    if net.history is None or not len(net.history):
        return []
    return [{
        "id": str(rec["id"]),
        "topic": _text(rec.get("topic")),
        "metric": _text(rec.get("metric")),
        "value": _val(rec.get("value")),
        "unit": _text(rec.get("unit")),
        "date": _text(rec.get("date")),
        "sources": split_refs(rec.get("sources")),
        "notes": _text(rec.get("notes")),
    } for rec in net.history.to_dict("records")]


def layout_part(net: DealNetwork, seed: int = 7) -> dict[str, list[float]]:
    """Deterministic node positions (x, y, roughly in [-1, 1]) for the graph.

    ForceAtlas2 (``networkx.forceatlas2_layout``, fixed seed, strong gravity so small
    components stay near the rest) on the undirected graph of live legs weighted by the log of
    their money, then nodes pushed apart until none overlaps at its drawn size (the report's
    node diameter, 18-80 px, in an 800 x 640 px box). The same dataset always draws the same.
    Networks of more than :data:`LAYOUT_FORCE_MAX` firms get a spiral, most connected firms
    in the middle (a force layout grows with the square of the size).
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
    radius = np.array([_node_diameter(net, n) / 2 + 9 for n in nodes])
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


def _node_diameter(net: DealNetwork, entity_id: str) -> float:
    """The diameter the page draws a firm at (see ``nodeSize`` in ``dealloop.js``)."""
    cache = net._cache.setdefault("report_node_values", {})
    if not cache:
        for eid, cap, rev in net.entities[["id", "market_cap_usd_bn", "revenue_usd_bn"]
                                          ].itertuples(index=False):
            v = cap if isinstance(cap, float) and cap == cap and cap > 0 else rev
            cache[str(eid)] = float(v) if isinstance(v, float) and v == v and v > 0 else 0.0
    vmax = max(cache.values(), default=0.0)
    v = cache.get(entity_id, 0.0)
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


# ------------------------------------------------------------------------------ time
def timeline_part(net: DealNetwork, max_length: int = 6) -> dict[str, Any]:
    """Legs, money and loops by month (:func:`dealloop.circularity.timeline.timeline`), up to
    the as-of date of an as-of view."""
    from ..circularity.timeline import timeline

    return jsonable(timeline(net, end=net.meta.get("as_of"), max_length=max_length).to_dict())


def calendar_part(net: DealNetwork, horizon: Sequence[Any] | None = DEFAULT_HORIZON
                  ) -> dict[str, Any]:
    """The payment calendar (:func:`dealloop.scenarios.calendar.payment_calendars`) of the
    system and of every firm that pays or borrows, firm legs, over ``horizon`` (default
    2026-2030): ``calendars`` maps ``system`` and firm ids to calendars, largest dues first.
    """
    from ..scenarios.calendar import payment_calendars

    cals = payment_calendars(net, horizon=horizon if horizon is not None else DEFAULT_HORIZON)
    order = sorted((f for f in cals if f is not None),
                   key=lambda f: -sum(r["total"] for r in cals[f].rows))
    out = {"system": cals[None].to_dict()}
    out.update({f: cals[f].to_dict() for f in order if any(r["total"] > 0 for r in cals[f].rows)})
    return jsonable({"calendars": out, "method": "dealloop.scenarios.calendar"})


# ------------------------------------------------------------------------------ loops
def loops_part(net: DealNetwork, max_length: int = 6, limit: int = MAX_LOOPS) -> dict[str, Any]:
    """The money loops of :func:`dealloop.circularity.cycles` (every live leg, full amounts).

    ``LoopSet.to_dict()`` (the CLI's ``cycles --json``) with, per loop, an ``id`` and
    ``firm`` (True when every hop has a committed or reported leg, so the loop does not
    depend on conditional legs), and ``participation`` also given as ``by_firm``
    (firm -> record). At most ``limit`` loops are listed; counts cover all.
    """
    from ..circularity import cycles

    raw = jsonable(cycles(net, max_length=max_length, limit=limit).to_dict())
    status = dict(zip(net.deals["id"], net.deals["status"], strict=True))
    for rank, loop in enumerate(raw["loops"], 1):
        loop["id"] = f"loop-{rank}"
        loop["firm"] = all(any(status.get(x) in FIRM_STATUSES for x in hop["legs"])
                           for hop in loop["hops"])
    raw["method"] = "dealloop.circularity.cycles"
    raw["by_firm"] = {p["firm"]: p for p in raw.get("participation", [])}
    return raw


# ------------------------------------------------------------------------------ measures
#: Which legs stand behind a per-firm number: ``in``/``out`` (money received / paid, every
#: cash kind), ``in_purchase``/``out_purchase`` (compute, chips, revenue shares), ``loops``,
#: ``all``; with ``_firm`` for committed and reported legs only. The page filters the firm's
#: legs with this key (``measureLegs`` in ``dealloop.js``).
_MEASURE_COLUMNS: tuple[tuple[str, str, tuple[tuple[str, str, str, str, str], ...]], ...] = (
    # (function, horizon argument, ((column, label, unit, legs, description), ...))
    ("self_financed_revenue", "horizon", (
        ("self_financed", "Self-financed revenue", "USD bn", "in_purchase_firm",
         "In-network revenue over the horizon paid with money the firm itself put in, within "
         "5 hops (pro-rata mixing; dealloop.circularity.self_financed_revenue)."),
        ("share", "Self-financed share", "fraction", "in_purchase_firm",
         "Self-financed revenue over the firm's in-network revenue."),
        ("top_payer", "Mostly via", "firm", "in_purchase_firm",
         "The customer through whom most of the firm's own money comes back."),
    )),
    ("customer_concentration", "", (
        ("top_customer", "Top customer", "firm", "in_purchase_firm",
         "The firm's largest in-network customer (full contract values, firm legs)."),
        ("top_share", "Top customer share", "fraction", "in_purchase_firm",
         "The top customer's share of the firm's in-network contract value."),
        ("hhi", "Customer HHI", "index", "in_purchase_firm",
         "Herfindahl index of in-network customers (1 = a single customer)."),
    )),
    ("commitment_coverage", "horizon", (
        ("commitments", "Commitments due", "USD bn", "out_purchase_firm",
         "Committed purchases (compute, chips) falling due in the horizon."),
        ("coverage", "Coverage", "ratio", "out_purchase_firm",
         "(Cash + annual revenue x horizon years) / commitments; below 1 the firm needs new "
         "money. Revenue is not profit, so this flatters."),
        ("shortfall", "Shortfall", "USD bn", "out_purchase_firm",
         "Commitments not covered by cash and revenue over the horizon."),
    )),
)


def measures_part(net: DealNetwork, horizon: Sequence[Any] | None = DEFAULT_HORIZON,
                  loops: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Per-firm circularity and concentration, one row per entity, with column descriptions.

    Money in and out of each firm over ``horizon`` (firm and all live legs), its legs and
    loops (from ``loops``, see :func:`loops_part`), then the measures of
    :mod:`dealloop.circularity`: self-financed revenue, customer concentration and commitment
    coverage. ``columns`` describe each key (label, unit, which ``legs`` stand behind it);
    ``legs`` maps each firm to the ids of its live legs; ``system`` has the Finn cycling index
    of the money flows (:func:`dealloop.circularity.ena`); ``pending`` names measures this
    installation lacks.
    """
    h = tuple(horizon) if horizon else None
    legs = net.legs(statuses=LIVE_STATUSES, horizon=h)
    flows = legs[legs["kind"] != "capacity_backstop"]
    firm = flows["status"].isin(FIRM_STATUSES)
    money = flows["value_in_horizon"]

    def by(col: str, mask: Any) -> dict[str, float]:
        return money[mask].groupby(flows.loc[mask, col]).sum().to_dict()

    everything = flows["status"].notna()
    in_firm, out_firm = by("payee", firm), by("payer", firm)
    in_all, out_all = by("payee", everything), by("payer", everything)
    by_firm = (loops or {}).get("by_firm", {})
    columns: list[dict[str, Any]] = [
        {"key": "inflow_firm", "label": "In (firm)", "unit": "USD bn", "legs": "in_firm",
         "description": "Money received over the horizon on committed and reported legs."},
        {"key": "inflow_all", "label": "In (all)", "unit": "USD bn", "legs": "in",
         "description": "Money received over the horizon on every live leg (adds "
                        "conditional)."},
        {"key": "outflow_firm", "label": "Out (firm)", "unit": "USD bn", "legs": "out_firm",
         "description": "Money paid over the horizon on committed and reported legs."},
        {"key": "outflow_all", "label": "Out (all)", "unit": "USD bn", "legs": "out",
         "description": "Money paid over the horizon on every live leg."},
        {"key": "loops", "label": "Loops", "unit": "count", "legs": "loops",
         "description": "Money loops through the firm (dealloop.circularity.cycles)."},
        {"key": "loop_money", "label": "Loop money", "unit": "USD bn", "legs": "loops",
         "description": "Sum of the money that can go round each loop through the firm; "
                        "loops share legs, so read it as exposure to circularity, not cash."},
    ]
    rows: dict[str, dict[str, Any]] = {}
    firm_legs: dict[str, list[str]] = {}
    for eid in net.ids:
        mine = legs[(legs["payer"] == eid) | (legs["payee"] == eid)]
        firm_legs[eid] = [str(x) for x in mine["id"]]
        rows[eid] = {
            "inflow_firm": round(in_firm.get(eid, 0.0), 6),
            "inflow_all": round(in_all.get(eid, 0.0), 6),
            "outflow_firm": round(out_firm.get(eid, 0.0), 6),
            "outflow_all": round(out_all.get(eid, 0.0), 6),
            "loops": int(by_firm.get(eid, {}).get("n_loops", 0)),
            "loop_money": _val(by_firm.get(eid, {}).get("loop_money", 0.0)),
        }
    pending: list[str] = []
    try:
        from .. import circularity
    except ImportError:  # pragma: no cover
        circularity = None
    for name, arg, specs in _MEASURE_COLUMNS:
        fn = getattr(circularity, name, None)
        if fn is None:
            pending.append(f"dealloop.circularity.{name}")
            continue
        frame = (fn(net, horizon=h) if arg == "horizon" else fn(net)).to_frame()
        for column, label, unit, which, description in specs:
            key = f"{name}.{column}"
            columns.append({"key": key, "label": label, "unit": unit, "legs": which,
                            "description": description})
            for eid, v in frame[column].items():
                rows.setdefault(str(eid), {})[key] = _val(v) if unit != "firm" else _text(v)
    return {"horizon": _horizon_label(h), "columns": columns,
            "rows": [{"id": eid, **vals} for eid, vals in rows.items()],
            "legs": firm_legs, "system": _system_measures(net, h, circularity),
            "pending": pending}


def _system_measures(net: DealNetwork, horizon: tuple[Any, ...] | None, circularity: Any
                     ) -> dict[str, Any]:
    """Finn cycling index of the money flows (every cash kind) over the horizon."""
    fn = getattr(circularity, "ena", None)
    if fn is None:
        return {}
    from ..vocabulary import CONTINGENT_KINDS, DEAL_KINDS

    kinds = [k for k in DEAL_KINDS if k not in CONTINGENT_KINDS and k != "warrant"]
    out: dict[str, Any] = {"description": (
        "Ecological network analysis of the money flows over the horizon (every cash leg: "
        "equity, credit, purchases): tst = total throughflow, cycled = throughflow that has "
        "been round a loop, fci = cycled / tst (Finn cycling index), apl = average path "
        "length (dealloop.circularity.ena).")}
    for name, statuses in (("firm", FIRM_STATUSES), ("all", LIVE_STATUSES)):
        try:
            r = fn(net, kinds=kinds, statuses=statuses, horizon=horizon)
        except ValueError as exc:  # e.g. flows that never leave the system
            out[name] = {"error": str(exc)}
            continue
        out[name] = {"fci": _val(r.fci), "tst": _val(r.tst), "cycled": _val(r.tstc),
                     "apl": _val(r.apl)}
    return out


# ------------------------------------------------------------------------------ stress
def stress_part(scenario: Any, net: DealNetwork, *, band: bool = True) -> dict[str, Any]:
    """Run one scenario (a loaded scenario, a shipped name or a file path) on ``net``.

    Returns ``name``, ``question``, ``notes``, ``headlines`` (key, label and unit of each
    headline figure, in display order) and ``result``: the scenario engine's
    ``StressResult.to_dict()`` (as ``dealloop stress --json``) with ``holders`` (where the
    losses land, :func:`dealloop.holders.result_dict`), with the evidence band when ``band``.
    """
    from .. import scenarios as sc
    from ..holders import result_dict

    loaded = sc.load(scenario) if isinstance(scenario, str) or hasattr(scenario, "__fspath__") \
        else scenario
    result = sc.run(loaded, net, band=band)
    return {
        "name": _text(getattr(loaded, "name", None)) or str(scenario),
        "question": _text(getattr(loaded, "question", None)),
        "notes": _text(getattr(loaded, "notes", None)),
        "headlines": stress_headlines(),
        "result": jsonable(result_dict(result, net, loaded)),
    }


def stress_headlines() -> list[dict[str, str]]:
    """Key, label and unit of each headline figure of a stress run, in display order."""
    from ..scenarios.results import HEADLINES

    return [{"key": k, "label": label.strip(), "unit": unit, "indent": label.startswith(" ")}
            for k, (label, unit) in HEADLINES.items()]


def systemic_part(net: DealNetwork, scenario: Any = "baseline") -> dict[str, Any]:
    """Fail each firm in turn (:func:`dealloop.holders.systemic.systemic`): ``scenario``,
    ``firms`` (one row each, ranked by the loss that lands outside the network), ``notes``;
    empty when the network cannot be run (e.g. a dataset without the shipped scenario's
    firms)."""
    from ..data.problems import DataError
    from ..holders.systemic import systemic

    try:
        res = systemic(scenario, net)
    except (DataError, ValueError):
        return {}
    return jsonable(res.to_dict())


def signals_part(net: DealNetwork) -> dict[str, Any]:
    """Early-warning lights per firm as of the latest market quote, with the monthly series of
    the quoted firms (:func:`dealloop.markets.signals_bundle`, shipped thresholds)."""
    from ..markets import signals_bundle

    return signals_bundle(net)


# ------------------------------------------------------------------------------ the bundle
def results_bundle(
    net: DealNetwork,
    scenarios: Iterable[Any] = (),
    *,
    horizon: Sequence[Any] | None = DEFAULT_HORIZON,
    max_loop_length: int = 6,
    layout: bool = True,
    band: bool = True,
    systemic: bool = False,
    signals: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Everything the report and the dashboard show, JSON-safe.

    Parameters
    ----------
    net : the network (``dealloop.load(...)``).
    scenarios : scenarios to run (loaded scenarios, shipped names or file paths).
    horizon : years (or dates) over which contracts are apportioned; ``None`` for full terms.
    max_loop_length : longest loop searched, in firms.
    layout : include deterministic graph positions (``layout``).
    band : run each scenario on the evidence band too (A, A+B, all legs).
    systemic : fail each firm in turn and rank them (``systemic``; a few seconds).
    signals : early-warning lights per firm and their monthly series (``signals``, see
        :func:`dealloop.markets.signals_bundle`; a few seconds).
    progress : called with the name of each section before it is built (``"loops"``,
        ``"scenario coreweave-default"``, ...), for a progress display.

    Returns
    -------
    dict
        ``schema``, ``dataset``, ``horizon``, ``sources``, ``entities``, ``legs``, ``summary``,
        ``loops``, ``measures``, ``flows``, ``history``, ``timeline``, ``calendar``,
        ``citation``, ``stress``, ``systemic``, ``signals``, ``layout``
        and ``pending`` (library parts not available in this installation).

    Examples
    --------
    >>> import json, dealloop as dl
    >>> net = dl.load()
    >>> b = results_bundle(net, layout=False)
    >>> b["dataset"]["legs"] == len(net.deals), len(b["entities"]) == len(net.entities)
    (True, True)
    >>> _ = json.dumps(b, allow_nan=False)
    """
    step = progress or (lambda _name: None)
    step("loops")
    loops = loops_part(net, max_loop_length)
    step("circularity measures")
    measures = measures_part(net, horizon, loops)
    pending = list(measures["pending"])
    stress = []
    for s in scenarios:
        step(f"scenario {getattr(s, 'name', s)}")
        stress.append(stress_part(s, net, band=band))
    step("legs, flows and sources")
    parts = {"dataset": dataset_part(net), "sources": sources_part(net),
             "entities": entities_part(net), "legs": legs_part(net, horizon),
             "summary": summary_part(net), "flows": flows_part(net, horizon),
             "history": history_part(net)}
    step("timeline and payment calendar")
    parts.update({"timeline": timeline_part(net, max_loop_length),
                  "calendar": calendar_part(net, horizon), "citation": citation_part(net)})
    if systemic:
        step("systemic ranking")
    sys_part = systemic_part(net) if systemic else {}
    if signals:
        step("market signals")
    sig_part = signals_part(net) if signals else {}
    if layout:
        step("graph layout")
    lay = layout_part(net) if layout else {}
    return {
        "schema": SCHEMA,
        "dataset": parts["dataset"],
        "horizon": _horizon_label(horizon),
        "sources": parts["sources"],
        "entities": parts["entities"],
        "legs": parts["legs"],
        "summary": parts["summary"],
        "loops": loops,
        "measures": measures,
        "flows": parts["flows"],
        "history": parts["history"],
        "timeline": parts["timeline"],
        "calendar": parts["calendar"],
        "citation": parts["citation"],
        "stress": stress,
        "systemic": sys_part,
        "signals": sig_part,
        "layout": lay,
        "pending": pending,
    }
