"""Run every benchmark in one go: ``python benchmarks/run_all.py [--quick]``.

Each benchmark prints ratios measured in the same run against a plain baseline (a direct
numpy/scipy solver, networkx, igraph), because these machines are shared and noisy. ``--quick``
runs small sizes only (a smoke test, about a minute in all).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
BENCHES = ["bench_io.py", "bench_contagion.py", "bench_cycles.py", "bench_montecarlo.py"]


def main() -> int:
    extra = sys.argv[1:]
    failed = []
    for name in BENCHES:
        path = HERE / name
        if not path.exists():
            print(f"== {name}: missing", flush=True)
            failed.append(name)
            continue
        print(f"== {name} {' '.join(extra)}", flush=True)
        t0 = time.perf_counter()
        code = subprocess.call([sys.executable, str(path), *extra])
        print(f"== {name}: exit {code}, {time.perf_counter() - t0:.1f} s\n", flush=True)
        if code:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
