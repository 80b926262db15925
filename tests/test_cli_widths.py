"""Every command's text output fits 80 and 120 columns and never splits or cuts a number.

Each command runs at ``COLUMNS=80``, ``120`` and ``200``; at every width no line is longer
than the width, no cell is cut with an ellipsis, and the numbers printed (every whitespace-
separated token that is a number: ``1,686.9``, ``26.2%``, ``$1,308.2bn``, ``0.14x``) are the
same, as many times each, as at 200 columns: a number split across two lines would show up as
two different tokens. Counts never print as floats (``85.0 loops``). Every command of
``dealloop.cli.COMMANDS`` runs here (``serve``, a server, through its help only), every
command's ``--help`` fits too, and a few run piped (no ``COLUMNS``, no terminal).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from typer.testing import CliRunner

from dealloop.cli import app
from dealloop.commands._tables import Col, table

CASES: dict[str, list[str]] = {
    "summary": ["summary"],
    "validate": ["validate"],
    "cycles": ["cycles", "--limit", "12"],
    "cycles-firm": ["cycles", "--firm", "Oracle", "--kind", "compute contract",
                    "--kind", "chip_purchase", "--kind", "equity investment"],
    "circularity": ["circularity"],
    "scenarios": ["scenarios"],
    "stress": ["stress", "openai-no-new-money"],
    "stress-legs": ["stress", "coreweave-default", "--no-band", "--rank-legs", "3"],
    "explain": ["stress", "baseline", "--no-band", "--explain", "OpenAI"],
    "simulate": ["simulate", "coreweave-default", "--draws", "200", "--seed", "1"],
    "systemic": ["systemic", "--top", "5"],
    "signals": ["signals"],
    "signals-firm": ["signals", "--firm", "Oracle"],
    "signals-wide": ["signals", "--wide"],
    "sources": ["sources", "--tier", "primary", "--tier", "major outlet"],
    "sources-weak": ["sources", "--weak"],
    "diff": ["diff", "ai2026@2026.11.0"],
    "tornado": ["stress", "coreweave-default", "--tornado"],
    "sources-all": ["sources", "--all"],
    "timeline": ["timeline"],
    "calendar": ["calendar", "OpenAI"],
    "macro": ["macro"],
    "cite": ["cite"],
    "cite-bibtex": ["cite", "--bibtex"],
    # commands that write: {w} keeps each width's file apart (in a temporary folder)
    "export": ["export", "--format", "csv", "--output", "legs-{w}.csv"],
    "synth": ["synth", "--output", "synth-{w}", "--firms", "30"],
    "add-leg": ["add-leg", "--data", "mine-{w}", "--payer", "openai", "--payee", "oracle",
                "--kind", "loan", "--amount", "1", "--status", "committed", "--evidence", "C",
                "--url", "https://example.org/a-note", "--publisher", "Example",
                "--title", "A note", "--date", "2026-01-01", "--announced", "2026-01-01"],
    "chart": ["chart", "network", "--output", "network-{w}.svg"],
    "report": ["report", "--scenario", "baseline", "--no-band", "--draws", "20", "--seed", "2",
               "--output", "r-{w}.html"],
}
#: Commands not run above, and why (their --help is checked like every command's).
NOT_RUN = {"serve": "serves the dashboard until Ctrl-C (tests/web covers its pages)"}

_NUMBER = re.compile(r"-?\$?\d[\d,]*(\.\d+)?(%|x|bn)?")


def _numbers(text: str) -> Counter[str]:
    toks = (t.strip("();:,") for t in text.split())
    return Counter(t for t in toks if _NUMBER.fullmatch(t))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[tuple[str, int], str]:
    import os

    runner = CliRunner()
    out = {}
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("widths"))
    try:
        for name, args in CASES.items():
            for w in (80, 120, 200):
                res = runner.invoke(app, [a.format(w=w) for a in args],
                                    env={"COLUMNS": str(w)})
                assert res.exit_code == 0, (name, w, res.stderr, res.stdout)
                # run times, timings and file sizes differ from run to run; a file's name
                # carries the width
                text = re.sub(r"\b\d+\.\d s\b|\b[\d.,]+ [kM]B\b", "<T>", res.stdout)
                out[name, w] = re.sub(rf"-{w}\b", "-<w>", text)
    finally:
        os.chdir(here)
    return out


def test_every_command_is_checked() -> None:
    from dealloop.cli import COMMANDS

    run = {args[0] for args in CASES.values()}
    assert set(COMMANDS) == run | set(NOT_RUN), set(COMMANDS) ^ (run | set(NOT_RUN))


@pytest.mark.parametrize("width", [80, 120])
def test_help_fits(width: int) -> None:
    """Every command's help (and the top level's) fits the width, words whole."""
    from dealloop.cli import COMMANDS

    runner = CliRunner()
    for args in ([], *([name] for name in COMMANDS)):
        res = runner.invoke(app, [*args, "--help"], env={"COLUMNS": str(width)})
        assert res.exit_code == 0, (args, res.output)
        for line in res.stdout.splitlines():
            assert len(line) <= width, (args, width, line)


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", sorted(CASES))
def test_fits_and_keeps_numbers_whole(outputs, name: str, width: int) -> None:
    text = outputs[name, width]
    assert text.strip()
    for line in text.splitlines():
        assert len(line) <= width, f"{name} at {width}: {len(line)} columns: {line!r}"
        assert "…" not in line, f"{name} at {width}: cut cell: {line!r}"
    assert _numbers(text) == _numbers(outputs[name, 200]), name
    assert not re.search(r"\b\d+\.0 (loops?|legs?|firms?|defaults?)\b", text)


def test_table_layouts_keep_every_number_whole() -> None:
    cols = [Col("firm"), Col("market value before", "money", "mv before"),
            Col("market value after", "money", "mv after"), Col("share", "share"),
            Col("loops", "count"), Col("note")]
    rows = [["microsoft", 3623.04, 3185.7, 0.262, 85.0, "a long note that wraps " * 3],
            ["openai", -852.0, None, 1.0, 12, ""]]
    for w in range(20, 130, 7):
        text = table("Firms ($bn)", cols, rows, width=w)
        assert max(len(x) for x in text.splitlines()) <= w
        for tok in ("3,623.0", "3,185.7", "26.2%", "85", "-852.0", "n/a", "100.0%"):
            assert tok in text.split(), (w, tok)
        assert "market value before: a negative value is a decrease." in " ".join(
            text.split()) or "mv before: a negative value is a decrease." in " ".join(
            text.split())


@pytest.mark.parametrize("args", [["summary"], ["circularity"], ["sources"], ["signals"]])
def test_piped_output_is_laid_out_for_80_columns(args: list[str]) -> None:
    """No COLUMNS and no terminal (a pipe): 80 columns, and no colour codes."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    res = subprocess.run([sys.executable, "-m", "dealloop", *args], capture_output=True,
                         text=True, env=env, check=True, timeout=300)
    lines = res.stdout.splitlines()
    assert max(len(x) for x in lines) <= 80
    assert max(len(x) for x in lines) > 60  # laid out for 80, not for a narrower default
    assert "\x1b[" not in res.stdout


def test_bracketed_data_in_running_text_is_kept() -> None:
    import contextlib
    import io

    from dealloop.commands._tables import Printer

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        Printer().print("[dim]see [s-3f2a] and [1, 2][/dim]")
    assert buf.getvalue() == "see [s-3f2a] and [1, 2]\n"


def test_a_table_too_wide_splits_into_grids_that_repeat_the_first_column() -> None:
    """Nine money columns at 60 columns: two or more grids, each row's label in every one,
    every number once and whole (not one block of label-value lines per row)."""
    cols = [Col("kind"), *[Col(f"column {k}", "money") for k in range(9)]]
    rows = [["compute contract", *[1000.0 * k + j for k in range(9)]] for j in range(3)]
    text = table("Totals ($bn)", cols, rows, width=60)
    assert max(len(x) for x in text.splitlines()) <= 60
    grids = text.count("────────  ")  # one rule line per grid, at least
    assert text.count("compute contract") >= 6 and grids >= 2
    for r in rows:
        for v in r[1:]:
            assert text.split().count(f"{v:,.1f}") == 1
    # the long layout stays the last resort: at 14 columns one money column does not fit
    assert table(None, cols[:3], [rows[0][:3]], width=14).startswith("compute\ncontract\n")


def test_styles_show_on_a_terminal_only() -> None:
    """A column's style becomes colour codes only when asked (a terminal), never changing
    the layout: the text without the codes is the plain table."""
    from dealloop.commands.markets import light_style

    cols = [Col("firm"), Col("light", style=light_style), Col("spread", "raw",
                                                               style=light_style)]
    rows = [["coreweave", "ALERT", "+513 bp ALERT"], ["oracle", "WATCH", "+92 bp WATCH"],
            ["amd", "NO DATA", "n/a"]]
    plain = table(None, cols, rows, width=80, color=False)
    bright = table(None, cols, rows, width=80, color=True)
    assert "\x1b[" not in plain
    assert re.sub(r"\x1b\[[\d;]*m", "", bright) == plain
    assert "\x1b[1;31mALERT\x1b[0m" in bright and "\x1b[33m+92 bp WATCH\x1b[0m" in bright
    assert "\x1b[2mNO DATA\x1b[0m" in bright
    assert bright.splitlines()[-1].endswith("\x1b[0m            n/a")  # n/a: no style


def test_debtrank_from_company_figures_reads_as_a_share() -> None:
    """Both DebtRank lines say what R is, as a percentage (never ``R = 0.0000``)."""
    res = CliRunner().invoke(app, ["stress", "openai-no-new-money", "--no-band"],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    lines = [x for x in res.stdout.splitlines() if x.startswith("debtrank")]
    assert len(lines) == 2 and not any("R = " in x for x in lines)
    assert re.search(r"equity from company figures\): \d+(\.\d+)?% of the firms' equity",
                     lines[1])
