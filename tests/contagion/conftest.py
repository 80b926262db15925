"""Shared helpers for the contagion tests: an independent reference solver and networks."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from dealloop.contagion import _kernels


@pytest.fixture(params=["numpy", "numba"])
def backend(request: pytest.FixtureRequest) -> str:
    """Run a test through the numpy path and through the compiled (numba) path."""
    if request.param == "numba":
        assert _kernels.available(), "numba is a test dependency: pip install -e '.[test]'"
    return request.param


@pytest.fixture
def no_numba(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend numba is missing, as on an installation without it."""
    monkeypatch.setitem(_kernels._STATE, "tried", True)
    monkeypatch.setitem(_kernels._STATE, "kernels", None)


def reference_clearing(
    L: np.ndarray,
    e: np.ndarray,
    ext: np.ndarray | None = None,
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
    start: str = "top",
    tol: float = 1e-13,
    max_iter: int = 200_000,
) -> np.ndarray:
    """Textbook Picard iteration on payments p with the relative liabilities matrix Pi.

    Written straight from the formulas (models.md 1.1-1.2), independently of the package:
    ``p_i = pbar_i`` if ``e_i + (Pi' p)_i >= pbar_i`` else
    ``max(0, alpha e_i^+ - e_i^- + beta (Pi' p)_i)``.
    """
    L = np.asarray(L, dtype=float)
    n = L.shape[0]
    ext = np.zeros(n) if ext is None else np.asarray(ext, dtype=float)
    pbar = L.sum(axis=1) + ext
    Pi = np.zeros_like(L)
    owes = pbar > 0
    Pi[owes] = L[owes] / pbar[owes, None]
    p = pbar.copy() if start == "top" else np.zeros(n)
    for _ in range(max_iter):
        x = Pi.T @ p
        haircut = alpha * np.maximum(e, 0) + np.minimum(e, 0) + beta * x
        new = np.where(e + x >= pbar, pbar, np.maximum(0.0, haircut))
        if np.max(np.abs(new - p), initial=0.0) <= tol * max(1.0, pbar.max(initial=0.0)):
            return new
        p = new
    raise AssertionError("reference Picard did not converge")


def random_network(
    seed: int,
    n: int,
    *,
    density: float = 0.5,
    integer: bool = False,
    ext_share: float = 0.3,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random liability matrix, outside assets and external liabilities.

    Continuous amounts by default (knife edges have probability zero); ``integer=True``
    draws small integers, where exact ties are common.
    """
    rng = np.random.default_rng(seed)
    if integer:
        L = rng.integers(0, 6, (n, n)).astype(float)
        e = rng.integers(0, 8, n).astype(float)
    else:
        L = rng.exponential(1.0, (n, n))
        e = rng.exponential(1.0, n) * rng.uniform(0, 2)
    L *= rng.random((n, n)) < density
    np.fill_diagonal(L, 0.0)
    ext = rng.exponential(1.0, n) * (rng.random(n) < ext_share)
    if integer:
        ext = np.round(ext)
    return L, e, ext


@pytest.fixture(scope="session")
def helpers() -> SimpleNamespace:
    """The helpers above, for test modules (conftest is not importable in importlib mode)."""
    return SimpleNamespace(reference_clearing=reference_clearing, random_network=random_network)
