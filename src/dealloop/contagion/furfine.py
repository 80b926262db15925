"""Furfine (2003) sequential default cascade with a recovery rate.

Firms that are insolvent on their own (or forced to fail) default first; each failure costs
its creditors ``1 - recovery`` of their claims; creditors whose losses exceed their net worth
fail in the next round, and so on until no one else fails. There is no clearing: a failed
firm pays exactly ``recovery`` of what it owes, whatever its assets.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._labels import labelled
from ._network import LiabilityNetwork, default_threshold
from ._validation import Matrix, check_fraction, check_scenarios
from .results import FurfineResult

__all__ = ["furfine"]


@labelled("L", ('e', 'external_liabilities', 'initial_defaults'))
def furfine(
    L: Matrix,
    e: ArrayLike,
    *,
    recovery: float = 0.0,
    external_liabilities: ArrayLike | None = None,
    initial_defaults: ArrayLike | None = None,
) -> FurfineResult:
    r"""Round-by-round default cascade with a fixed recovery rate.

    Round 1 fails every firm with negative book net worth
    :math:`K_i = e_i + \sum_j L_{ji} - \bar p_i` (and every firm in ``initial_defaults``).
    In round :math:`t + 1` firm i fails when its net worth after credit losses,
    :math:`K_i - (1 - R)\sum_{j \in F_t} L_{ji}`, is negative. Stops when no new firm fails
    (at most N rounds).

    Parameters
    ----------
    L : (N, N) array_like or scipy.sparse matrix
        ``L[i, j]`` = what firm i owes firm j (row = debtor), the orientation of
        :func:`eisenberg_noe`. Exposures in the creditor orientation are ``L.T``.
    e : (N,) or (K, N) array_like
        Outside assets (one scenario or a batch).
    recovery : float in [0, 1]
        Fraction of a failed firm's liabilities its creditors recover (``1 - LGD``).
    external_liabilities : (N,) array_like, optional
        Debt to outside creditors; it lowers net worth but transmits no loss in the network.
    initial_defaults : (N,) or (K, N) bool array_like, optional
        Firms forced to fail in round 1 (an exogenous failure scenario).

    Returns
    -------
    FurfineResult
        ``defaulted``, ``waves`` (round of failure, 1 = initial), ``losses``, ``net_worth``,
        ``payments`` and ``iterations`` (rounds).

    See Also
    --------
    eisenberg_noe : defaulters pay what they can (clearing).
    rogers_veraart : ``alpha = beta = 0`` is the zero-recovery cascade.

    Notes
    -----
    Failure is strict, as in :func:`eisenberg_noe`: a firm whose net worth is exactly zero
    after losses survives (within the same rounding guard). With ``recovery = 0`` the cascade
    is exactly :func:`rogers_veraart` with ``alpha = beta = 0``, round for round.

    References
    ----------
    C. H. Furfine, "Interbank exposures: quantifying the risk of contagion", Journal of Money,
    Credit and Banking 35(1), 111-128, 2003. doi:10.1353/mcb.2003.0004

    Examples
    --------
    A chain: firm 0 cannot pay firm 1, which then cannot pay firm 2.

    >>> import numpy as np
    >>> from dealloop.contagion import furfine
    >>> L = np.array([[0, 10, 0], [0, 0, 8], [0, 0, 0]])
    >>> res = furfine(L, [5, 1, 1], recovery=0.5)
    >>> res.waves
    array([1, 2, 0])
    >>> res.losses
    array([0., 5., 4.])
    """
    recovery = check_fraction(recovery, "recovery")
    net = LiabilityNetwork.build(L, external_liabilities)
    e2, batched = check_scenarios(e, "e", net.n)
    forced = np.zeros(e2.shape, dtype=bool)
    if initial_defaults is not None:
        arr = np.asarray(initial_defaults)
        if arr.dtype != bool or arr.shape not in ((net.n,), e2.shape):
            raise ValueError(
                f"initial_defaults: must be a boolean array of shape ({net.n},) or "
                f"{e2.shape}, got {arr.dtype} {arr.shape}"
            )
        forced |= arr
    threshold = default_threshold(net, e2)
    failed = np.zeros(e2.shape, dtype=bool)
    waves = np.zeros(e2.shape, dtype=np.int64)
    iterations = np.zeros(e2.shape[0], dtype=np.int64)
    received = np.broadcast_to(net.colsum, e2.shape).copy()
    todo = np.arange(e2.shape[0])
    for rnd in range(1, net.n + 2):
        iterations[todo] = rnd
        new = ((e2[todo] + received[todo] < threshold[todo]) | forced[todo]) & ~failed[todo]
        keep = new.any(axis=1)
        todo, new = todo[keep], new[keep]
        if todo.size == 0:
            break
        waves[todo] = np.where(new, rnd, waves[todo])
        failed[todo] |= new
        r = np.where(failed[todo], recovery, 1.0)
        received[todo] = net.incoming(r)
    payments = np.where(failed, recovery, 1.0) * net.pbar
    losses = net.colsum - received
    net_worth = e2 + received - net.pbar
    net_worth[~failed & (net_worth < 0)] = 0.0

    def unbatch(x: np.ndarray) -> np.ndarray:
        return x if batched else x[0]

    return FurfineResult(
        defaulted=unbatch(failed),
        waves=unbatch(waves),
        losses=unbatch(losses),
        net_worth=unbatch(net_worth),
        payments=unbatch(payments),
        iterations=iterations if batched else int(iterations[0]),
        recovery=recovery,
    )
