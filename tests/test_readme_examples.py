"""The README's example outputs are what the commands print today.

Every ```text block in README.md that starts with ``$ dealloop ...`` is run at 100 columns;
each line the README shows (an abridged block marks cut lines with `` ...``) must appear in the
output, in order. A number that moves (new legs, a model change) fails here until the README
shows the new one, so a reader never quotes a figure the tool no longer gives.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest


def _script() -> ModuleType:
    """scripts/readme_examples.py: it finds the examples and runs them as the README shows."""
    path = Path(__file__).parents[1] / "scripts" / "readme_examples.py"
    spec = importlib.util.spec_from_file_location("readme_examples", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SCRIPT = _script()


def examples() -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = SCRIPT.examples(SCRIPT.README.read_text(encoding="utf-8"))
    return found


#: Wall-clock times ("2.8 s") differ from run to run; they are compared as a placeholder.
SECONDS = re.compile(r"\b\d+(?:\.\d+)? s\b")


def shown_in_order(shown: list[str], printed: list[str]) -> str | None:
    """The first shown line that is not in ``printed`` after the previous one, else None."""
    printed = [SECONDS.sub("<t> s", line) for line in printed]
    shown = [SECONDS.sub("<t> s", line) for line in shown]
    at = 0
    for line in shown:
        if line.strip() == "...":
            continue
        try:
            at = printed.index(line, at) + 1
        except ValueError:
            return line
    return None


def test_the_readme_has_examples() -> None:
    commands = [c for c, _ in examples()]
    assert any(c.startswith("dealloop stress") for c in commands), commands
    assert len(commands) >= 4


def test_shown_in_order_finds_a_changed_or_moved_line() -> None:
    printed = ["a 1", "b 2", "c 3"]
    assert shown_in_order(["a 1", " ...", "c 3"], printed) is None
    assert shown_in_order(["a 1", "b 9"], printed) == "b 9"
    assert shown_in_order(["c 3", "a 1"], printed) == "a 1"
    assert shown_in_order(["took 2.8 s"], ["took 89.8 s"]) is None


@pytest.mark.parametrize(("command", "shown"), examples(), ids=[c for c, _ in examples()])
def test_example_output_is_current(command: str, shown: list[str]) -> None:
    res = SCRIPT.run(command, timeout=600)
    assert res.returncode == 0, res.stderr
    printed = [line.rstrip() for line in res.stdout.splitlines()]
    missing = shown_in_order([line.rstrip() for line in shown], printed)
    assert missing is None, (
        f"README.md shows a line `{command}` no longer prints:\n{missing}\n"
        f"--- it prints now ---\n{res.stdout}")
