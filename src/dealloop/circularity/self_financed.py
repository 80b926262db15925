r"""Self-financed revenue: how much of a firm's revenue was paid with money it put in itself?

Like the other measures (:mod:`.measures`), :func:`self_financed_revenue` takes plain arrays
(a matrix, plus vectors or pandas Series) so it can be checked by hand, or a DealNetwork
(anything with ``flow_graph``), from which it builds the arrays with the selection and horizon
it is given.

Money flows ``F[i, j]`` (i pays j) over one period. Each firm ``u`` holds a *pool* of money:
what it receives inside the network plus its outside inflow ``o_u`` (revenue from customers
outside the network, outside funding), and at least what it pays out (a firm that pays more
than it takes in is taken to fund the difference from outside, e.g. cash or debt)::

    pool_u = max(Σ_i F[i, u] + o_u,  Σ_j F[u, j])

Money is mixed pro rata: every dollar ``u`` pays out carries the same mix of origins as its
pool. Label as *v-money* every dollar that left firm ``v`` within the last ``k`` hops
(``k = max_length - 1``), until it comes back to ``v``. With ``B[w, u] = F[w, u] / pool_w`` (the
share of w's pool paid to u), the v-money arriving at ``u`` after exactly ``h`` hops is

    X_1 = F,   X_{h+1} = X_h B  with the diagonal set to 0 at every step

(row ``v`` of ``X_h``; zeroing the diagonal stops money that is already back at ``v`` from
being counted again), and the share of u's pool that is v-money is

    s_v(u) = Σ_{h=1..k} X_h[v, u] / pool_u   (in [0, 1]).

The self-financed part of the revenue that ``v`` gets from ``u`` is ``R[u, v] · s_v(u)``,
where ``R`` is the revenue matrix (by default ``F`` itself; for a network, the purchase legs:
compute, chips, revenue shares). A firm's **self-financed revenue** is the sum over its
payers, and its **share** is that over its in-network revenue (and over its reported revenue,
when given). The whole round trip has at most ``k + 1 = max_length`` legs, the same
``max_length`` as ``cycles(max_length=6)``. All firms are computed at once with ``k`` dense
matrix products.

*Worked example.* V invests 10 in L; L also has 30 of outside money; L pays 20 to V.
L's pool is 10 + 30 = 40, of which 10 is V-money, so ``s_V(L) = 1/4`` and
20 × 1/4 = **5** of V's revenue of 20 is self-financed: a share of **25 %**.

>>> import numpy as np
>>> F = np.array([[0.0, 10.0],     # V -> L: 10 invested
...               [20.0, 0.0]])    # L -> V: 20 paid
>>> r = self_financed_revenue(F, outside_inflow=[0.0, 30.0], labels=["V", "L"])
>>> float(r.self_financed[0]), float(r.share[0])
(5.0, 0.25)

The pro-rata rule is an attribution convention, not an accounting fact: money is fungible and
a firm's books do not say which dollar paid which invoice. It is the standard way to trace
origins through mixing pools (the same rule as ENA's flow analysis), and it answers "if money
inside each firm is not earmarked, how much of this revenue is the seller's own money coming
back".
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..jsonutil import jsonable
from ..result import Result
from ..vocabulary import DEFAULT_HORIZON, FIRM_STATUSES, PURCHASE_KINDS
from ._inputs import (
    UNSET,
    as_matrix,
    as_vector,
    entity_figures,
    frame_records,
    horizon_length,
    is_network,
    network_matrix,
    network_only,
    top_text,
)

__all__ = ["SelfFinancedRevenue", "self_financed_revenue"]


@dataclass(frozen=True, eq=False, repr=False)
class SelfFinancedRevenue(Result):
    """Result of :func:`self_financed_revenue` (definitions in the module docstring).

    Attributes
    ----------
    labels : firm labels.
    revenue : in-network revenue of each firm (``R`` column sums).
    self_financed : the part of it paid with the firm's own money (round trips of at most
        ``max_length`` legs).
    share : ``self_financed / revenue`` (NaN without in-network revenue).
    reported_revenue, share_of_reported : the firm's reported revenue over the same period,
        when known, and ``self_financed`` over it.
    by_payer : ``by_payer[v, u]`` = self-financed revenue of v paid by u.
    origin_share : ``origin_share[v, u]`` = ``s_v(u)``, share of u's pool that is v's money.
    pool : each firm's pool (denominator of the mixing).
    max_length : longest round trip traced, in legs (as in :func:`~.cycles.cycles`).

    Examples
    --------
    >>> r = self_financed_revenue([[0.0, 10.0], [20.0, 0.0]], outside_inflow=[0.0, 30.0],
    ...                           labels=["V", "L"])
    >>> float(r.to_frame().loc["V", "share"])
    0.25
    >>> r.pairs()[["firm", "paid_by", "self_financed"]].values.tolist()
    [['L', 'V', 10.0], ['V', 'L', 5.0]]
    """

    labels: tuple[str, ...]
    revenue: np.ndarray
    self_financed: np.ndarray
    share: np.ndarray
    reported_revenue: np.ndarray
    share_of_reported: np.ndarray
    by_payer: np.ndarray
    origin_share: np.ndarray
    pool: np.ndarray
    max_length: int

    def to_frame(self) -> pd.DataFrame:
        """Per firm: ``revenue_in_network``, ``self_financed``, ``share``,
        ``reported_revenue``, ``share_of_reported``, ``top_payer`` (who pays most of the
        self-financed part), ``top_payer_amount``."""
        top = np.argmax(self.by_payer, axis=1) if len(self.labels) else np.zeros(0, int)
        amount = self.by_payer[np.arange(len(self.labels)), top] if len(self.labels) \
            else np.zeros(0)
        return pd.DataFrame({
            "revenue_in_network": self.revenue,
            "self_financed": self.self_financed,
            "share": self.share,
            "reported_revenue": self.reported_revenue,
            "share_of_reported": self.share_of_reported,
            "top_payer": [self.labels[t] if a > 0 else None for t, a in zip(top, amount,
                                                                            strict=True)],
            "top_payer_amount": amount,
        }, index=pd.Index(list(self.labels), name="firm"))

    def pairs(self, *, min_amount: float = 0.0) -> pd.DataFrame:
        """One row per (firm, payer) with self-financed revenue above ``min_amount``.

        Columns: ``firm``, ``paid_by``, ``self_financed``, ``origin_share``; largest first.
        """
        v, u = np.nonzero(self.by_payer > min_amount)
        frame = pd.DataFrame({
            "firm": [self.labels[i] for i in v], "paid_by": [self.labels[j] for j in u],
            "self_financed": self.by_payer[v, u], "origin_share": self.origin_share[v, u],
        })
        return frame.sort_values("self_financed", ascending=False, kind="stable",
                                 ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable: ``max_length``, ``firms`` rows and ``pairs``."""
        return {"max_length": self.max_length, "firms": frame_records(self.to_frame()),
                "pairs": jsonable(self.pairs().to_dict("records"))}

    def summary(self) -> str:
        """Total self-financed revenue, its share, and the firms with the most."""
        rev, sf = float(self.revenue.sum()), float(self.self_financed.sum())
        share = f" ({sf / rev:.1%} of {rev:,.1f} bn in-network revenue)" if rev > 0 else ""
        return (f"Self-financed revenue (round trips of up to {self.max_length} legs), "
                f"{len(self.labels)} firms: {sf:,.1f} bn{share}\n"
                f"most: {top_text(self.labels, self.self_financed)}")


def self_financed_revenue(
    flows: Any,
    *,
    outside_inflow: Any = None,
    revenue: Any = None,
    reported_revenue: Any = None,
    max_length: int = 6,
    labels: Sequence[str] | None = None,
    kinds: Iterable[str] | str | None = None,
    revenue_kinds: Iterable[str] | str | None = PURCHASE_KINDS,
    statuses: Iterable[str] | str | None = FIRM_STATUSES,
    horizon: Any = UNSET,
) -> SelfFinancedRevenue:
    """Share of each firm's revenue paid with money it put in itself (see the module doc).

    Parameters
    ----------
    flows : (n, n) array_like or DataFrame or DealNetwork
        ``F[i, j]`` = money from i to j. For a network: the legs of ``kinds`` (default all
        but contingent backstops) with ``statuses`` (default the firm ones, committed and
        reported; add ``"conditional"`` for "up to" deals) over ``horizon`` (default
        2026–2030).
    outside_inflow : (n,) array_like or Series, optional
        Money each firm receives from outside the network over the same period (default 0,
        which makes the shares upper bounds). For a network: reported annual revenue times the
        horizon's years, minus in-network revenue, floored at 0.
    revenue : (n, n) array_like, optional
        ``R[u, v]`` = revenue v gets from u (default ``flows``). For a network: the legs of
        ``revenue_kinds`` (default compute contracts, chip purchases, revenue shares).
    reported_revenue : (n,) array_like or Series, optional
        Each firm's reported revenue over the period, for ``share_of_reported``.
    max_length : int, default 6
        Longest round trip traced, in legs: the funding chain ``v → … → u`` has at most
        ``max_length - 1`` legs and the payment back adds one (as in
        ``cycles(max_length=...)``).
    labels : sequence of str, optional
        Firm names (from the DataFrame or the network otherwise).

    Returns
    -------
    SelfFinancedRevenue

    See Also
    --------
    ena : the same pro-rata tracing of flows through the nodes.
    cycles : the loops the money can go round.
    customer_concentration : who a firm's sales depend on.

    References
    ----------
    J. T. Finn, "Measures of ecosystem structure and function derived from analysis of
    flows", Journal of Theoretical Biology 56(2), 363-380, 1976.
    doi:10.1016/S0022-5193(76)80080-X

    Examples
    --------
    A chip maker N invests 100 in a lab A; A pays a cloud C 300 (it has 200 of its own);
    C buys 40 of chips from N (and has 500 of other revenue). Of C's pool (300 + 500),
    100/800 is N's money, so 40 × 100/800 = 5 of N's revenue came back round the loop:

    >>> F = [[0, 100, 0], [0, 0, 300], [40, 0, 0]]
    >>> r = self_financed_revenue(F, outside_inflow=[0, 200, 500], labels=["N", "A", "C"])
    >>> r.to_frame().loc["N", ["revenue_in_network", "self_financed", "share"]].tolist()
    [40.0, 5.0, 0.125]
    """
    if isinstance(max_length, bool) or not isinstance(max_length, int | np.integer) \
            or max_length < 2:
        raise ValueError(f"max_length: expected an integer >= 2, got {max_length!r}")
    if not is_network(flows):
        network_only("flows", kinds=(kinds, None), revenue_kinds=(revenue_kinds, PURCHASE_KINDS),
                      statuses=(statuses, FIRM_STATUSES), horizon=(horizon, UNSET))
    if is_network(flows):
        net = flows
        h = DEFAULT_HORIZON if horizon is UNSET else horizon
        F, names = network_matrix(net, kinds=kinds, statuses=statuses, horizon=h, labels=labels)
        if revenue is None:
            R, _ = network_matrix(net, kinds=revenue_kinds, statuses=statuses, horizon=h,
                               labels=names)
        else:
            R, _ = as_matrix(revenue, "revenue", names)
        years = horizon_length(h) or 1.0
        annual = entity_figures(net, "revenue_usd_bn").reindex(list(names))
        if reported_revenue is None:
            reported_revenue = (annual * years).to_numpy()
        if outside_inflow is None:
            rep = np.nan_to_num(np.asarray(reported_revenue, dtype=float), nan=0.0)
            outside_inflow = np.maximum(rep - R.sum(axis=0), 0.0)
    else:
        F, names = as_matrix(flows, "flows", labels)
        R = F if revenue is None else as_matrix(revenue, "revenue", names)[0]
    np.fill_diagonal(F, 0.0)
    R = R.copy()
    np.fill_diagonal(R, 0.0)
    o = as_vector(outside_inflow, names, "outside_inflow")
    rep = as_vector(reported_revenue, names, "reported_revenue", allow_nan=True)
    pool = np.maximum(F.sum(axis=0) + o, F.sum(axis=1))
    safe = np.where(pool > 0, pool, 1.0)
    B = np.where(pool[:, None] > 0, F / safe[:, None], 0.0)
    X = F.copy()
    arrived = X.copy()
    for _ in range(int(max_length) - 2):  # chains of up to max_length - 1 legs
        X = X @ B
        np.fill_diagonal(X, 0.0)
        arrived += X
    s = np.clip(np.where(pool[None, :] > 0, arrived / safe[None, :], 0.0), 0.0, 1.0)
    by_payer = s * R.T
    sf = by_payer.sum(axis=1)
    rev = R.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(rev > 0, sf / np.where(rev > 0, rev, 1.0), np.nan)
        share_rep = np.where(rep > 0, sf / np.where(rep > 0, rep, 1.0), np.nan)
    return SelfFinancedRevenue(
        labels=names, revenue=rev, self_financed=sf, share=share, reported_revenue=rep,
        share_of_reported=share_rep, by_payer=by_payer, origin_share=s, pool=pool,
        max_length=int(max_length))
