"""``dealloop signals``: early-warning lights per firm, from market prices and the network.

Thresholds and formulas come from the shipped ``signals.yaml`` (``--config FILE`` lays a
file of your own over it); a bad config is refused with every problem on stderr as
``file:line: key: message`` and exit code 1.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import (
    DataOpt,
    JsonOpt,
    console,
    fail,
    fail_with_problems,
    load_network,
    print_json,
)

#: Short column heads for the terminal table, in display order.
SHORT = {"spread_widening_3m": "spread 3m", "spread_widening_6m": "spread 6m",
         "implied_pd_1y": "PD 1y", "payment_coverage": "pay cover",
         "top_customer_share": "top cust", "in_network_revenue_share": "in-net rev",
         "self_financed_share": "self-fin", "supplier_dependence": "supplier",
         "debt_due_to_cash": "debt/cash", "equity_drawdown": "drawdown"}
_STYLE = {"red": "bold red", "amber": "yellow", "green": "green", "n/a": "dim"}


def fmt_value(value: Any, unit: str) -> str:
    """A value in its unit: bp whole, fractions as percent, ratios with an ``x``.

    Examples
    --------
    >>> fmt_value(512.6, "bp"), fmt_value(0.1366, "fraction"), fmt_value(3.131, "ratio")
    ('+513 bp', '13.7%', '3.13x')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "bp":
        return f"{value:+,.0f} bp"
    if unit == "fraction":
        return f"{value:.1%}"
    return f"{value:,.2f}x"


def _cell(value: Any, light: str, unit: str) -> str:
    from ..markets import LABELS

    if light == "n/a":
        return "-"
    return f"{fmt_value(value, unit)} {LABELS[light]}"


def _as_of(text: str | None) -> dt.date | None:
    from ..data.read import parse_date

    if text is None:
        return None
    try:
        return parse_date(text, end=True)
    except ValueError as exc:
        fail(f"Error: --as-of: {exc}", 2)


def signals(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The dataset as known on DATE, signals read then (YYYY, YYYY-MM or "
                        "YYYY-MM-DD; a partial date means its last day): later legs, figures "
                        "and quotes left out. Default: the latest market quote.")] = None,
    firm: Annotated[str | None, typer.Option(
        "--firm", "-f", help="One firm: every indicator with its inputs and sources, and its "
                             "monthly series.")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", help="Signals config (YAML) laid over the shipped signals.yaml.",
        show_default=False)] = None,
    show_all: Annotated[bool, typer.Option(
        "--all", help="Also list watched firms with no indicator at all.")] = False,
    against: Annotated[str | None, typer.Option(
        "--against", help="Also run this scenario (shipped name or YAML file) and show each "
                          "quoted firm's implied default probability beside the engine's "
                          "outcome and the Monte Carlo P(default).")] = None,
    draws: Annotated[int, typer.Option("--draws", min=1, max=1_000_000,
                                       help="Monte Carlo draws for --against.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed for --against.")] = 0,
    wide: Annotated[bool, typer.Option(
        "--wide", help="Every indicator's value and light, one column each (needs a wide "
                       "terminal).")] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Early-warning lights per firm as of a date: ALERT (red), WATCH (amber), OK (green).

    Indicators: credit-spread widening over 3 and 6 months, the market-implied 1-year default
    probability (hazard s / (1 - R)), coverage of next year's payments by cash and revenue,
    top-customer share, revenue from inside the network, self-financed revenue, the share of a
    supplier's revenue a firm represents, debt due within 12 months over cash, and the equity
    drawdown from peak. NO DATA means an input is missing; it is never counted as OK.
    """
    from ..data.problems import DataError
    from ..markets import load_config, signal_history, signals_bundle
    from ..markets import signals as run
    from ..vocabulary import did_you_mean

    day = _as_of(as_of)
    try:
        cfg = load_config(config)
    except DataError as exc:
        fail_with_problems(exc.problems, f"{len(exc.problems)} problem(s) in {config}; "
                           "nothing was computed")
    net = load_network(data)
    if firm is not None and firm not in set(net.entities["id"]):
        fail(f"Error: --firm: unknown entity {firm!r}"
             f"{did_you_mean(firm, net.entities['id'])}", 2)
    comparison = _compare(net, against, draws, seed, day, cfg) if against else None
    if json_out:
        out = signals_bundle(net, as_of=day, firms=[firm] if firm else None, config=cfg)
        if comparison is not None:
            out["comparison"] = _comparison_json(comparison)
        print_json(out)
        return
    res = run(net, as_of=day, firms=[firm] if firm else None, config=cfg)
    con = console()
    con.print(res.headline())
    if firm is None:
        _print_lights(con, res, cfg, wide=wide, show_all=show_all)
    else:
        hist = signal_history(net, firms=[firm], end=res.as_of, config=cfg)
        _print_firm(con, res, cfg, firm, hist)
    if comparison is not None:
        _print_comparison(con, comparison)
    _print_crossed(con, res, cfg)


def _comparison_json(comparison: Any) -> dict[str, Any]:
    """``--against`` as JSON: the comparison's notes and one record per firm (NaN -> null)."""
    return {**comparison.attrs, "firms": [
        {"firm": f, **{k: (None if isinstance(v, float) and math.isnan(v) else v)
                       for k, v in row.items()}}
        for f, row in comparison.iterrows()]}


def _units(cfg: Any) -> dict[str, str]:
    from ..markets import INDICATORS

    return {n: cfg.indicator(n).unit for n in INDICATORS}


def _print_lights(con: Any, res: Any, cfg: Any, *, wide: bool, show_all: bool) -> None:
    """Every watched firm: each indicator's value and light (``wide``), else light counts."""
    from rich.table import Table

    from ..markets import INDICATORS

    lights = res.lights()
    units = _units(cfg)
    shown = _shown(res, lights, show_all)
    if wide:
        t = Table(title=f"Signals as of {res.as_of.isoformat()} (config: {cfg.source})",
                  title_justify="left")
        t.add_column("firm", no_wrap=True)
        for n in INDICATORS:
            t.add_column(SHORT[n], justify="right")
        for f in shown:
            t.add_row(f, *[f"[{_STYLE[str(lights.at[f, n])]}]"
                           f"{_cell(res.values.at[f, n], str(lights.at[f, n]), units[n])}[/]"
                           for n in INDICATORS])
    else:
        t = Table(title=f"Lights per firm as of {res.as_of.isoformat()} (config: {cfg.source}; "
                  "--wide for every value, --firm F for one firm)", title_justify="left")
        for c in ("firm", "ALERT", "WATCH", "OK", "NO DATA"):
            t.add_column(c, justify="left" if c == "firm" else "right", no_wrap=True)
        counts = res.light_counts()
        for f in shown:
            t.add_row(f, *[str(counts.at[f, k]) for k in ("red", "amber", "green", "n/a")])
    con.print(t)
    hidden = len(lights) - len(shown)
    if hidden:
        con.print(f"{hidden} watched firm(s) with no data for any indicator not shown "
                  "(--all lists them).")


def _print_firm(con: Any, res: Any, cfg: Any, firm: str, hist: Any) -> None:
    """One firm: every indicator with its thresholds and inputs, then its monthly series."""
    from rich.table import Table

    from ..markets import INDICATORS, LABELS

    lights = res.lights()
    t = Table(title=f"{firm} as of {res.as_of.isoformat()}", title_justify="left")
    for c in ("indicator", "value", "light", "watch at", "alert at", "inputs"):
        t.add_column(c, justify="right" if c in ("value", "watch at", "alert at")
                     else "left")
    for n in INDICATORS:
        ind = cfg.indicator(n)
        light = str(lights.at[firm, n])
        sign = ">=" if ind.worse == "higher" else "<="
        t.add_row(ind.label, fmt_value(res.values.at[firm, n], ind.unit),
                  f"[{_STYLE[light]}]{LABELS[light]}[/]",
                  f"{sign} {fmt_value(ind.amber, ind.unit).lstrip('+')}",
                  f"{sign} {fmt_value(ind.red, ind.unit).lstrip('+')}",
                  _inputs(res.details.get(firm, {}).get(n, {})))
    con.print(t)
    units = _units(cfg)
    cols = [n for n in INDICATORS if (hist[f"{n}_light"] != "n/a").any()]
    ts = Table(title=f"{firm}: month by month (indicators with data)",
               title_justify="left")
    ts.add_column("month end", no_wrap=True)
    for n in cols:
        ts.add_column(SHORT[n], justify="right")
    for _, row in hist.iterrows():
        ts.add_row(row["date"], *[_cell(row[n], row[f"{n}_light"], units[n])
                                  for n in cols])
    con.print(ts)


def _print_crossed(con: Any, res: Any, cfg: Any) -> None:
    """The thresholds crossed as of the date, one line each."""
    crossed = res.crossed()
    if not len(crossed):
        con.print(f"No threshold crossed as of {res.as_of.isoformat()}.")
        return
    units = _units(cfg)
    con.print(f"Thresholds crossed as of {res.as_of.isoformat()}:")
    for r in crossed.itertuples(index=False):
        sign = ">=" if r.worse == "higher" else "<="
        unit = units[str(r.indicator)]
        con.print(f"  {r.label:<5} {r.firm:<16} {SHORT[str(r.indicator)]:<10} "
                  f"{fmt_value(r.value, unit)} ({sign} "
                  f"{fmt_value(r.threshold, unit).lstrip('+')})")


def _compare(net: Any, scenario: str, draws: int, seed: int, day: Any, cfg: Any) -> Any:
    from ..data.problems import DataError
    from ..markets.compare import compare_with_model

    try:
        return compare_with_model(net, scenario, draws=draws, seed=seed, as_of=day, config=cfg)
    except DataError as exc:
        fail_with_problems(exc.problems, f"{len(exc.problems)} problem(s) in scenario "
                           f"{scenario}; nothing was run")


def _print_comparison(con: Any, t: Any) -> None:
    from rich.table import Table

    a = t.attrs
    h = a["pd_horizon_years"]
    tab = Table(title=f"What markets price vs the model ({a['scenario']}, horizon "
                f"{a['horizon'][0]}-{a['horizon'][1]}; {a['draws']:,} draws, seed {a['seed']}; "
                f"recovery {a['recovery']:.0%})", title_justify="left")
    for c in ("firm", "spread", "quoted", "PD 1y", f"PD {h:g}y", "engine", "MC P(default)"):
        tab.add_column(c, justify="left" if c in ("firm", "quoted") else "right",
                       no_wrap=True)
    for f, r in t.iterrows():
        eng = "-" if r["engine_defaulted"] is None else (
            f"defaults (wave {r['engine_wave']})" if r["engine_defaulted"] else "survives")
        mc = "-" if r["mc_pd"] is None else f"{r['mc_pd']:.1%}"
        tab.add_row(f, f"{r['spread_bp']:,.0f} bp", f"{r['instrument']} {r['date']}",
                    f"{r['pd_1y']:.1%}", f"{r['pd_horizon']:.1%}", eng, mc)
    con.print(tab)


def _shown(res: Any, lights: Any, show_all: bool) -> list[str]:
    order = list(res.light_counts().index)
    return order if show_all else [f for f in order if not (lights.loc[f] == "n/a").all()]


def _inputs(d: dict[str, Any]) -> str:
    parts = []
    for k, v in d.items():
        if v is None or k == "window" or (isinstance(v, list) and not v):
            continue
        if isinstance(v, float):
            v = f"{v:,.4g}"
        elif isinstance(v, list):
            v = ";".join(str(x) for x in v)
        parts.append(f"{k}={v}")
    return ", ".join(parts)
