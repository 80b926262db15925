"""Compiled kernels (numba) for the sweeps that dominate large runs.

numba is a normal dependency, so ``pip install .`` gives the fast path. It is imported
lazily, on the first call that could use it; on a platform without it, or when the
environment variable ``DEALLOOP_NO_NUMBA`` switches it off, or when a caller passes
``backend="numpy"`` (the one switch: :mod:`dealloop.backend`), the pure numpy/scipy code
paths run instead and give the same results (to rounding). Kernels are compiled with
``cache=True``, so the compilation cost
(a few seconds) is paid once per installation, not once per process.

The Picard and DebtRank kernels mirror their numpy counterparts step for step (same sweeps,
same stopping rule, same wave numbering); the fictitious-default kernel runs the same rounds
as the numpy algorithm but solves each by sweeps instead of a linear solve (Anderson-
accelerated where plain sweeps contract slowly, ``FDA_ANDERSON``). The test suite runs every
model through both paths.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ..backend import (
    BACKENDS,
    flush_stale_kernels,
    numba_available,
    numba_disabled,
    unavailable,
)

__all__ = [
    "BACKENDS",
    "available",
    "clearing_residual",
    "csr_diagonal_row",
    "csr_summary",
    "debtrank_linear",
    "default_threshold",
    "fictitious_default",
    "picard",
    "settle",
    "use_numba",
]

_STATE: dict[str, Any] = {"tried": False, "kernels": None}

#: One batched (``parallel=True``) kernel runs at a time in a process. numba's
#: ``workqueue`` threading layer, the one left where neither TBB nor OpenMP is installed,
#: aborts the whole process when two threads enter parallel kernels at once (the dashboard
#: serves requests from a thread pool); a batched kernel already uses every core, so
#: queueing the second caller costs it nothing it could have had.
_PARALLEL = threading.Lock()


def _one_at_a_time(kernel: Callable[..., Any]) -> Callable[..., Any]:
    """``kernel`` behind :data:`_PARALLEL`."""

    def run(*args: Any) -> Any:
        with _PARALLEL:
            return kernel(*args)

    run.__doc__ = kernel.__doc__
    return run



def _load() -> dict[str, Callable[..., Any]] | None:
    """Compile (or load from cache) the kernels once; ``None`` if numba is unavailable."""
    if _STATE["tried"]:
        return _STATE["kernels"]
    _STATE["tried"] = True
    if not numba_available():
        return None
    from . import _numba_csr, _numba_fda, _numba_fda_push, _numba_kernels

    # these kernels call each other across modules: see flush_stale_kernels
    flush_stale_kernels([_numba_kernels, _numba_csr, _numba_fda, _numba_fda_push])
    _STATE["kernels"] = {
        "picard": _one_at_a_time(_numba_kernels.picard_batch),
        "picard_single": _numba_kernels.picard_single,
        "fda": _one_at_a_time(_numba_fda_push.fda_batch),
        "fda_single": _numba_fda_push.fda_single,
        "csr_summary": _numba_kernels.csr_summary,
        "csr_diagonal_row": _numba_kernels.csr_diagonal_row,
        "transpose_padded": _numba_kernels.transpose_padded,
        "debtrank_linear": _one_at_a_time(_numba_kernels.debtrank_linear_batch),
        "debtrank_linear_single": _numba_kernels.debtrank_linear_single,
        "settle": _numba_kernels.settle,
        "clearing_residual": _numba_kernels.clearing_residual,
        "default_threshold": _numba_kernels.default_threshold,
    }
    return _STATE["kernels"]


def available() -> bool:
    """Whether the numba kernels can be used now: numba loads and ``DEALLOOP_NO_NUMBA`` does
    not switch it off (read at every call, also after the kernels were first compiled)."""
    return not numba_disabled() and _load() is not None


def use_numba(backend: str) -> bool:
    """Resolve a ``backend`` argument (``"auto"``, ``"numba"`` or ``"numpy"``)."""
    if backend == "numpy":
        return False
    ok = available()
    if backend == "numba" and not ok:
        raise unavailable()
    return ok


def _csr_parts(mat: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import scipy.sparse as sp

    csr = sp.csr_array(mat)
    # int32 or int64 indices as they come: no copy of a large index array.
    return csr.indptr, csr.indices, csr.data.astype(np.float64, copy=False)


def unsigned(index: np.ndarray) -> np.ndarray:
    """A view of a (non-negative) CSR index array as unsigned integers of the same width.

    numba tests every signed array index for being negative (to wrap it around); with
    unsigned indices that test, a branch in the innermost loop, disappears.
    """
    return index.view(np.uint32 if index.dtype.itemsize == 4 else np.uint64)


def picard(
    net: Any,
    e: np.ndarray,
    a: np.ndarray,
    beta: float,
    r0: np.ndarray,
    threshold: np.ndarray,
    limit: float,
    noise: float,
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
    kernel = kernels["picard_single"] if k == 1 else kernels["picard"]
    ok = kernel(
        indptr, indices, data, net.pbar, net.colsum,
        np.ascontiguousarray(e), np.ascontiguousarray(a), np.ascontiguousarray(threshold),
        float(beta), float(limit), float(noise), int(max_iter), r, incoming, waves, iterations,
        residual,
    )  # fmt: skip
    if not ok:
        return None
    return r, incoming, waves, iterations, residual


#: A round whose sweeps still contract by more than 1/2 after this many is solved exactly.
FDA_SLOW_AFTER = 40
#: Share of the liabilities (entries of ``L``) owed by firms in default while everyone pays
#: in full from which the pull form of the rounds is used (the push form is faster below;
#: measured on the benchmark grid at N = 100,000: at shares of 0.16-0.20 the pull form is
#: 0-33% faster (Chung-Lu, Erdos-Renyi, core-periphery ~20%), at 0.10 (star ~20%) twice as
#: slow; it was a share of firms, 0.2, before the pull form's sweeps got cheaper).
FDA_PULL_SHARE = 0.15
#: Precision of the pull form's first estimate of the answer, relative to the tolerance
#: (1e9 x 1e-12 = 1e-3 of the largest debt): enough to rule out most firms as candidates.
#: Was 1e8; since the rounds pull only over the candidates, one sweep less here measured
#: 0-13% faster in every N = 100,000 pull-form cell of the benchmark grid (1e10: slower).
FDA_COARSE = 1e9
#: Sweep budget of one round before it is handed to the exact solve.
FDA_MAX_SWEEPS = 400
#: Depth of the Anderson mixing that finishes a pull-form round whose default set is final
#: (``_numba_fda._anderson``); 0 finishes it by plain sweeps.
FDA_ANDERSON = 2
#: Smallest contraction of a round's plain sweeps from which a round of fewer than
#: ``_numba_fda.AA_SMALL_ROUND`` defaulters goes on by Anderson-accelerated sweeps (larger
#: rounds: ``AA_MIN_Q``, 0.25). Measured on the benchmark's batched cells (N = 1,000, paired
#: against 0.25): 0.90 and 0.89 of the time at Chung-Lu and Erdos-Renyi >=60%, 0.97-1.04
#: elsewhere; at N = 100,000 the same value took 1.12x (Chung-Lu >=60%) and 1.09x
#: (core-periphery ~40%), hence two values. Nothing was measured between the two sizes.
FDA_AA_SMALL_Q = 0.4


def fictitious_default(
    net: Any,
    e: np.ndarray,
    a: np.ndarray,
    beta: float,
    threshold: np.ndarray,
    limit: float,
    noise: float,
    r: np.ndarray,
    incoming: np.ndarray,
    waves: np.ndarray,
    start_round: np.ndarray,
    sweeps: np.ndarray,
    accelerated: np.ndarray | None = None,
    residual: np.ndarray | None = None,
    inv_pbar: np.ndarray | None = None,
    first: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Fictitious-default rounds by compiled sweeps, in place on ``r``, ``incoming``, ``waves``.

    Returns ``(rounds, slow)``: the last round run per scenario, and which
    scenarios stopped at a round that needs an exact linear solve (see
    ``_numba_fda_push._fda_one``). ``accelerated``, if given, counts per scenario the sweeps of
    the Anderson-accelerated finish of a round (``_numba_fda._anderson``). ``residual``, if
    given, gets per scenario that is done what :func:`clearing_residual` would give (the
    same operations, computed at the end of the scenario while its arrays are in cache; NaN
    for a slow one); ``inv_pbar``: ``1 / pbar`` (0 where ``pbar`` is 0), as for it.
    ``first``: ``e + colsum < threshold`` (the firms in default while everyone pays in
    full), if the caller has it.
    """
    kernels = _load()
    assert kernels is not None
    ip, ix, data = _csr_parts(net.csr())
    # The pull form's first estimate iterates the whole clearing map, which is continuous
    # only for Eisenberg-Noe: with alpha or beta below 1 a firm's payment jumps down where it
    # defaults and the estimate's error bound does not hold. Rogers-Veraart takes the push form.
    share = FDA_PULL_SHARE if beta == 1.0 and np.array_equal(a, e) else np.inf
    if first is None:
        first = e + net.colsum < threshold
    # liabilities owed by the first defaulters (an integer product: no BLAS threads, which
    # would spin on the CPU after it; at most nnz, so the index dtype holds it)
    owed = first.view(np.uint8) @ np.diff(ip)
    ip, ix = unsigned(ip), unsigned(ix)
    k = e.shape[0]
    # A batch's pull form reads the transpose of the whole matrix (made once for all its
    # scenarios); one scenario's does without (see _numba_fda._fda_pull's `transposed`).
    if k > 1 and share < np.inf and np.any(first.any(axis=1) & (owed >= share * ip[-1])):
        tp, ti, td = net.pull_matrix()
    else:  # no transpose (same dtypes, one compilation)
        tp, ti, td = np.zeros(net.n + 1, ip.dtype), ix[:0], data[:0]
    rounds = np.zeros(k, dtype=np.int64)
    status = np.zeros(k, dtype=np.int64)
    if accelerated is None:
        accelerated = np.zeros(k, dtype=np.int64)
    if residual is None:
        residual = np.empty(k)
    if inv_pbar is None:
        inv_pbar = np.divide(1.0, net.pbar, out=np.zeros_like(net.pbar), where=net.pbar > 0)
    kernel = kernels["fda_single"] if k == 1 else kernels["fda"]
    kernel(
        ip, ix, data, tp, ti, td, net.pbar, net.colsum, e, a, threshold, float(beta),
        float(limit), float(FDA_COARSE * limit), float(noise), FDA_SLOW_AFTER,
        FDA_MAX_SWEEPS, float(share), int(FDA_ANDERSON), float(FDA_AA_SMALL_Q), r, incoming,
        waves, start_round,
        rounds, sweeps, status, accelerated, inv_pbar, residual,
    )  # fmt: skip
    return rounds, status != 0


def debtrank_linear(
    exposures: Any, inv_equity: np.ndarray, h0: np.ndarray, tol: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Linear DebtRank rounds on exposures ``A`` (CSR) and ``1 / equity``.

    Returns ``(h, iterations, residual, converged)``.
    """
    kernels = _load()
    assert kernels is not None
    indptr, indices, data = _csr_parts(exposures)
    k, n = h0.shape
    h = np.empty((k, n))
    iterations = np.zeros(k, dtype=np.int64)
    residual = np.full(k, np.inf)
    # One thread per scenario. A single scenario runs serially: splitting its rows across
    # threads costs more in synchronisation than it saves on a small shared machine.
    kernel = kernels["debtrank_linear_single"] if k == 1 else kernels["debtrank_linear"]
    ok = kernel(
        indptr, indices, data, np.ascontiguousarray(inv_equity, dtype=np.float64),
        np.ascontiguousarray(h0, dtype=np.float64), float(tol), int(max_iter), h, iterations,
        residual,
    )  # fmt: skip
    return h, iterations, residual, bool(ok)


def csr_summary(mat: Any) -> tuple[np.ndarray, np.ndarray, int, int, int] | None:
    """Row sums, column sums and input checks of a CSR matrix in one compiled pass.

    Returns ``None`` when numba is unavailable (the caller then uses numpy). The pass beats
    numpy's checks and scipy's two sums at every size measured, from 9 stored entries to
    80,000 (0.11-0.16 ms of a 0.2-0.7 ms solve at N = 1,000).
    """
    if not available():
        return None
    kernels = _load()
    assert kernels is not None
    rowsum, colsum, nonfinite, negative, diagonal = kernels["csr_summary"](
        unsigned(mat.indptr), unsigned(mat.indices), mat.data
    )
    return rowsum, colsum, int(nonfinite), int(negative), int(diagonal)


def transpose_padded(mat: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The transpose of a CSR matrix with rows padded to a multiple of four entries, as
    unsigned CSR arrays ``(indptr, indices, data)`` for the pull form of
    :func:`fictitious_default` (``_numba_kernels.transpose_padded``; needs numba)."""
    kernels = _load()
    assert kernels is not None
    ip, ix, data = _csr_parts(mat)
    return kernels["transpose_padded"](unsigned(ip), unsigned(ix), data, mat.shape[1])


def csr_diagonal_row(mat: Any) -> int | None:
    """First row with a nonzero diagonal entry of a CSR matrix (``None``: use numpy)."""
    if not available():
        return None
    kernels = _load()
    assert kernels is not None
    return int(kernels["csr_diagonal_row"](mat.indptr, mat.indices, mat.data))


#: Scenarios times firms from which the outputs of a clearing are computed in one compiled
#: pass (:func:`settle`); below, the numpy passes cost about as much as the call.
SETTLE_MIN_SIZE = 50_000


def settle(
    net: Any,
    e: np.ndarray,
    sol: Any,
    guard: float,
    alpha: float,
    beta: float,
) -> dict[str, np.ndarray] | None:
    """The arrays of a ``Clearing`` from a solution ``sol`` in one compiled pass
    (``_numba_kernels.settle``, bit for bit the numpy code of ``_clearing.clear``), or
    ``None`` for a small problem or without numba (the caller then uses numpy)."""
    if e.size < SETTLE_MIN_SIZE or not available():
        return None
    kernels = _load()
    assert kernels is not None
    shape = e.shape
    out = {name: np.empty(shape) for name in ("payments", "net_worth", "equity", "paid_external")}
    # zeros for Eisenberg--Noe, not written: calloc'd pages cost nothing until read
    out["deadweight_loss"] = np.zeros(shape)
    out["defaulted"] = np.empty(shape, dtype=bool)
    out["waves"] = np.empty(shape, dtype=np.int64)
    kernels["settle"](
        np.ascontiguousarray(e, dtype=np.float64), np.ascontiguousarray(sol.incoming),
        np.ascontiguousarray(sol.fraction), np.ascontiguousarray(sol.waves, dtype=np.int64),
        np.ascontiguousarray(sol.iterations, dtype=np.int64), net.pbar, net.colsum,
        net.external, float(guard), float(alpha), float(beta), out["payments"],
        out["net_worth"], out["equity"], out["defaulted"], out["waves"], out["paid_external"],
        out["deadweight_loss"],
    )  # fmt: skip
    return out


def clearing_residual(
    e: np.ndarray,
    a: np.ndarray,
    beta: float,
    incoming: np.ndarray,
    r: np.ndarray,
    pbar: np.ndarray,
    inv_pbar: np.ndarray,
    threshold: np.ndarray,
) -> np.ndarray | None:
    """Per scenario, the largest payment change one application of the clearing map would
    make (``_numba_kernels.clearing_residual``), or ``None`` for a small problem or without
    numba (the caller then uses numpy)."""
    if e.size < SETTLE_MIN_SIZE or not available():
        return None
    kernels = _load()
    assert kernels is not None
    out = np.empty(e.shape[0])
    kernels["clearing_residual"](
        np.ascontiguousarray(e, dtype=np.float64), np.ascontiguousarray(a, dtype=np.float64),
        float(beta), np.ascontiguousarray(incoming), np.ascontiguousarray(r), pbar, inv_pbar,
        np.ascontiguousarray(threshold), out,
    )  # fmt: skip
    return out


def default_threshold(net: Any, e: np.ndarray, guard: float) -> np.ndarray | None:
    """``_network.default_threshold`` of a ``(K, N)`` batch in one compiled pass (C-contiguous,
    the same numbers), or ``None`` for a small problem or without numba."""
    if e.size < SETTLE_MIN_SIZE or not available():
        return None
    kernels = _load()
    assert kernels is not None
    out = np.empty(e.shape)
    kernels["default_threshold"](
        np.ascontiguousarray(e, dtype=np.float64), net.pbar, net.colsum, float(guard), out
    )
    return out
