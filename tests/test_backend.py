"""One numba switch: the same variable, values and error for every compiled kernel."""

from __future__ import annotations

import numpy as np
import pytest

from dealloop.backend import NumbaUnavailableError, numba_available, numba_disabled


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
