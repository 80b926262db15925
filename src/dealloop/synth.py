"""Synthetic heavy-tailed networks, for benchmarks and for trying the tool at scale.

Firm sizes are Pareto distributed and edges follow a Chung–Lu model: a firm's expected number
of counterparties is proportional to its size, about ``mean_degree`` edges per firm. Two
outputs share that sampler:

* :func:`chung_lu_edges`: raw ``(src, dst, amount)`` arrays;
* :func:`chung_lu_network`: a liability network ``L`` (``L[i, j]`` = what i owes j, as
  :func:`dealloop.contagion.eisenberg_noe` reads it) with balance sheets that start solvent,
  and :func:`shock_outside_assets` to hit it (the contagion benchmarks use both);
* :func:`erdos_renyi_network`, :func:`core_periphery_network` and :func:`star_network`:
  the other network shapes the contagion benchmark sweeps, with the same balance sheets;
* :func:`synthetic_dataset`: a valid dealloop dataset (entities, deals, sources frames) that
  ``dealloop synth`` writes to a folder and every other command can read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .vocabulary import DEAL_KINDS, ENTITY_KINDS, EVIDENCE


def chung_lu_edges(
    n: int,
    *,
    mean_degree: float = 10.0,
    pareto_shape: float = 1.5,
    seed: int | np.random.Generator = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw ``~mean_degree * n`` directed edges between ``n`` firms of Pareto sizes.

    Returns ``(src, dst, amount, size)``: int32 endpoints (no self-loops; parallel edges are
    possible), lognormal amounts scaled by the endpoints' sizes, and the firm sizes.

    Examples
    --------
    >>> src, dst, amount, size = chung_lu_edges(100, mean_degree=3, seed=1)
    >>> bool((src != dst).all()) and len(src) > 250
    True
    """
    rng = np.random.default_rng(seed)
    size = rng.pareto(pareto_shape, n) + 1.0
    weight = np.minimum(size, np.sqrt(size.sum() * mean_degree))  # hubs stay below degree n
    prob = weight / weight.sum()
    m = round(mean_degree * n)
    src = rng.choice(n, size=m, p=prob).astype(np.int32)
    dst = rng.choice(n, size=m, p=prob).astype(np.int32)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    amount = rng.lognormal(0.0, 1.0, src.shape[0]) * np.sqrt(size[src] * size[dst])
    return src, dst, amount, size


@dataclass(frozen=True)
class SynthNetwork:
    """A synthetic liability network whose balance sheets start solvent.

    Examples
    --------
    >>> net = chung_lu_network(200, seed=1)
    >>> net.L.shape, bool((net.e >= 0).all())
    ((200, 200), True)
    """

    L: sp.csr_array
    """``L[i, j]`` = what i owes j (CSR, float64, zero diagonal)."""
    e: np.ndarray
    """Outside assets before any shock, shape ``(N,)``."""
    external_liabilities: np.ndarray
    """Debt owed to creditors outside the network, pari passu with ``L``."""
    size: np.ndarray
    """Pareto firm sizes (the Chung–Lu weights)."""

    @property
    def n(self) -> int:
        """Number of firms."""
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
    """A heavy-tailed liability network with ~``mean_degree`` liabilities per firm.

    Outside debt is a uniform fraction in ``[0, 2 * external_share]`` of each firm's network
    debt; outside assets are set so that equity is a fraction in ``buffer`` of total assets.

    Examples
    --------
    >>> from dealloop.contagion import eisenberg_noe
    >>> net = chung_lu_network(200, seed=3)
    >>> clearing = eisenberg_noe(net.L, net.e, external_liabilities=net.external_liabilities)
    >>> int(clearing.defaulted.sum())  # everyone starts solvent
    0
    """
    rng = np.random.default_rng(seed)
    debtor, creditor, amount, size = chung_lu_edges(
        n, mean_degree=mean_degree, pareto_shape=pareto_shape, seed=rng)
    return _solvent_network(debtor, creditor, amount, size, n, rng, external_share, buffer)


def _solvent_network(
    debtor: np.ndarray,
    creditor: np.ndarray,
    amount: np.ndarray,
    size: np.ndarray,
    n: int,
    rng: np.random.Generator,
    external_share: float,
    buffer: tuple[float, float],
) -> SynthNetwork:
    """Liabilities from edge arrays, with outside debt and assets that leave all solvent."""
    liabilities = sp.coo_array((amount, (debtor, creditor)), shape=(n, n)).tocsr()
    liabilities.sum_duplicates()
    owed = np.asarray(liabilities.sum(axis=1)).ravel()
    claims = np.asarray(liabilities.sum(axis=0)).ravel()
    ext = owed * rng.uniform(0.0, 2.0 * external_share, n)
    pbar = owed + ext
    ratio = rng.uniform(buffer[0], buffer[1], n)
    # equity = e + claims - pbar = ratio * (e + claims), solved for e
    e = np.maximum((pbar - (1.0 - ratio) * claims) / (1.0 - ratio), 0.0)
    e = np.maximum(e, ratio * (pbar + claims) + pbar - claims)
    return SynthNetwork(L=liabilities, e=e, external_liabilities=ext, size=size)


def _drop_loops(
    src: np.ndarray, dst: np.ndarray, rng: np.random.Generator, size: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keep = src != dst
    src, dst = src[keep].astype(np.int32), dst[keep].astype(np.int32)
    amount = rng.lognormal(0.0, 1.0, src.shape[0]) * np.sqrt(size[src] * size[dst])
    return src, dst, amount


def erdos_renyi_network(
    n: int, *, mean_degree: float = 10.0, external_share: float = 0.3,
    buffer: tuple[float, float] = (0.02, 0.10), seed: int = 0,
) -> SynthNetwork:  # fmt: skip
    """An Erdős–Rényi liability network: every firm the same size, edges uniformly at random.

    Examples
    --------
    >>> net = erdos_renyi_network(300, seed=1)
    >>> net.L.shape, bool(net.L.diagonal().any())
    ((300, 300), False)
    """
    rng = np.random.default_rng(seed)
    m = round(mean_degree * n)
    size = np.ones(n)
    src, dst, amount = _drop_loops(rng.integers(0, n, m), rng.integers(0, n, m), rng, size)
    return _solvent_network(src, dst, amount, size, n, rng, external_share, buffer)


def core_periphery_network(
    n: int, *, core: int = 50, mean_degree: float = 4.0, external_share: float = 0.3,
    buffer: tuple[float, float] = (0.02, 0.10), seed: int = 0,
) -> SynthNetwork:  # fmt: skip
    """A dense core of ``core`` large banks (all owe each other) and a periphery that borrows
    from and lends to core banks only (``mean_degree`` links per peripheral firm).

    Examples
    --------
    >>> net = core_periphery_network(500, core=20, seed=1)
    >>> int((net.L[:20, :20] > 0).sum()) == 20 * 19
    True
    """
    rng = np.random.default_rng(seed)
    core = min(core, n)
    size = np.ones(n)
    size[:core] = n / core
    ci, cj = np.nonzero(~np.eye(core, dtype=bool))
    m = round(mean_degree * (n - core) / 2)
    firm = rng.integers(core, n, m) if n > core else np.zeros(0, dtype=np.int64)
    bank = rng.integers(0, core, (2, m))
    src = np.concatenate([ci, firm, bank[1]])
    dst = np.concatenate([cj, bank[0], firm])
    src, dst, amount = _drop_loops(src, dst, rng, size)
    return _solvent_network(src, dst, amount, size, n, rng, external_share, buffer)


def star_network(
    n: int, *, mean_degree: float = 2.0, external_share: float = 0.3,
    buffer: tuple[float, float] = (0.02, 0.10), seed: int = 0,
) -> SynthNetwork:  # fmt: skip
    """A star-like hub: firm 0 owes and is owed by every other firm, which also hold
    ``mean_degree`` random links among themselves.

    Examples
    --------
    >>> net = star_network(100, seed=1)
    >>> int((net.L[0] > 0).sum()), int((net.L[:, [0]] > 0).sum())
    (99, 99)
    """
    rng = np.random.default_rng(seed)
    size = np.ones(n)
    size[0] = float(n)
    spokes = np.arange(1, n)
    m = round(mean_degree * n)
    src = np.concatenate([np.zeros(n - 1, dtype=np.int64), spokes, rng.integers(1, n, m)])
    dst = np.concatenate([spokes, np.zeros(n - 1, dtype=np.int64), rng.integers(1, n, m)])
    src, dst, amount = _drop_loops(src, dst, rng, size)
    return _solvent_network(src, dst, amount, size, n, rng, external_share, buffer)


def shock_outside_assets(
    net: SynthNetwork,
    *,
    scenarios: int | None = None,
    hit_fraction: float = 0.1,
    severity: tuple[float, float] = (0.2, 1.0),
    seed: int = 1,
) -> np.ndarray:
    """Outside assets after a random shock: a random ``hit_fraction`` of firms loses a
    uniform ``severity`` fraction of them. Shape ``(N,)``, or ``(scenarios, N)``.

    Examples
    --------
    >>> net = chung_lu_network(100, seed=1)
    >>> e = shock_outside_assets(net, scenarios=4, seed=2)
    >>> e.shape, bool((e <= net.e).all())
    ((4, 100), True)
    """
    rng = np.random.default_rng(seed)
    shape = (net.n,) if scenarios is None else (scenarios, net.n)
    hit = rng.random(shape) < hit_fraction
    loss = rng.uniform(severity[0], severity[1], shape)
    return net.e * (1.0 - hit * loss)


def synthetic_dataset(
    n: int, *, mean_degree: float = 3.0, seed: int = 0
) -> dict[str, pd.DataFrame]:
    """A valid random dataset of ``n`` firms, keyed by file name (``"deals.csv"``, ...).

    Examples
    --------
    >>> frames = synthetic_dataset(50, seed=2)
    >>> sorted(frames)
    ['deals.csv', 'entities.csv', 'sources.csv']
    """
    rng = np.random.default_rng(seed)
    src, dst, amount, size = chung_lu_edges(n, mean_degree=mean_degree, seed=rng)
    ids = [f"f{k:06d}" for k in range(n)]
    entities = pd.DataFrame({
        "id": ids,
        "name": [f"Firm {k}" for k in range(n)],
        "kind": rng.choice([k for k in ENTITY_KINDS if k not in ("investor", "lender")], n),
        "revenue_usd_bn": np.round(size * rng.uniform(0.5, 2.0, n), 3),
        "cash_usd_bn": np.round(size * rng.uniform(0.05, 0.5, n), 3),
        "market_cap_usd_bn": np.round(size * rng.uniform(2.0, 20.0, n), 3),
        "sources": "synth",
    })
    m = int(src.shape[0])
    start = rng.integers(2024, 2029, m)
    # leases (added later) are left out so that a seed draws the same network as before
    kinds = rng.choice([k for k in DEAL_KINDS
                        if k not in ("warrant", "capacity_backstop", "lease")], m)
    deals = pd.DataFrame({
        "id": [f"L{k:07d}" for k in range(m)],
        "payer": [ids[i] for i in src],
        "payee": [ids[j] for j in dst],
        "kind": kinds,
        "amount_usd_bn": np.round(amount, 4),
        "basis": "reported",
        "status": rng.choice(["committed", "reported", "conditional"], m, p=[0.6, 0.25, 0.15]),
        "announced": [str(s - 1) for s in start],
        "start": [str(s) for s in start],
        "end": [str(s + d) for s, d in zip(start, rng.integers(0, 6, m), strict=True)],
        "evidence": rng.choice(list(EVIDENCE), m, p=[0.5, 0.35, 0.15]),
        "sources": "synth",
    })
    sources = pd.DataFrame({"id": ["synth"], "url": ["https://example.org/dealloop-synthetic"],
                            "publisher": ["dealloop"], "title": [f"synthetic, seed {seed}"],
                            "date": [None]})
    return {"entities.csv": entities, "deals.csv": deals, "sources.csv": sources}
