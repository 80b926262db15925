"""Helpers shared by the command-line tests: run the command line in this process
(:func:`cli`, what most tests use) or as a user does in a process of its own (:func:`run`, for
tests about the process: signals, import-time laziness, streams), check that an error is
clean, copy the five-firm fixture."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import traceback
from dataclasses import dataclass
from functools import cache
from itertools import permutations
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini"


@dataclass(frozen=True)
class Ran:
    """What :func:`cli` saw: the exit code and the two streams, named as a finished process's
    (``subprocess.CompletedProcess``) so that :func:`clean` reads either."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Both streams, stdout first."""
        return self.stdout + self.stderr


@cache
def _command() -> Any:
    """The click command behind ``dealloop`` (built once per test session)."""
    import typer

    from dealloop.cli import app

    return typer.main.get_command(app)


def cli(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Ran:
    """``dealloop ARGS`` run in this process through click's ``CliRunner``, 200 columns wide
    unless ``env`` says otherwise; never raises on the exit code. An exception the command
    line lets through comes back as a subprocess shows it: a traceback on stderr, exit code 1
    (so :func:`clean` fails on it)."""
    from click.testing import CliRunner

    res = CliRunner().invoke(_command(), list(args), input=input, prog_name="dealloop",
                             env={"COLUMNS": "200", **(env or {})})
    stderr = res.stderr
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        stderr += "".join(traceback.format_exception(res.exception))
    return Ran(res.exit_code, res.stdout, stderr)


def run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``python -m dealloop ARGS`` in a process of its own, with a wide terminal; never raises
    on the exit code. For tests about the process itself; the others use :func:`cli`."""
    return subprocess.run([sys.executable, "-m", "dealloop", *args], capture_output=True,
                          text=True, env={**os.environ, "COLUMNS": "200"}, check=False,
                          timeout=timeout)


def clean(res: Ran | subprocess.CompletedProcess[str], code: int) -> str:
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
