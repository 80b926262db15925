"""Ctrl-C during a Monte Carlo run on a local Dask cluster: exit code 130 and one line.

The run is started in its own process group and SIGINT is sent to the whole group, as a
terminal does on Ctrl-C, so the Dask worker processes receive it too. A Ctrl-C pressed while
the cluster starts is ignored by design (see ``_mc_dask._sigint_ignored``), so the signal
is sent again every few seconds until the command exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

psutil = pytest.importorskip("psutil")  # a dependency of distributed

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")


def test_ctrl_c_under_dask_prints_one_line_and_exits_130(tmp_path) -> None:
    out = tmp_path / "mc.json"
    cmd = [sys.executable, "-m", "dealloop", "simulate", "coreweave-default",
           "--draws", "4000000", "--chunk", "500", "--workers", "2", "--max-time", "0",
           "-o", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, env={**os.environ, "COLUMNS": "80"})
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:  # wait for the two worker processes
            kids = psutil.Process(proc.pid).children(recursive=True)
            if len(kids) >= 2 or proc.poll() is not None:
                break
            time.sleep(0.2)
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        while proc.poll() is None and time.monotonic() < deadline:
            os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
            try:
                proc.wait(timeout=4)
            except subprocess.TimeoutExpired:
                continue
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130
    assert stderr.decode() == "interrupted; nothing half-written is left behind\n"
    assert stdout == b""
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
