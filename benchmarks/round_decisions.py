"""How many sweeps each round of the fictitious-default algorithm needs under a decision rule:
``python benchmarks/round_decisions.py --cells "Chung-Lu:>=60%" "Erdos-Renyi:>=60%"``.

A model of the compiled rounds (``dealloop.contagion._numba_fda``), not the solver: each round
sweeps its defaulters by plain monotone Gauss--Seidel in index order (no first estimate, no
Anderson mixing, every firm not in default a candidate), starting where the round before
stopped, and ends as soon as its rule says the next round's default set is known; the last
round runs to the solver's stopping rule. The waves are the solver's (so every rule plays
the same rounds). Rules:

* ``estimate``: the solver's, from the fourth sweep on, on twice the bound
  ``q / (1 - q)`` times the largest step, ``q`` the larger of the last two step ratios
  (``MIN_DECIDE``, ``DECIDE_SAFETY``);
* ``proof``: from the second sweep, the largest ratio ``rho`` of a firm's decrease to its
  decrease in the sweep before; every later step is then at most ``rho`` times the one
  before firm by firm, so a firm's distance to the round's fixed point is at most
  ``rho**2 / (1 - rho)`` times its last-but-one step (a proof on the round's affine,
  nonnegative map; rounding aside);
* ``either``: per candidate the smaller tolerance of the two;
* ``oracle``: the exact fixed point of the round known in advance (the least any rule can
  do: a candidate is decided once its margin has the sign it has at the fixed point).

Prints the sweeps per round and their total for each rule. Measured on 2026-12-05 (fdabound,
benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from numba import njit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import bench_contagion as bc  # noqa: E402

from dealloop.contagion import eisenberg_noe  # noqa: E402

RULES = ("estimate", "proof", "either", "oracle")


@njit(cache=True)
def _sweep(tp, ti, td, pbar, colsum, e, rows, r):  # type: ignore[no-untyped-def]
    """One monotone Gauss--Seidel sweep of the round's map (Eisenberg--Noe) over ``rows``."""
    for i in rows:
        acc = 0.0
        for q in range(tp[i], tp[i + 1]):
            acc += td[q] * (1.0 - r[ti[q]])
        y = min(max((e[i] + colsum[i] - acc) / pbar[i], 0.0), 1.0)
        r[i] = min(y, r[i])


@njit(cache=True)
def _margins(tp, ti, td, colsum, e, threshold, in_d, cand, r, w):  # type: ignore[no-untyped-def]
    """Each candidate's margin, claims on defaulters, and those claims weighted by ``w``."""
    m = np.empty(cand.shape[0])
    exposed = np.empty(cand.shape[0])
    weighted = np.empty(cand.shape[0])
    for t in range(cand.shape[0]):
        j = cand[t]
        x = colsum[j]
        a = 0.0
        b = 0.0
        for q in range(tp[j], tp[j + 1]):
            k = ti[q]
            x -= td[q] * (1.0 - r[k])
            if in_d[k]:
                a += td[q]
                b += td[q] * w[k]
        m[t] = e[j] + x - threshold[j]
        exposed[t] = a
        weighted[t] = b
    return m, exposed, weighted


def cell(shape: str, regime: str, n: int) -> None:
    """Sweeps per round of every rule on one cell of the grid (one scenario)."""
    net = bc.SHAPES[shape](n, seed=0)
    e = bc.shock(net, bc.calibrate(shape, dict(bc.REGIMES)[regime]), seed=1)
    L = sp.csr_array(net.L)
    waves = np.asarray(eisenberg_noe(L, e, external_liabilities=net.external_liabilities).waves)
    pbar = np.asarray(L.sum(axis=1)).ravel() + net.external_liabilities
    colsum = np.asarray(L.sum(axis=0)).ravel()
    lt = sp.csr_array(L.T)
    tp, ti, td = lt.indptr.astype(np.int64), lt.indices.astype(np.int64), lt.data
    threshold = pbar  # the solver's guard (2**-40 relative) moves no candidate here
    limit, noise = 1e-12 * pbar.max(), 2.0**-49 * pbar.max()
    last = int(waves.max())
    rounds = []
    r = np.ones(n)
    for k in range(1, last + 1):  # each round's exact fixed point, for the oracle
        in_d = (waves >= 1) & (waves <= k)
        rows = np.flatnonzero(in_d & (pbar > 0))
        cand = np.flatnonzero(~in_d)
        for _ in range(10_000):
            before = r[rows].copy()
            _sweep(tp, ti, td, pbar, colsum, e, rows, r)
            if np.max(before - r[rows]) <= 1e-16:
                break
        fixed = _margins(tp, ti, td, colsum, e, threshold, in_d, cand, r, r)[0]
        rounds.append((in_d, rows, cand, fixed))
    print(f"{shape} {regime}: {int((waves > 0).sum()):,} defaulters, {last} rounds; "
          f"defaulters per round {[len(x[1]) for x in rounds]}")  # fmt: skip
    for rule in RULES:
        r = np.ones(n)
        per = []
        for k, (in_d, rows, cand, fixed) in enumerate(rounds, start=1):
            steps: list[float] = []
            d_before = None
            sweeps = 0
            while True:
                before = r[rows].copy()
                _sweep(tp, ti, td, pbar, colsum, e, rows, r)
                sweeps += 1
                d = before - r[rows]
                steps.append(float(np.max(d * pbar[rows])))
                q = 1.0
                if len(steps) >= 2 and steps[-2] > 0:
                    q = steps[-1] / steps[-2]
                if len(steps) >= 3 and steps[-3] > 0:
                    q = max(q, steps[-2] / steps[-3])
                step = steps[-1]
                if step <= noise or (q < 1.0 and step * q <= limit * (1.0 - q)):
                    break
                if k == last:
                    d_before = d
                    continue
                w = np.zeros(n)
                if d_before is not None:
                    w[rows] = d_before
                m, exposed, weighted = _margins(tp, ti, td, colsum, e, threshold, in_d, cand, r, w)
                tol = np.full(m.shape, np.inf)
                if rule in ("proof", "either") and d_before is not None:
                    with np.errstate(divide="ignore", invalid="ignore"):
                        ratio = np.where(d > 0, d / d_before, 0.0)
                    rho = float(ratio.max())
                    if rho < 1.0:
                        tol = weighted * (rho * rho / (1.0 - rho))
                if rule in ("estimate", "either") and sweeps >= 4 and q < 1.0:
                    tol = np.minimum(tol, exposed * 2.0 * float(d.max()) * q / (1.0 - q))
                d_before = d
                if rule == "oracle":
                    done = np.all((m < 0) | (fixed >= 0) | (exposed == 0))
                else:
                    done = not np.any((m >= 0) & (m < tol) & (exposed > 0))
                if done:
                    break
            per.append(sweeps)
        print(f"  {rule:<9} {sum(per):4d} sweeps  per round {per}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", nargs="+", default=["Chung-Lu:>=60%", "Erdos-Renyi:>=60%"],
                        help="shape:regime pairs of the grid")  # fmt: skip
    parser.add_argument("--n", type=int, default=100_000, help="firms (default 100,000)")
    args = parser.parse_args(argv)
    for spec in args.cells:
        shape, regime = spec.split(":")
        cell(shape, regime, args.n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
