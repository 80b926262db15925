"""``dealloop cycles`` and ``dealloop circularity``: the loops, and how circular each firm is."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ._common import (
    DataOpt,
    DerivedOpt,
    EstimatesOpt,
    EvidenceOpt,
    FirmOpt,
    HorizonOpt,
    JsonOpt,
    KindOpt,
    SeedOpt,
    StatusOpt,
    choose,
    fail,
    horizon_opt,
    load_network,
    print_json,
)

MaxLenOpt = Annotated[int, typer.Option("--max-length", "-k", min=2, max=12,
                                        help="Longest loop, in hops.")]
NullOpt = Annotated[int, typer.Option("--null", min=0, max=10_000,
                                      help="Degree-preserving random networks to compare "
                                           "loop counts with (0 = skip).")]


def _selection(net: Any, kinds: list[str] | None, status: list[str] | None,
               firm: str | None) -> tuple[list[str] | None, list[str] | None, str | None]:
    from ._names import kind_choices, resolve_firm, resolve_many, status_choices

    return (choose("--kind", resolve_many, kinds, kind_choices(), what="deal kind"),
            choose("--status", resolve_many, status, status_choices(), what="status"),
            None if firm is None else choose("--firm", resolve_firm, net, firm))


def _check_selection(status: list[str] | None, evidence: list[str] | None = None,
                     kinds: list[str] | None = None) -> None:
    """Refuse unknown --status/--evidence/--kinds values as a usage error (exit 2), before
    any work, so that an error from the computation is about the data (exit 1)."""
    from ..network import Selection

    try:
        Selection.make(status, evidence, True, kinds)
    except ValueError as exc:
        fail(f"Error: {exc}", 2)


def cycles(
    data: DataOpt = None,
    max_length: MaxLenOpt = 6,
    min_amount: Annotated[float, typer.Option("--min-amount", min=0.0,
                                              help="Smallest hop amount, USD bn.")] = 0.0,
    kinds: KindOpt = None,
    status: StatusOpt = None,
    evidence: EvidenceOpt = None,
    derived: DerivedOpt = True,
    estimates: EstimatesOpt = False,
    firm: FirmOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Loops to show.")] = 25,
    null: NullOpt = 0,
    seed: SeedOpt = 0,
    json_out: JsonOpt = False,
) -> None:
    """Every simple money loop up to --max-length hops, ranked by bottleneck amount.

    A loop's bottleneck is the most money that can go all the way round (its smallest hop);
    parallel legs between two firms are merged into one hop. By default every live leg counts
    (committed, reported and conditional) except contingent backstops. "temporal" says whether
    the hops were announced in an order that lets money come back (unknown when a hop is
    undated). With --null N, loop counts are compared with N degree-preserving randomisations.
    """
    from ..circularity import cycle_significance, money_graph
    from ..circularity.budget import LoopBudgetError, top_loops
    from ..circularity.cycles import loops_of
    from ._progress import enabled, steps

    kinds, status, _ = _selection(None, kinds, status, None)
    _check_selection(status, evidence, kinds)
    net = load_network(data)
    firm = _selection(net, None, None, firm)[2]
    sel: dict[str, Any] = {"kinds": kinds, "statuses": status, "evidence": evidence,
           "include_derived": derived, "include_estimates": estimates}
    over, searched = None, min_amount
    try:
        with steps(None, "cycles", enabled=enabled(json_out)) as step:
            step(f"finding loops up to {max_length} hops in {len(net.ids):,} firms")
            graph = money_graph(net, **sel)
            try:
                loops = loops_of(graph, max_length, min_amount=min_amount)
            except LoopBudgetError as exc:  # too many to list: the top --limit ones, exactly
                step(f"too many loops; the top {limit:,} by bottleneck")
                loops, searched, complete = top_loops(graph, max_length, limit,
                                                      min_amount=min_amount)
                over = None if complete else str(exc)
            if over is not None and null:
                fail(f"Error: --null compares every loop, and there are too many: {over}")
            if null:
                step(f"{null:,} randomised networks")
            sig = (cycle_significance(net, max_length, n_samples=null, seed=seed,
                                      min_amount=min_amount, **sel) if null else None)
    except (ValueError, ArithmeticError) as exc:  # options are checked: this is the data
        fail(f"Error: cannot find the loops of this dataset: {exc}")
    partial = (None if over is None else
               f"Too many loops to list them all ({over}); the top ones by bottleneck are "
               f"exact: every loop whose smallest hop is at least {searched:,.4g} bn was "
               "searched, smaller ones were not, and the counts cover only those.")
    frame = loops.to_frame()
    if firm is not None:
        keep = [firm in loop.firms for loop in loops]
        frame = frame[keep]
    if json_out:
        out = loops.to_dict()
        if firm is not None:
            out["firm"] = firm
            out["loops"] = [lp for lp, k in zip(out["loops"], keep, strict=False) if k]
        out["loops"] = out["loops"][:limit]
        part = loops.participation()
        if firm is not None:
            part = part.loc[[firm]] if firm in part.index else part.iloc[:0]
        out["participation"] = part.reset_index().to_dict("records")
        out["significance"] = sig.to_dict() if sig else None
        out["complete"] = partial is None
        out["searched_min_amount"] = searched
        out["note"] = partial
        print_json(out)
        return
    _print_cycles(loops, frame, limit, max_length, firm, sig, null, partial)


def _print_cycles(loops: Any, frame: Any, limit: int, max_length: int, firm: str | None,
                  sig: Any, null: int, partial: str | None) -> None:
    from ._tables import Col, count, echo, table, wrap

    if partial is not None:
        echo(wrap(partial))
    counts = ", ".join(f"{count(k)} of length {n}" for n, k in loops.counts.items() if k)
    echo(wrap(f"{count(loops.n_loops)} loops up to {max_length} hops"
              + (f" ({counts})" if counts else "")))
    if firm is not None:
        echo(wrap(f"{count(len(frame))} of them through {firm}"))
    top = frame.head(limit)
    undisclosed = bool((top["undisclosed_legs"] > 0).any())
    rests = "rests_on" in top.columns
    rows = [[r.rank, r.firms,
             None if r.undisclosed_legs and not r.bottleneck else r.bottleneck,
             r.total, {True: "yes", False: "no"}.get(r.temporal, "unknown"), r.legs,
             *([r.rests_on] if rests else [])]
            for r in top.itertuples()]
    echo(table(f"Top {len(rows)} loops by bottleneck ($bn)",
               [Col("rank", "count"), Col("firms"), Col("bottleneck", "money"),
                Col("total", "money"), Col("temporal", short="time"), Col("legs"),
                *([Col("rests on")] if rests else [])], rows,
               caption="bottleneck = the most money that can go all the way round; "
                       "temporal = hops announced in an order that lets money come back"
                       + ("; n/a = a hop has no disclosed amount" if undisclosed else "")))
    part = loops.participation()
    part = part.loc[[firm]] if firm is not None and firm in part.index else part.head(15)
    echo(table("Loop participation per firm ($bn)",
               [Col("firm"), Col("loops", "count"), Col("share of loops", "share", "share"),
                Col("loop money", "money"), Col("largest bottleneck", "money", "largest")],
               [[f, r.n_loops, r.share_of_loops, r.loop_money,
                 None if r.n_loops and not r.max_bottleneck else r.max_bottleneck]
                for f, r in part.iterrows()],
               caption="loop money adds the bottleneck of every loop through the firm: loops "
                       "share legs, so read it as exposure to circularity, not cash"))
    if sig is not None:
        sf = sig.to_frame()
        echo(table(f"Loops vs {count(null)} degree-preserving randomisations",
                   [Col(sf.index.name or "length"), *[Col(str(c).replace("_", " "),
                                                          "number") for c in sf.columns]],
                   [[i, *r] for i, r in zip(sf.index, sf.itertuples(index=False),
                                            strict=True)]))


def circularity(
    data: DataOpt = None,
    max_length: MaxLenOpt = 6,
    status: StatusOpt = None,
    firm: FirmOpt = None,
    horizon: HorizonOpt = None,
    null: NullOpt = 0,
    seed: SeedOpt = 0,
    json_out: JsonOpt = False,
) -> None:
    """How circular the network is, per firm and for the system.

    Per firm: loops and the money on them, self-financed revenue (the part of its revenue
    paid with money it put into its customers itself, traced pro rata up to max-length - 1
    hops), top-customer share and Herfindahl index of incoming contract value, committed
    payments over the horizon against revenue and cash, and value double-counted through
    cross-holdings. System: loop counts, the Finn cycling index on all money (firm legs, and
    with conditional legs) and on purchases only, self-financed share, double-counted market
    value.
    """
    from ..circularity import circularity as run

    _, status, _ = _selection(None, None, status, None)
    _check_selection(status)
    h = horizon_opt(horizon)
    net = load_network(data)
    firm = _selection(net, None, None, firm)[2]

    from ._progress import working

    try:
        with working("circularity", f"loops, flows and measures of {len(net.ids):,} firms",
                     json_out=json_out):
            result = run(net, max_length=max_length, statuses=status, n_samples=null,
                         seed=seed, horizon=h)
    except (ValueError, ArithmeticError) as exc:  # options are checked: this is the data
        fail(f"Error: cannot measure circularity on this dataset: {exc}")
    if json_out:
        out = result.to_dict()
        out["horizon"] = list(h)
        if firm is not None:
            out["firms"] = [r for r in out["firms"] if r["firm"] == firm]
        print_json(out)
        return
    _print_circularity(result, h, firm)


def _print_circularity(result: Any, horizon: tuple[int, int], firm: str | None) -> None:
    from ._tables import Col, count, echo, horizon_label, kv, money_bn, number, share, table

    s = result.system
    span = horizon_label(horizon)
    items = [("money loops", count(s["n_loops"])),
             ("largest loop bottleneck", money_bn(s.get("largest_bottleneck"))),
             (f"self-financed revenue, {span}", money_bn(s.get("self_financed_revenue"))),
             ("  of in-network revenue", share(s.get("self_financed_share"))),
             ("cycling index, all money", share(s.get("fci_all_money"))),
             ("  with conditional legs", share(s.get("fci_all_money_with_conditional"))),
             ("money that cycles, all money", money_bn(s.get("tstc_all_money"))),
             ("average path length, all money", number(s.get("apl_all_money"))),
             ("cycling index, purchases only", share(s.get("fci"))),
             ("value double-counted via stakes", money_bn(s.get("double_count"))),
             ("  of market value", share(s.get("double_count_share")))]
    echo(kv(f"System (horizon {span})", items))
    frame = result.to_frame()
    if firm is not None:
        frame = frame.loc[[firm]] if firm in frame.index else frame.iloc[:0]
    else:
        frame = frame.head(20)
    echo(table("Loops and self-financing per firm ($bn)",
               [Col("firm"), Col("loops", "count"), Col("loop money", "money"),
                Col("self-financed revenue", "money", "self-fin."),
                Col("self-financed share", "share", "sf share"),
                Col("share of throughflow cycled", "share", "cycled"),
                Col("value double-counted", "money", "dbl count")],
               [[f, r.n_loops, r.loop_money, r.self_financed, r.self_financed_share,
                 r.cycled_share, r.double_counted] for f, r in frame.iterrows()],
               caption="loop money: full contract values (loops share legs: exposure, not "
                       f"cash); self-financed = revenue over {span} paid with money the firm "
                       "itself put into its customers; cycled: share of the firm's money flow "
                       "over the horizon that has been round a loop (every cash leg, firm "
                       "legs); "
                       "n/a = the firm has no in-network revenue"))
    echo(table(f"Customers and commitments per firm ($bn; commitments due {span})",
               [Col("firm"), Col("top customer", short="top"),
                Col("top customer's share of contract value", "share", "of contracts"),
                Col("customer HHI", "number", "HHI"),
                Col("commitments due", "money", "due"),
                Col("commitments in years of revenue", "number1", "years"),
                Col("coverage", "ratio")],
               [[f, r.top_customer, r.top_share, r.hhi, r.commitments, r.years_of_revenue,
                 r.coverage] for f, r in frame.iterrows()],
               caption="coverage = (cash + revenue x horizon years) / commitments due; below "
                       "1x the firm needs new money (revenue is not profit, so this flatters);"
                       f" top customer's {result.concentration.BASIS}; `dealloop signals` "
                       "shows the share of recognised revenue instead; HHI 1 = a single "
                       "customer; n/a = no customers, no commitments, or (coverage) no cash or "
                       "revenue figure"))
