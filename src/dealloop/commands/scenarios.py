"""Stress tests and Monte Carlo runs: ``dealloop stress``, ``simulate`` and ``scenarios``.

A SCENARIO argument is a YAML file or the name of a shipped scenario (``dealloop
scenarios`` lists them). A scenario that names an unknown entity, deal or key, or a value out
of range, is refused with every problem on stderr as ``file:line: key: message`` and exit
code 1.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..vocabulary import did_you_mean
from ._common import (
    DataOpt,
    JsonOpt,
    check_output,
    console,
    err,
    exit_with_problems,
    fail,
    fmt_cell,
    json_text,
    prepare_scenario,
    print_json,
    rich_table,
)

ScenarioArg = Annotated[
    str, typer.Argument(help="Scenario YAML file, or the name of a shipped scenario.",
                        show_default=False),
]


def _value(v: float, unit: str) -> str:
    if unit == "fraction":
        return f"{v:+.1%}"
    if unit == "usd_bn":
        return f"{v:,.1f} bn"
    return f"{v:,.4g} {unit}"



# ---------------------------------------------------------------------------------- scenarios
def scenarios_cmd(json_out: JsonOpt = False) -> None:
    """List the shipped scenarios and the question each answers.

    Copy one (its path is shown) and edit it: every assumption is in the file.
    """
    from ..scenarios import library

    qs = library.questions()
    if json_out:
        print_json([{"name": n, "question": q, "path": str(library.path(n))}
                     for n, q in qs.items()])
        return
    con = console()
    con.print(rich_table("Shipped scenarios (dealloop stress NAME)", ["name", "question"],
                          [[n, q] for n, q in qs.items()], right=set()))
    con.print(f"files: {library.path(next(iter(qs))).parent}" if qs else "none")


# ---------------------------------------------------------------------------------- stress
def stress(
    scenario: ScenarioArg,
    data: DataOpt = None,
    json_out: JsonOpt = False,
    explain: Annotated[str | None, typer.Option(
        "--explain", metavar="FIRM",
        help="Print FIRM's balance sheet as built, line by line, with the deal and figure ids "
             "behind each line.")] = None,
    band: Annotated[bool, typer.Option(
        "--band/--no-band", help="Also run on A, A+B and all legs, with and without derived "
                                 "legs, and show the figures side by side.")] = True,
    rank_legs: Annotated[int, typer.Option(
        "--rank-legs", metavar="N", min=0,
        help="Remove each leg in turn, rerun, and show the N legs that change the market "
             "value lost the most (0: skip).")] = 0,
    tornado: Annotated[bool, typer.Option(
        "--tornado", help="Rerun with each main assumption (revenue growth, margins, "
                          "stranded costs, terms, new money, recovery, market-value rule, "
                          "debt maturing) set low and high, and show how far each headline "
                          "moves.")] = False,
) -> None:
    """Run a stress scenario: who fails, in which wave, who loses how much, next to the
    dot-com bust.

    Per firm: default and wave, equity and market value before and after, what it fails to
    pay to whom; for the system: defaults, payment shortfall, deadweight loss, market value
    lost and the part of it double-counted through stakes, as a band across evidence grades.
    """
    from ..data.problems import DataError
    from ..data.schema import HOLDER_SECTORS, INSTRUMENTS
    from ..scenarios.removal import sensitivity
    from ..scenarios.runner import run

    sc, net = prepare_scenario(scenario, data)
    holder_ids = {h for f in ("holdings.csv",) for h in
                  (net.tables.get(f)["holder"] if net.tables.get(f) is not None else [])}
    layer_names = set(INSTRUMENTS) | set(HOLDER_SECTORS) | holder_ids
    if explain is not None and explain not in set(net.entities["id"]) | layer_names:
        hint = did_you_mean(explain, net.entities["id"], n=3, quote=False)
        fail(f"Error: --explain: unknown entity {explain!r}{hint}")
    try:
        res = run(sc, net, band=band)
        ranked = sensitivity(sc, net) if rank_legs else None
        swings = _tornado(sc, net) if tornado else None
    except DataError as exc:
        exit_with_problems(exc)
    where = _holders(sc, net, res)
    lines = None
    held = None
    if explain is not None and (explain in layer_names or (explain not in res.balance.firms
                                and explain in set(where.flows["target"]))):
        held = where.explain(explain)
    elif explain is not None:
        if explain not in res.balance.firms:
            err(f"Error: --explain: {explain!r} is outside the network in this scenario "
                 "(its kind is in mapping.outside_kinds; mapping.inside brings it in)")
            raise typer.Exit(1)
        lines = res.explain(explain)
    if json_out:
        out = res.to_dict()
        if lines is not None:
            from ..jsonutil import jsonable

            out["explain"] = {"firm": explain, "lines": jsonable(lines),
                              "figure_flags": _figure_flags(net, lines)}
        if ranked is not None:
            out["legs"] = ranked.to_dict()["legs"][:rank_legs]
        out["assumptions"] = _assumptions(sc, res)
        if swings is not None:
            from ..jsonutil import jsonable

            out["tornado"] = jsonable(swings)
        out["holders"] = where.to_dict()  # as holders.result_dict, from the run above
        if held is not None:
            from ..jsonutil import jsonable

            out["explain"] = {"node": explain, "flows": jsonable(held)}
        print_json(out)
        return
    con = console()
    _print_stress(con, res)
    _print_assumptions(con, _assumptions(sc, res))
    if swings is not None:
        _print_tornado(con, swings, res)
    _print_holders(con, where)
    if ranked is not None:
        _print_ranked(con, ranked, rank_legs)
    if lines is not None:
        _print_explain(con, explain, lines, _figure_flags(net, lines))
    if held is not None:
        _print_held(con, explain, held)


def _print_stress(con: Any, res: Any) -> None:
    from ..scenarios.results import HEADLINES

    s = res.system
    con.print(f"[bold]{res.scenario}[/bold] ({res.dataset}, {res.horizon[0]} to "
              f"{res.horizon[1]})")
    con.print(res.question)
    f = res.firms
    hit = f[f["defaulted"] | (f["equity_loss"].abs() > 0.05)
            | (f["market_value_lost"].abs() > 0.05) | (f["not_received"].abs() > 0.05)]
    hit = hit.sort_values(["wave", "market_value_lost"], ascending=[True, False])
    hit = hit.assign(_w=hit["wave"].where(hit["wave"] > 0, 10**6)).sort_values(
        ["_w", "market_value_lost"], ascending=[True, False])
    rows = [[firm, int(r.wave) if r.defaulted else "", r.equity_before, r.equity_after,
             r.market_value_before, r.market_value_after, r.unpaid, r.not_received,
             r.new_money_after - r.new_money]
            for firm, r in hit.iterrows()]
    con.print(rich_table(
        "Firms hit (USD bn; equity = book net worth over the horizon)",
        ["firm", "wave", "equity before", "after", "market value before", "after",
         "fails to pay", "not paid to it", "extra new money"], rows,
        caption=f"{int(s['defaults'])} new default(s) in {int(s['rounds'])} round(s); "
                f"{int(s['baseline_defaults'])} default(s) before the shock"))
    if len(res.unpaid):
        con.print(rich_table(
            "What defaulters fail to pay, to whom (USD bn)",
            ["debtor", "creditor", "deals", "owed", "paid", "shortfall"],
            [[r.debtor, r.creditor, r.deals, r.owed, r.paid, r.shortfall]
             for r in res.unpaid.head(25).itertuples()], right={3, 4, 5}))
    if len(res.backstops):
        con.print(rich_table("Backstops triggered (USD bn)",
                              ["deal", "backstopper", "beneficiary", "owed", "paid"],
                              [list(r)[1:] for r in res.backstops.itertuples()],
                              right={3, 4}))
    if res.bands:
        labels = [lab for lab, _ in res.bands[0].values]
        rows = [[b.label] + [v for _, v in b.values] for b in res.bands]
        con.print(rich_table(
            "System, by evidence behind the legs (USD bn; changes caused by the scenario)",
            ["figure", *labels], rows,
            caption="A = primary documents or two independent reports; B = one original "
                    "report; C = a single weak source. A figure that moves across the "
                    "columns rests on weaker evidence."))
    else:
        rows = [[lab, s[k]] for k, (lab, _) in HEADLINES.items()]
        con.print(rich_table("System (USD bn; changes caused by the scenario)",
                              ["figure", "value"], rows))
    if len(res.comparison):
        rows = []
        for r in res.comparison.itertuples():
            how = {"ratio": "ours / reference", "share": "ours as a share",
                   "context": "for context"}.get(r.how, r.how)
            comp = "" if r.comparison is None or (isinstance(r.comparison, float)
                                                  and math.isnan(r.comparison)) \
                else f"{r.comparison:.1%}"
            rows.append([r.label, _value(r.value, r.unit), f"{r.id} ({r.sources})",
                         "" if r.ours is None or (isinstance(r.ours, float)
                                                  and math.isnan(r.ours))
                         else _value(r.ours, r.unit), comp, how])
        con.print(rich_table(
            "Against history (reference figures from the dataset's history.csv)",
            ["reference", "value", "id (sources)", "ours", "comparison", ""], rows,
            right={3, 4}))
    for name, frame in res.models.items():
        if "defaulted" in frame.columns and "engine_defaulted" in frame.columns:
            d1 = sorted(frame.index[frame["defaulted"]])
            d2 = sorted(frame.index[frame["engine_defaulted"]])
            con.print(f"[dim]{name}: defaults {', '.join(d1) or 'none'} "
                      f"(all layers: {', '.join(d2) or 'none'})[/dim]")
        elif name.startswith("debtrank"):
            con.print(f"[dim]{name}[/dim]")
        elif name.startswith("cross_holdings"):
            b, a = frame.loc["before", "double_count"], frame.loc["after", "double_count"]
            con.print(f"[dim]{name}: {b:,.1f} before, {a:,.1f} after[/dim]")
    if res.notes:
        con.print(f"[dim]{len(res.notes)} note(s): " + "; ".join(res.notes[:5])
                  + ("; ..." if len(res.notes) > 5 else "") + "[/dim]")


def _tornado(sc: Any, net: Any) -> Any:
    from ..scenarios.tornado import tornado

    return tornado(sc, net)


def _assumptions(sc: Any, res: Any) -> list[str]:
    from ..scenarios.tornado import assumptions

    return assumptions(sc, res.balance)


def _print_assumptions(con: Any, lines: list[str]) -> None:
    if lines:
        con.print("Assumptions (values this run rests on that are not the defaults, and "
                  "figures the mapping had to assume):")
        for line in lines:
            con.print(f"  - {line}", highlight=False)


def _print_tornado(con: Any, swings: Any, res: Any) -> None:
    from ..scenarios.results import HEADLINES

    band = {b.metric: b for b in res.bands}
    keep = ("payment_shortfall", "market_value_lost_net", "defaults")
    rows = []
    for m in keep:
        part = swings[swings["metric"] == m]
        for i, r in enumerate(part.itertuples(index=False)):
            rows.append([HEADLINES[m][0] if i == 0 else "", r.assumption,
                         f"{r.low_setting} / {r.high_setting}", fmt_cell(r.low),
                         fmt_cell(r.central), fmt_cell(r.high), fmt_cell(r.swing)])
        if m in band:
            b = band[m]
            rows.append(["", "evidence band (A .. A+B+C)", "", fmt_cell(b.low), "",
                         fmt_cell(b.high), fmt_cell(b.high - b.low)])
    con.print(rich_table("Sensitivity to the assumptions (tornado; USD bn)",
                          ["figure", "assumption", "low / high", "low", "central", "high",
                           "swing"], rows, right={3, 4, 5, 6}))


def _holders(sc: Any, net: Any, res: Any) -> Any:
    """Where the run's losses land (:mod:`dealloop.holders`), with the scenario's changes."""
    from ..holders import follow

    return follow(res, net, sc.holders.model_dump())


def _print_holders(con: Any, where: Any) -> None:
    """Sector, household and bank lines, with the method next to them."""
    from ..holders.results import label

    sec = where.sectors.sort_values("amount", ascending=False)
    if len(sec):
        rows = [[label(k), r.amount,
                 "" if r.assets != r.assets else f"{r.share_of_assets:.2%}"]
                for k, r in sec.iterrows() if abs(r.amount) >= 0.005]
        con.print(rich_table("Where the losses land (USD bn; holders.csv shares)",
                              ["sector", "loss", "of its assets"], rows, right={1, 2}))
    for line in where.lines()[1:]:  # the first line repeats the table
        con.print(line)
    con.print(f"[dim]Method: {where.method}[/dim]")


def _print_held(con: Any, name: str, held: Any) -> None:
    rows = [[r.direction, r.counterparty, r.firm, r.amount,
             ";".join(x for x in (r.deals, r.rows) if x), r.sources, r.basis]
            for r in held.itertuples()]
    con.print(rich_table(
        f"{name} in the holders layer: what reaches it and where it goes (USD bn)",
        ["", "from / to", "firm", "amount", "legs and rows", "sources", "basis"], rows,
        right={3}, caption="rows are ids in holders.csv (HD..) and holdings.csv (NH..); "
                           "legs are deal ids" if len(rows) else "nothing reaches it in "
                           "this run"))


def _print_ranked(con: Any, ranked: Any, top: int) -> None:
    t = ranked.table.head(top)
    rows = [[r.deal, f"{r.payer} -> {r.payee}", r.kind, r.evidence, r.value,
             r.delta_market_value_lost_net, r.delta_payment_shortfall, r.delta_defaults]
            for r in t.itertuples()]
    con.print(rich_table(
        "Remove a leg and rerun: legs that carry the risk (change without the leg, USD bn)",
        ["deal", "who", "kind", "evidence", "amount", "market value lost", "shortfall",
         "defaults"], rows, right={4, 5, 6, 7}))


def _figure_flags(net: Any, lines: Any) -> dict[str, list[str]]:
    """Why the company figures cited in ``lines`` may not be current (see
    :func:`dealloop.data.stale.figure_flags`), for the cited ids only."""
    from ..data.read import split_refs
    from ..data.stale import figure_flags

    cited = {f for refs in lines["figures"] for f in split_refs(refs)}
    flags = figure_flags(net.figures, net.sources)
    return {f: list(flags[f]) for f in sorted(cited) if f in flags}


def _print_explain(con: Any, firm: str, lines: Any,
                   flags: dict[str, list[str]] | None = None) -> None:
    flags = flags or {}

    def mark(refs: str) -> str:
        return ";".join(f + ("*" if f in flags else "") for f in refs.split(";") if f)

    rows = [[r.side, r.item, r.counterparty or "", r.amount, r.deals, mark(r.figures),
             r.note] for r in lines.itertuples()]
    con.print(rich_table(f"Balance sheet of {firm} as built (USD bn, inside the horizon)",
                          ["side", "item", "counterparty", "amount", "deals", "figures",
                           "how"], rows, right={3}))
    for fid, why in flags.items():
        con.print(f"* {fid}: " + "; ".join(why))


# ---------------------------------------------------------------------------------- simulate
def simulate(
    scenario: ScenarioArg,
    draws: Annotated[int | None, typer.Option("--draws", "-n", min=1, max=100_000_000,
                                              help="Number of draws (default: the "
                                                   "scenario's).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", "-s", min=0,
                                             help="Seed (default: the scenario's).")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", min=0, max=1024,
        help="Dask LocalCluster worker processes (0: run in this process; default: one per "
             "CPU when there is more than one chunk).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", metavar="ADDRESS",
        help="Run on an existing Dask cluster (e.g. tcp://10.0.0.5:8786).")] = None,
    chunk: Annotated[int | None, typer.Option(
        "--chunk", min=1, max=1_000_000,
        help="Draws per batched call and Dask task (results depend on the seed and this, "
             "never on the workers).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the full result as JSON to this file.")] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Monte Carlo: draw the uncertain inputs (conditional deals, ranged amounts, shock
    sizes) and report distributions per firm and for the system, and which inputs drive
    the variance."""
    from ..data.problems import DataError
    from ..data.write import atomic_write_text
    from ..holders.draws import FOLLOW
    from ..scenarios.montecarlo import simulate as run_mc

    if workers is not None and scheduler is not None:
        err("Error: give --workers or --scheduler, not both")
        raise typer.Exit(2)
    if output is not None:
        check_output(output)  # before the run: a typo in -o must not cost the results
    if scheduler is not None:  # fail fast: before loading anything, and within seconds
        from ..scenarios.montecarlo import check_scheduler

        try:
            check_scheduler(scheduler)
        except ValueError as exc:
            fail(f"Error: --scheduler: {exc}", 2)
        except OSError as exc:
            fail(f"Error: --scheduler: {exc}")
    sc, net = prepare_scenario(scenario, data)
    try:
        res = run_mc(sc, net, draws=draws, seed=seed, workers=workers, scheduler=scheduler,
                     chunk=chunk, progress=sys.stderr.isatty() and not json_out,
                     follow=FOLLOW)
    except DataError as exc:
        exit_with_problems(exc)
    except ValueError as exc:
        fail(f"Error: {exc}")
    except OSError as exc:  # e.g. the scheduler cannot be reached
        err(f"Error: cannot run on {scheduler or 'a local Dask cluster'}: {exc}")
        raise typer.Exit(1) from None
    out = res.to_dict()
    central = _simulate_holders(sc, net)
    out["holders_central"] = central
    if output is not None:
        try:
            atomic_write_text(output, json_text(out))
        except OSError as exc:
            err(f"Error: cannot write {output}: {exc.strerror or exc}")
            raise typer.Exit(1) from None
    if json_out:
        print_json(out)
        return
    con = console()
    con.print(f"[bold]{res.scenario}[/bold]: {res.draws:,} draws, seed {res.seed}, chunks of "
              f"{res.chunk:,}, {res.scheduler}, {res.elapsed:.1f} s")
    f = res.firms
    f = f[(f["pd"] > 0) | (f["loss_mean"] > 0.005) | (f["mv_lost_mean"] > 0.005)]
    f = f.sort_values(["pd", "mv_lost_mean"], ascending=False).head(20)
    con.print(rich_table(
        "Per firm (probability of default; book equity lost, USD bn)",
        ["firm", "P(default)", "P(new default)", "mean loss", "median", "95%", "99%",
         "market value lost, mean"],
        [[i, f"{r.pd:.1%}", f"{r.pd_new:.1%}", r.loss_mean, r.loss_q50, r.loss_q95,
          r.loss_q99, r.mv_lost_mean] for i, r in f.iterrows()]))
    from ..scenarios.results import HEADLINES

    s = res.system
    con.print(rich_table(
        "System (USD bn; changes caused by the scenario, over all draws)",
        ["figure", "mean", "5%", "median", "95%", "99%", "max", "P(> 0)"],
        [[HEADLINES[m][0], r["mean"], r["q05"], r["q50"], r["q95"], r["q99"], r["max"],
          f"{r['p_positive']:.1%}"] for m, r in s.iterrows()]))
    d = res.drivers
    d = d[d["target"].isin(["payment_shortfall", "market_value_lost_net", "defaults"])]
    if len(d):
        con.print(rich_table(
            "What drives the variance (share = squared correlation with the figure)",
            ["input", "figure", "correlation", "share"],
            [[r.input, r.target, f"{r.correlation:+.2f}", f"{r.share:.0%}"]
             for r in d.head(12).itertuples()]))
    from ..holders.draws import lines as holder_lines

    con.print("Where the losses land, over the draws (each draw's losses followed through "
              "the holders layer; USD bn):")
    for line in holder_lines(res.holders):
        con.print("  " + line)
    con.print("Central run (every uncertain input at its central value; not drawn):")
    for line in central["lines"]:
        con.print("  " + line)
    for note in res.notes:
        con.print(f"[dim]{note}[/dim]")
    if output is not None:
        con.print(f"wrote {output}")


def _simulate_holders(sc: Any, net: Any) -> dict[str, Any]:
    """Where the losses of the scenario's central run land, next to a Monte Carlo result
    (whose ``holders`` section has the same figures per draw)."""
    from ..jsonutil import jsonable
    from ..scenarios.runner import run

    where = _holders(sc, net, run(sc, net, band=False))
    return jsonable({"households": dict(where.households), "sectors": where.sectors,
                     "banks": where.banks, "lines": where.lines(), "method": where.method})
