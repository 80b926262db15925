"""Batched solvers called from several threads at once (the dashboard serves from a pool).

numba's ``workqueue`` threading layer, the only one on a machine without TBB or OpenMP,
aborts the process when two threads enter a ``parallel=True`` kernel together. The child
process below forces that layer, so the test fails (the child dies with SIGABRT) whenever
a batched kernel is launched without ``_kernels._PARALLEL`` held.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from dealloop.contagion import _kernels

pytestmark = pytest.mark.skipif(not _kernels.available(), reason="numba not installed")

CHILD = textwrap.dedent(
    """
    import threading

    import numba
    import numpy as np

    from dealloop import synth
    from dealloop.contagion import debtrank, eisenberg_noe

    net = synth.chung_lu_network(600, seed=5)
    rng = np.random.default_rng(1)
    E = net.e[None, :] * rng.uniform(0.0, 1.0, size=(64, net.n))
    shocks = rng.uniform(0.0, 0.5, size=(64, net.n))
    equity = np.maximum(net.e, 1.0)

    def run_all():
        return (
            eisenberg_noe(net.L, E, external_liabilities=net.external_liabilities).payments,
            eisenberg_noe(net.L, E, external_liabilities=net.external_liabilities,
                          method="picard").payments,
            debtrank(net.L.T, equity, shocks, variant="linear").h,
        )

    alone = run_all()
    together = [None] * 4

    def worker(i):
        for _ in range(3):
            together[i] = run_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert numba.threading_layer() == "workqueue", numba.threading_layer()
    for out in together:
        for a, b in zip(out, alone):
            assert np.array_equal(a, b)
    print("ok")
    """
)


def test_batched_kernels_from_many_threads_on_the_workqueue_layer() -> None:
    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}
    env.pop("DEALLOOP_NO_NUMBA", None)
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
