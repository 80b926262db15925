"""``dealloop sources``: the dataset's sources by tier, and what stands only on weak ones."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import DataOpt, JsonOpt, console, fail, load_network, print_json, table


def sources(
    data: DataOpt = None,
    weak: Annotated[bool, typer.Option(
        "--weak", help="List the legs and figures that stand only on aggregators, and the "
                       "A-grade legs without a primary or major-outlet source.")] = False,
    tier: Annotated[list[str] | None, typer.Option(
        "--tier", help="Tiers to list (repeatable): primary, major_outlet, trade_press, "
                       "aggregator.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Sources by tier (primary, major outlet, trade press, aggregator), with how many legs
    and figures cite each; --weak lists what stands only on aggregators."""
    from ..data.schema import SOURCE_TIERS
    from ..sources import citable_gaps, source_table, tier_counts, weak_items

    net = load_network(data)
    bad = [t for t in tier or [] if t not in SOURCE_TIERS]
    if bad:
        fail(f"Error: --tier: unknown tier(s) {', '.join(bad)}; expected "
             f"{', '.join(SOURCE_TIERS)}", 2)
    counts = tier_counts(net)
    if weak:
        items, gaps = weak_items(net), citable_gaps(net)
        if json_out:
            print_json({"tiers": counts, "aggregator_only": [w.to_dict() for w in items],
                         "a_grade_without_citable_source": [g.to_dict() for g in gaps]})
            return
        import pandas as pd

        con = console()
        con.print(f"{len(items)} legs and figures stand only on aggregators; "
                  f"{len(gaps)} A-grade legs have no primary or major-outlet source.")
        frame = pd.DataFrame([w.to_dict() for w in items])
        if len(frame):
            frame["sources"] = frame["sources"].map(";".join)
            con.print(table("Standing only on aggregators", frame.set_index("id")))
        return
    found = source_table(net)
    if tier:
        found = found[found["tier"].isin(tier)]
    if json_out:
        print_json({"tiers": counts,
                     "sources": found.astype(object).where(found.notna(), None)
                     .to_dict("records")})
        return
    con = console()
    con.print("sources by tier: " + ", ".join(f"{t.replace('_', ' ')} {n}"
                                                for t, n in counts.items()))
    show = found[["id", "tier", "date", "publisher", "title", "legs", "figures"]]
    con.print(table("Sources, best tier first", show.set_index("id")))
