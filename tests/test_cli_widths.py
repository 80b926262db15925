"""Every command's text output fits 80 and 120 columns and never splits or cuts a number.

Each command runs at ``COLUMNS=80``, ``120`` and ``200``; at every width no line is longer
than the width, no cell is cut with an ellipsis, and the numbers printed (every whitespace-
separated token that is a number: ``1,686.9``, ``26.2%``, ``$1,308.2bn``, ``0.14x``) are the
same, as many times each, as at 200 columns: a number split across two lines would show up as
two different tokens. Counts never print as floats (``85.0 loops``).
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
}

_NUMBER = re.compile(r"-?\$?\d[\d,]*(\.\d+)?(%|x|bn)?")


def _numbers(text: str) -> Counter[str]:
    toks = (t.strip("();:,") for t in text.split())
    return Counter(t for t in toks if _NUMBER.fullmatch(t))


@pytest.fixture(scope="module")
def outputs() -> dict[tuple[str, int], str]:
    runner = CliRunner()
    out = {}
    for name, args in CASES.items():
        for w in (80, 120, 200):
            res = runner.invoke(app, args, env={"COLUMNS": str(w)})
            assert res.exit_code == 0, (name, w, res.stderr, res.stdout)
            # run times and timings differ from run to run
            out[name, w] = re.sub(r"\b\d+\.\d s\b", "<T>", res.stdout)
    return out


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


def test_piped_output_is_laid_out_for_80_columns() -> None:
    """No COLUMNS and no terminal (a pipe): 80 columns."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    res = subprocess.run([sys.executable, "-m", "dealloop", "summary"], capture_output=True,
                         text=True, env=env, check=True, timeout=120)
    lines = res.stdout.splitlines()
    assert max(len(x) for x in lines) <= 80
    assert max(len(x) for x in lines) > 60  # laid out for 80, not for a narrower default


def test_bracketed_data_in_running_text_is_kept() -> None:
    import contextlib
    import io

    from dealloop.commands._tables import Printer

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        Printer().print("[dim]see [s-3f2a] and [1, 2][/dim]")
    assert buf.getvalue() == "see [s-3f2a] and [1, 2]\n"
