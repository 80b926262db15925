"""Every CLI output and JSON document for the shipped scenarios matches its golden file.

A difference is either a bug or a deliberate change: for the latter run
``python scripts/goldens.py [NAME ...]`` and commit the regenerated files with the change, so
the diff of ``tests/golden`` shows what moved.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import math
from pathlib import Path
from typing import Any

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "dealloop_goldens", Path(__file__).resolve().parents[1] / "scripts" / "goldens.py")
assert _SPEC is not None and _SPEC.loader is not None
goldens = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(goldens)


def same(a: Any, b: Any) -> bool:
    """``a == b`` for JSON values, floats equal to 1e-9 (relative or absolute): summation order
    moves the last bits of a sum, a real change moves far more."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_same_tolerates_only_rounding() -> None:
    assert same({"a": [1.0, 56.47170811913219]}, {"a": [1, 56.4717081191323]})
    assert not same({"a": 56.47}, {"a": 56.48})
    assert not same({"a": True}, {"a": 1})
    assert not same({"a": 1.0}, {"a": 1.0, "b": None})
    assert not same(["x"], ["y"])


@pytest.mark.parametrize("name", sorted([*goldens.CASES, *goldens.API]))
def test_output_matches_golden(name: str) -> None:
    code, out = goldens.run_any(name)
    assert code == 0
    want = goldens.expected(name)
    if name.endswith(".json") and out != want and same(json.loads(out), json.loads(want)):
        return
    if out != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), out.splitlines(True),
                                            f"golden/{name}", "now", n=1))
        pytest.fail(f"{name} differs from its golden file (regenerate with "
                    f"'python scripts/goldens.py {name}' if the change is meant):\n"
                    + diff[:4000])
