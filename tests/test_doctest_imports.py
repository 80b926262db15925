"""The doctests in ``src/`` pass in any order of collection: a module named like the function
it defines (``dealloop.contagion.eisenberg_noe``) collected before its package must not hide
that function from the package's own doctest (the root ``conftest.py`` prevents it)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import dealloop

ROOT = Path(__file__).resolve().parents[1]


def _clashes() -> list[tuple[Path, Path]]:
    """(module file, package ``__init__.py``) for every module its package shadows by name."""
    out = []
    for info in pkgutil.walk_packages(dealloop.__path__, "dealloop."):
        if not info.ispkg:
            continue
        pkg = importlib.import_module(info.name)
        for sub in pkgutil.iter_modules(pkg.__path__):
            value = vars(pkg).get(sub.name)
            if value is not None and not isinstance(value, types.ModuleType):
                init = Path(pkg.__file__ or "")
                out.append((init.parent / f"{sub.name}.py", init))
    return out


def test_modules_named_like_their_functions_exist() -> None:
    names = {f"{p.parent.name}.{m.stem}" for m, p in _clashes()}
    assert {"circularity.cycles", "contagion.eisenberg_noe"} <= names


@pytest.mark.slow
def test_doctests_pass_with_each_module_collected_before_its_package() -> None:
    pairs = _clashes()
    files = [str(m) for m, _ in pairs] + sorted({str(p) for _, p in pairs})
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "--doctest-modules", "-q", "-p", "no:randomly",
         "-p", "no:cacheprovider", "-p", "no:xdist", *files],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:]
