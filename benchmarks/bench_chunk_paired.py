"""Before/after cost of one Monte Carlo chunk in one process: ``python
benchmarks/bench_chunk_paired.py --before REV`` (a git revision; the working tree is
"after").

The code at ``REV`` is exported with ``git archive`` and imported as ``dealloop_before``
(as :mod:`bench_paired` does); for each scenario, ``run_chunk`` of ``--draws`` draws (one
chunk, the same seed) runs before and after one after the other, ``--repeats`` times, and
the best CPU time of each and their ratio are printed, with the largest difference of each
system figure between the two (a change of output, when the code meant one).
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

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
        path.write_text(pattern.sub(rf"\1 {BEFORE}", path.read_text()))
    sys.path.insert(0, str(into))
    return importlib.import_module(BEFORE)


def chunk(lib: Any, name: str, draws: int, seed: int) -> Any:
    """A function running one chunk of ``draws`` draws of scenario ``name`` with ``lib``."""
    mapping = importlib.import_module(f"{lib.__name__}.mapping")
    scenarios = importlib.import_module(f"{lib.__name__}.scenarios")
    mc = importlib.import_module(f"{lib.__name__}.scenarios._mc_chunks")
    comp = mapping.build(lib.load(), scenarios.load(name)).compile()
    p = mc.payload(comp, seed=seed, chunk=draws)
    return lambda: mc.run_chunk(p, 0, draws)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True)
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("scenarios", nargs="*",
                    default=["oracle-exits-abilene", "openai-no-new-money"])
    a = ap.parse_args()
    import dealloop as after

    before = export(a.before, Path(tempfile.mkdtemp()))
    for name in a.scenarios:
        fns = {"before": chunk(before, name, a.draws, a.seed),
               "after": chunk(after, name, a.draws, a.seed)}
        out = {k: f() for k, f in fns.items()}  # warm-up
        best = dict.fromkeys(fns, np.inf)
        for _ in range(a.repeats):
            for k, f in fns.items():
                t = time.process_time()
                out[k] = f()
                best[k] = min(best[k], time.process_time() - t)
        x, y = out["before"].system, out["after"].system
        moved = {m: float(np.max(np.abs(np.asarray(x[m]) - np.asarray(y[m])))) for m in x}
        print(f"{name}: before {best['before']:.3f} s, after {best['after']:.3f} s CPU "
              f"(best of {a.repeats}), after/before {best['after'] / best['before']:.3f}; "
              "largest change: " + (", ".join(f"{m} {v:.3g}" for m, v in moved.items() if v)
                                    or "none"))


if __name__ == "__main__":
    main()
