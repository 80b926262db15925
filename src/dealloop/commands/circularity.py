"""``dealloop cycles`` and ``dealloop circularity``: the loops, and how circular each firm is."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import (
    DataOpt,
    DerivedOpt,
    EstimatesOpt,
    EvidenceOpt,
    JsonOpt,
    StatusOpt,
    console,
    fail,
    load_network,
    print_json,
    table,
)

KindsOpt = Annotated[
    list[str] | None,
    typer.Option("--kinds", help="Deal kinds to keep (repeatable), e.g. equity_investment."),
]
MaxLenOpt = Annotated[int, typer.Option("--max-length", "-k", min=2, max=12,
                                        help="Longest loop, in hops.")]


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
    kinds: KindsOpt = None,
    status: StatusOpt = None,
    evidence: EvidenceOpt = None,
    derived: DerivedOpt = True,
    estimates: EstimatesOpt = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Loops to show.")] = 25,
    null: Annotated[int, typer.Option("--null", min=0, max=10_000,
                                      help="Degree-preserving random networks to compare "
                                           "loop counts with (0 = skip).")] = 0,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed for --null.")] = 0,
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

    _check_selection(status, evidence, kinds)
    net = load_network(data)
    sel = {"kinds": kinds, "statuses": status, "evidence": evidence,
           "include_derived": derived, "include_estimates": estimates}
    over, searched = None, min_amount
    try:
        graph = money_graph(net, **sel)
        try:
            loops = loops_of(graph, max_length, min_amount=min_amount)
        except LoopBudgetError as exc:  # too many to list: the top --limit ones, exactly
            loops, searched, complete = top_loops(graph, max_length, limit,
                                                  min_amount=min_amount)
            over = None if complete else str(exc)
        if over is not None and null:
            fail(f"Error: --null compares every loop, and there are too many: {over}")
        sig = (cycle_significance(net, max_length, n_samples=null, seed=seed,
                                  min_amount=min_amount, **sel) if null else None)
    except (ValueError, ArithmeticError) as exc:  # options are checked: this is the data
        fail(f"Error: cannot find the loops of this dataset: {exc}")
    partial = (None if over is None else
               f"Too many loops to list them all ({over}); the top ones by bottleneck are "
               f"exact: every loop whose smallest hop is at least {searched:,.4g} bn was "
               "searched, smaller ones were not, and the counts cover only those.")
    if json_out:
        out = loops.to_dict()
        out["loops"] = out["loops"][:limit]
        out["participation"] = loops.participation().reset_index().to_dict("records")
        out["significance"] = sig.to_dict() if sig else None
        out["complete"] = partial is None
        out["searched_min_amount"] = searched
        out["note"] = partial
        print_json(out)
        return
    con = console()
    if partial is not None:
        con.print(partial, markup=False)
    counts = ", ".join(f"{k} of length {n}" for n, k in loops.counts.items() if k)
    con.print(f"{loops.n_loops} loops up to {max_length} hops" + (f" ({counts})" if counts else ""))
    frame = loops.to_frame().head(limit).set_index("rank")
    show = frame[["firms", "bottleneck", "total", "temporal", "legs", "rests_on"]].copy()
    show = show.rename(columns={"rests_on": "rests on"})
    show["temporal"] = show["temporal"].map({True: "yes", False: "no"}).fillna("?")
    con.print(table(f"Top {len(show)} loops by bottleneck (USD bn)", show))
    part = loops.participation().head(15)
    con.print(table("Loop participation per firm", part))
    if sig is not None:
        con.print(table(f"Loops vs {null} degree-preserving randomisations",
                         sig.to_frame(), "{:,.2f}"))


def circularity(
    data: DataOpt = None,
    max_length: MaxLenOpt = 6,
    status: StatusOpt = None,
    null: Annotated[int, typer.Option("--null", min=0, max=10_000,
                                      help="Null-model samples for loop significance.")] = 0,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed for --null.")] = 0,
    json_out: JsonOpt = False,
) -> None:
    """How circular the network is, per firm and for the system.

    Per firm: loops and the money on them, self-financed revenue (the part of its revenue paid
    with money it put into its customers itself, traced pro rata up to max-length - 1 hops),
    top-customer share and Herfindahl index of incoming contract value, committed payments
    2026-2030 against revenue and cash, and value double-counted through cross-holdings.
    System: loop counts, the Finn cycling index on purchases and on all money, self-financed
    share, double-counted market value.
    """
    from ..circularity import circularity as run

    _check_selection(status)
    net = load_network(data)
    try:
        result = run(net, max_length=max_length, statuses=status, n_samples=null, seed=seed)
    except (ValueError, ArithmeticError) as exc:  # options are checked: this is the data
        fail(f"Error: cannot measure circularity on this dataset: {exc}")
    if json_out:
        print_json(result.to_dict())
        return
    con = console()
    system = result.system
    con.print("[bold]System[/bold]: " + "; ".join(
        f"{k} {v:,.4g}" if isinstance(v, float) else f"{k} {v}"
        for k, v in system.items() if not isinstance(v, dict)))
    frame = result.to_frame().head(20)
    con.print(table("Per firm (USD bn; shares as fractions)", frame, "{:,.3g}"))
