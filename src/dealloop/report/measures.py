"""The loops and per-firm measures parts of the results bundle (:mod:`.bundle`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..jsonutil import jsonable
from ..vocabulary import CONTRACT_SHARE_BASIS, DEFAULT_HORIZON, FIRM_STATUSES, LIVE_STATUSES
from .cells import cell_text, cell_value, horizon_label

__all__ = ["MAX_LOOPS", "loops_part", "measures_part"]

if TYPE_CHECKING:
    from ..network import DealNetwork

#: Loops kept in the bundle (largest money first); the full count is reported beside them.
MAX_LOOPS = 200


def loops_part(net: DealNetwork, max_length: int = 6, limit: int = MAX_LOOPS) -> dict[str, Any]:
    """The money loops of :func:`dealloop.circularity.cycles` (every live leg, full amounts).

    ``LoopSet.to_dict()`` (the CLI's ``cycles --json``) with, per loop, an ``id`` and
    ``firm`` (True when every hop has a committed or reported leg, so the loop does not
    depend on conditional legs), and ``participation`` also given as ``by_firm``
    (firm -> record). At most ``limit`` loops are listed; counts cover all.

    Examples
    --------
    >>> import dealloop as dl
    >>> part = loops_part(dl.load())
    >>> part["n_loops"] == sum(part["counts_by_length"].values()), part["max_length"]
    (True, 6)
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
        ("top_share", "Top customer's share of contract value", "fraction",
         "in_purchase_firm", f"The top customer's {CONTRACT_SHARE_BASIS}."),
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
    of the money flows (:func:`dealloop.circularity.ena`).

    Examples
    --------
    >>> import dealloop as dl
    >>> net = dl.load()
    >>> part = measures_part(net, loops=loops_part(net))
    >>> sorted(part)
    ['columns', 'horizon', 'legs', 'rows', 'system']
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
            "loop_money": cell_value(by_firm.get(eid, {}).get("loop_money", 0.0)),
        }
    from .. import circularity

    for name, arg, specs in _MEASURE_COLUMNS:
        fn = getattr(circularity, name)
        frame = (fn(net, horizon=h) if arg == "horizon" else fn(net)).to_frame()
        for column, label, unit, which, description in specs:
            key = f"{name}.{column}"
            columns.append({"key": key, "label": label, "unit": unit, "legs": which,
                            "description": description})
            for eid, v in frame[column].items():
                rows.setdefault(str(eid), {})[key] = (cell_value(v) if unit != "firm"
                                                      else cell_text(v))
    return {"horizon": horizon_label(h), "columns": columns,
            "rows": [{"id": eid, **vals} for eid, vals in rows.items()],
            "legs": firm_legs, "system": _system_measures(net, h)}


def _system_measures(net: DealNetwork, horizon: tuple[Any, ...] | None) -> dict[str, Any]:
    """Finn cycling index of the money flows (every cash kind) over the horizon: the same
    computation as ``dealloop circularity`` (:func:`dealloop.circularity.money_cycling`)."""
    from ..circularity import money_cycling

    out: dict[str, Any] = {"description": (
        "Ecological network analysis of the money flows over the horizon (every cash leg: "
        "equity, credit, purchases): tst = total throughflow, cycled = throughflow that has "
        "been round a loop, fci = cycled / tst (Finn cycling index), apl = average path "
        "length (dealloop.circularity.money_cycling); firm = committed and reported legs, "
        "all = with conditional legs.")}
    for name, r in money_cycling(net, horizon=horizon).items():
        out[name] = ({"error": "no flow that can be analysed (none, or a closed system)"}
                     if r is None else {"fci": cell_value(r.fci), "tst": cell_value(r.tst),
                                        "cycled": cell_value(r.tstc), "apl": cell_value(r.apl)})
    return out


# ------------------------------------------------------------------------------ stress
