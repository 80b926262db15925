"""``dealloop report``: one self-contained HTML file with the graph, loops, flows and stress
results of a dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import (
    DataOpt,
    HorizonOpt,
    check_output,
    console,
    fail,
    fail_with_problems,
    horizon_opt,
    load_network,
)


def report(
    data: DataOpt = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option("--scenario", "-s", help="Scenario to run and show (repeatable): a shipped "
                     "scenario's name or a YAML file."),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path(
        "report.html"),
    horizon: HorizonOpt = None,
    band: Annotated[bool, typer.Option("--band/--no-band",
                                       help="Also run each scenario on A, A+B and all legs "
                                       "(the evidence band; six more runs each).")] = True,
    draws: Annotated[int | None, typer.Option(
        "--draws", "-n", min=0, max=1_000_000,
        help="Monte Carlo draws per scenario for where the losses land over the draws "
             "(households, retirement, banks, insurers, private credit); 0: none. Default: "
             "1,000 (dealloop simulate with the same draws and seed prints the same "
             "figures).")] = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", min=0, help="Monte Carlo seed (default: each scenario's).")] = None,
    open_: Annotated[bool, typer.Option("--open/--no-open",
                                        help="Open the report in a browser.")] = False,
) -> None:
    """Write a self-contained HTML report: the network as an interactive graph, the largest
    loops, per-firm circularity, who pays whom, and stress results for the chosen scenarios.

    The file needs no server and no network: open it from disk or send it by e-mail.
    """
    import time

    from ..data.problems import DataError

    t0 = time.perf_counter()
    horizon = horizon_opt(horizon)
    check_output(output)
    net = load_network(data)
    loaded = []
    if scenario:
        from ..scenarios.runner import prepare

        problems = []
        for item in scenario:  # every file's problems at once, unknown ids included
            try:
                loaded.append(prepare(item, net)[0])
            except DataError as exc:
                problems.extend(exc.problems)
        if problems:
            fail_with_problems(problems, f"{len(problems)} problem(s) in the scenario file(s); "
                                         "nothing written")
    from ..report.bundle import results_bundle
    from ..report.render import render_report
    from ..report.simulation import DEFAULT_REPORT_DRAWS
    from ._progress import enabled, steps

    draws = DEFAULT_REPORT_DRAWS if draws is None else draws
    # loops, measures, scenarios (and their Monte Carlo), legs, systemic, signals, layout, HTML
    n = 7 + len(loaded) * (2 if draws else 1)
    try:
        with steps(n, "report", enabled=enabled()) as step:
            bundle = results_bundle(net, loaded, horizon=horizon, band=band, systemic=True,
                                    signals=True, draws=draws, seed=seed, progress=step)
            step("HTML")
            html = render_report(bundle)
    except DataError as exc:
        fail_with_problems(exc.problems, f"{len(exc.problems)} problem(s) running the "
                                         "scenarios; nothing written")
    except ValueError as exc:
        fail(f"Error: {exc}")
    from ..data.write import atomic_write_text

    try:
        atomic_write_text(output, html)
    except OSError as exc:
        fail(f"Error: cannot write {output}: {exc.strerror or exc}")
    size = output.stat().st_size
    console().print(f"wrote {output} ({size / 1e6:.1f} MB: {len(bundle['entities'])} firms, "
                    f"{len(bundle['legs'])} legs, {bundle['loops']['n_loops']} loops, "
                    f"{_n(len(bundle['stress']), 'scenario')}) in {time.perf_counter() - t0:.1f} s")
    if open_:
        import webbrowser

        webbrowser.open(output.resolve().as_uri())


def _n(k: int, noun: str) -> str:
    """``1 scenario``, ``7 scenarios``.

    >>> _n(1, "scenario"), _n(7, "scenario")
    ('1 scenario', '7 scenarios')
    """
    return f"{k:,} {noun}{'' if k == 1 else 's'}"
