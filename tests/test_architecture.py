"""The shape of the code: no private names imported across packages, commands registered in
one place and importing nothing from the CLI module (the layer order itself is checked by
import-linter in scripts/test.sh)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

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


def _long_units_script() -> Any:
    """``scripts/long_units.py`` as a module (the guard and the script share one count)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("long_units",
                                                  SRC.parents[1] / "scripts" / "long_units.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_module_over_600_lines_and_no_function_over_80_lines_of_code() -> None:
    """Readable units: every module of ``src/dealloop`` has at most 600 lines and every
    function at most 80 lines of code (docstring, comments and blank lines apart; the numba
    kernel files ``_numba*.py`` and ``_cycle_search.py`` apart). Split a unit that grows
    past a limit in the change that grows it (ARCHITECTURE.md, "Readable units")."""
    script = _long_units_script()
    assert (script.MAX_MODULE_LINES, script.MAX_FUNCTION_LINES) == (600, 80)
    modules, functions = script.long_units(SRC)
    assert not modules, f"modules over 600 lines: {modules}"
    assert not functions, f"functions over 80 lines of code: {functions}"


def _function(code: int, *, doc: int = 0, comments: int = 0, blanks: int = 0) -> str:
    """A toy function: ``doc`` docstring lines, then ``comments`` comment lines, ``blanks``
    blank lines and ``code`` lines of code."""
    lines = ["def toy(a: int,", "        b: int) -> int:"]
    if doc:
        lines += ['    """Doc.'] + ["    more"] * (doc - 2) + ['    """'] if doc > 1 else \
            ['    """Doc."""']
    lines += ["    # a comment"] * comments + [""] * blanks
    lines += ["    a += 1"] * (code - 1) + ["    return a"]
    return "\n".join(lines) + "\n"


def test_long_units_counts_code_lines_and_module_lines(tmp_path: Path) -> None:
    """The guard's count on toys counted by hand: a function of exactly 80 code lines
    passes, 81 fails, however long its signature, docstring, comments and blank lines; a
    module of 600 lines passes, 601 fails; a kernel file's long function is not listed."""
    script = _long_units_script()
    (tmp_path / "ok.py").write_text(_function(80, doc=5, comments=10, blanks=10),
                                    encoding="utf-8")
    (tmp_path / "long.py").write_text(_function(81, doc=1), encoding="utf-8")
    (tmp_path / "_numba_toy.py").write_text(_function(200), encoding="utf-8")
    (tmp_path / "_cycle_search.py").write_text(_function(90), encoding="utf-8")
    (tmp_path / "m600.py").write_text("x = 1\n" * 600, encoding="utf-8")
    (tmp_path / "m601.py").write_text("x = 1\n" * 601, encoding="utf-8")
    modules, functions = script.long_units(tmp_path)
    assert [(n, Path(w).name) for n, w in modules] == [(601, "m601.py")]
    assert [(n, w.rsplit("/", 1)[-1]) for n, w in functions] == [(81, "long.py:1 toy")]
    # the docstring is left out, but a function that is only a docstring counts it
    assert script.code_lines(ast.parse('def f():\n    """x"""\n').body[0],
                             ['def f():', '    """x"""']) == 1


#: One name per thing in the public API: the name, and the variants it replaced (a table
#: column may still say ``wave``: the default round of the firm on that row).
NAMES = {"payments": ("pay", "payment"), "received": ("receipts", "receipt"),
         "waves": ("wave",), "defaulted": ("failed",), "max_length": ("max_hops", "hops_max")}


def test_public_fields_and_parameters_use_one_name_per_thing() -> None:
    """No public result field or function parameter uses a replaced variant of a name
    (``pay`` for ``payments``, ``failed`` for ``defaulted``, ``max_hops`` for
    ``max_length``, ...): the dataclasses and functions every public module exports."""
    import dataclasses
    import importlib
    import inspect
    import pkgutil

    import dealloop

    banned = {old: new for new, olds in NAMES.items() for old in olds}
    bad, checked = [], 0
    for info in pkgutil.walk_packages(dealloop.__path__, "dealloop."):
        if any(p.startswith("_") for p in info.name.split(".")[1:]):
            continue
        mod = importlib.import_module(info.name)
        for attr in getattr(mod, "__all__", ()):
            obj = getattr(mod, attr, None)
            if getattr(obj, "__module__", None) != info.name:
                continue
            names: list[str] = []
            if dataclasses.is_dataclass(obj):
                names += [f.name for f in dataclasses.fields(obj)]
            if callable(obj):
                try:
                    names += list(inspect.signature(obj).parameters)
                except (TypeError, ValueError):
                    pass
            checked += 1
            bad += [f"{info.name}.{attr}: {n} (say {banned[n]})" for n in names if n in banned]
    assert checked > 150, checked
    assert not bad, "replaced names in the public API:\n" + "\n".join(bad)


_IMPORT_EACH = """
import importlib, sys, traceback
bad = []
for name in sys.argv[1:]:
    for key in [k for k in sys.modules if k == "dealloop" or k.startswith("dealloop.")]:
        del sys.modules[key]
    try:
        importlib.import_module(name)
    except Exception:
        bad.append(name + ": " + traceback.format_exc().strip().splitlines()[-1])
print("\\n".join(bad))
"""


def test_every_module_imports_first() -> None:
    """Each module of the package imports on its own, as the first dealloop module loaded
    (a cycle between two modules can pass when the package loads one of them first and
    fail when a user, a doctest or a worker imports the other first). One child process,
    the package's modules dropped from ``sys.modules`` before each import."""
    import subprocess
    import sys

    names = sorted(".".join(p.relative_to(SRC.parent).with_suffix("").parts).removesuffix(
        ".__init__") for p in SRC.rglob("*.py"))
    assert len(names) > 50
    run = subprocess.run([sys.executable, "-c", _IMPORT_EACH, *names], capture_output=True,
                         text=True, check=True, timeout=600)
    assert run.stdout.strip() == ""
