"""The contagion benchmark runs (quick mode) and prints its table of ratios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_contagion.py"


@pytest.mark.slow
def test_quick_benchmark_runs() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "read bandwidth" in out and "ratio" in out
    cases = ("EN one scenario", "EN K=", "star hub", ">=60%", "linear DebtRank", "scenario engine")
    for case in cases:
        assert case in out, out
