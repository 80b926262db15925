"""Monte Carlo runs: ``dealloop simulate``.

A SCENARIO argument is a YAML file or the name of a shipped scenario (``dealloop
scenarios`` lists them); the scenario's ``monte_carlo`` section says what is drawn. Bad
input is refused as for ``dealloop stress``: every problem on stderr, exit code 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import (
    DataOpt,
    HorizonOpt,
    JsonOpt,
    ScenarioArg,
    check_output,
    console,
    err,
    exit_with_problems,
    fail,
    json_text,
    prepare_scenario,
    print_json,
)
from .scenarios import _holders


def simulate(
    scenario: ScenarioArg,
    draws: Annotated[int | None, typer.Option("--draws", "-n", min=1, max=100_000_000,
                                              help="Number of draws (default: the "
                                                   "scenario's).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0,
                                             help="Seed (default: the scenario's).")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", min=0, max=1024,
        help="Force a Dask LocalCluster of N worker processes (0: run in this process). "
             "Default: time the first chunk and use one worker per CPU only when that is "
             "faster once the cluster has started.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", metavar="ADDRESS",
        help="Run on an existing Dask cluster (e.g. tcp://10.0.0.5:8786).")] = None,
    chunk: Annotated[int | None, typer.Option(
        "--chunk", min=1, max=1_000_000,
        help="Draws per batched call and Dask task (results depend on the seed and this, "
             "never on the workers).")] = None,
    max_time: Annotated[float, typer.Option(
        "--max-time", metavar="SECONDS", min=0,
        help="Refuse a run that the first chunk's time says would take longer than this, and "
             "stop one that does (0: no limit).")] = 3600,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the full result as JSON to this file.")] = None,
    data: DataOpt = None,
    horizon: HorizonOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Monte Carlo: draw the uncertain inputs (conditional deals, ranged amounts, shock
    sizes) and report distributions per firm and for the system, and which inputs drive
    the variance."""
    from ..data.problems import DataError
    from ..data.write import atomic_write_text
    from ..holders.draws import FOLLOW
    from ..scenarios.montecarlo import ClusterLostError, TimeLimitError
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
    sc, net = prepare_scenario(scenario, data, horizon)
    try:
        res = run_mc(sc, net, draws=draws, seed=seed, workers=workers, scheduler=scheduler,
                     chunk=chunk, max_seconds=max_time or None,
                     progress=sys.stderr.isatty() and not json_out, follow=FOLLOW)
    except DataError as exc:
        exit_with_problems(exc)
    except TimeLimitError as exc:
        fail(f"Error: {exc} (--max-time)")
    except ClusterLostError as exc:  # one line instead of Dask's tracebacks
        fail(f"Error: {exc}")
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
    _print_simulation(con, res, _leg_labels(net))
    _print_central(con, central)
    if output is not None:
        con.print(f"wrote {output}")


def _leg_labels(net: Any) -> dict[str, str]:
    """deal id -> ``payer → payee, kind`` in words, to say what a driver like ``X02 happens``
    is."""
    return {str(d): f"{a} → {b}, {str(k).replace('_', ' ')}"
            for d, a, b, k in net.deals[["id", "payer", "payee", "kind"]]
            .itertuples(index=False)}


def _input_label(text: str, legs: dict[str, str]) -> str:
    """A Monte Carlo input in words: ``X02 happens (coreweave → nvidia, chip purchase)``.

    >>> _input_label("X02 happens", {"X02": "coreweave → nvidia, chip purchase"})
    'X02 happens (coreweave → nvidia, chip purchase)'
    >>> _input_label("shock size", {})
    'shock size'
    """
    head = str(text).split(" ", 1)[0]
    return f"{text} ({legs[head]})" if head in legs else str(text)


def _print_simulation(con: Any, res: Any, legs: dict[str, str] | None = None) -> None:
    from ..scenarios.results import HEADLINES
    from ._tables import Col, count, fmt, share, table

    con.print(f"[bold]{res.scenario}[/bold]: {count(res.draws)} draws, seed {res.seed}, "
              f"chunks of {count(res.chunk)}, {res.scheduler}, {res.elapsed:.1f} s")
    f = res.firms
    f = f[(f["pd"] > 0) | (f["loss_mean"] > 0.005) | (f["mv_lost_mean"] > 0.005)]
    f = f.sort_values(["pd", "mv_lost_mean"], ascending=False).head(20)
    con.print(table(
        "Per firm (probability of default; equity lost, $bn: book where reported)",
        [Col("firm"), Col("P(default)", "share"), Col("P(new default)", "share", "P(new)"),
         Col("mean loss", "money", "mean"), Col("median", "money"), Col("95%", "money"),
         Col("99%", "money"), Col("market value lost, mean", "money", "mv lost")],
        [[i, r.pd, r.pd_new, r.loss_mean, r.loss_q50, r.loss_q95, r.loss_q99,
          r.mv_lost_mean] for i, r in f.iterrows()]))
    rows, less = [], False
    for m, r in res.system.iterrows():
        label, unit = HEADLINES.get(m, (m, "usd_bn"))
        kind = "count" if unit == "count" else "money"
        vals = [r["mean"], r["q05"], r["q50"], r["q95"], r["q99"], r["max"]]
        less = less or (m == "new_money_extra" and min(vals) < -0.05)
        mean = fmt(vals[0], "number1" if unit == "count" else kind)  # a mean count: 0.4
        rows.append([label.strip(), mean, *[fmt(v, kind) for v in vals[1:]],
                     share(r["p_positive"])])
    con.print(table(
        "System ($bn; changes caused by the scenario, over all draws)",
        [Col("figure"), *[Col(c, "raw") for c in ("mean", "5%", "median", "95%", "99%",
                                                   "max")],
         Col("P(> 0)", "raw")], rows,
        caption="Extra new money below zero: that much less new money raised than the plan "
                "needed." if less else None))
    d = res.drivers
    d = d[d["target"].isin(["payment_shortfall", "market_value_lost_net", "defaults"])]
    if len(d):
        con.print(table(
            "What drives the variance (share = squared correlation with the figure)",
            [Col("input"), Col("figure"), Col("correlation", "raw", "corr."),
             Col("share", "share")],
            [[_input_label(r.input, legs or {}), HEADLINES.get(r.target, (r.target, ""))[0].strip(),
              f"{r.correlation:+.2f}", r.share] for r in d.head(12).itertuples()],
            caption="a negative correlation: the figure is lower when the input is higher"))
    from ..holders.draws import lines as holder_lines

    con.print("Where the losses land, over the draws (each draw's losses followed through "
              "the holders layer; $bn):")
    for line in holder_lines(res.holders):
        con.print("  " + line)
    for note in res.notes:
        con.print(note)


def _print_central(con: Any, central: dict[str, Any]) -> None:
    """Where the losses land in the scenario's central run, next to a Monte Carlo result."""
    con.print("Central run (every uncertain input at its central value; not drawn):")
    for line in central["lines"]:
        con.print("  " + line)
    from ..holders.results import basis_text

    con.print(f"[dim]Method: {central['method']}[/dim]")
    con.print(f"[dim]{basis_text(central['basis'])}[/dim]")


def _simulate_holders(sc: Any, net: Any) -> dict[str, Any]:
    """Where the losses of the scenario's central run land, next to a Monte Carlo result
    (whose ``holders`` section has the same figures per draw)."""
    from ..jsonutil import jsonable
    from ..scenarios.runner import run

    where = _holders(sc, net, run(sc, net, band=False))
    return jsonable({"households": dict(where.households), "sectors": where.sectors,
                     "banks": where.banks, "lines": where.lines(), "method": where.method,
                     "basis": list(where.basis)})
