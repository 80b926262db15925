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
    FirmOpt,
    JsonOpt,
    choose,
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


#: Under the wide table: which "top customer" share this is (the circularity command's is
#: another measure), and where each firm's period and figure are shown.
TOP_CUSTOMER_NOTE = ("top cust = the top customer's share of recognised revenue over the "
                     "period of the firm's latest revenue figure (--firm F names the period "
                     "and figure); `dealloop circularity` shows its share of contract value "
                     "(all years) instead")

#: Terminal style of each light's label (``_tables.STYLES``): the traffic-light colours.
LIGHT_STYLE = {"ALERT": "red", "WATCH": "amber", "OK": "green", "NO DATA": "dim"}


def light_style(cell: Any) -> str | None:
    """The style of a cell that ends in a light's label (``+513 bp ALERT``, ``OK``).

    >>> light_style("+513 bp ALERT"), light_style("13.7% OK"), light_style("n/a")
    ('red', 'green', None)
    """
    text = str(cell)
    return next((v for k, v in LIGHT_STYLE.items() if text == k or text.endswith(" " + k)),
                None)


def _count_style(light: str) -> Any:
    """A count column's style: the light's colour when the count is not zero."""
    return lambda v: LIGHT_STYLE[light] if v else None


def fmt_value(value: Any, unit: str) -> str:
    """A value in its unit: bp whole, fractions as percent, ratios with an ``x``.

    Examples
    --------
    >>> fmt_value(512.6, "bp"), fmt_value(0.1366, "fraction"), fmt_value(3.131, "ratio")
    ('+513 bp', '13.7%', '3.13x')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "bp":
        return f"{value:+,.0f} bp"
    if unit == "fraction":
        return f"{value:.1%}"
    return f"{value:,.2f}x"


def _cell(value: Any, light: str, unit: str) -> str:
    from ..markets import LABELS

    if light == "n/a":
        return "n/a"
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
        "--as-of", metavar="DATE",
        help="The dataset as known on DATE, signals read then (YYYY, YYYY-MM or YYYY-MM-DD; "
             "a partial date means its last day): later legs, figures and quotes left out. "
             "Default: the latest market quote.")] = None,
    firm: FirmOpt = None,
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
    from ..markets import INDICATORS, load_config, signal_history, signals_bundle
    from ..markets import signals as run

    day = _as_of(as_of)
    try:
        cfg = load_config(config)
    except DataError as exc:
        fail_with_problems(exc.problems, f"{len(exc.problems)} problem(s) in {config}; "
                           "nothing was computed")
    net = load_network(data)
    if firm is not None:
        from ._names import resolve_firm

        firm = choose("--firm", resolve_firm, net, firm)
    comparison = None
    if against:
        from ._progress import working

        with working("signals", f"running {against} ({draws:,} draws)", json_out=json_out):
            comparison = _compare(net, against, draws, seed, day, cfg)
    if json_out:
        out = signals_bundle(net, as_of=day, firms=[firm] if firm else None, config=cfg)
        if comparison is not None:
            out["comparison"] = _comparison_json(comparison)
        out["sector_capital"] = sector_capital(net, out.get("as_of"))
        print_json(out)
        return
    res = run(net, as_of=day, firms=[firm] if firm else None, config=cfg)
    hist = signal_history(net, firms=[firm], end=res.as_of, config=cfg) if firm else None
    con = console()
    con.print(res.headline())
    units: dict[str, str] = {n: cfg.indicator(n).unit for n in INDICATORS}
    if firm is None:
        _print_lights(con, res, cfg.source, units, wide=wide, show_all=show_all)
    else:
        assert hist is not None
        _print_firm(con, res, cfg, firm, hist, units)
    if comparison is not None:
        _print_comparison(con, comparison)
    _print_crossed(con, res, units)
    _print_capital(con, sector_capital(net, res.as_of.isoformat()))


def sector_capital(net: Any, as_of: Any) -> dict[str, dict[str, Any]]:
    """The capital behind each holder sector's line as known on ``as_of``
    (:func:`dealloop.holders.capitals`; NO DATA with the reason where there is none)."""
    from ..holders import capitals, layer

    return capitals(layer(net), as_of)


def _print_capital(con: Any, caps: dict[str, dict[str, Any]]) -> None:
    """The capital that absorbs losses by holder sector, NO DATA with the reason."""
    from ..holders import capital_text

    con.print("Capital behind the holder sectors (`dealloop stress` sets a run's losses "
              "against it):")
    for x in caps.values():
        con.print(f"  {capital_text(x)}")


def _comparison_json(comparison: Any) -> dict[str, Any]:
    """``--against`` as JSON: the comparison's notes and one record per firm (NaN -> null)."""
    return {**comparison.attrs, "firms": [
        {"firm": f, **{k: (None if isinstance(v, float) and math.isnan(v) else v)
                       for k, v in row.items()}}
        for f, row in comparison.iterrows()]}


def _print_lights(con: Any, res: Any, source: Any, units: dict[str, str], *, wide: bool,
                  show_all: bool) -> None:
    """Every firm's lights: counts per light, or (``wide``) every indicator's value."""
    from ..markets import INDICATORS
    from ._tables import Col, table

    lights = res.lights()
    shown = _shown(res, lights, show_all)
    day = res.as_of.isoformat()
    if wide:
        con.print(table(f"Signals as of {day} (config: {source})",
                        [Col("firm"), *[Col(SHORT[n], "raw", style=light_style)
                                        for n in INDICATORS]],
                        [[f, *[_cell(res.values.at[f, n], lights.at[f, n], units[n])
                               for n in INDICATORS]] for f in shown],
                        caption=TOP_CUSTOMER_NOTE))
    else:
        counts = res.light_counts()
        con.print(table(f"Lights per firm as of {day} (config: {source}; --wide for every "
                        "value, --firm F for one firm)",
                        [Col("firm"), *[Col(c, "count", style=_count_style(c)) for c in
                                        ("ALERT", "WATCH", "OK", "NO DATA")]],
                        [[f, *[int(counts.at[f, k]) for k in ("red", "amber", "green", "n/a")]]
                         for f in shown]))
    hidden = len(lights) - len(shown)
    if hidden:
        con.print(f"{hidden} watched firm(s) with no data for any indicator not shown "
                  "(--all lists them).")


def _print_firm(con: Any, res: Any, cfg: Any, firm: str, hist: Any,
                units: dict[str, str]) -> None:
    """One firm: every indicator with its thresholds and inputs, then month by month."""
    from ..markets import INDICATORS, LABELS
    from ._tables import Col, table

    lights = res.lights()
    rows = []
    for n in INDICATORS:
        ind = cfg.indicator(n)
        sign = ">=" if ind.worse == "higher" else "<="
        rows.append([ind.label, fmt_value(res.values.at[firm, n], ind.unit),
                     LABELS[lights.at[firm, n]],
                     f"{sign} {fmt_value(ind.amber, ind.unit).lstrip('+')}",
                     f"{sign} {fmt_value(ind.red, ind.unit).lstrip('+')}",
                     _inputs(res.details.get(firm, {}).get(n, {}))])
    con.print(table(f"{firm} as of {res.as_of.isoformat()}",
                    [Col("indicator"), Col("value", "raw"), Col("light", style=light_style),
                     Col("watch at", "raw"), Col("alert at", "raw"), Col("inputs")], rows))
    cols = [n for n in INDICATORS if (hist[f"{n}_light"] != "n/a").any()]
    con.print(table(f"{firm}: month by month (indicators with data)",
                    [Col("month end"), *[Col(SHORT[n], "raw", style=light_style)
                                         for n in cols]],
                    [[row["date"], *[_cell(row[n], row[f"{n}_light"], units[n])
                                     for n in cols]] for _, row in hist.iterrows()]))


def _print_crossed(con: Any, res: Any, units: dict[str, str]) -> None:
    """The thresholds crossed, one row each."""
    from ._tables import Col, table

    crossed = res.crossed()
    day = res.as_of.isoformat()
    if not len(crossed):
        con.print(f"No threshold crossed as of {day}." if res.has_data() else
                  f"No data as of {day}: no threshold can be read.")
        return
    rows = []
    bases = []
    for r in crossed.itertuples(index=False):
        sign = ">=" if r.worse == "higher" else "<="
        unit = units[r.indicator]
        rows.append([r.label, r.firm, SHORT[r.indicator], fmt_value(r.value, unit),
                     f"{sign} {fmt_value(r.threshold, unit).lstrip('+')}"])
        if isinstance(r.basis, str):
            who = res.details.get(r.firm, {}).get(r.indicator, {}).get("top_customer")
            bases.append(f"{r.firm} {SHORT[r.indicator]}" + (f" ({who})" if who else "")
                         + f" = {r.basis}")
    con.print(table(f"Thresholds crossed as of {day}",
                    [Col("light", style=light_style), Col("firm"), Col("indicator"),
                     Col("value", "raw"), Col("threshold", "raw")], rows,
                    caption="; ".join(bases) or None))


def _compare(net: Any, scenario: str, draws: int, seed: int, day: Any, cfg: Any) -> Any:
    from ..data.problems import DataError
    from ..markets.compare import compare_with_model

    try:
        return compare_with_model(net, scenario, draws=draws, seed=seed, as_of=day, config=cfg)
    except DataError as exc:
        fail_with_problems(exc.problems, f"{len(exc.problems)} problem(s) in scenario "
                           f"{scenario}; nothing was run")


def _print_comparison(con: Any, t: Any) -> None:
    from ._tables import Col, table

    a = t.attrs
    h = a["pd_horizon_years"]
    rows = []
    for f, r in t.iterrows():
        eng = "n/a" if r["engine_defaulted"] is None else (
            f"defaults (wave {r['engine_wave']})" if r["engine_defaulted"] else "survives")
        rows.append([f, f"{r['spread_bp']:,.0f} bp", f"{r['instrument']} {r['date']}",
                     r["pd_1y"], r["pd_horizon"], eng, r["mc_pd"]])
    con.print(table(
        f"What markets price vs the model ({a['scenario']}, horizon {a['horizon'][0]}-"
        f"{a['horizon'][1]}; {a['draws']:,} draws, seed {a['seed']}; recovery "
        f"{a['recovery']:.0%})",
        [Col("firm"), Col("spread", "raw"), Col("quoted"), Col("PD 1y", "share"),
         Col(f"PD {h:g}y", "share"), Col("engine"), Col("MC P(default)", "share", "MC PD")],
        rows, caption="PD = default probability implied by the spread (hazard s / (1 - R)); "
                      "engine = the scenario's central run; MC = the share of Monte Carlo "
                      "draws in which the firm defaults"))


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
            v = ", ".join(str(x) for x in v)
        elif isinstance(v, str):
            v = v.replace(";", ", ")
        parts.append(f"{k.replace('_', ' ')} {v}")
    return "; ".join(parts)
