"""Benchmark: counting and enumerating short directed cycles, dealloop vs igraph vs networkx.

Random directed graphs G(n, m): ``m = mean_degree × n`` distinct edges drawn uniformly, no
self-loops. For each size, mean out-degree and maximum cycle length the script times

* ``dealloop count``: :func:`dealloop.circularity.count_cycles` (numba kernel, counts only);
* ``dealloop enum``: :func:`dealloop.circularity.enumerate_cycles` (every cycle, as flat
  arrays of nodes and hops);
* ``igraph``: ``Graph.simple_cycles(max=K)`` (every cycle, as Python tuples);
* ``networkx``: ``simple_cycles(G, length_bound=K)`` (every cycle, as Python lists),

each on a graph already built (building is not timed). The baselines run in a child process
with a timeout: a case still running after ``--timeout`` seconds is killed and printed as
``> T s``. A baseline that timed out at a smaller n (same degree and length) is not run again
at a larger n, and one whose linear extrapolation from the previous size exceeds twice the
timeout is not run either; both are printed as ``> T s`` with a note saying why. Ratios are
baseline time over dealloop's *enumeration* time (the like-for-like comparison: both list
every cycle); a ``>`` ratio is a lower bound. Cycle counts are cross-checked wherever a
baseline finished.

Usage::

    PYTHONPATH=src python benchmarks/bench_cycles.py            # full run, about 10 minutes
    PYTHONPATH=src python benchmarks/bench_cycles.py --quick    # smoke run, < 30 s
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np

try:
    from dealloop.circularity import count_cycles, cycles, enumerate_cycles, to_csr
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from dealloop.circularity import count_cycles, cycles, enumerate_cycles, to_csr


def random_digraph(n: int, mean_degree: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(src, dst)`` of ``round(mean_degree × n)`` distinct non-loop edges, sorted."""
    rng = np.random.default_rng(seed)
    m = int(mean_degree * n + 0.5)
    keys = np.zeros(0, dtype=np.int64)
    while keys.shape[0] < m:
        draw = int((m - keys.shape[0]) * 1.2) + 16
        s = rng.integers(0, n, draw, dtype=np.int64)
        d = rng.integers(0, n, draw, dtype=np.int64)
        keep = s != d
        keys = np.unique(np.concatenate([keys, s[keep] * n + d[keep]]))
    keys = np.sort(rng.permutation(keys)[:m])
    return keys // n, keys % n


# ------------------------------------------------------------------------------ baselines
def _child(conn, which: str, n: int, src: np.ndarray, dst: np.ndarray, k: int) -> None:
    try:
        if which == "igraph":
            import igraph as ig

            g = ig.Graph(n=n, edges=np.column_stack([src, dst]).tolist(), directed=True)

            def run() -> int:
                return len(g.simple_cycles(max=k))
        else:
            import networkx as nx

            g = nx.DiGraph()
            g.add_nodes_from(range(n))
            g.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))

            def run() -> int:
                return sum(1 for _ in nx.simple_cycles(g, length_bound=k))
        conn.send(("ready",))
        t0 = time.perf_counter()
        count = run()
        conn.send(("done", time.perf_counter() - t0, count))
    except Exception as exc:  # report, never hang the parent
        conn.send(("error", repr(exc)))


@dataclass
class Timing:
    seconds: float | None = None  # None = did not finish
    cycles: int | None = None
    note: str = ""

    def text(self, timeout: float) -> str:
        if self.seconds is None:
            return f"> {timeout:.0f} s" if not self.note.startswith("error") else "error"
        return f"{self.seconds:.4f} s" if self.seconds < 1 else f"{self.seconds:.2f} s"


def run_baseline(which: str, n: int, src: np.ndarray, dst: np.ndarray, k: int,
                 timeout: float) -> Timing:
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, which, n, src, dst, k), daemon=True)
    proc.start()
    try:
        if not recv.poll(600):
            return Timing(note="graph not built in 600 s")
        msg = recv.recv()
        if msg[0] == "error":
            return Timing(note=f"error: {msg[1]}")
        if not recv.poll(timeout):
            return Timing(note="timed out")
        msg = recv.recv()
        if msg[0] == "error":
            return Timing(note=f"error: {msg[1]}")
        return Timing(seconds=float(msg[1]), cycles=int(msg[2]))
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()


def time_ours(fn, *args, budget: float = 0.3, **kwargs) -> tuple[float, object]:
    """Best time of repeated calls (repeats until ``budget`` seconds are spent, at most 5)."""
    best, out, spent, reps = float("inf"), None, 0.0, 0
    while reps < 5 and (reps == 0 or spent < budget):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        dt = time.perf_counter() - t0
        best, spent, reps = min(best, dt), spent + dt, reps + 1
    return best, out


# ------------------------------------------------------------------------------ main
@dataclass
class Row:
    n: int
    degree: float
    max_length: int
    cycles: int
    count_s: float
    enum_s: float
    from_nx_s: float | None = None
    igraph: Timing = field(default_factory=Timing)
    networkx: Timing = field(default_factory=Timing)

    def ratio(self, base: Timing) -> tuple[float | None, bool]:
        """(baseline / dealloop enumeration, is a lower bound)."""
        if base.seconds is not None:
            return base.seconds / self.enum_s, False
        if base.note == "timed out" or base.note.startswith("not run:"):
            return base_timeout / self.enum_s, True
        return None, False


base_timeout = 60.0


def fmt_ratio(value: tuple[float | None, bool]) -> str:
    r, lower = value
    if r is None:
        return "-"
    return f"{'> ' if lower else ''}{r:,.0f}x" if r >= 10 else f"{'> ' if lower else ''}{r:.1f}x"


def main(argv: list[str] | None = None) -> int:
    global base_timeout
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run (< 30 s)")
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds before a baseline case is killed (default 60; quick 5)")
    ap.add_argument("--sizes", type=int, nargs="+", default=None)
    ap.add_argument("--degrees", type=float, nargs="+", default=None)
    ap.add_argument("--lengths", type=int, nargs="+", default=None)
    ap.add_argument("--no-networkx", action="store_true")
    ap.add_argument("--no-igraph", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    args = ap.parse_args(argv)
    if args.quick:
        sizes, degrees, lengths, timeout = [1000, 10000], [3.0, 10.0], [4], 5.0
        nx_max_n = 1000
    else:
        sizes, degrees, lengths, timeout = [1000, 10000, 100000], [3.0, 10.0], [4, 6], 60.0
        nx_max_n = None
    sizes = args.sizes or sizes
    degrees = args.degrees or degrees
    lengths = args.lengths or lengths
    base_timeout = timeout = args.timeout or timeout

    t0 = time.perf_counter()
    warm = to_csr(4, [0, 1, 2, 3], [1, 2, 3, 0])
    count_cycles(*warm, 4, backend="numba")
    enumerate_cycles(*warm, 4, backend="numba")
    compile_s = time.perf_counter() - t0
    print(f"dealloop kernels ready in {compile_s:.2f} s (numba compilation, or its disk cache); "
          f"baseline timeout {timeout:.0f} s\n", flush=True)

    rows: list[Row] = []
    last: dict[tuple[str, float, int], tuple[int, Timing]] = {}
    head = (f"{'n':>8} {'deg':>4} {'K':>2} {'cycles':>9} {'dl count':>10} {'dl enum':>10} "
            f"{'igraph':>10} {'networkx':>10} {'igraph/dl':>10} {'nx/dl':>9}  check")
    print(head)
    print("-" * len(head), flush=True)
    notes: list[str] = []
    for degree in degrees:
        for k in lengths:
            for n in sizes:
                src, dst = random_digraph(n, degree, args.seed)
                indptr, indices = to_csr(n, src, dst)
                count_s, counts = time_ours(count_cycles, indptr, indices, k, backend="numba")
                enum_s, found = time_ours(enumerate_cycles, indptr, indices, k,
                                          backend="numba")
                total = int(counts.sum())
                assert len(found) == total
                row = Row(n, degree, k, total, count_s, enum_s)
                if degree == 3 and k == 4:
                    # cycles() from a networkx DiGraph, conversion included (building the
                    # DiGraph itself is not timed, as igraph's graph is not)
                    g = nx.DiGraph()
                    g.add_nodes_from(range(n))
                    g.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
                    row.from_nx_s, loops = time_ours(cycles, g, k)
                    assert loops.n_loops == total
                for which in ("igraph", "networkx"):
                    if (which == "igraph" and args.no_igraph) or (
                            which == "networkx" and (args.no_networkx or (
                                nx_max_n is not None and n > nx_max_n))):
                        setattr(row, which, Timing(note="not run"))
                        continue
                    prev = last.get((which, degree, k))
                    timing = None
                    if prev is not None:
                        pn, pt = prev
                        if pt.note == "timed out" or pt.note.startswith("not run:"):
                            timing = Timing(note=f"not run: > {timeout:.0f} s at n={pn:,}")
                        elif pt.seconds is not None and pt.seconds * n / pn > 2 * timeout:
                            timing = Timing(note=f"not run: {pt.seconds:.1f} s at n={pn:,}, "
                                                 f"~{pt.seconds * n / pn:.0f} s by linear "
                                                 f"extrapolation")
                    if timing is None:
                        timing = run_baseline(which, n, src, dst, k, timeout)
                    setattr(row, which, timing)
                    last[(which, degree, k)] = (n, timing)
                    if timing.note.startswith("not run:") or timing.note.startswith("error"):
                        notes.append(f"{which}, n={n:,}, deg {degree:g}, K={k}: {timing.note}")
                checks = [t.cycles == total for t in (row.igraph, row.networkx)
                          if t.cycles is not None]
                check = "counts agree" if checks and all(checks) else (
                    "MISMATCH" if checks else "")
                ig_txt = row.igraph.text(timeout) if row.igraph.note != "not run" else "-"
                nx_txt = row.networkx.text(timeout) if row.networkx.note != "not run" else "-"
                print(f"{n:>8,} {degree:>4g} {k:>2} {total:>9,} {count_s:>8.4f} s "
                      f"{enum_s:>8.4f} s {ig_txt:>10} {nx_txt:>10} "
                      f"{fmt_ratio(row.ratio(row.igraph)):>10} "
                      f"{fmt_ratio(row.ratio(row.networkx)):>9}  {check}", flush=True)
                rows.append(row)
    if notes:
        print("\nNot run (a lower bound is shown instead):")
        for note in notes:
            print(f"  {note}")

    print("\nTargets")
    ig_rows = [r for r in rows if r.igraph.note != "not run"]
    slower = [r for r in ig_rows if r.igraph.seconds is not None and
              r.igraph.seconds <= r.enum_s]
    if ig_rows:
        print(f"  faster than igraph at every size: {'yes' if not slower else 'NO'} "
              f"({len(ig_rows) - len(slower)}/{len(ig_rows)} cases; ratio uses dealloop "
              f"enumeration, counting is faster still)")
    key = [r for r in ig_rows if r.n == 100_000 and r.degree == 3 and r.max_length == 4]
    for r in key:
        ratio, lower = r.ratio(r.igraph)
        ok = ratio is not None and ratio >= 10
        print(f"  >= 10x igraph at n=100,000, deg 3, K<=4: {'yes' if ok else 'NO'} "
              f"({fmt_ratio((ratio, lower))}: igraph {r.igraph.text(timeout)}, dealloop enum "
              f"{r.enum_s:.4f} s, count {r.count_s:.4f} s)")
    for r in [r for r in ig_rows if r.from_nx_s is not None and r.igraph.seconds]:
        ratio = r.igraph.seconds / r.from_nx_s
        want = 10.0 if r.n >= 100_000 else 1.0
        print(f"  cycles(networkx DiGraph), conversion included, n={r.n:,}, deg 3, K<=4: "
              f"{r.from_nx_s:.4f} s vs igraph {r.igraph.seconds:.4f} s = {ratio:.1f}x "
              f"(target >= {want:g}x): {'yes' if ratio >= want else 'NO'}")
    mismatch = [r for r in rows for t in (r.igraph, r.networkx)
                if t.cycles is not None and t.cycles != r.cycles]
    print(f"  cycle counts cross-checked: {'all agree' if not mismatch else 'MISMATCH'}")
    print(f"\ntotal wall time {time.perf_counter() - t0:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))
    return 1 if mismatch else 0


if __name__ == "__main__":
    raise SystemExit(main())
