"""Benchmark the Monte Carlo runs of the scenario engine on the bundled ai2026 network.

Run ``python benchmarks/bench_montecarlo.py`` (full sizes, a couple of minutes) or
``--quick`` (a smoke run: 20,000 and 100,000 draws).

Targets (from the scenarios issue):

* 100,000 draws in one process (``workers=0``): under 3 s on this machine (issue #18). Each
  chunk of 10,000 draws is two batched engine calls (the draw's own unshocked network, then
  the shocked one).
* 1,000,000 draws on a 2-worker ``distributed.LocalCluster``: the speed-up over a 1-worker
  cluster and the parallel efficiency (speed-up / workers) are printed, the target being a
  speed-up of at least 1.7x; the two runs must give identical figures (same seed, same
  chunks).

Times are wall-clock, best of ``--repeat`` runs, after a warm-up; the machines are shared, so
the CPU time of this process is printed too (for the in-process runs).
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

import dealloop as dl
from dealloop.scenarios import montecarlo
from dealloop.scenarios.runner import prepare

#: In-process target for 100,000 draws, seconds.
TARGET_S = 3.0
#: Speed-up of 2 local workers over 1 on the big run.
TARGET_SPEEDUP = 1.7


def timed(fn, repeat: int) -> tuple[float, float, object]:
    best, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - c)
    return best, cpu, out


def same(a: montecarlo.SimulationResult, b: montecarlo.SimulationResult) -> bool:
    try:
        pd.testing.assert_frame_equal(a.firms, b.firms, check_exact=True)
        pd.testing.assert_frame_equal(a.system, b.system, check_exact=True)
        pd.testing.assert_frame_equal(a.drivers, b.drivers, check_exact=True)
    except AssertionError:
        return False
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    ap.add_argument("--scenario", default="openai-no-new-money",
                    help="shipped scenario or YAML file (default: openai-no-new-money)")
    ap.add_argument("--draws", type=int, default=100_000, help="in-process draws")
    ap.add_argument("--big", type=int, default=1_000_000, help="draws on the Dask cluster")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-cluster", action="store_true", help="skip the Dask runs")
    args = ap.parse_args()
    big = 100_000 if args.quick else args.big
    net = dl.load()
    sc, net = prepare(args.scenario, net)
    print(f"scenario {sc.name}; network {net}")
    montecarlo.simulate(sc, net, draws=10_000, seed=1, workers=0)  # warm-up
    ok = True
    for scenario in ([sc] if args.quick else [sc, *[n for n in
                                                     ("coreweave-default", "gpu-life-3-years")
                                                     if n != sc.name]]):
        wall, cpu, res = timed(lambda s=scenario: montecarlo.simulate(
            s, net, draws=args.draws, seed=1, workers=0), args.repeat)
        name = getattr(scenario, "name", scenario)
        verdict = "ok" if wall < TARGET_S else f"SLOWER than {TARGET_S:g} s"
        print(f"in-process  {args.draws:>9,} draws  {name:<24} {wall:6.2f} s wall "
              f"({cpu:.2f} s CPU)  {args.draws / wall:,.0f} draws/s  [{verdict}]")
        if args.draws == 100_000 and wall >= TARGET_S:
            ok = False
    if args.no_cluster:
        return 0 if ok else 1
    runs = {}
    for workers in (1, 2):
        t = time.perf_counter()
        res = montecarlo.simulate(sc, net, draws=big, seed=1, workers=workers)
        wall = time.perf_counter() - t
        runs[workers] = (wall, res)
        print(f"LocalCluster {workers} worker(s) {big:>9,} draws  {wall:6.2f} s wall "
              f"(simulation {res.elapsed:.2f} s, cluster start-up included in wall)  "
              f"{big / wall:,.0f} draws/s")
    w1, r1 = runs[1]
    w2, r2 = runs[2]
    speedup = r1.elapsed / r2.elapsed
    print(f"speed-up of 2 workers over 1: {w1 / w2:.2f}x wall, {speedup:.2f}x simulation; "
          f"parallel efficiency {speedup / 2:.0%} "
          f"[{'ok' if speedup >= TARGET_SPEEDUP else f'BELOW the {TARGET_SPEEDUP}x target'}]")
    identical = same(r1, r2)
    print(f"1 and 2 workers give identical figures: {identical}")
    print(r2.summary())
    return 0 if ok and identical else 1


if __name__ == "__main__":
    sys.exit(main())
