"""List the units too long to read in one go: modules over 600 lines and functions whose body
holds over 80 lines of code (signature, docstring, comments and blank lines not counted),
the files of numba kernels (``_numba*.py``, ``_cycle_search.py``) apart.

``python scripts/long_units.py [FOLDER]`` (default ``src/dealloop``) prints them, longest
first. ``tests/test_architecture.py`` runs it on ``src/dealloop`` and fails on any unit it
lists, so a unit that grows past a limit is split in the change that grows it.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
#: files of numba kernels besides ``_numba*.py``
KERNEL_FILES = frozenset({"_cycle_search.py"})


def code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> int:
    """Lines of code in the body of ``node``: its signature (a command's options), docstring,
    comments and blank lines left out."""
    body = node.body
    if len(body) > 1 and isinstance(body[0], ast.Expr) and \
            isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]
    count = 0
    for number in range(body[0].lineno, (node.end_lineno or node.lineno) + 1):
        text = lines[number - 1].strip()
        if text and not text.startswith("#"):
            count += 1
    return count


def exempt(path: Path) -> bool:
    """Whether ``path`` holds numba kernels (``_numba*.py``, ``_cycle_search.py``): compiled
    loops, written flat for the compiler, whose functions may run long."""
    return path.name.startswith("_numba") or path.name in KERNEL_FILES


def long_units(root: Path) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """``(modules, functions)``: each as ``(lines, where)``, longest first."""
    modules, functions = [], []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        if len(lines) > MAX_MODULE_LINES:
            modules.append((len(lines), str(path)))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not exempt(path):
                n = code_lines(node, lines)
                if n > MAX_FUNCTION_LINES:
                    functions.append((n, f"{path}:{node.lineno} {node.name}"))
    return sorted(modules, reverse=True), sorted(functions, reverse=True)


def main() -> None:
    modules, functions = long_units(Path(sys.argv[1] if len(sys.argv) > 1 else "src/dealloop"))
    print(f"modules over {MAX_MODULE_LINES} lines: {len(modules)}")
    for n, where in modules:
        print(f"  {n:5d}  {where}")
    print(f"functions over {MAX_FUNCTION_LINES} lines of code: {len(functions)}")
    for n, where in functions:
        print(f"  {n:5d}  {where}")


if __name__ == "__main__":
    main()
