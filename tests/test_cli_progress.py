"""Long commands show progress on a terminal's stderr (nothing when piped or with --json);
Ctrl-C while the command line loads is as quiet as during a run.

The command runs with stderr on a pseudo-terminal (so it is a terminal, as in a shell) and
stdout to a file; what the terminal received is read back.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


def _run(args: list[str], tmp: Path) -> tuple[str, str]:
    """(stdout, what a terminal on stderr saw) of ``dealloop ARGS``; stdout goes to a file
    (not a terminal, and no pipe to fill up)."""
    import pty

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    with (tmp / "out.txt").open("w", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, "-m", "dealloop", *args], stdout=out,
                                stderr=slave, env=env)
        os.close(slave)
        seen = b""
        while True:
            ready, _, _ = select.select([master], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed its end
                    break
                if not chunk:
                    break
                seen += chunk
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=300)
    os.close(master)
    assert code == 0, seen.decode(errors="replace")
    return (tmp / "out.txt").read_text(encoding="utf-8"), seen.decode(errors="replace")


@pytest.mark.parametrize(("args", "step"), [
    (["timeline"], "legs, money and loops month by month"),
    (["systemic", "--top", "3"], "failing each of {n} firms in turn"),
    (["circularity"], "loops, flows and measures of {n} firms"),
])
def test_progress_on_a_terminal_only(args: list[str], step: str, tmp_path: Path) -> None:
    import dealloop as dl

    step = step.format(n=f"{len(dl.load().ids):,}")
    out, err = _run(args, tmp_path)
    assert f"{args[0]}: " in err and step in err  # the spinner names the command and step
    assert "\x1b[" not in out and step not in out  # stdout (a file) stays plain
    out, err = _run([*args, "--json"], tmp_path)
    assert err == "" and out.lstrip().startswith("{")


def test_ctrl_c_while_the_command_line_loads_exits_130_quietly(monkeypatch, capsys) -> None:
    """Ctrl-C before ``dealloop.cli`` has finished importing (a busy machine): the same one
    line and exit code 130 as during a run, no traceback."""
    import types

    from dealloop.__main__ import INTERRUPTED, run

    class Loading(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "dealloop.cli", Loading("dealloop.cli"))
    with pytest.raises(SystemExit) as exc:
        run()
    assert exc.value.code == 130
    assert capsys.readouterr().err == INTERRUPTED + "\n"
