"""The shape of the code: no private names imported across packages, commands registered in
one place and importing nothing from the CLI module (the layer order itself is checked by
import-linter in scripts/test.sh)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "dealloop"
#: Private modules shared by the whole package on purpose.
SHARED_PRIVATE = {"_version"}


def _imports(path: Path) -> list[tuple[int, list[str], list[str]]]:
    """(line, absolute module parts, imported names) of every ``from ... import``."""
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = parts[:-1][:len(parts) - node.level]
            module = base + (node.module.split(".") if node.module else [])
        elif (node.module or "").startswith("dealloop"):
            module = node.module.split(".")  # type: ignore[union-attr]
        else:
            continue
        out.append((node.lineno, module, [a.name for a in node.names]))
    return out


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name not in SHARED_PRIVATE


def test_no_private_names_across_packages() -> None:
    bad = []
    for path in SRC.rglob("*.py"):
        own = path.relative_to(SRC).parts[0]
        for line, module, names in _imports(path):
            other = module[1] if len(module) > 1 else ""
            if other.removesuffix(".py") == own.removesuffix(".py"):
                continue
            hidden = [n for n in names if _private(n)] + [p for p in module[1:] if _private(p)]
            if hidden:
                bad.append(f"{path.relative_to(SRC)}:{line}: {'.'.join(module)} {hidden}")
    assert not bad, "private names imported across packages:\n" + "\n".join(bad)


def test_no_private_attributes_of_modules_from_other_packages() -> None:
    """``from ..scenarios import runner`` then ``runner._helper(...)`` is a private reach-in too."""
    bad = []
    for path in SRC.rglob("*.py"):
        own = path.relative_to(SRC).parts[0]
        bound = {}  # local name -> package it comes from
        for _, module, names in _imports(path):
            other = module[1] if len(module) > 1 else ""
            if other.removesuffix(".py") != own.removesuffix(".py"):
                bound.update({n: ".".join(module) for n in names})
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in bound and _private(node.attr)):
                bad.append(f"{path.relative_to(SRC)}:{node.lineno}: "
                           f"{bound[node.value.id]}.{node.value.id}.{node.attr}")
    assert not bad, "private attributes used across packages:\n" + "\n".join(bad)


def test_commands_do_not_import_the_cli() -> None:
    for path in (SRC / "commands").glob("*.py"):
        for line, module, _ in _imports(path):
            assert module[:2] != ["dealloop", "cli"], f"{path.name}:{line} imports dealloop.cli"


def test_every_command_module_is_registered() -> None:
    from dealloop.cli import COMMANDS

    modules = {f.__module__.rsplit(".", 1)[-1] for f in COMMANDS.values()}
    files = {p.stem for p in (SRC / "commands").glob("*.py") if not p.stem.startswith("_")}
    assert files == modules


TESTS = SRC.parents[1] / "tests"
#: Reading a clock in an assert, or bounding a duration from above, is a wall-clock assert.
CLOCKS = ("perf_counter", "monotonic", "time.time", "process_time", "timeit")
DURATIONS = ("elapsed", "duration", "seconds", "runtime")


def test_no_wall_clock_asserts_in_tests() -> None:
    """Speed lives in benchmarks/: an assert that reads a clock or caps a duration fails under
    load on a shared machine, whatever the code does."""
    bad = []
    for path in TESTS.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.Assert):
                continue
            source = ast.get_source_segment(text, node) or ""
            capped = any(
                isinstance(cmp, ast.Compare)
                and any(isinstance(op, (ast.Lt, ast.LtE)) for op in cmp.ops)
                and any(w in (ast.get_source_segment(text, cmp) or "") for w in DURATIONS)
                for cmp in ast.walk(node.test))
            if any(c in source for c in CLOCKS) or capped:
                bad.append(f"{path.relative_to(TESTS)}:{node.lineno}: {source[:80]}")
    assert not bad, "wall-clock asserts (move them to benchmarks/):\n" + "\n".join(bad)


def test_reference_cases_the_tests_cite_are_in_docs() -> None:
    """A case a test cites (``R1``, ``test_r3_...``, ``S7``) has its section in
    docs/reference-cases.md, with its inputs and expected outputs."""
    import re

    doc = (SRC.parents[1] / "docs" / "reference-cases.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^## ([RS]\d+)\.", doc, re.M))
    cited: dict[str, str] = {}
    for path in TESTS.rglob("test_*.py"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"(?:case |--- |\()([RS]\d+)\b|\bdef test_([rs]\d+)_", text):
            cited.setdefault((m.group(1) or m.group(2)).upper(), path.name)
    assert cited, "no case citations found: the pattern is stale"
    missing = {c: f for c, f in cited.items() if c not in documented}
    assert not missing, f"cited but not in docs/reference-cases.md: {missing}"
