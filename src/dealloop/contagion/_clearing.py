"""Shared clearing engine for Eisenberg--Noe and Rogers--Veraart.

Both models are solved here, Eisenberg--Noe being Rogers--Veraart with ``alpha = beta = 1``.
The state of the engine is the *fraction paid* ``r_i = p_i / pbar_i`` (``r_i = 1`` for a firm
that owes nothing), so that the payments firm ``i`` receives from the network are

    incoming_i = sum_j L[j, i] r_j = colsum_i - sum_j L[j, i] (1 - r_j),

a sum over defaulters only: a firm that pays in full contributes exactly its column sum, and
the work per sweep is proportional to the debts of the firms in default, not to the size of
the network. A firm defaults iff ``e_i + incoming_i < pbar_i`` (strict; exactly zero equity
is solvent). A defaulter pays ``max(0, alpha * e_i^+ - e_i^- + beta * incoming_i)``: a
negative ``e`` (senior outside debt larger than outside assets) is a claim at face value
and is not haircut.

Two algorithms share the map:

* ``fictitious_default`` (greatest vector): the fictitious-default algorithm of Eisenberg and
  Noe (2001), which is the Greatest-Algorithm of Rogers and Veraart (2013) when ``beta < 1``.
  Each round takes the firms that default at the current payments and solves the linear
  system for their payments exactly; zero payments (negative ``e``) are found inside the round
  by Chandrasekaran's algorithm for the Z-matrix complementarity problem. The round in which
  a firm joins the default set is its *wave*.
* ``picard``: the monotone iteration ``p <- Phi(p)``, from ``pbar`` (greatest) or from ``0``
  (least), stopped when no payment moves by more than ``tol * max(pbar)`` in a sweep.

Everything is batched: the engine works on ``(K, N)`` scenario arrays. Where things live:
the network and the map in :mod:`._network`, the rounds (exact linear solves or compiled
sweeps, :mod:`._numba_fda`) and the numpy Picard iteration in :mod:`._rounds`, the choice
of solver and the packaging of the result here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from . import _kernels
from ._network import GUARD, NOISE, LiabilityNetwork, Solution, _scale, default_threshold
from ._rounds import _fictitious_default, _fictitious_default_compiled, _picard
from ._validation import (
    ConvergenceError,
    Matrix,
    check_choice,
    check_positive_int,
    check_scenarios,
    check_tol,
)
from .results import Clearing

#: Solvers for the greatest clearing vector (the least one is Picard from zero).
METHODS = ("fictitious_default", "picard")

__all__ = ["LiabilityNetwork", "Solution", "clear", "default_threshold", "solve_clearing"]


def solve_clearing(
    net: LiabilityNetwork,
    e: np.ndarray,
    *,
    alpha: float,
    beta: float,
    which: str,
    method: str,
    tol: float,
    max_iter: int,
    backend: str,
) -> Solution:
    """Clearing fractions for a ``(K, N)`` batch of outside assets ``e``.

    ``which`` is ``"greatest"`` or ``"least"`` (the latter by Picard from zero);
    ``method`` is ``"fictitious_default"`` or ``"picard"``; ``backend`` is ``"auto"``,
    ``"numba"`` or ``"numpy"`` and only matters for Picard.
    """
    a = e if alpha == 1.0 else alpha * np.maximum(e, 0.0) + np.minimum(e, 0.0)
    k, n = e.shape
    if which == "least":
        r0 = np.where(net.pbar > 0, 0.0, 1.0) * np.ones((k, 1))
        sol = _picard_dispatch(net, e, a, beta, r0, tol, max_iter, backend)
        # From below there is no default sequence: every defaulter is marked wave 1.
        defaulted = e + sol.incoming < default_threshold(net, e)
        sol.waves = defaulted.astype(np.int64)
        return sol
    if method == "picard":
        return _picard_dispatch(net, e, a, beta, np.ones((k, n)), tol, max_iter, backend)
    if _kernels.use_numba(backend):
        return _fictitious_default_compiled(net, e, a, beta, tol, max_iter)
    return _fictitious_default(net, e, a, beta, tol, max_iter)


def _picard_dispatch(
    net: LiabilityNetwork,
    e: np.ndarray,
    a: np.ndarray,
    beta: float,
    r0: np.ndarray,
    tol: float,
    max_iter: int,
    backend: str,
) -> Solution:
    k = e.shape[0]
    zeros = np.zeros(k, dtype=np.int64)
    if _kernels.use_numba(backend):
        threshold = default_threshold(net, e)
        out = _kernels.picard(
            net, e, a, beta, r0, threshold, tol * _scale(net), NOISE * _scale(net), max_iter
        )
        if out is not None:
            return Solution(*out)
        raise ConvergenceError(
            f"Picard iteration did not converge in max_iter={max_iter} sweeps to "
            f"tol * max(pbar) = {tol * _scale(net):.3g}. Raise max_iter, loosen tol, or use "
            "method='fictitious_default'."
        )
    return _picard(net, e, a, beta, r0, np.zeros(r0.shape, dtype=np.int64), zeros, tol, max_iter)


def clear(
    L: Matrix,
    e: ArrayLike,
    *,
    alpha: float,
    beta: float,
    external_liabilities: ArrayLike | None,
    which: str,
    method: str,
    tol: float,
    max_iter: int,
    backend: str,
    model: str,
) -> Clearing:
    """Validate, solve and package a clearing problem (shared by EN and RV)."""
    method = check_choice(method, "method", METHODS)
    backend = check_choice(backend, "backend", _kernels.BACKENDS)
    tol = check_tol(tol)
    max_iter = check_positive_int(max_iter, "max_iter")
    net = LiabilityNetwork.build(L, external_liabilities)
    e2, batched = check_scenarios(e, "e", net.n)
    sol = solve_clearing(
        net, e2, alpha=alpha, beta=beta, which=which, method=method, tol=tol,
        max_iter=max_iter, backend=backend,
    )  # fmt: skip
    r, received = sol.fraction, sol.incoming
    # A large problem's outputs in one compiled pass (the same operations as below, bit for
    # bit): the numpy passes and their temporaries cost a tenth of a batched call.
    fast = None
    if _kernels.use_numba(backend):
        fast = _kernels.settle(net, e2, sol, GUARD, alpha, beta)
    if fast is not None:
        payments, net_worth, equity = fast["payments"], fast["net_worth"], fast["equity"]
        defaulted, waves = fast["defaulted"], fast["waves"]
        paid_external, deadweight = fast["paid_external"], fast["deadweight_loss"]
    else:
        payments = r * net.pbar
        defaulted = e2 + received < default_threshold(net, e2)
        net_worth = e2 + received - net.pbar
        # Within the rounding guard a solvent firm's net worth is exactly zero.
        net_worth[~defaulted & (net_worth < 0)] = 0.0
        equity = np.maximum(net_worth, 0.0)
        waves = np.where(defaulted, sol.waves, 0)
        waves[defaulted & (waves == 0)] = np.broadcast_to(sol.iterations[:, None], waves.shape)[
            defaulted & (waves == 0)
        ]
        paid_external = r * net.external
        if alpha == 1.0 and beta == 1.0:
            deadweight = np.zeros_like(payments)
        else:
            lost = (1.0 - alpha) * np.maximum(e2, 0.0) + (1.0 - beta) * received
            deadweight = np.where(defaulted, lost, 0.0)

    def unbatch(x: np.ndarray) -> np.ndarray:
        return x if batched else x[0]

    return Clearing(
        payments=unbatch(payments),
        net_worth=unbatch(net_worth),
        equity=unbatch(equity),
        defaulted=unbatch(defaulted),
        waves=unbatch(waves),
        pbar=net.pbar,
        received=unbatch(received),
        paid_external=unbatch(paid_external),
        deadweight_loss=unbatch(deadweight),
        iterations=sol.iterations if batched else int(sol.iterations[0]),
        residual=sol.residual if batched else float(sol.residual[0]),
        model=model,
        which=which,
        method=method,
        alpha=alpha,
        beta=beta,
    )
