"""Run every benchmark in one go: ``python benchmarks/run_all.py [--quick]``.

Each benchmark prints ratios measured in the same run against a plain baseline (a direct
numpy/scipy solver, networkx, igraph), because these machines are shared and noisy. ``--quick``
runs small sizes only (a smoke test, about a minute in all).

On some processors this machine pins an old OpenBLAS kernel through ``OPENBLAS_CORETYPE``
(and ``OPENBLAS_L2_SIZE``), which slows a current numpy; the benchmarks run with both unset,
together, in their own processes only (each benchmark prints the BLAS kernel it ran).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
BENCHES = ["bench_io.py", "bench_contagion.py", "bench_cycles.py", "bench_montecarlo.py",
           "bench_mc_floor.py"]


def main() -> int:
    extra = sys.argv[1:]
    failed = []
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}  # fmt: skip
    for name in BENCHES:
        path = HERE / name
        if not path.exists():
            print(f"== {name}: missing", flush=True)
            failed.append(name)
            continue
        print(f"== {name} {' '.join(extra)}", flush=True)
        t0 = time.perf_counter()
        code = subprocess.call([sys.executable, str(path), *extra], env=env)
        print(f"== {name}: exit {code}, {time.perf_counter() - t0:.1f} s\n", flush=True)
        if code:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
