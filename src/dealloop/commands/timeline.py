"""``dealloop timeline``: legs, money and loops month by month."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import DataOpt, JsonOpt, console, fail, load_network, print_json, rich_table


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
    from ..circularity.timeline import timeline as run
    from ..vocabulary import parse_date

    for flag, value in (("--from", start), ("--to", end)):
        if value is not None:
            try:
                parse_date(value)
            except ValueError as exc:
                fail(f"Error: {flag}: {exc}", 2)
    net = load_network(data)
    if end is None and net.meta.get("as_of"):
        end = net.meta["as_of"]
    result = run(net, start=start, end=end, max_length=max_length)
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
