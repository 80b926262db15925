"""``dealloop timeline`` and ``calendar``: the network month by month, and what falls due
year by year."""

from __future__ import annotations

from typing import Annotated

import typer

from ..vocabulary import DEFAULT_HORIZON
from ._common import (
    DataOpt,
    EstimatesOpt,
    JsonOpt,
    StatusOpt,
    choose,
    console,
    fail,
    load_network,
    print_json,
    rich_table,
)


def timeline(
    data: DataOpt = None,
    start: Annotated[str | None, typer.Option(
        "--from", metavar="MONTH", help="First month (YYYY or YYYY-MM; default: the first "
                                        "announcement).", show_default=False)] = None,
    end: Annotated[str | None, typer.Option(
        "--to", metavar="MONTH", help="Last month (default: the last announcement, or "
                                      "--as-of).", show_default=False)] = None,
    max_length: Annotated[int, typer.Option(
        "--max-length", min=2, max=12, help="Longest loop counted, in firms.")] = 6,
    json_out: JsonOpt = False,
) -> None:
    """Legs, money and loops at the end of every month: the network growing, each month as
    it was known then (legs superseded or cancelled later still count before)."""
    from ..circularity.budget import LoopBudgetError
    from ..circularity.timeline import timeline as run
    from ..vocabulary import parse_date

    for flag, value in (("--from", start), ("--to", end)):
        if value is not None:
            try:
                parse_date(value)
            except ValueError as exc:
                fail(f"Error: {flag}: {exc}", 2)
    if start is not None and end is not None and parse_date(start) > parse_date(end, end=True):
        fail(f"Error: --from {start} is after --to {end}", 2)
    net = load_network(data)
    if end is None and net.meta.get("as_of"):
        end = net.meta["as_of"]
    from ._progress import working

    with working("timeline", "legs, money and loops month by month", json_out=json_out):
        try:
            result = run(net, start=start, end=end, max_length=max_length)
        except LoopBudgetError as exc:  # a dense month: too many loops to count
            fail(f"Error: counting each month's loops: {str(exc).split(';')[0]}; use a "
                 "smaller --max-length")
    if json_out:
        print_json(result.to_dict())
        return
    frame = result.to_frame()
    rows = [[m, *r] for m, r in zip(frame.index, frame.itertuples(index=False), strict=True)]
    caption = (f"{len(result.undated)} undated leg(s) count from the start: "
               f"{', '.join(result.undated)}" if result.undated else None)
    console().print(rich_table(
        "The network by month (as known at each month's end; money in USD bn)",
        ["month", "new legs", "legs", "firm legs", "money", "new money", "loops"],
        [[m, int(a), int(b), int(c), float(d), float(e), int(f)] for m, a, b, c, d, e, f in rows],
        caption=caption))


def calendar(
    firm: Annotated[str | None, typer.Argument(
        help="Entity id or name (openai, 'OpenAI'); leave out for the whole system.",
        show_default=False)] = None,
    data: DataOpt = None,
    horizon: Annotated[
        tuple[int, int],
        typer.Option("--horizon", metavar="START END", help="First and last year."),
    ] = DEFAULT_HORIZON,
    status: StatusOpt = None,
    estimates: EstimatesOpt = False,
    debt_rate: Annotated[float, typer.Option(
        "--debt-rate", min=0.0, max=1.0, help="Annual interest on borrowed principal (the "
        "data hold no rates; default 0: principal only).")] = 0.0,
    repayment: Annotated[str, typer.Option(
        "--repayment", help="How debt principal is repaid: bullet, linear or annuity.")
    ] = "bullet",
    json_out: JsonOpt = False,
) -> None:
    """What a firm (or the whole system) must pay each year: contracts, equity instalments
    and debt service, against its revenue and cash (the payment cliff)."""
    from ..network import Selection
    from ..scenarios.calendar import payment_calendar
    from ..vocabulary import parse_horizon

    if repayment not in ("bullet", "linear", "annuity"):
        fail(f"Error: --repayment: {repayment!r} is not one of bullet, linear, annuity", 2)
    if horizon[1] < horizon[0]:
        fail(f"Error: --horizon: end {horizon[1]} is before start {horizon[0]}", 2)
    try:
        parse_horizon(horizon)
        sel = Selection.make(status, include_estimates=estimates)
    except ValueError as exc:
        fail(f"Error: {exc}", 2)
    net = load_network(data)
    if firm is not None:
        from ._names import resolve_firm

        firm = choose("FIRM", resolve_firm, net, firm)
    try:
        cal = payment_calendar(net, firm, horizon=horizon, selection=sel, debt_rate=debt_rate,
                               repayment=repayment)  # type: ignore[arg-type]
    except KeyError as exc:
        fail(f"Error: FIRM: {exc.args[0]}", 2)
    if json_out:
        print_json(cal.to_dict())
        return
    frame = cal.to_frame()
    who = firm or "the system (every payer)"
    cash = "unknown" if cal.cash != cal.cash else f"{cal.cash:,.1f}"
    caption = (f"Cash at hand: {cash}. Revenue is not profit, so the gap flatters. "
               f"Debt at {cal.debt_rate:.1%} interest, {cal.repayment} repayment"
               + (f"; no maturity (principal not scheduled): {', '.join(cal.undated_debt)}"
                  if cal.undated_debt else "") + ".")
    rows = [[str(y), *(float(v) for v in r)] for y, r in
            zip(frame.index, frame.itertuples(index=False), strict=True)]
    console().print(rich_table(
        f"Payment calendar of {who}, USD bn",
        ["year", "contracts", "equity", "interest", "principal", "total due", "revenue",
         "cumulative due", "gap"], rows, caption=caption))
