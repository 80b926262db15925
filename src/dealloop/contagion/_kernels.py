"""Optional compiled kernels (numba) for the sweeps that dominate large runs.

numba is an optional dependency. It is imported lazily, on the first call that could use it;
when it is missing, or when the environment variable ``DEALLOOP_NO_NUMBA`` is set, or when a
caller passes ``backend="numpy"``, the pure numpy/scipy code paths run instead and give the
same results (to rounding). Kernels are compiled with ``cache=True``, so the compilation cost
(a few seconds) is paid once per installation, not once per process.

The kernels mirror their numpy counterparts step for step (same sweeps, same stopping rule,
same wave numbering), so the test suite runs every model through both paths.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["available", "debtrank_linear", "picard", "use_numba"]

_STATE: dict[str, Any] = {"tried": False, "kernels": None}

BACKENDS = ("auto", "numba", "numpy")


def _load() -> dict[str, Callable[..., Any]] | None:
    """Compile (or load from cache) the kernels once; ``None`` if numba is unavailable."""
    if _STATE["tried"]:
        return _STATE["kernels"]
    _STATE["tried"] = True
    if os.environ.get("DEALLOOP_NO_NUMBA"):
        return None
    try:
        import numba  # noqa: F401
    except ImportError:
        return None
    from . import _numba_kernels

    _STATE["kernels"] = {
        "picard": _numba_kernels.picard_batch,
        "debtrank_linear": _numba_kernels.debtrank_linear_batch,
    }
    return _STATE["kernels"]


def available() -> bool:
    """Whether the numba kernels can be used in this process."""
    return _load() is not None


def use_numba(backend: str) -> bool:
    """Resolve a ``backend`` argument (``"auto"``, ``"numba"`` or ``"numpy"``)."""
    if backend == "numpy":
        return False
    ok = available()
    if backend == "numba" and not ok:
        raise ValueError(
            "backend: 'numba' was requested but numba is not installed "
            "(or DEALLOOP_NO_NUMBA is set); use backend='auto' or 'numpy'"
        )
    return ok


def _csr_parts(mat: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import scipy.sparse as sp

    csr = mat if sp.issparse(mat) else sp.csr_array(mat)
    csr = sp.csr_array(csr)
    return (
        csr.indptr.astype(np.int64, copy=False),
        csr.indices.astype(np.int64, copy=False),
        csr.data.astype(np.float64, copy=False),
    )


def picard(
    net: Any,
    e: np.ndarray,
    a: np.ndarray,
    beta: float,
    r0: np.ndarray,
    threshold: np.ndarray,
    limit: float,
    max_iter: int,
) -> tuple[np.ndarray, ...] | None:
    """Batched Picard sweeps; returns the Solution fields or ``None`` if not converged."""
    kernels = _load()
    assert kernels is not None
    indptr, indices, data = _csr_parts(net.L)
    k, n = e.shape
    r = np.array(r0, dtype=np.float64, order="C", copy=True)
    incoming = np.empty((k, n))
    waves = np.zeros((k, n), dtype=np.int64)
    iterations = np.zeros(k, dtype=np.int64)
    residual = np.full(k, np.inf)
    ok = kernels["picard"](
        indptr, indices, data, net.pbar, net.colsum,
        np.ascontiguousarray(e), np.ascontiguousarray(a), np.ascontiguousarray(threshold),
        float(beta), float(limit), int(max_iter), r, incoming, waves, iterations, residual,
    )  # fmt: skip
    if not ok:
        return None
    return r, incoming, waves, iterations, residual


def debtrank_linear(
    leverage: Any, h0: np.ndarray, tol: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Linear DebtRank rounds; ``leverage[i, j] = A[i, j] / E_i`` (CSR or dense)."""
    kernels = _load()
    assert kernels is not None
    indptr, indices, data = _csr_parts(leverage)
    k, n = h0.shape
    h = np.empty((k, n))
    iterations = np.zeros(k, dtype=np.int64)
    residual = np.full(k, np.inf)
    ok = kernels["debtrank_linear"](
        indptr, indices, data, np.ascontiguousarray(h0, dtype=np.float64), float(tol),
        int(max_iter), h, iterations, residual,
    )  # fmt: skip
    if not ok:
        return None
    return h, iterations, residual
