"""Before/after timing of the clearing solver in one process: ``python benchmarks/bench_paired.py
--before REV`` (a git revision; the working tree is "after").

On a shared machine two runs of the same code swing by up to 1.5x, so a before/after figure
from two separate grid runs says little. Here the code at ``REV`` is exported with
``git archive`` into a temporary directory and imported under another package name
(``dealloop_before``), next to the working tree's ``dealloop``; every cell of the regime
grid (the networks, shocks and calibration of ``bench_contagion.py``) then runs the Picard
baseline, before and after one after the other, ``--repeats`` times, and prints the best CPU
time of each, the ratios to the baseline (CPU and wall) and after/before. It also checks that
before and after give the same waves and payments within 1e-10 of the largest debt.
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import bench_contagion as bc  # noqa: E402

from dealloop.contagion import eisenberg_noe  # noqa: E402

BEFORE = "dealloop_before"


def export(rev: str, into: Path) -> Any:
    """``src/dealloop`` at ``rev`` as the package ``dealloop_before`` (imports rewritten)."""
    archive = subprocess.run(["git", "archive", rev, "src/dealloop"], cwd=HERE.parent,
                             check=True, capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    pkg = into / BEFORE
    (into / "src" / "dealloop").rename(pkg)
    pattern = re.compile(r"\b(from|import) dealloop\b")
    for path in pkg.rglob("*.py"):
        text = path.read_text()
        path.write_text(pattern.sub(rf"\1 {BEFORE}", text))
    sys.path.insert(0, str(into))
    return importlib.import_module(f"{BEFORE}.contagion").eisenberg_noe


def best_of(fns: dict[str, Callable[[], Any]], repeats: int) -> tuple[dict, dict, dict]:
    """Best CPU and wall time of each contender, run alternately; their last outputs."""
    out = {name: fn() for name, fn in fns.items()}  # warm-up
    cpu = dict.fromkeys(fns, np.inf)
    wall = dict.fromkeys(fns, np.inf)
    for _ in range(repeats):
        for name, fn in fns.items():
            t0, c0 = time.perf_counter(), time.process_time()
            out[name] = fn()
            wall[name] = min(wall[name], time.perf_counter() - t0)
            cpu[name] = min(cpu[name], time.process_time() - c0)
    return cpu, wall, out


def cell(shape: str, regime: str, x: float, n: int, k: int) -> tuple[Any, np.ndarray, Any]:
    """The grid's network and shock: one scenario (``k = 1``) or a batch of ``k``."""
    if k == 1:
        net = bc.SHAPES[shape](n, seed=0)
        return net.L, bc.shock(net, x, seed=1), net.external_liabilities
    net = bc.SHAPES[shape](n, seed=3)
    return net.L, bc.shock(net, x, scenarios=k, seed=4), net.external_liabilities


def contenders(
    L: Any, e: np.ndarray, ext: Any, before_en: Callable[..., Any]
) -> dict[str, Callable[[], Any]]:
    """The baseline (a Python loop of it for a batch), the code before and after."""

    def base() -> Any:
        if e.ndim == 1:
            return bc.baseline_en(L, e, ext)
        return [bc.baseline_en(L, row, ext) for row in e]

    return {
        "base": base,
        "before": lambda: before_en(L, e, external_liabilities=ext),
        "after": lambda: eisenberg_noe(L, e, external_liabilities=ext),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="git revision of the 'before' code")
    parser.add_argument("--n", type=int, default=100_000, help="firms (default 100,000)")
    parser.add_argument("--k", type=int, default=1, help="scenarios per call (batched: 1000)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--shapes", help="only these shapes, comma separated")
    parser.add_argument("--regimes", help="only these regimes, comma separated")
    args = parser.parse_args(argv)
    shapes = [s for s in bc.SHAPES if not args.shapes or s in args.shapes.split(",")]
    regimes = [(lab, share) for lab, share in bc.REGIMES
               if not args.regimes or lab in args.regimes.split(",")]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        before_en = export(args.before, Path(tmp))
        print(f"before: {args.before}; after: working tree; N={args.n:,} K={args.k:,}, "
              f"best of {args.repeats}")  # fmt: skip
        print(f"{'shape':<15} {'regime':<6} {'base cpu':>9} | {'before':>8} {'ratio':>6} | "
              f"{'after':>8} {'ratio':>6} | after/before | wall ratio after | same")  # fmt: skip
        for shape in shapes:
            for label, share in regimes:
                L, e, ext = cell(shape, label, bc.calibrate(shape, share), args.n, args.k)
                cpu, wall, out = best_of(contenders(L, e, ext, before_en), args.repeats)
                old, new = out["before"], out["after"]
                same = np.array_equal(old.waves, new.waves) and bool(
                    np.max(np.abs(old.payments - new.payments)) <= 1e-10 * old.pbar.max()
                )
                print(f"{shape:<15} {label:<6} {cpu['base'] * 1e3:7.1f}ms | "
                      f"{cpu['before'] * 1e3:6.1f}ms {cpu['before'] / cpu['base']:6.3f} | "
                      f"{cpu['after'] * 1e3:6.1f}ms {cpu['after'] / cpu['base']:6.3f} | "
                      f"{cpu['after'] / cpu['before']:12.2f} | "
                      f"{wall['after'] / wall['base']:16.3f} | {same}", flush=True)  # fmt: skip
    print("cpu: process CPU time (a batched call counts every thread it uses)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
