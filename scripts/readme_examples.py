"""Refresh the example outputs in README.md from the commands themselves.

Each ```text block that starts with ``$ dealloop ...`` is run at 100 columns and rewritten with
the lines it printed. An abridged block keeps its shape: every shown line is replaced by the
printed line with the same label (the text before the first run of two spaces; for a
continuation line, the line after the previous match), and `` ...`` markers stay where they are.
``tests/test_readme_examples.py`` checks the result.

    python scripts/readme_examples.py          # rewrite README.md in place (atomically)
    python scripts/readme_examples.py --check  # exit 1 if anything would change
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"
BLOCK = re.compile(r"^```text\n(\$ dealloop [^\n]*)\n(.*?)^```", re.S | re.M)


def label(line: str) -> str:
    """A table row's first cell, or a sentence's first three words."""
    parts = re.split(r"\s{2,}", line.strip(), maxsplit=1)
    return parts[0] if len(parts) > 1 else " ".join(line.split()[:3])


def examples(text: str) -> list[tuple[str, list[str]]]:
    """``(command, shown lines)`` of every example block in a README's text."""
    return [(m.group(1)[2:], m.group(2).rstrip("\n").split("\n")) for m in BLOCK.finditer(text)]


def run(command: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """``command`` (``dealloop ...``) run as the README shows it: 100 columns, no colour."""
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run([sys.executable, "-m", "dealloop", *shlex.split(command)[1:]],
                          capture_output=True, text=True, env=env, check=False, timeout=timeout)


def printed_by(command: str) -> list[str]:
    res = run(command)
    if res.returncode != 0:
        raise SystemExit(f"{command}: exit {res.returncode}\n{res.stderr}")
    return [line.rstrip() for line in res.stdout.splitlines()]


def headers(shown: list[str]) -> set[int]:
    """Indexes of table-header lines: the column lines right above a ``───`` rule."""
    found: set[int] = set()
    for i, line in enumerate(shown):
        if line.startswith("─"):
            j = i - 1
            while j >= 0 and re.search(r"\S\s{2,}\S", shown[j].strip()) is not None \
                    and not shown[j].startswith("─"):
                found.add(j)
                j -= 1
    return found


def refresh(shown: list[str], printed: list[str]) -> list[str]:
    """``shown`` with each line replaced by its counterpart in ``printed``.

    A row is found by its label; a table's header is taken whole from the printed table
    (the lines between the last line found and the next ``───`` rule), however many lines it
    has now; any other line is the printed line after the previous one.
    """
    if not any(line.strip() == "..." for line in shown):
        return printed
    out: list[str] = []
    at = 0  # next printed line to look at
    head = headers(shown)
    for i, line in enumerate(shown):
        if line.strip() == "...":
            out.append(line)
        elif i in head:
            continue
        elif line.startswith("─"):
            rule = next((k for k in range(at, len(printed)) if printed[k].startswith("─")),
                        None)
            if rule is not None:
                out.extend(printed[at:rule + 1])
                at = rule + 1
        else:
            want = label(line)
            hit = next((k for k in range(at, len(printed)) if label(printed[k]) == want), None)
            if hit is None and at < len(printed):  # a continuation: the next printed line
                hit = at
            if hit is not None:
                out.append(printed[hit])
                at = hit + 1
    return out


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")

    def replace(m: re.Match[str]) -> str:
        shown = m.group(2).rstrip("\n").split("\n")
        new = refresh(shown, printed_by(m.group(1)[2:]))
        return "```text\n" + m.group(1) + "\n" + "\n".join(new) + "\n```"

    new_text = BLOCK.sub(replace, text)
    if "--check" in argv:
        return int(new_text != text)
    tmp = README.with_suffix(".md.tmp")
    tmp.write_text(new_text, encoding="utf-8")
    tmp.replace(README)
    print("README.md examples refreshed" if new_text != text else "README.md already current")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
