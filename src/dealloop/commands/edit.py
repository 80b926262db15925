"""``dealloop add-leg``: add a deal leg, with its source, to your own copy of a dataset."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ._common import JsonOpt, console, fail, fail_with_problems, print_json

#: Leg fields asked for when missing (interactive) or required as flags (scripts).
REQUIRED = ("payer", "payee", "kind", "status", "evidence")


def interactive() -> bool:
    """Whether missing fields may be asked for (standard input is a terminal)."""
    return sys.stdin.isatty()


def _opt(name: str, text: str) -> object:
    return typer.Option(name, help=text, show_default=False)


def add_leg(
    data: Annotated[Path | None, typer.Option(
        "--data", "-d", help="Your copy of the dataset (created from --from, default the "
                             "bundled data, when the folder does not exist yet).",
        show_default=False)] = None,
    source_data: Annotated[Path | None, _opt("--from", "Dataset to copy when --data does not "
                                             "exist yet (default: bundled ai2026).")] = None,
    leg_id: Annotated[str | None, _opt("--id", "Leg id (default: the next U01, U02...).")] = None,
    payer: Annotated[str | None, _opt("--payer", "Entity that sends the money.")] = None,
    payee: Annotated[str | None, _opt("--payee", "Entity that receives the money.")] = None,
    kind: Annotated[str | None, _opt("--kind", "What the money buys (compute_contract, "
                                     "equity_investment, loan...).")] = None,
    amount: Annotated[float | None, _opt("--amount", "Amount, USD bn.")] = None,
    low: Annotated[float | None, _opt("--low", "Low end of a range, USD bn.")] = None,
    high: Annotated[float | None, _opt("--high", "High end of a range, USD bn.")] = None,
    basis: Annotated[str, typer.Option("--basis", help="reported, estimate or derived.")
                     ] = "reported",
    status: Annotated[str | None, _opt("--status", "committed, reported, conditional, "
                                       "superseded or cancelled.")] = None,
    condition: Annotated[str | None, _opt("--condition", "The condition of a conditional "
                                          "leg.")] = None,
    announced: Annotated[str | None, _opt("--announced", "Date first reported.")] = None,
    start: Annotated[str | None, _opt("--start", "Start of the term.")] = None,
    end: Annotated[str | None, _opt("--end", "End of the term.")] = None,
    evidence: Annotated[str | None, _opt("--evidence", "A primary / B one report / C "
                                         "weak.")] = None,
    sources: Annotated[str | None, _opt("--source", "Existing source id(s), ';'-separated.")
                       ] = None,
    url: Annotated[str | None, _opt("--url", "A new source's address (added to "
                                    "sources.csv).")] = None,
    publisher: Annotated[str | None, _opt("--publisher", "The new source's publisher.")
                         ] = None,
    title: Annotated[str | None, _opt("--title", "The new source's title.")] = None,
    date: Annotated[str | None, _opt("--date", "The new source's publication date.")] = None,
    notes: Annotated[str | None, _opt("--notes", "Free text.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Add one deal leg, with its source, to your own copy of a dataset: checked by the
    validator first (nothing written on a problem), version bumped, bundled data untouched.
    Missing fields are asked for on a terminal; scripts give every one as a flag."""
    from ..data.problems import DataError
    from ..userdata import add_leg as run
    from ..userdata import is_bundled, user_copy

    if data is None:
        fail("Error: --data: name your copy of the dataset (a new folder is created from the "
             "bundled data); the bundled dataset is never changed", 2)
    if is_bundled(data):
        fail(f"Error: --data: {data} is the bundled dataset, which is read-only; name a new "
             "folder for your copy", 2)
    leg = {"id": leg_id, "payer": payer, "payee": payee, "kind": kind,
           "amount_usd_bn": amount, "amount_low": low, "amount_high": high, "basis": basis,
           "status": status, "condition": condition, "announced": announced, "start": start,
           "end": end, "evidence": evidence, "sources": sources, "notes": notes}
    missing = [k for k in REQUIRED if not leg.get(k)]
    if not (sources or url):
        missing.append("url")
    if missing and interactive() and not json_out:
        for k in missing:
            answer = typer.prompt(f"{k} ({'a source address' if k == 'url' else 'required'})")
            if k == "url":
                url = answer
            else:
                leg[k] = answer
        missing = []
    if missing:
        fail(f"Error: missing {', '.join('--' + m for m in missing)} (every one is needed "
             "when not on a terminal)", 2)
    if not data.exists():
        try:
            user_copy(data, source_data)
        except (ValueError, OSError) as exc:
            fail(f"Error: cannot make the copy {data}: {exc}")
    source = {"url": url, "publisher": publisher, "title": title, "date": date} if url else None
    try:
        done = run(data, leg, source=source)
    except DataError as exc:
        fail_with_problems(exc.problems, f"{len(exc.problems)} problem(s) with the new leg; "
                                         "nothing written")
    except (ValueError, OSError) as exc:
        fail(f"Error: {exc}")
    if json_out:
        print_json(done.to_dict())
        return
    console().print(f"added leg {done.leg} to {done.folder} (source {done.source}"
                    f"{', new' if done.new_source else ''}); dataset version {done.version}. "
                    "Reports made from this copy say it was modified.")
