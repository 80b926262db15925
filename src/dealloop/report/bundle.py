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

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .._version import __version__
from ..data.read import split_refs
from ..data.schema import HEADLINE_METRICS
from ..jsonutil import jsonable
from ..vocabulary import DEFAULT_HORIZON, FIRM_STATUSES, LIVE_STATUSES
from .analyses import macro_part, signals_part, stress_part, systemic_part
from .cells import cell_text, cell_value, horizon_label
from .layout import layout_part
from .measures import loops_part, measures_part
from .simulation import simulation_part

__all__ = ["LAYER_OF_KIND", "SCHEMA", "STATUS_GROUP", "calendar_part", "citation_part",
           "dataset_part", "entities_part", "flows_part", "history_part", "legs_part",
           "results_bundle", "safe_href", "sources_part", "summary_part", "timeline_part"]

if TYPE_CHECKING:

    from ..network import DealNetwork

SCHEMA = "dealloop.results/1"

LAYER_OF_KIND = {
    "equity_investment": "equity",
    "warrant": "equity",
    "loan": "credit",
    "bond": "credit",
    "private_credit": "credit",
    "compute_contract": "purchase",
    "chip_purchase": "purchase",
    "revenue_share": "purchase",
    "lease": "purchase",
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
    text = cell_text(url)
    if text is None or text != text.strip() or any(ord(c) < 0x20 for c in text):
        return None
    try:
        parsed = urlparse(text)
    except ValueError:
        return None
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        return None
    return text


# ------------------------------------------------------------------------------ parts
def dataset_part(net: DealNetwork) -> dict[str, Any]:
    """Name, title, version and date of the dataset, with its size, its content hash and
    whether it is the release its descriptor names (``release_status``: ``release``,
    ``modified`` or ``unreleased``; ``release_note`` says it in words).

    ``date`` is the descriptor's ``created`` date, else the latest date in the data (legs
    announced, figures, sources).

    Examples
    --------
    >>> import dealloop as dl
    >>> dataset_part(dl.load())["name"]
    'ai2026'
    """
    from ..data.release import describe

    meta = net.meta
    date = cell_text(meta.get("created"))
    if date is None:
        dates = [str(d) for frame, col in ((net.deals, "announced"), (net.sources, "date"))
                 if frame is not None and col in frame for d in frame[col].dropna()]
        date = max(dates) if dates else None
    return {
        "name": cell_text(meta.get("name")) or (net.path.name if net.path else "dataset"),
        "title": cell_text(meta.get("title")),
        "version": cell_text(meta.get("version")),
        "date": date,
        "entities": len(net.entities),
        "legs": len(net.deals),
        "sources": len(net.sources),
        "dealloop_version": __version__,
        "content_hash": cell_text(meta.get("content_hash")),
        "release_hash": cell_text(meta.get("release_hash")),
        "release_status": cell_text(meta.get("release_status")),
        "release_note": describe(meta),
        "as_of": cell_text(meta.get("as_of")),
    }


def citation_part(net: DealNetwork) -> dict[str, Any]:
    """How to cite the dataset (:func:`dealloop.cite.citation`).

    Examples
    --------
    >>> import dealloop as dl
    >>> "@" in citation_part(dl.load())["bibtex"]
    True
    """
    from ..cite import citation

    return jsonable(citation(net))


def sources_part(net: DealNetwork) -> dict[str, dict[str, Any]]:
    """Source id -> ``url`` (text), ``href`` (only for http(s)), ``publisher``, ``title``,
    ``date``, ``tier`` (``primary``, ``major_outlet``, ``trade_press`` or ``aggregator``; an
    empty cell reads as ``aggregator``) and, for a copy, ``original_publisher``,
    ``original_title`` and ``original_date`` as the copy states them.

    Examples
    --------
    >>> import dealloop as dl
    >>> all(s["tier"] for s in sources_part(dl.load()).values())
    True
    """
    from ..sources import tiers

    tier = tiers(net)
    out: dict[str, dict[str, Any]] = {}
    for rec in net.sources.to_dict("records"):
        url = cell_text(rec.get("url"))
        out[str(rec["id"])] = {
            "url": url,
            "href": safe_href(url),
            "publisher": cell_text(rec.get("publisher")),
            "title": cell_text(rec.get("title")),
            "date": cell_text(rec.get("date")),
            "tier": tier[str(rec["id"])],
            "original_publisher": cell_text(rec.get("original_publisher")),
            "original_title": cell_text(rec.get("original_title")),
            "original_date": cell_text(rec.get("original_date")),
        }
    return out


def entities_part(net: DealNetwork) -> list[dict[str, Any]]:
    """One record per entity: its columns, headline figures with the figure id and sources
    behind each, and its rows of ``figures.csv``.

    Examples
    --------
    >>> import dealloop as dl
    >>> [e["id"] for e in entities_part(dl.load())] == list(dl.load().entities["id"])
    True
    """
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
                "metric": cell_text(rec.get("metric")),
                "value": cell_value(rec.get("value")),
                "unit": cell_text(rec.get("unit")),
                "period": cell_text(rec.get("period")),
                "as_of": cell_text(rec.get("as_of")),
                "counterparty": cell_text(rec.get("counterparty")),
                "sources": srcs,
                "notes": cell_text(rec.get("notes")),
            })
    out = []
    for idx, rec in zip(ents.index, ents.to_dict("records"), strict=True):
        own_sources = split_refs(rec.get("sources"))
        headline: dict[str, Any] = {}
        for col in HEADLINE_METRICS:
            value = cell_value(rec.get(col))
            if value is None:
                continue
            origin = None
            if prov is not None and col in prov.columns and idx in prov.index:
                origin = cell_text(prov.at[idx, col])
            if origin in (None, "entities.csv"):
                headline[col] = {"value": value, "figure": None, "sources": own_sources}
            else:
                headline[col] = {"value": value, "figure": origin,
                                 "sources": fig_sources.get(origin, [])}
        out.append({
            "id": str(rec["id"]),
            "name": cell_text(rec.get("name")) or str(rec["id"]),
            "kind": cell_text(rec.get("kind")),
            "country": cell_text(rec.get("country")),
            "listed": cell_value(rec.get("listed")),
            "ticker": cell_text(rec.get("ticker")),
            "parent": cell_text(rec.get("parent")),
            "as_of": cell_text(rec.get("as_of")),
            "headline": headline,
            "sources": own_sources,
            "notes": cell_text(rec.get("notes")),
            "figures": per_entity.get(str(rec["id"]), []),
        })
    return out


def legs_part(net: DealNetwork, horizon: Sequence[Any] | None = DEFAULT_HORIZON
              ) -> list[dict[str, Any]]:
    """Every leg (dead ones included, for history) with the value the library counts.

    ``value`` is :meth:`DealNetwork.legs`'s counted value (``null`` when undisclosed, the
    remainder for an aggregate); ``value_in_horizon`` the part of it inside ``horizon``.
    ``counted`` says whether the leg enters totals (live and not fully covered by its parts).
    ``term_assumed`` (no end reported: :data:`~dealloop.network.DEFAULT_TERM_YEARS` assumed)
    and ``dated`` (``False``: no date, counted in full in the horizon) flag what
    ``value_in_horizon`` assumes; ``term_note`` says it in words (``null`` when nothing is
    assumed).

    Examples
    --------
    >>> import dealloop as dl
    >>> {"id", "payer", "payee", "value"} <= set(legs_part(dl.load())[0])
    True
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
            "evidence": cell_text(rec.get("evidence")),
            "basis": cell_text(rec.get("basis")),
            "amount_usd_bn": cell_value(rec.get("amount_usd_bn")),
            "amount_low": cell_value(rec.get("amount_low")),
            "amount_high": cell_value(rec.get("amount_high")),
            "value": cell_value(rec.get("value")),
            "value_low": cell_value(rec.get("value_low")),
            "value_high": cell_value(rec.get("value_high")),
            "value_note": cell_text(rec.get("value_note")),
            "value_in_horizon": cell_value(rec.get("value_in_horizon")),
            "horizon_share": cell_value(rec.get("horizon_share")),
            "term_assumed": bool(rec.get("term_assumed", False)),
            "dated": bool(rec.get("dated", True)),
            "term_note": _term_note(kind, rec),
            "counted": status in LIVE_STATUSES,
            "condition": cell_text(rec.get("condition")),
            "announced": cell_text(rec.get("announced")),
            "start": cell_text(rec.get("start")),
            "end": cell_text(rec.get("end")),
            "stake": cell_value(rec.get("stake")),
            "supersedes": split_refs(rec.get("supersedes")),
            "part_of": cell_text(rec.get("part_of")),
            "sources": split_refs(rec.get("sources")),
            "notes": cell_text(rec.get("notes")),
        })
    return out


def _term_note(kind: str, rec: Mapping[Any, Any]) -> str | None:
    """What a leg's part in the horizon assumes, in words (``None`` when nothing).

    Examples
    --------
    >>> _term_note("compute_contract", {"term_assumed": True, "dated": True})
    'no end reported: a 5-year term assumed'
    >>> _term_note("loan", {"term_assumed": False, "dated": False})
    'undated: counted in full in the horizon'
    >>> _term_note("loan", {"term_assumed": False, "dated": True}) is None
    True
    """
    from ..network import DEFAULT_TERM_YEARS

    if rec.get("term_assumed"):
        years = DEFAULT_TERM_YEARS.get(kind)
        return ("no end reported: " + (f"a {years}-year term assumed" if years
                                       else "term assumed"))
    if rec.get("dated") is False:
        return "undated: counted in full in the horizon"
    return None


def summary_part(net: DealNetwork) -> dict[str, Any]:
    """:func:`dealloop.summary.summarize` as a dictionary (the CLI's ``summary --json``).

    Examples
    --------
    >>> import dealloop as dl
    >>> summary_part(dl.load())["dataset"]
    'ai2026'
    """
    from ..summary import summarize

    return jsonable(summarize(net).to_dict())


def flows_part(net: DealNetwork, horizon: Sequence[Any] | None = DEFAULT_HORIZON
               ) -> dict[str, Any]:
    """Who pays whom over ``horizon``: merged payer -> payee links for the Sankey.

    Two selections: ``firm`` (committed and reported legs) and ``all`` (every live leg, adding
    conditional ones). Contingent backstops are left out (they move no cash unless triggered);
    undisclosed legs are listed on their link but add nothing to its amount, and so are
    non-cash legs and stocks outstanding (``apart``: leg ids with their amount and why), as
    in the summary's headline columns; a link with no cash amount is dropped.

    Examples
    --------
    >>> import dealloop as dl
    >>> sorted(flows_part(dl.load()))
    ['all', 'firm', 'horizon', 'units']
    """
    h = tuple(horizon) if horizon else None
    out: dict[str, Any] = {"horizon": horizon_label(h), "units": "USD bn"}
    for name, statuses in (("firm", FIRM_STATUSES), ("all", LIVE_STATUSES)):
        g = net.flow_graph(statuses=statuses, horizon=h)
        links = []
        for payer, payee, d in g.edges(data=True):
            cash, apart = 0.0, []
            for leg, amount, marks in zip(d["legs"], d["amounts"], d["caveats"], strict=True):
                moved = [m for m in marks if m in ("non_cash", "stock")]
                if moved:
                    apart.append({"leg": leg, "amount": cell_value(amount), "why": moved[0]})
                elif amount == amount:
                    cash += amount
            if not cash > 0:
                continue
            links.append({"payer": payer, "payee": payee, "amount": round(cash, 6),
                          "legs": list(d["legs"]), "apart": apart})
        links.sort(key=lambda x: -x["amount"])
        out[name] = links
    return out


def history_part(net: DealNetwork) -> list[dict[str, Any]]:
    """Reference figures from ``history.csv`` (dot-com bust, exposures), with their sources.

    Examples
    --------
    >>> import dealloop as dl
    >>> len(history_part(dl.load())) == len(dl.load().history)
    True
    """
    if net.history is None or not len(net.history):
        return []
    return [{
        "id": str(rec["id"]),
        "topic": cell_text(rec.get("topic")),
        "metric": cell_text(rec.get("metric")),
        "value": cell_value(rec.get("value")),
        "unit": cell_text(rec.get("unit")),
        "date": cell_text(rec.get("date")),
        "sources": split_refs(rec.get("sources")),
        "notes": cell_text(rec.get("notes")),
    } for rec in net.history.to_dict("records")]


# ------------------------------------------------------------------------------ time
def timeline_part(net: DealNetwork, max_length: int = 6) -> dict[str, Any]:
    """Legs, money and loops by month (:func:`dealloop.circularity.timeline.timeline`), up to
    the as-of date of an as-of view.

    Examples
    --------
    >>> import dealloop as dl
    >>> part = timeline_part(dl.load().as_of("2024-12-31"))     # an as-of view ends at its date
    >>> part["rows"][-1]["month"], part["max_length"]
    ('2024-12', 6)
    """
    from ..circularity.timeline import timeline

    return jsonable(timeline(net, end=net.meta.get("as_of"), max_length=max_length).to_dict())


def calendar_part(net: DealNetwork, horizon: Sequence[Any] | None = DEFAULT_HORIZON
                  ) -> dict[str, Any]:
    """The payment calendar (:func:`dealloop.scenarios.calendar.payment_calendars`) of the
    system and of every firm that pays or borrows, firm legs, over ``horizon`` (default
    2026-2030): ``calendars`` maps ``system`` and firm ids to calendars, largest dues first.

    Examples
    --------
    >>> import dealloop as dl
    >>> "openai" in calendar_part(dl.load())["calendars"]
    True
    """
    from ..scenarios.calendar import payment_calendars

    cals = payment_calendars(net, horizon=horizon if horizon is not None else DEFAULT_HORIZON)
    order = sorted((f for f in cals if f is not None),
                   key=lambda f: -sum(r["total"] for r in cals[f].rows))
    out = {"system": cals[None].to_dict()}
    out.update({f: cals[f].to_dict() for f in order if any(r["total"] > 0 for r in cals[f].rows)})
    return jsonable({"calendars": out, "method": "dealloop.scenarios.calendar"})


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
    draws: int = 0,
    seed: int | None = None,
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
    draws, seed : when ``draws`` > 0, also draw each scenario's uncertain inputs ``draws``
        times (``seed``: the scenario's own unless given) and follow every draw's losses to
        the holders: its ``stress`` entry gets ``simulation``
        (:func:`dealloop.report.simulation.simulation_part`, what ``dealloop simulate``
        prints).
    progress : called with the name of each section before it is built (``"loops"``,
        ``"scenario coreweave-default"``, ...), for a progress display.

    Returns
    -------
    dict
        ``schema``, ``dataset``, ``horizon``, ``sources``, ``entities``, ``legs``, ``summary``,
        ``loops``, ``measures``, ``flows``, ``history``, ``timeline``, ``calendar``,
        ``citation``, ``macro``, ``stress``, ``systemic``, ``signals`` and ``layout``.

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
    stress = []
    for s in scenarios:
        step(f"scenario {getattr(s, 'name', s)}")
        stress.append(stress_part(s, net, band=band))
        if draws:
            step(f"Monte Carlo {getattr(s, 'name', s)}")
            stress[-1]["simulation"] = simulation_part(s, net, draws=draws, seed=seed)
    step("legs, flows and sources")
    parts = {"dataset": dataset_part(net), "sources": sources_part(net),
             "entities": entities_part(net), "legs": legs_part(net, horizon),
             "summary": summary_part(net), "flows": flows_part(net, horizon),
             "history": history_part(net)}
    step("timeline and payment calendar")
    parts.update({"timeline": timeline_part(net, max_loop_length),
                  "calendar": calendar_part(net, horizon), "citation": citation_part(net),
                  "macro": macro_part(net)})
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
        "horizon": horizon_label(horizon),
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
        "macro": parts["macro"],
        "stress": stress,
        "systemic": sys_part,
        "signals": sig_part,
        "layout": lay,
    }
