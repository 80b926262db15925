"""How far a compiled Monte Carlo engine could go: the chunk against a bare compiled clearing.

Run ``python benchmarks/bench_mc_floor.py`` (about a minute; ``--draws`` and ``--scenario``
to change, ``--quick`` for a smoke run). It takes one chunk of draws of a shipped scenario
and, in the same process:

* times the engine's own run of the chunk (:func:`dealloop.scenarios.runner.clear_runs`:
  the plan's need, the unshocked run and the shocked run, each over the horizon's years);
* times a **floor**: a plain Eisenberg--Noe Picard clearing compiled with numba, one draw
  at a time (its arrays stay in cache), of every year's dues and cash of the same draws in
  the engine's three runs (the unshocked inputs twice, the shocked once), each to the
  engine's tolerance. No market values, stakes, collateral, backstops, new money, carry
  between years or default rounds: a lower bound on any engine that clears these networks
  year by year, not a design.

It prints microseconds per yearly clearing of one draw for both, their ratio, and what
100,000 draws would take at each rate, against the 3 s target of issue #18. A floor above
the target means compiling the engine cannot reach it alone: the number of clearings per
draw has to fall.
"""

from __future__ import annotations

import argparse
import sys
import time

import numba
import numpy as np

import dealloop as dl
from dealloop import mapping
from dealloop.scenarios._mc_chunks import draw, payload
from dealloop.scenarios.runner import clear_runs, prepare

#: In-process target for 100,000 draws, seconds (issue #18).
TARGET_S = 3.0


@numba.njit(cache=True, nogil=True)
def _picard_years(debtor: np.ndarray, creditor: np.ndarray, amount: np.ndarray,
                  e: np.ndarray, tol: float) -> tuple[float, int]:
    """Clear each draw's runs and years (``amount`` ``(K, R, T, C)``, ``e``
    ``(K, R, T, N)``: a draw's inputs side by side) by Picard iteration from full payment,
    a draw at a time; returns a checksum and the sweeps done."""
    K, runs, T, C = amount.shape
    n = e.shape[3]
    pbar, rec, r = np.zeros(n), np.zeros(n), np.ones(n)
    a = np.zeros(C)
    total, sweeps = 0.0, 0
    for k in range(K):
        for q in range(runs):
            for t in range(T):
                pbar[:] = 0.0
                for j in range(C):
                    a[j] = amount[k, q, t, j]
                    if debtor[j] < n:
                        pbar[debtor[j]] += a[j]
                r[:] = 1.0
                while True:
                    sweeps += 1
                    rec[:] = 0.0
                    for j in range(C):
                        if debtor[j] < n and creditor[j] < n:
                            rec[creditor[j]] += r[debtor[j]] * a[j]
                    step = 0.0
                    for i in range(n):
                        if pbar[i] > 0.0:
                            have = e[k, q, t, i] + rec[i]
                            new = 1.0 if have >= pbar[i] else max(have, 0.0) / pbar[i]
                            step = max(step, abs(new - r[i]))
                            r[i] = new
                    if step < tol:
                        break
                for i in range(n):
                    total += r[i]
    return total, sweeps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="openai-no-new-money")
    ap.add_argument("--draws", type=int, default=10_000, help="draws in the chunk")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="2,000 draws, one repeat (smoke run)")
    args = ap.parse_args()
    if args.quick:
        args.draws, args.repeat = 2_000, 1
    sc, net = prepare(args.scenario, dl.load())
    comp = mapping.build(net, sc).compile()
    k = args.draws
    M, values, _ = draw(payload(comp, seed=1, chunk=k), 0, k)
    kw = {"mult": M, "values": values, "replan": comp.replan(M)}
    no_shock = {x: kw[x] for x in ("mult", "replan")}
    unshocked = comp.year_split(k, shocked=False, **no_shock).inputs()
    shocked = comp.year_split(k, **kw).inputs()
    runs = [unshocked, unshocked, shocked]  # the plan's need, the unshocked, the shocked
    # a compiled engine would hold each draw's inputs together: (K, R, T, rows)
    amount = np.ascontiguousarray(np.stack(
        [[np.asarray(y.amount, float) for y in run] for run in runs]).transpose(3, 0, 1, 2))
    e = np.ascontiguousarray(np.stack(
        [[np.broadcast_to(np.asarray(y.e, float), (comp.n, k)) for y in run]
         for run in runs]).transpose(3, 0, 1, 2))
    st = comp.structure
    debtor = np.asarray(st.debtor, np.int64)
    creditor = np.asarray(st.creditor, np.int64)
    T = len(unshocked)
    tol = comp.params.tol
    _picard_years(debtor, creditor, amount[:2], e[:2], tol)  # compile
    clear_runs(comp, k, **kw)  # warm-up
    best_engine = best_floor = float("inf")
    sweeps = 0
    for _ in range(args.repeat):  # alternating, CPU time, best of
        c = time.process_time()
        clear_runs(comp, k, **kw)
        best_engine = min(best_engine, time.process_time() - c)
        c = time.process_time()
        _, sweeps = _picard_years(debtor, creditor, amount, e, tol)
        best_floor = min(best_floor, time.process_time() - c)
    clearings = k * len(runs) * T
    us_engine, us_floor = best_engine / clearings * 1e6, best_floor / clearings * 1e6
    print(f"scenario {sc.name}: N = {comp.n} firms, C = {st.c} claims, T = {T} years, "
          f"{len(runs)} runs per draw, {k:,} draws ({clearings:,} yearly clearings)")
    print(f"engine  (clear_runs)       {us_engine:7.2f} us per clearing  "
          f"-> 100,000 draws {us_engine * 1e5 * len(runs) * T / 1e6:6.2f} s CPU")
    print(f"floor   (compiled Picard)  {us_floor:7.2f} us per clearing  "
          f"-> 100,000 draws {us_floor * 1e5 * len(runs) * T / 1e6:6.2f} s CPU  "
          f"({sweeps / clearings:.1f} sweeps per clearing)")
    print(f"engine / floor: {us_engine / us_floor:.1f}x; the 3 s target allows "
          f"{TARGET_S / (1e5 * len(runs) * T) * 1e6:.2f} us per clearing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
