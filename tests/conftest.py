"""Helpers shared by the command-line tests: run ``python -m dealloop`` as a user does,
check that an error is clean, copy the five-firm fixture."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from itertools import permutations
from pathlib import Path

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini"


def run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``python -m dealloop ARGS`` with a wide terminal; never raises on the exit code."""
    return subprocess.run([sys.executable, "-m", "dealloop", *args], capture_output=True,
                          text=True, env={**os.environ, "COLUMNS": "200"}, check=False,
                          timeout=timeout)


def clean(res: subprocess.CompletedProcess[str], code: int) -> str:
    """Assert the exit code and a traceback-free stderr; return stderr."""
    assert res.returncode == code, (res.returncode, res.stdout[-2000:], res.stderr[-2000:])
    assert "Traceback" not in res.stderr, res.stderr
    return res.stderr


def copy_mini(tmp_path: Path, name: str = "data") -> Path:
    """A writable copy of tests/data/mini in ``tmp_path / name``."""
    out = tmp_path / name
    out.mkdir()
    for f in MINI.iterdir():
        (out / f.name).write_bytes(f.read_bytes())
    return out


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dense_dataset(tmp_path: Path, n: int = 60) -> Path:
    """The mini fixture with ``n`` firms, each lending to every other (``n (n - 1)`` legs
    with amounts ``1 + (7 i + 13 j) % 97``): far too many loops to list."""
    data = copy_mini(tmp_path, "dense")
    ents = (data / "entities.csv").read_text().splitlines()
    row = ents[1].split(",", 1)[1]
    (data / "entities.csv").write_text("\n".join([ents[0], *[f"f{i:02d}," + row
                                                             for i in range(n)]]) + "\n")
    deals = (data / "deals.csv").read_text().splitlines()
    rows = [f"X{i}_{j},f{i:02d},f{j:02d},loan,{1 + (7 * i + 13 * j) % 97},,,reported,committed,"
            ",2025,,,,A,,,s1," for i, j in permutations(range(n), 2)]
    (data / "deals.csv").write_text("\n".join([deals[0], *rows]) + "\n")
    return data
