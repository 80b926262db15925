"""``dealloop cite`` and ``chart``: what to publish with the numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..vocabulary import DEFAULT_HORIZON
from ._common import (
    DataOpt,
    JsonOpt,
    check_output,
    choose,
    console,
    fail,
    load_network,
    print_json,
)


def cite(
    data: DataOpt = None,
    bibtex: Annotated[bool, typer.Option("--bibtex", help="Print a BibTeX entry only.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """How to cite the dataset: name, version, content hash, licence, and a citation to
    paste (a modified or as-of copy says so)."""
    from ..cite import citation

    c = citation(load_network(data))
    if json_out:
        print_json(c)
        return
    from ._tables import echo, kv, wrap

    if bibtex:
        echo(_bibtex(c["bibtex"]))
        return
    lic = c["licence"]
    echo(kv(None, [(label + ":", str(value)) for label, value in (
        ("dataset", c["name"]), ("title", c["title"]), ("version", c["version"]),
        ("content", c["content_hash"]), ("status", c["release_note"]), ("as of", c["as_of"]),
        ("licence", " ".join(str(x) for x in (lic["name"], lic["url"]) if x)),
        ("url", c["url"])) if value]))
    echo(f"\nHow to cite:\n{wrap(c['text'], break_long=False)}\n\n{_bibtex(c['bibtex'])}")


def _bibtex(entry: str, w: int | None = None) -> str:
    """A BibTeX entry with its long fields wrapped inside their braces (BibTeX reads the
    line breaks as spaces), words and addresses kept whole.

    >>> print(_bibtex("@misc{x,\\n  note = {Dataset ai2026, licence CC-BY-4.0}\\n}", 30))
    @misc{x,
      note = {Dataset ai2026,
        licence CC-BY-4.0}
    }
    """
    from ._tables import wrap

    lines = []
    for line in entry.split("\n"):
        lead = line[:len(line) - len(line.lstrip())]
        lines.append(wrap(line.lstrip(), w, indent=lead, hang=lead + "  ", break_long=False))
    return "\n".join(lines)


def chart(
    name: Annotated[str, typer.Argument(help="timeline, calendar or network.",
                                        show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Image to write: .svg or "
                                         ".png.", show_default=False)],
    data: DataOpt = None,
    firm: Annotated[str | None, typer.Option("--firm", "-f", help="The firm of a calendar "
                                             "(default: the system).")] = None,
    horizon: Annotated[
        tuple[int, int],
        typer.Option("--horizon", metavar="START END", help="Years of a calendar."),
    ] = DEFAULT_HORIZON,
) -> None:
    """Draw one of the main charts to an SVG or PNG file, ready to publish (no browser)."""
    from ..report.charts import CHARTS, FORMATS

    if name not in CHARTS:
        from ..vocabulary import did_you_mean

        fail(f"Error: NAME: unknown chart {name!r}{did_you_mean(name, CHARTS)}; expected one "
             f"of {', '.join(CHARTS)}", 2)
    if output.suffix.lower().lstrip(".") not in FORMATS:
        fail(f"Error: --output: {output.name!r} must end in .svg or .png", 2)
    if firm is not None and name != "calendar":
        fail("Error: --firm goes with the calendar chart only", 2)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        fail("Error: charts need matplotlib: pip install 'dealloop[charts]'")
    check_output(output)
    net = load_network(data)
    if firm is not None:
        from ._names import resolve_firm

        firm = choose("--firm", resolve_firm, net, firm)
    from ..report.charts import draw, save

    fig = draw(name, net, firm=firm, horizon=horizon)
    try:
        path = save(fig, output)
    except OSError as exc:
        fail(f"Error: cannot write {output}: {exc.strerror or exc}")
    console().print(f"wrote {path} ({name} chart, {path.stat().st_size / 1e3:,.0f} kB)")
