"""``dealloop sources``: the dataset's sources by tier, and what stands only on weak ones."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ._common import DataOpt, JsonOpt, choose, console, load_network, print_json

#: Sources shown per tier without --all or --tier.
TOP = 10


def sources(
    data: DataOpt = None,
    weak: Annotated[bool, typer.Option(
        "--weak", help="List the legs and figures that stand only on aggregators, and the "
                       "A-grade legs without a primary or major-outlet source.")] = False,
    tier: Annotated[list[str] | None, typer.Option(
        "--tier", help="Tiers to list (repeatable): primary, 'major outlet', 'trade press', "
                       "aggregator (or major_outlet, trade_press).")] = None,
    show_all: Annotated[bool, typer.Option(
        "--all", help=f"List every source (default: the {TOP} most cited of each tier).")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Sources by tier (primary, major outlet, trade press, aggregator), with how many legs
    and figures cite each: the most cited of each tier, every source with --all or --tier;
    --weak lists what stands only on aggregators."""
    from ..data.schema import SOURCE_TIERS
    from ..sources import citable_gaps, source_table, tier_counts, weak_items
    from ._names import resolve_many

    tier = choose("--tier", resolve_many, tier,
                  {t: t.replace("_", " ") for t in SOURCE_TIERS}, what="tier")
    net = load_network(data)
    counts = tier_counts(net)
    if weak:
        items, gaps = weak_items(net), citable_gaps(net)
        if json_out:
            print_json({"tiers": counts, "aggregator_only": [w.to_dict() for w in items],
                         "a_grade_without_citable_source": [g.to_dict() for g in gaps]})
            return
        from ._tables import Col, table

        con = console()
        con.print(f"{len(items)} legs and figures stand only on aggregators; "
                  f"{len(gaps)} A-grade legs have no primary or major-outlet source.")
        rows = [w.to_dict() for w in items]
        if rows:
            con.print(table(
                "Standing only on aggregators",
                [Col("id"), Col("file"), Col("best tier"), Col("evidence", short="ev."),
                 Col("sources")],
                [[r["id"], r["file"], str(r["best_tier"]).replace("_", " "), r["evidence"],
                  "; ".join(r["sources"])] for r in rows],
                caption="'dealloop sources' lists every source with its publisher and title"))
        return
    found = source_table(net)
    if tier:
        found = found[found["tier"].isin(tier)]
    if json_out:
        print_json({"tiers": counts,
                     "sources": found.astype(object).where(found.notna(), None)
                     .to_dict("records")})
        return
    from ._tables import Col, count, table

    con = console()
    con.print("sources by tier: " + ", ".join(f"{t.replace('_', ' ')} {count(n)}"
                                                for t, n in counts.items()))
    every = show_all or bool(tier)
    for t, group in found.groupby("tier", sort=False):
        label = str(t).replace("_", " ")
        shown = group if every else group.head(TOP)
        more = len(group) - len(shown)
        con.print(table(
            f"{label.capitalize()} sources ({count(len(group))}"
            + (f"; the {count(len(shown))} most cited" if more else "") + ")",
            [Col("id"), Col("source (publisher, date)"), Col("legs", "count"),
             Col("figures", "count", "figs")],
            [[r.id, _described(r.title, r.publisher, r.date), r.legs, r.figures]
             for r in shown.itertuples()],
            caption=f"{count(more)} more: dealloop sources --tier '{label}' lists them"
            if more else None))


def _described(title: Any, publisher: Any, date: Any) -> str:
    """A source in one phrase: its title, then who published it and when.

    >>> _described("Q3 results", "Reuters", "2025-10-06"), _described(None, "Reuters", None)
    ('Q3 results (Reuters, 2025-10-06)', 'Reuters')
    """
    by = _published(publisher, date)
    name = str(title) if title is not None and title == title and str(title) else ""
    return f"{name} ({by})" if name and by else name or by


def _published(publisher: Any, date: Any) -> str:
    """``publisher, date`` with what is known of the two.

    >>> _published("Reuters", "2025-10-06"), _published("Reuters", None), _published(None, None)
    ('Reuters, 2025-10-06', 'Reuters', '')
    """
    parts = [str(x) for x in (publisher, date) if x is not None and x == x and str(x)]
    return ", ".join(parts)
