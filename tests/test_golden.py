"""Every CLI output and JSON document for the shipped scenarios matches its golden file.

A difference is either a bug or a deliberate change: for the latter run
``python scripts/goldens.py [NAME ...]`` and commit the regenerated files with the change, so
the diff of ``tests/golden`` shows what moved.
"""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "dealloop_goldens", Path(__file__).resolve().parents[1] / "scripts" / "goldens.py")
assert _SPEC is not None and _SPEC.loader is not None
goldens = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(goldens)


@pytest.mark.parametrize("name", sorted([*goldens.CASES, *goldens.API]))
def test_output_matches_golden(name: str) -> None:
    code, out = goldens.run_any(name)
    assert code == 0
    want = goldens.expected(name)
    if out != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), out.splitlines(True),
                                            f"golden/{name}", "now", n=1))
        pytest.fail(f"{name} differs from its golden file (regenerate with "
                    f"'python scripts/goldens.py {name}' if the change is meant):\n"
                    + diff[:4000])
