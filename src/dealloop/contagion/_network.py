"""The validated liability network and the clearing map shared by every clearing solver
(:mod:`._clearing`, :mod:`._rounds`, Furfine): ``pbar``, claims, the default test with its
rounding guard, and the map in fraction-paid form."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from . import _kernels
from ._validation import (
    Matrix,
    check_matrix,
    check_vector,
    is_sparse,
    matrix_value_errors,
)

__all__ = ["LiabilityNetwork", "Solution", "default_threshold"]


#: Sparse networks up to this size get a cached dense copy for batched block solves.
DENSE_VIEW_MAX_N = 2048
#: Rounding guard of the default test, relative to a firm's balance-sheet size.
GUARD = 2.0**-40
#: Steps below this share of max(pbar) are rounding noise: an iteration stops there.
NOISE = 2.0**-49


def _check_sums(name: str, pbar: np.ndarray, colsum: np.ndarray) -> None:
    """Refuse sums that overflow to inf, and debts too small for ``1 / pbar`` to exist."""
    for what, x in (("what a firm owes (row sum + external)", pbar), ("claims (column sum)",
                                                                       colsum)):
        bad = np.flatnonzero(~np.isfinite(x))
        if bad.size:
            raise ValueError(
                f"{name}: {what} of firm {int(bad[0])} overflows to infinity although every "
                "entry is finite; rescale the amounts (e.g. to billions)"
            )
    tiny = np.flatnonzero((pbar > 0) & (pbar < np.finfo(np.float64).tiny))
    if tiny.size:
        raise ValueError(
            f"{name}: firm {int(tiny[0])} owes {float(pbar[tiny[0]])!r} in all, a subnormal "
            "number whose reciprocal overflows; rescale the amounts or set such debts to zero"
        )


@dataclass
class LiabilityNetwork:
    """A validated liability matrix with the vectors every solver needs."""

    L: np.ndarray | sp.csr_array
    pbar: np.ndarray
    colsum: np.ndarray
    external: np.ndarray
    _dense: np.ndarray | None = field(default=None, repr=False)
    _csr: sp.csr_array | None = field(default=None, repr=False)
    _pull: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls, L: Matrix, external_liabilities: ArrayLike | None = None, *, name: str = "L"
    ) -> LiabilityNetwork:
        """Validate ``L`` (``L[i, j]`` = what i owes j) and precompute ``pbar`` and claims."""
        mat = check_matrix(L, name, values=not is_sparse(L))
        summary = _kernels.csr_summary(mat) if is_sparse(mat) else None
        if summary is not None:
            # One compiled pass over a large sparse L: checks and both sums together.
            owed, colsum, nonfinite, negative, diagonal = summary
            matrix_value_errors(mat, name, nonfinite, negative, diagonal)
        elif is_sparse(mat):
            mat = check_matrix(mat, name)
        n = mat.shape[0]
        if external_liabilities is None:
            ext = np.zeros(n)
        else:
            ext = check_vector(external_liabilities, "external_liabilities", n, nonnegative=True)
        with np.errstate(over="ignore"):  # an overflowing sum is refused just below
            if summary is None:
                owed = np.asarray(mat.sum(axis=1), dtype=np.float64).reshape(n)
                colsum = np.asarray(mat.sum(axis=0), dtype=np.float64).reshape(n)
            pbar = owed + ext
        _check_sums(name, pbar, colsum)
        return cls(L=mat, pbar=pbar, colsum=colsum, external=ext)

    @property
    def n(self) -> int:
        return int(self.pbar.shape[0])

    @property
    def sparse(self) -> bool:
        return is_sparse(self.L)

    def dense_view(self) -> np.ndarray | None:
        """Dense ``L`` if it is dense or small enough to densify, else ``None``."""
        if not self.sparse:
            return self.L  # type: ignore[return-value]
        if self._dense is None and self.n <= DENSE_VIEW_MAX_N:
            self._dense = self.L.toarray()  # type: ignore[union-attr]
        return self._dense

    def csr(self) -> sp.csr_array:
        """``L`` as a CSR array (converted once for dense input)."""
        if self.sparse:
            return self.L  # type: ignore[return-value]
        if self._csr is None:
            self._csr = sp.csr_array(self.L)
        return self._csr

    def pull_matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``L`` transposed with rows padded, for the compiled pull form of the rounds
        (:func:`_kernels.transpose_padded`; needs numba), made once."""
        if self._pull is None:
            self._pull = _kernels.transpose_padded(self.csr())
        return self._pull

    def incoming(self, r: np.ndarray) -> np.ndarray:
        """Payments received, ``colsum - (1 - r) @ L``, for a ``(k, N)`` batch of ``r``.

        Only firms that pay less than in full enter the product, so a network with few
        defaulters costs little, and a firm whose debtors all pay gets exactly its column
        sum (no rounding: knife-edge solvency tests stay exact).
        """
        short = 1.0 - r
        rows, cols = np.nonzero(short)
        out = np.empty(r.shape)
        out[:] = self.colsum
        if rows.size == 0:
            return out
        if not self.sparse and rows.size * 8 > short.size:
            out -= short @ self.L
            return out
        if self.sparse and r.shape[0] <= 4:
            # A few scenarios on a big sparse network: slicing the defaulters' rows beats a
            # sparse-sparse product, whose setup is linear in the network size.
            csr = self.L
            for row in range(r.shape[0]):
                idx = np.flatnonzero(short[row])
                if idx.size:
                    out[row] -= csr[idx].T @ short[row, idx]  # type: ignore[index]
            return out
        w = sp.csr_array((short[rows, cols], (rows, cols)), shape=r.shape)
        lost = w @ self.L
        out -= lost.toarray() if is_sparse(lost) else lost
        return out


@dataclass
class Solution:
    """Raw output of the engine, all ``(K, N)`` except the per-scenario counters."""

    fraction: np.ndarray
    incoming: np.ndarray
    waves: np.ndarray
    iterations: np.ndarray
    residual: np.ndarray


def _recovery(a: np.ndarray, beta: float, incoming: np.ndarray, inv_pbar: np.ndarray) -> np.ndarray:
    """Fraction paid by a defaulter: ``max(0, a + beta * incoming) / pbar``, at most 1."""
    return np.clip((a + beta * incoming) * inv_pbar, 0.0, 1.0)


def default_threshold(net: LiabilityNetwork, e: np.ndarray) -> np.ndarray:
    """``pbar`` less a rounding guard: firm i defaults iff ``e_i + incoming_i < threshold_i``.

    The guard is ``GUARD * (|e_i| + colsum_i + pbar_i)`` (about 1e-12 of the firm's balance
    sheet), so that equity that is zero in exact arithmetic but a few ulps negative after
    floating-point sums is still the knife edge "exactly zero equity = solvent".
    """
    return net.pbar - GUARD * (np.abs(e) + net.colsum + net.pbar)


def _phi(
    net: LiabilityNetwork,
    e: np.ndarray,
    a: np.ndarray,
    beta: float,
    incoming: np.ndarray,
    inv_pbar: np.ndarray,
    threshold: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The clearing map in fraction-paid form; returns ``(r, in_default)``."""
    in_default = e + incoming < threshold
    pays = in_default & (net.pbar > 0)
    r = np.where(pays, _recovery(a, beta, incoming, inv_pbar), 1.0)
    return r, in_default


def _residual(net: LiabilityNetwork, r_new: np.ndarray, r_old: np.ndarray) -> np.ndarray:
    """Largest change in any payment, per scenario."""
    if r_new.shape[1] == 0:
        return np.zeros(r_new.shape[0])
    return np.max(np.abs(r_new - r_old) * net.pbar, axis=1)


def _inv(x: np.ndarray) -> np.ndarray:
    return np.divide(1.0, x, out=np.zeros_like(x), where=x > 0)


def _scale(net: LiabilityNetwork) -> float:
    return float(net.pbar.max()) if net.n and net.pbar.max() > 0 else 1.0
