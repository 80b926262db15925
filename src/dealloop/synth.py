"""Synthetic heavy-tailed networks, for benchmarks and for trying the tool at scale.

Firm sizes are Pareto distributed and edges follow a Chung–Lu model: a firm's expected number
of counterparties is proportional to its size, about ``mean_degree`` edges per firm. Two
outputs share that sampler:

* :func:`chung_lu_edges`: raw ``(src, dst, amount)`` arrays;
* :func:`synthetic_dataset`: a valid dealloop dataset (entities, deals, sources frames) that
  ``dealloop synth`` writes to a folder and every other command can read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .data.schema import DEAL_KINDS, ENTITY_KINDS, EVIDENCE


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
    m = int(round(mean_degree * n))
    src = rng.choice(n, size=m, p=prob).astype(np.int32)
    dst = rng.choice(n, size=m, p=prob).astype(np.int32)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    amount = rng.lognormal(0.0, 1.0, src.shape[0]) * np.sqrt(size[src] * size[dst])
    return src, dst, amount, size


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
    m = src.shape[0]
    start = rng.integers(2024, 2029, m)
    kinds = rng.choice([k for k in DEAL_KINDS if k not in ("warrant", "capacity_backstop")], m)
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
