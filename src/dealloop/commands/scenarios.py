"""Stress tests: ``dealloop stress`` and ``scenarios`` (Monte Carlo runs, ``simulate``, are in
:mod:`dealloop.commands.simulate`).

A SCENARIO argument is a YAML file or the name of a shipped scenario (``dealloop
scenarios`` lists them). A scenario that names an unknown entity, deal or key, or a value out
of range, is refused with every problem on stderr as ``file:line: key: message`` and exit
code 1.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ._common import (
    DataOpt,
    HorizonOpt,
    JsonOpt,
    ScenarioArg,
    choose,
    console,
    err,
    exit_with_problems,
    prepare_scenario,
    print_json,
    rich_table,
)


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
    horizon: HorizonOpt = None,
    json_out: JsonOpt = False,
    explain: Annotated[str | None, typer.Option(
        "--explain", metavar="FIRM",
        help="Print FIRM's balance sheet as built, line by line, with the deal and figure ids "
             "behind each line (with --tornado or --rank-legs, those follow it).")] = None,
    band: Annotated[bool, typer.Option(
        "--band/--no-band", help="Also run on A, A+B and all legs, with and without derived "
                                 "legs, and show the figures side by side.")] = True,
    rank_legs: Annotated[int, typer.Option(
        "--rank-legs", metavar="N", min=0,
        help="Remove each leg in turn, rerun, and show the N legs that change the market "
             "value lost the most (0: skip). A removal is the run with legs.exclude: a "
             "debt leg inside a firm's reported total debt leaves that total as it is "
             "(its amount becomes reported debt beyond the legs).")] = 0,
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
    sc, net = prepare_scenario(scenario, data, horizon)
    layer_names = _layer_names(net)
    if explain is not None:
        from ._names import firm_choices, resolve

        choices = {**{n: n for n in sorted(layer_names)}, **firm_choices(net)}
        explain = choose("--explain", resolve, explain, choices, what="firm or holder")
    res, ranked, swings = _stress_runs(sc, net, band=band, rank_legs=rank_legs,
                                       tornado=tornado, quiet=json_out)
    where = _holders(sc, net, res)
    res = _with_households(res, where)
    lines, held = _explained(explain, layer_names, res, where)
    if json_out:
        print_json(_stress_json(sc, net, res, where, explain=explain, lines=lines, held=held,
                                legs=ranked.to_dict()["legs"][:rank_legs]
                                if ranked is not None else None, swings=swings))
        return
    con = console()
    if explain is not None:  # --explain: the balance sheet (or what reaches the node), and
        if lines is not None:  # what else was asked for by name, not the whole run
            _print_explain(con, explain, lines, res, _figure_flags(net, lines), net)
        elif held is not None:
            _print_held(con, explain, held)
            _print_sponsor_notes(con, res, explain, net)
        if swings is not None:
            _print_tornado(con, swings, res)
        if ranked is not None:
            _print_ranked(con, ranked, rank_legs)
        return
    _print_stress(con, res)
    _print_assumptions(con, _assumptions(sc, res))
    if swings is not None:
        _print_tornado(con, swings, res)
    _print_holders(con, where)
    if ranked is not None:
        _print_ranked(con, ranked, rank_legs)


def _layer_names(net: Any) -> set[str]:
    """Names ``--explain`` finds in the holders layer: instruments, sectors and the holders
    of holdings.csv."""
    from ..data.schema import HOLDER_SECTORS, INSTRUMENTS

    holdings = net.tables.get("holdings.csv")
    holders = set(holdings["holder"]) if holdings is not None else set()
    return set(INSTRUMENTS) | set(HOLDER_SECTORS) | holders


def _stress_runs(sc: Any, net: Any, *, band: bool, rank_legs: int, tornado: bool,
                 quiet: bool) -> tuple[Any, Any, Any]:
    """The run, and the leg ranking and tornado when asked for, with progress on stderr;
    a scenario the data refuses ends here with its problems."""
    from ..data.problems import DataError
    from ..scenarios.removal import sensitivity
    from ..scenarios.runner import run
    from ._progress import enabled, steps

    try:
        with steps(None, "stress", enabled=enabled(quiet)) as step:
            step(f"{sc.name}" + (" and the evidence band" if band else ""))
            res = run(sc, net, band=band)
            if rank_legs:
                step("removing each leg in turn")
            ranked = sensitivity(sc, net) if rank_legs else None
            if tornado:
                step("each assumption low and high (tornado)")
            swings = _tornado(sc, net) if tornado else None
    except DataError as exc:
        exit_with_problems(exc)
    return res, ranked, swings


def _explained(explain: str | None, layer_names: set[str], res: Any, where: Any
               ) -> tuple[Any, Any]:
    """What ``--explain`` shows: a firm's balance sheet lines, or what reaches a node of the
    holders layer (``(lines, None)`` or ``(None, flows)``; ``(None, None)`` without it)."""
    if explain is None:
        return None, None
    if explain in layer_names or (explain not in res.balance.firms
                                  and explain in set(where.flows["target"])):
        return None, where.explain(explain)
    if explain not in res.balance.firms:
        err(f"Error: --explain: {explain!r} is outside the network in this scenario "
            "(its kind is in mapping.outside_kinds; mapping.inside brings it in)")
        raise typer.Exit(1)
    return res.explain(explain), None


def _with_households(res: Any, where: Any) -> Any:
    """``res`` with its history rows on US households set against the holders layer's
    household loss (as :func:`dealloop.holders.result_dict` does for the report and API)."""
    from dataclasses import replace

    from ..scenarios.compare import with_households

    return replace(res, comparison=with_households(res.comparison, where.households))


def _stress_json(sc: Any, net: Any, res: Any, where: Any, *, explain: str | None, lines: Any,
                 held: Any, legs: list[Any] | None, swings: Any) -> dict[str, Any]:
    """The ``--json`` document of ``dealloop stress``: the result, then what the options
    added (explain, legs, tornado), the assumptions and where the losses land."""
    from ..jsonutil import jsonable

    out = res.to_dict()
    if lines is not None:
        out["explain"] = {"firm": explain, "lines": jsonable(lines),
                          "figure_flags": _figure_flags(net, lines)}
    if legs is not None:
        out["legs"] = legs
    out["assumptions"] = _assumptions(sc, res)
    if swings is not None:
        out["tornado"] = jsonable(swings)
    out["holders"] = where.to_dict()  # as holders.result_dict, from the run above
    if held is not None:
        out["explain"] = {"node": explain, "flows": jsonable(held)}
    return out


_NEGATIVE = {
    "equity lost": "negative = it ends with more equity than before the shock",
    "not paid to it": "negative = it is paid more than before the shock",
    "extra new money": "negative = it raises that much less new money than its plan "
                       "needed (it stops raising)",
}


def _print_stress(con: Any, res: Any) -> None:
    """The text of ``dealloop stress``: the firms hit, year by year, what goes unpaid, the
    system figures, history, the other models and the notes."""
    from ._tables import horizon_label

    con.print(f"[bold]{res.scenario}[/bold] ({res.dataset}, horizon "
              f"{horizon_label(res.horizon)})")
    con.print(res.question)
    _print_firms_hit(con, res)
    if res.years is not None:
        _print_years(con, res)
    _print_unpaid(con, res)
    _print_system(con, res)
    if len(res.comparison):
        _print_history(con, res.comparison)
    _print_models(con, res.models)
    if res.notes:
        _print_notes(con, res.notes)


def _print_firms_hit(con: Any, res: Any) -> None:
    """Firms that default or move by more than $0.05bn, by wave, with the round tally."""
    from ._tables import Col, count, table

    s = res.system
    f = res.firms
    hit = f[f["defaulted"] | (f["equity_loss"].abs() > 0.05)
            | (f["market_value_lost"].abs() > 0.05) | (f["not_received"].abs() > 0.05)]
    hit = hit.assign(_w=hit["wave"].where(hit["wave"] > 0, 10**6)).sort_values(
        ["_w", "market_value_lost"], ascending=[True, False])
    dy = "default_year" in f.columns and res.years is not None
    rows = [[firm, (f"{int(r.default_year)} ({int(r.wave)})" if dy else int(r.wave))
             if r.defaulted else None, r.equity_before, r.equity_after,
             r.equity_loss_share if "equity_loss_share" in f.columns else None,
             r.market_value_before, r.market_value_after, r.unpaid, r.not_received,
             r.new_money_after - r.new_money]
            for firm, r in hit.iterrows()]
    d, rounds, before = int(s["defaults"]), int(s["rounds"]), int(s["baseline_defaults"])
    tally = (f"{count(d)} new default{'s' if d != 1 else ''} in {count(rounds)} "
             f"round{'s' if rounds != 1 else ''}; {count(before)} "
             f"default{'s' if before != 1 else ''} before the shock")
    if not rows:
        con.print(f"No firm is hit: {tally}.")
        return
    con.print(table(
        "Firms hit ($bn; equity = book equity at the horizon's end: reported book equity "
        "plus the earnings the unshocked run keeps, stakes at cost; else net worth over the "
        "horizon)",
        [Col("firm"), Col("default year (wave)", "raw", "year") if dy
         else Col("default wave", "count", "wave"),
         Col("equity before", "money", "eq. before"),
         Col("equity after", "money", "eq. after"),
         Col("equity lost", "share", "lost", _NEGATIVE["equity lost"]),
         Col("market value before", "money", "mv before"),
         Col("market value after", "money", "mv after"),
         Col("fails to pay", "money", "unpaid"),
         Col("not paid to it", "money", "not paid", _NEGATIVE["not paid to it"]),
         Col("extra new money", "money", "new money", _NEGATIVE["extra new money"])],
        [[r[0], r[1] if r[1] is not None else "", *r[2:]] for r in rows],
        caption=tally))


def _print_years(con: Any, res: Any) -> None:
    """Due, paid and short per year of the horizon (a run with ``res.years``)."""
    from ._tables import Col, table

    con.print(table(
        "Year by year ($bn at the start of the horizon; firms in the network)",
        [Col("year", "raw"), Col("due", "money"), Col("paid", "money"),
         Col("shortfall", "money", "short"),
         Col("due before the shock", "money", "due before"), Col("new defaults")],
        [[str(r.year), r.due, r.paid, r.shortfall, r.due_before,
          str(r.defaults).replace(";", ", ")] for r in res.years.itertuples()],
        caption=f"discounted at {res.system.get('discount_rate', 0.0):.2%} a year; shortfall: "
                "what the scenario leaves unpaid that year, net of recoveries (the years "
                "add up to the payment shortfall); a defaulter's debt falls due whole in "
                "its year of default"))


def _print_unpaid(con: Any, res: Any) -> None:
    """What defaulters fail to pay to whom (first 25 claims) and the backstops called."""
    from ._tables import Col, table

    if len(res.unpaid):
        con.print(table(
            "What defaulters fail to pay, to whom ($bn)",
            [Col("debtor"), Col("creditor"), Col("priority"), Col("deals"), Col("owed", "money"),
             Col("paid", "money"), Col("shortfall", "money")],
            [[r.debtor, r.creditor, r.priority, str(r.deals).replace(";", "; "),
              r.owed, r.paid, r.shortfall] for r in res.unpaid.head(25).itertuples()],
            caption="priority: secured debt is paid from its collateral first, the rest ranks "
                    "with unsecured debt and trade claims"))
    if len(res.backstops):
        con.print(table("Backstops triggered ($bn)",
                        [Col("deal"), Col("backstopper"), Col("beneficiary"),
                         Col("owed", "money"), Col("paid", "money")],
                        [list(r)[1:] for r in res.backstops.itertuples()]))


def _print_system(con: Any, res: Any) -> None:
    """The system headlines: one column per evidence selection when the run has a band."""
    from ..scenarios.results import HEADLINES
    from ._tables import Col, count, money, table

    s = res.system

    def cell(metric: str, v: Any) -> str:
        return count(v) if HEADLINES.get(metric, ("", ""))[1] == "count" else money(v)

    values = ([v for b in res.bands if b.metric == "new_money_extra" for _, v in b.values]
              if res.bands else [s.get("new_money_extra")])
    less = (" Extra new money below zero: that much less new money raised than the plan "
            "needed." if any(v is not None and v == v and v < -0.05 for v in values) else "")
    if not res.bands:
        con.print(table("System ($bn; changes caused by the scenario)",
                        [Col("figure"), Col("value", "raw")],
                        [[lab.strip(), cell(k, s[k])] for k, (lab, _) in HEADLINES.items()],
                        caption=less.strip() or None))
        return
    labels = [lab for lab, _ in res.bands[0].values]
    rows = [[b.label.strip()] + [cell(b.metric, v) for _, v in b.values] for b in res.bands]
    con.print(table(
        "System, by evidence behind the legs ($bn; changes caused by the scenario)",
        [Col("figure"), *[Col(lab, "raw") for lab in labels]], rows,
        caption="A = primary documents or two independent reports; B = one original "
                "report; C = a single weak source; 'no derived' leaves out amounts the "
                "dataset infers. A figure that moves across the columns rests on weaker "
                "evidence." + less))


def _history_value(v: Any, unit: str, *, fall: bool) -> str:
    """A reference figure: a negative one is shown as a fall (its size, labelled)."""
    from ._tables import NA, money_bn, share

    if v is None or v != v:
        return NA
    v = 0.0 if abs(v) < 1e-9 else v  # rounding noise of a run that moved nothing
    neg = fall and v < 0
    x = abs(v) if neg else v
    text = (share(x) if unit == "fraction" else money_bn(x) if unit == "usd_bn"
            else f"{x:,.4g} {unit}")
    return f"{text} fall" if neg else text


def _print_history(con: Any, comparison: Any) -> None:
    from ._tables import Col, share, table

    rows = []
    for r in comparison.itertuples():
        how = {"ratio": "ours / reference", "share": "ours as a share",
               "context": "for context"}.get(r.how, r.how)
        rows.append([r.label, _history_value(r.value, r.unit, fall=True),
                     _history_value(r.ours, r.unit, fall=True)
                     if r.ours is not None and r.ours == r.ours else "",
                     share(abs(r.comparison)) if r.comparison is not None
                     and r.comparison == r.comparison else "", how, r.id])
    con.print(table(
        "Against history (reference figures from the dataset's history.csv)",
        [Col("reference"), Col("value", "raw"), Col("ours", "raw"),
         Col("comparison", "raw", "comp."), Col("how"), Col("id")], rows,
        caption="a fall is compared by its size; ids are rows of history.csv, each with "
                "its sources ('dealloop sources' lists them)"))


def _print_models(con: Any, models: Any) -> None:
    """One line per model run next to the engine, in words."""
    from ._tables import money_bn, share

    for name, frame in models.items():
        if "defaulted" in frame.columns and "engine_defaulted" in frame.columns:
            d1 = sorted(frame.index[frame["defaulted"]])
            d2 = sorted(frame.index[frame["engine_defaulted"]])
            con.print(f"{name}: defaults {', '.join(d1) or 'none'} "
                      f"(all layers: {', '.join(d2) or 'none'})")
        elif name.startswith("debtrank") and {"h_initial", "h_final",
                                              "equity_before"} <= set(frame.columns):
            eq = frame["equity_before"].clip(lower=0)
            r = float(((frame["h_final"] - frame["h_initial"]) * eq).sum() / eq.sum()) \
                if eq.sum() > 0 else float("nan")
            label = name.split(";")[0]
            con.print(f"{label}: {share(r)} of equity lost in the credit layer after the "
                      "first hit (R; loans and bonds only, so contract losses above do not "
                      "enter it)")
        elif name.startswith("debtrank"):
            r = frame.attrs.get("debtrank")
            con.print(f"{name.split(';')[0]}: {share(r)} of the firms' equity lost in the "
                      "credit layer after the first hit (R)" if r is not None else name)
        elif name.startswith("cross_holdings"):
            b, a = frame.loc["before", "double_count"], frame.loc["after", "double_count"]
            con.print(f"{name}: {money_bn(b)} before, {money_bn(a)} after")


def _print_notes(con: Any, notes: list[str]) -> None:
    """The run's notes, grouped: one line per kind of note, with the deal ids
    (:func:`~dealloop.scenarios.results.note_lines`)."""
    from ..scenarios.results import note_lines

    for line in note_lines(notes):
        con.print(f"Note: {line}")


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
            con.print(f"  - {line}")


def _print_tornado(con: Any, swings: Any, res: Any) -> None:
    from ..scenarios.results import HEADLINES
    from ._tables import Col, table

    band = {b.metric: b for b in res.bands}
    rows = []
    for m in ("payment_shortfall", "market_value_lost_net", "defaults"):
        part = swings[swings["metric"] == m]
        for i, r in enumerate(part.itertuples(index=False)):
            rows.append([HEADLINES[m][0] if i == 0 else "", r.assumption,
                         f"{r.low_setting} / {r.high_setting}", r.low, r.central, r.high,
                         r.swing])
        if m in band:
            b = band[m]
            rows.append(["", "evidence band (A .. A+B+C)", "", b.low, "", b.high,
                         b.high - b.low])
    con.print(table("Sensitivity to the assumptions (tornado; $bn, defaults as counts)",
                    [Col("figure"), Col("assumption"), Col("low / high setting",
                                                           short="setting"),
                     Col("low", "money"), Col("central", "money"), Col("high", "money"),
                     Col("swing", "money")], rows))


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
        con.print(rich_table("Where the losses land ($bn; holders.csv shares)",
                              ["sector", "loss", "of its assets"], rows, right={1, 2}))
    for line in where.lines()[1:]:  # the first line repeats the table
        con.print(line)
    from ..holders.results import basis_text

    con.print(f"[dim]Method: {where.method}[/dim]")
    con.print(f"[dim]{basis_text(where.basis)}[/dim]")


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
    from ._tables import Col, table

    t = ranked.table.head(top)
    neg = "negative = lower without the leg"
    con.print(table(
        "Remove a leg and rerun: legs that carry the risk (change without the leg, $bn)",
        [Col("deal"), Col("who"), Col("kind"), Col("evidence", short="ev."),
         Col("amount", "money"), Col("market value lost", "money", "mv lost", neg),
         Col("shortfall", "money", negative=neg), Col("defaults", "count", negative=neg)],
        [[r.deal, f"{r.payer} → {r.payee}", str(r.kind).replace("_", " "), r.evidence,
          r.value, r.delta_market_value_lost_net, r.delta_payment_shortfall,
          r.delta_defaults] for r in t.itertuples()]))


def _figure_flags(net: Any, lines: Any) -> dict[str, list[str]]:
    """Why the company figures cited in ``lines`` may not be current (see
    :func:`dealloop.data.stale.figure_flags`), for the cited ids only."""
    from ..data.read import split_refs
    from ..data.stale import figure_flags

    cited = {f for refs in lines["figures"] for f in split_refs(refs)}
    flags = figure_flags(net.figures, net.sources)
    return {f: list(flags[f]) for f in sorted(cited) if f in flags}


def _print_sponsor_notes(con: Any, res: Any, firm: str, net: Any) -> None:
    """The holders layer's sponsor notes that name ``firm`` (as a vehicle or a sponsor),
    each as a sentence."""
    from ..holders.exposures import sponsor_notes

    for note in sponsor_notes(res, firm, net):
        con.print(note[0].upper() + note[1:] + ".")


def _print_explain(con: Any, firm: str, lines: Any, res: Any,
                   flags: dict[str, list[str]] | None = None, net: Any = None) -> None:
    """The balance sheet as the mapping stage built it, one line per item; a figure marked
    ``*`` may not be current (the reason is printed under the table)."""
    from ._tables import Col, horizon_label, table

    flags = flags or {}

    def mark(refs: Any) -> Any:
        if refs is None or refs != refs:
            return refs
        parts = (f.strip() for f in str(refs).split(";"))
        return ";".join(f + ("*" if f in flags else "") for f in parts if f)

    lines = lines.assign(figures=[mark(v) for v in lines["figures"]])
    cols = set(lines.columns)
    take = [(c, lab, kind) for c, lab, kind in (
        ("side", "side", "text"), ("item", "item", "text"),
        ("counterparty", "counterparty", "text"), ("amount", "amount", "money"),
        ("deals", "deals", "text"), ("figures", "figures", "text"), ("note", "how", "text"))
        if c in cols]
    rows = [[(str(v).replace(";", "; ") if c in ("deals", "figures") and v == v
              and v is not None else v) for c, _, _ in take for v in (getattr(r, c),)]
            for r in lines.itertuples()]
    con.print(table(
        f"Balance sheet of {firm} as built ($bn; {res.scenario}, horizon "
        f"{horizon_label(res.horizon)})",
        [Col(lab, kind) for _, lab, kind in take], rows,
        caption="deals and figures are ids in deals.csv and figures.csv"))
    line = _equity_line(res, firm)
    if line:
        con.print(line)
    _print_sponsor_notes(con, res, firm, net)
    for fid, why in flags.items():
        con.print(f"* {fid}: " + "; ".join(why))


def _equity_line(res: Any, firm: str) -> str | None:
    """How the run makes ``firm``'s equity before and after (the firms table's columns), in
    numbers: the book line's reported equity plus the horizon's earnings, or the construct."""
    from ._tables import money, share

    f = res.firms
    if firm not in f.index or "book_equity" not in f.columns:
        return None
    r = f.loc[firm]
    after = (f"{money(r['equity_after'])} after the shock, {money(r['equity_loss'])} "
             f"({share(r.get('equity_loss_share'))}) lost")
    if r["book_equity"] != r["book_equity"]:  # NaN: no figure, the construct
        return (f"Equity in this run ($bn): net worth over the horizon (the model's construct, "
                f"assumed), {money(r['equity_before'])} before the shock, {after}.")
    if r["baseline_defaulted"]:
        return "Equity in this run: 0 (it defaults before the shock)."
    return (f"Equity in this run ($bn, at the horizon's end): {r['equity_basis']} equity "
            f"{money(r['book_equity'])} + earnings over the horizon "
            f"{money(r.get('horizon_earnings', 0.0))} = {money(r['equity_before'])} before the "
            f"shock; {after} (its net worth over the horizon moves "
            f"{money(r['net_worth_after'] - r['net_worth_before'])} with stakes at market value; "
            "the book line carries stakes at cost and leaves out what its own borrowing "
            "moves).")
