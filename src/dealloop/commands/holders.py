"""``dealloop systemic``: fail each firm in turn and rank the firms by the damage."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import DataOpt, HorizonOpt, JsonOpt, console, fail, prepare_scenario, print_json

_RANKS = ("loss", "others", "defaults", "households", "banks", "insurers", "private-credit",
          "debtrank")


def systemic(
    scenario: Annotated[str, typer.Argument(
        help="Base scenario (file or shipped name) every failure is added to.")] = "baseline",
    rank_by: Annotated[str, typer.Option(
        "--rank-by", metavar="|".join(_RANKS),
        help="loss: loss outside the network; others: the same without the failed firm's "
             "own shareholders; defaults: other firms defaulting; households: loss on US "
             "households; banks: loss on banks; insurers: loss on insurers; private-credit: "
             "loss on private-credit funds; debtrank: DebtRank with equity from company "
             "figures.")] = "loss",
    top: Annotated[int, typer.Option("--top", min=1, help="Rows to show.")] = 15,
    data: DataOpt = None,
    horizon: HorizonOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Who is systemic: fail each firm in turn (one batched engine call) and rank the firms
    by the loss that lands outside the network, the defaults they cause, the loss on US
    households and on banks, and DebtRank."""
    from ..holders.systemic import systemic as run_systemic

    if rank_by not in _RANKS:
        typer.echo(f"Error: --rank-by: expected one of {', '.join(_RANKS)}, got {rank_by!r}",
                   err=True)
        raise typer.Exit(2)
    from ._progress import working

    sc, net = prepare_scenario(scenario, data, horizon)
    try:
        with working("systemic", f"failing each of {len(net.ids):,} firms in turn",
                     json_out=json_out):
            res = run_systemic(sc, net, rank_by=rank_by)
    except ValueError as exc:
        fail(f"Error: {exc}")
        return
    if json_out:
        print_json(res.to_dict())
        return
    from ._tables import Col, table

    t = res.table.head(top)
    rows = [[f, r.total_loss, r.loss_to_others, r.defaults_caused, r.household_loss,
             r.retirement_loss, r.bank_loss, r.insurer_loss, r.private_credit_loss, r.debtrank]
            for f, r in t.iterrows()]
    con = console()
    con.print(table(
        f"Who is systemic: {res.scenario} plus one failure each ($bn, ranked by {rank_by})",
        [Col("fails"), Col("loss outside", "money"), Col("beyond own", "money"),
         Col("defaults caused", "count", "defaults"), Col("households", "money", "hh"),
         Col("retirement", "money", "retire."), Col("banks", "money"),
         Col("insurers", "money", "ins."), Col("private credit", "money", "pr. cr."),
         Col("DebtRank", "share")], rows,
        caption="loss outside = market value lost by outside shareholders + what outside "
                "creditors are not paid; beyond own = without the failed firm's own "
                "shareholders; households, retirement, banks and insurers through holders.csv "
                "shares; private credit = loss on private-credit funds' loans; "
                "DebtRank = share of the network's equity lost (n/a: no equity figure)"))
    for f, r in t.iterrows():
        if r.defaulted:
            con.print(f"{f} fails → also default: {r.defaulted.replace(';', ', ')}")
        if r.banks_below_min:
            con.print(f"{f} fails → below their capital requirement: "
                      f"{r.banks_below_min.replace(';', ', ')}")
    for n in res.notes:
        con.print(n)
