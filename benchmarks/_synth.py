"""Synthetic heavy-tailed financial networks for benchmarks and tests.

Firm sizes are Pareto distributed; liabilities follow a Chung--Lu model (a firm's expected
number of debtors and creditors is proportional to its size), about ``mean_degree``
liabilities per firm; every balance sheet starts solvent with an equity buffer, and a shock
wipes out part of the outside assets of a random subset of firms.

Everything is in the orientation of :func:`dealloop.contagion.eisenberg_noe`:
``L[i, j]`` is what firm ``i`` owes firm ``j``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["SynthNetwork", "chung_lu_network", "shock_outside_assets"]


@dataclass(frozen=True)
class SynthNetwork:
    """A synthetic interbank network with solvent starting balance sheets."""

    L: sp.csr_array
    """``L[i, j]`` = what i owes j (CSR, float64, zero diagonal)."""
    e: np.ndarray
    """Outside assets before any shock, shape ``(N,)``."""
    external_liabilities: np.ndarray
    """Debt owed to creditors outside the network, pari passu with ``L``."""
    size: np.ndarray
    """Pareto firm sizes (the Chung--Lu weights)."""

    @property
    def n(self) -> int:
        return int(self.e.shape[0])


def chung_lu_network(
    n: int,
    *,
    mean_degree: float = 10.0,
    pareto_shape: float = 1.5,
    external_share: float = 0.3,
    buffer: tuple[float, float] = (0.02, 0.10),
    seed: int = 0,
) -> SynthNetwork:
    """Draw a heavy-tailed liability network.

    Parameters
    ----------
    n
        Number of firms.
    mean_degree
        Average number of liabilities (edges) per firm before merging duplicates.
    pareto_shape
        Tail index of the firm-size distribution (smaller = heavier tail).
    external_share
        Outside debt as a fraction of a firm's interbank debt, drawn uniformly in
        ``[0, 2 * external_share]``.
    buffer
        Equity as a fraction of total assets, drawn uniformly in this range.
    seed
        Seed for :func:`numpy.random.default_rng`.
    """
    rng = np.random.default_rng(seed)
    size = rng.pareto(pareto_shape, n) + 1.0
    # Cap the largest weight so that the expected degree of a hub stays below n.
    cap = np.sqrt(size.sum() * mean_degree)
    weight = np.minimum(size, cap)
    prob = weight / weight.sum()
    m = round(mean_degree * n)
    debtor = rng.choice(n, size=m, p=prob).astype(np.int32)
    creditor = rng.choice(n, size=m, p=prob).astype(np.int32)
    keep = debtor != creditor
    debtor, creditor = debtor[keep], creditor[keep]
    amount = rng.lognormal(0.0, 1.0, debtor.shape[0])
    liabilities = sp.coo_array((amount, (debtor, creditor)), shape=(n, n)).tocsr()
    liabilities.sum_duplicates()
    owed = np.asarray(liabilities.sum(axis=1)).ravel()
    claims = np.asarray(liabilities.sum(axis=0)).ravel()
    ext = owed * rng.uniform(0.0, 2.0 * external_share, n)
    pbar = owed + ext
    # Outside assets so that equity = ratio * total assets, with total assets = e + claims.
    ratio = rng.uniform(buffer[0], buffer[1], n)
    # equity = e + claims - pbar = ratio * (e + claims)
    #   =>  e = (pbar - (1 - ratio) * claims) / (1 - ratio)
    e = np.maximum((pbar - (1.0 - ratio) * claims) / (1.0 - ratio), 0.0)
    e = np.maximum(e, ratio * (pbar + claims) + pbar - claims)
    return SynthNetwork(L=liabilities, e=e, external_liabilities=ext, size=size)


def shock_outside_assets(
    net: SynthNetwork,
    *,
    scenarios: int | None = None,
    hit_fraction: float = 0.1,
    severity: tuple[float, float] = (0.2, 1.0),
    seed: int = 1,
) -> np.ndarray:
    """Outside assets after a random shock.

    A random ``hit_fraction`` of firms loses a fraction of its outside assets drawn
    uniformly in ``severity``. Returns shape ``(N,)``, or ``(scenarios, N)`` when
    ``scenarios`` is given.
    """
    rng = np.random.default_rng(seed)
    shape = (net.n,) if scenarios is None else (scenarios, net.n)
    hit = rng.random(shape) < hit_fraction
    loss = rng.uniform(severity[0], severity[1], shape)
    return net.e * (1.0 - hit * loss)
