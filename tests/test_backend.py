"""One numba switch: the same variable, values and error for every compiled kernel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dealloop.backend import (
    STAMP_NAME,
    NumbaUnavailableError,
    numba_available,
    numba_disabled,
)


@pytest.mark.parametrize(("value", "off"), [("", False), ("0", False), ("false", False),
                                            ("no", False), ("1", True), ("true", True),
                                            ("YES", True)])
def test_environment_values(monkeypatch: pytest.MonkeyPatch, value: str, off: bool) -> None:
    monkeypatch.setenv("DEALLOOP_NO_NUMBA", value)
    assert numba_disabled() is off
    if off:
        assert not numba_available()


def test_zero_leaves_numba_on_in_every_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """``DEALLOOP_NO_NUMBA=0`` once switched numba off in contagion but not in circularity."""
    from dealloop.circularity._cycle_search import _cycle_kernel
    from dealloop.circularity._jit import pick
    from dealloop.contagion import _kernels

    monkeypatch.setenv("DEALLOOP_NO_NUMBA", "0")
    monkeypatch.setitem(_kernels._STATE, "tried", False)
    assert _kernels.available()
    assert pick(_cycle_kernel, "numba") is not _cycle_kernel


def test_switched_off_everywhere_with_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from dealloop.circularity import count_cycles
    from dealloop.contagion import _kernels, eisenberg_noe

    monkeypatch.setenv("DEALLOOP_NO_NUMBA", "1")
    monkeypatch.setitem(_kernels._STATE, "tried", False)
    with pytest.raises(NumbaUnavailableError):
        eisenberg_noe(np.array([[0.0, 1.0], [1.0, 0.0]]), np.ones(2), method="picard",
                      backend="numba")
    with pytest.raises(NumbaUnavailableError):
        count_cycles([0, 1, 2], [1, 0], 2, backend="numba")
    monkeypatch.setitem(_kernels._STATE, "tried", False)  # leave no cached 'off' behind


_CALLEE = "from numba import njit\n\n@njit(cache=True)\ndef value():\n    return {}\n"
_CALLER = (
    "from numba import njit\nfrom callee import value\n\n"
    "@njit(cache=True)\ndef twice():\n    return 2 * value()\n"
)
_RUN = (
    "import sys; sys.path.insert(0, {path!r})\n"
    "import callee, caller\n"
    "from dealloop.backend import flush_stale_kernels\n"
    "if {flush}:\n    flush_stale_kernels([callee, caller])\n"
    "print(caller.twice())\n"
)


def _twice(tmp_path: Path, flush: bool) -> int:
    script = _RUN.format(path=str(tmp_path), flush=flush)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, env={**os.environ, "NUMBA_CACHE_DIR": ""})
    return int(out.stdout.strip())


@pytest.mark.skipif(not numba_available(), reason="numba is not installed here")
@pytest.mark.parametrize("flush", [True, False])
def test_edited_callee_in_another_module(tmp_path: Path, flush: bool) -> None:
    """numba keys a cached kernel on its own file: after the callee's module is edited the
    caller loads stale code unless flush_stale_kernels saw the change (without it, the test
    documents the hazard: the stale answer comes back)."""
    (tmp_path / "callee.py").write_text(_CALLEE.format(1))
    (tmp_path / "caller.py").write_text(_CALLER)
    assert _twice(tmp_path, flush) == 2
    (tmp_path / "callee.py").write_text(_CALLEE.format(21))  # another size: numba sees the edit
    assert _twice(tmp_path, flush) == (42 if flush else 2)
    assert (tmp_path / "__pycache__" / STAMP_NAME).exists() == flush
