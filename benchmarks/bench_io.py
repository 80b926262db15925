"""Start-up and loading: `dealloop --help` and `dl.load()` on the bundled dataset.

Prints absolute times (the issue's targets: --help < 0.5 s, load < 0.3 s) and ratios against
plain baselines measured in the same run: `python -c pass` for start-up, and three bare
`pandas.read_csv` calls for loading (dealloop also validates every cell and reference).

    python benchmarks/bench_io.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    repeat = 3 if args.quick else 9

    def run(*cmd: str) -> None:
        subprocess.run(cmd, check=True, capture_output=True)

    bare = _median_time(lambda: run(sys.executable, "-c", "pass"), repeat)
    helptime = _median_time(lambda: run(sys.executable, "-m", "dealloop", "--help"), repeat)

    import pandas as pd

    import dealloop as dl

    root = dl.datasets.path()
    dl.load()  # warm imports
    load = _median_time(dl.load, repeat)
    plain = _median_time(
        lambda: [pd.read_csv(root / f) for f in ("entities.csv", "deals.csv", "sources.csv")],
        repeat,
    )
    print(f"{'case':<34}{'dealloop':>10}{'baseline':>10}{'ratio':>8}  target")
    print(f"{'dealloop --help (s)':<34}{helptime:>10.3f}{bare:>10.3f}{helptime / bare:>8.2f}"
          f"  < 0.5 s  ({'met' if helptime < 0.5 else 'MISSED'})")
    print(f"{'dl.load() bundled dataset (s)':<34}{load:>10.3f}{plain:>10.3f}{load / plain:>8.2f}"
          f"  < 0.3 s  ({'met' if load < 0.3 else 'MISSED'})")
    print("baselines: `python -c pass` start-up; three bare pandas.read_csv calls")


if __name__ == "__main__":
    main()
