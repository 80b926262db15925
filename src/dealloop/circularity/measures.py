r"""Per-firm circularity measures: self-financed revenue, customer concentration, commitment
coverage, cross-holding double counting.

Every function takes plain arrays (a matrix, plus vectors or pandas Series) so it can be
checked by hand, or a DealNetwork (anything with ``flow_graph``), from which it builds the
arrays with the selection and horizon it is given. Results are frozen dataclasses with
``to_frame()`` (one row per firm) and ``to_dict()`` (JSON-serialisable).

Self-financed revenue
---------------------
*How much of a firm's revenue was paid with money the firm itself put in?*

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

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..jsonutil import jsonable
from ..result import Result
from ..vocabulary import (
    DEFAULT_HORIZON,
    FIRM_STATUSES,
    PURCHASE_KINDS,
    horizon_years,
    parse_horizon,
)

__all__ = [
    "CommitmentCoverage",
    "CustomerConcentration",
    "DoubleCounting",
    "SelfFinancedRevenue",
    "commitment_coverage",
    "customer_concentration",
    "double_counting",
    "self_financed_revenue",
]

_DEFAULT = object()


# ---------------------------------------------------------------------------------- helpers
def _frame_dict(frame: pd.DataFrame) -> list[dict[str, Any]]:
    key = str(frame.index.name or "firm")
    return [{key: str(i), **jsonable(row.to_dict())} for i, row in frame.iterrows()]


def _top(labels: Sequence[str], values: np.ndarray, n: int = 3, fmt: str = "{:,.1f}") -> str:
    """The ``n`` firms with the largest finite values, ``"A 3.0, B 2.0"`` (``"none"``)."""
    vals = np.where(np.isfinite(values), values, -np.inf)
    order = [i for i in np.argsort(-vals, kind="stable")[:n] if vals[i] > 0]
    return ", ".join(f"{labels[i]} {fmt.format(values[i])}" for i in order) or "none"


def _matrix(M: Any, name: str, labels: Sequence[Any] | None
            ) -> tuple[np.ndarray, tuple[str, ...]]:
    found = None
    if isinstance(M, pd.DataFrame):
        if list(M.index) != list(M.columns):
            raise ValueError(f"{name}: the DataFrame's index and columns must list the same "
                             "firms in the same order")
        found = tuple(str(x) for x in M.index)
    try:
        A = np.array(M, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a square matrix of numbers") from None
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"{name}: expected a square (n, n) matrix, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    if np.any(A < 0):
        raise ValueError(f"{name}: contains negative values")
    n = A.shape[0]
    if labels is not None:
        if len(labels) != n:
            raise ValueError(f"labels: expected {n} names, got {len(labels)}")
        found = tuple(str(x) for x in labels)
    return A, found or tuple(str(i) for i in range(n))


def _vector(x: Any, labels: tuple[str, ...], name: str, *, allow_nan: bool = False
            ) -> np.ndarray:
    """A per-firm vector from an array (in ``labels`` order) or a Series/mapping by label."""
    n = len(labels)
    if x is None:
        return np.full(n, np.nan) if allow_nan else np.zeros(n)
    if isinstance(x, dict):
        x = pd.Series(x)
    if isinstance(x, pd.Series):
        x = x.copy()
        x.index = [str(i) for i in x.index]
        v = pd.to_numeric(x.reindex(list(labels)), errors="coerce").to_numpy(dtype=float)
    else:
        try:
            v = np.array(x, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: expected numbers") from None
        if v.shape != (n,):
            raise ValueError(f"{name}: expected {n} values, got {v.shape[0]}")
    if np.any(np.isinf(v)):
        raise ValueError(f"{name}: contains infinite values")
    if not allow_nan and np.any(np.isnan(v)):
        raise ValueError(f"{name}: contains NaN")
    if np.any(v[~np.isnan(v)] < 0):
        raise ValueError(f"{name}: contains negative values")
    return v


def _network_only(what: str, **given: tuple[Any, Any]) -> None:
    """``ValueError`` when leg selections (``kinds``, ``statuses``, ``horizon``) are given
    with a matrix: they select legs of a DealNetwork and would otherwise be ignored."""
    named = [k for k, (value, default) in given.items() if value is not default]
    if named:
        raise ValueError(f"{', '.join(named)}: select legs of a DealNetwork; {what} is a "
                         "matrix, so select the legs before building it")


def _is_network(obj: Any) -> bool:
    return hasattr(obj, "flow_graph")


def _net_matrix(net: Any, *, kinds: Iterable[str] | str | None,
                statuses: Iterable[str] | str | None, horizon: Any,
                labels: Sequence[str] | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    from .cycles import money_graph

    g = money_graph(net, kinds=kinds, statuses=statuses, horizon=horizon)
    M = g.matrix()
    names = tuple(str(x) for x in g.labels)
    if labels is None:
        ids = getattr(net, "ids", None)
        labels = list(ids) if ids is not None else list(names)
    pos = {x: i for i, x in enumerate(names)}
    take = [pos.get(str(x), -1) for x in labels]
    out = np.zeros((len(labels), len(labels)))
    idx = [k for k, t in enumerate(take) if t >= 0]
    src = [take[k] for k in idx]
    out[np.ix_(idx, idx)] = M[np.ix_(src, src)]
    return out, tuple(str(x) for x in labels)


def _entity_column(net: Any, column: str) -> pd.Series:
    ent = getattr(net, "entities", None)
    if ent is None or column not in getattr(ent, "columns", ()):
        return pd.Series(dtype=float)
    return pd.Series(pd.to_numeric(ent[column], errors="coerce").to_numpy(dtype=float),
                     index=[str(i) for i in ent["id"]])


def _years(horizon: Any) -> float | None:
    """Length of a horizon ``(start, end)`` in years (whole years count in full)."""
    if horizon is None:
        return None
    t0, t1 = parse_horizon(horizon)  # type: ignore[misc]
    return horizon_years(t0, t1)


# ---------------------------------------------------------------------------------- self-financed
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
        return {"max_length": self.max_length, "firms": _frame_dict(self.to_frame()),
                "pairs": jsonable(self.pairs().to_dict("records"))}

    def summary(self) -> str:
        """Total self-financed revenue, its share, and the firms with the most."""
        rev, sf = float(self.revenue.sum()), float(self.self_financed.sum())
        share = f" ({sf / rev:.1%} of {rev:,.1f} bn in-network revenue)" if rev > 0 else ""
        return (f"Self-financed revenue (round trips of up to {self.max_length} legs), "
                f"{len(self.labels)} firms: {sf:,.1f} bn{share}\n"
                f"most: {_top(self.labels, self.self_financed)}")


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
    horizon: Any = _DEFAULT,
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
    if not _is_network(flows):
        _network_only("flows", kinds=(kinds, None), revenue_kinds=(revenue_kinds, PURCHASE_KINDS),
                      statuses=(statuses, FIRM_STATUSES), horizon=(horizon, _DEFAULT))
    if _is_network(flows):
        net = flows
        h = DEFAULT_HORIZON if horizon is _DEFAULT else horizon
        F, names = _net_matrix(net, kinds=kinds, statuses=statuses, horizon=h, labels=labels)
        if revenue is None:
            R, _ = _net_matrix(net, kinds=revenue_kinds, statuses=statuses, horizon=h,
                               labels=names)
        else:
            R, _ = _matrix(revenue, "revenue", names)
        years = _years(h) or 1.0
        annual = _entity_column(net, "revenue_usd_bn").reindex(list(names))
        if reported_revenue is None:
            reported_revenue = (annual * years).to_numpy()
        if outside_inflow is None:
            rep = np.nan_to_num(np.asarray(reported_revenue, dtype=float), nan=0.0)
            outside_inflow = np.maximum(rep - R.sum(axis=0), 0.0)
    else:
        F, names = _matrix(flows, "flows", labels)
        R = F if revenue is None else _matrix(revenue, "revenue", names)[0]
    np.fill_diagonal(F, 0.0)
    R = R.copy()
    np.fill_diagonal(R, 0.0)
    o = _vector(outside_inflow, names, "outside_inflow")
    rep = _vector(reported_revenue, names, "reported_revenue", allow_nan=True)
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


# ---------------------------------------------------------------------------------- concentration
@dataclass(frozen=True, eq=False, repr=False)
class CustomerConcentration(Result):
    """Result of :func:`customer_concentration`, one entry per firm (as a seller).

    ``total`` incoming contract value; ``n_customers``; ``top_customer`` and ``top_share``
    (its share of ``total``: the part of the firm's in-network book that depends on one
    counterparty); ``hhi`` = Σ shares² in ``[1/n_customers, 1]``; ``effective_customers`` =
    ``1/hhi``; ``top_share_of_backlog`` = top customer's value over the firm's reported
    backlog, when known. NaN/None for firms without in-network customers.

    Examples
    --------
    >>> c = customer_concentration([[0, 3], [1, 0]], labels=["a", "b"])
    >>> c.to_frame().loc["b", "top_customer"], float(c.to_frame().loc["b", "top_share"])
    ('a', 1.0)
    """

    labels: tuple[str, ...]
    total: np.ndarray
    n_customers: np.ndarray
    top_customer: tuple[str | None, ...]
    top_value: np.ndarray
    top_share: np.ndarray
    hhi: np.ndarray
    backlog: np.ndarray
    top_share_of_backlog: np.ndarray

    @property
    def effective_customers(self) -> np.ndarray:
        """``1 / hhi``: the number of equal customers with the same concentration."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1.0 / self.hhi

    def to_frame(self) -> pd.DataFrame:
        """Per firm: ``total``, ``n_customers``, ``top_customer``, ``top_value``,
        ``top_share``, ``hhi``, ``effective_customers``, ``backlog``,
        ``top_share_of_backlog``."""
        return pd.DataFrame({
            "total": self.total, "n_customers": self.n_customers,
            "top_customer": list(self.top_customer), "top_value": self.top_value,
            "top_share": self.top_share, "hhi": self.hhi,
            "effective_customers": self.effective_customers, "backlog": self.backlog,
            "top_share_of_backlog": self.top_share_of_backlog,
        }, index=pd.Index(list(self.labels), name="firm"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable rows."""
        return {"firms": _frame_dict(self.to_frame())}

    def summary(self) -> str:
        """The firms most dependent on one customer."""
        return (f"Customer concentration, {len(self.labels)} firms; largest top-customer "
                f"share: {_top(self.labels, self.top_share, fmt='{:.0%}')}")


def customer_concentration(
    values: Any,
    *,
    labels: Sequence[str] | None = None,
    backlog: Any = None,
    kinds: Iterable[str] | str | None = PURCHASE_KINDS,
    statuses: Iterable[str] | str | None = FIRM_STATUSES,
    horizon: Any = None,
) -> CustomerConcentration:
    """How concentrated each firm's in-network customers are.

    Parameters
    ----------
    values : (n, n) array_like or DataFrame or DealNetwork
        ``V[i, j]`` = contract value customer i pays supplier j. For a network: legs of
        ``kinds`` (default compute contracts, chip purchases, revenue shares) with
        ``statuses`` (default committed and reported; add ``"conditional"`` for "up to"
        deals), full contract values unless a ``horizon`` is given; ``backlog`` defaults to
        the entities' ``backlog_usd_bn``.
    labels : sequence of str, optional
        Firm names.
    backlog : (n,) array_like or Series, optional
        Each firm's reported backlog (remaining performance obligations).

    Examples
    --------
    >>> V = [[0, 300, 0], [0, 0, 0], [0, 100, 0]]   # A and C buy from B
    >>> c = customer_concentration(V, labels=["A", "B", "C"])
    >>> c.top_customer[1], float(c.top_share[1]), float(c.hhi[1])
    ('A', 0.75, 0.625)
    """
    if not _is_network(values):
        _network_only("values", kinds=(kinds, PURCHASE_KINDS),
                      statuses=(statuses, FIRM_STATUSES), horizon=(horizon, None))
    if _is_network(values):
        net = values
        V, names = _net_matrix(net, kinds=kinds, statuses=statuses, horizon=horizon,
                               labels=labels)
        if backlog is None:
            backlog = _entity_column(net, "backlog_usd_bn")
    else:
        V, names = _matrix(values, "values", labels)
    np.fill_diagonal(V, 0.0)
    bl = _vector(backlog, names, "backlog", allow_nan=True)
    total = V.sum(axis=0)
    n_cust = (V > 0).sum(axis=0)
    top = np.argmax(V, axis=0) if len(names) else np.zeros(0, dtype=int)
    top_value = V[top, np.arange(len(names))] if len(names) else np.zeros(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(total[None, :] > 0, V / np.where(total > 0, total, 1.0)[None, :],
                          0.0)
        has = total > 0
        hhi = np.where(has, (shares ** 2).sum(axis=0), np.nan)
        top_share = np.where(has, top_value / np.where(has, total, 1.0), np.nan)
        of_backlog = np.where(bl > 0, top_value / np.where(bl > 0, bl, 1.0), np.nan)
    return CustomerConcentration(
        labels=names, total=total, n_customers=n_cust.astype(np.int64),
        top_customer=tuple(names[t] if h else None for t, h in zip(top, has, strict=True)),
        top_value=np.where(has, top_value, np.nan), top_share=top_share, hhi=hhi,
        backlog=bl, top_share_of_backlog=np.where(has, of_backlog, np.nan))


# ---------------------------------------------------------------------------------- coverage
@dataclass(frozen=True, eq=False, repr=False)
class CommitmentCoverage(Result):
    """Result of :func:`commitment_coverage`, one entry per firm (as a payer).

    ``commitments`` committed outgoing payments; ``revenue`` annual revenue; ``cash``;
    ``years_of_revenue = commitments / revenue``; ``commitments_to_cash``;
    ``coverage = (cash + revenue × horizon_years) / commitments`` (above 1: cash plus the
    current revenue run-rate over the horizon would pay for them, before any other cost;
    revenue is not profit, so this flatters); ``shortfall`` = the commitments not covered
    that way; ``largest_payee`` and ``largest_commitment`` when a matrix was given.

    Examples
    --------
    >>> c = commitment_coverage({"a": 100.0}, {"a": 10.0}, {"a": 20.0}, horizon_years=5)
    >>> float(c.coverage[0]), float(c.shortfall[0])
    (0.7, 30.0)
    """

    labels: tuple[str, ...]
    commitments: np.ndarray
    revenue: np.ndarray
    cash: np.ndarray
    horizon_years: float
    largest_payee: tuple[str | None, ...]
    largest_commitment: np.ndarray

    @property
    def years_of_revenue(self) -> np.ndarray:
        """Commitments over annual revenue."""
        return _ratio(self.commitments, self.revenue)

    @property
    def commitments_to_cash(self) -> np.ndarray:
        """Commitments over cash."""
        return _ratio(self.commitments, self.cash)

    @property
    def coverage(self) -> np.ndarray:
        """``(cash + revenue × horizon_years) / commitments`` (unknown figures count as 0)."""
        res = np.nan_to_num(self.cash) + np.nan_to_num(self.revenue) * self.horizon_years
        return _ratio(res, self.commitments)

    @property
    def shortfall(self) -> np.ndarray:
        """``max(0, commitments − cash − revenue × horizon_years)``."""
        res = np.nan_to_num(self.cash) + np.nan_to_num(self.revenue) * self.horizon_years
        return np.maximum(self.commitments - res, 0.0)

    def to_frame(self) -> pd.DataFrame:
        """Per firm: ``commitments``, ``revenue``, ``cash``, ``years_of_revenue``,
        ``commitments_to_cash``, ``coverage``, ``shortfall``, ``largest_payee``,
        ``largest_commitment``."""
        return pd.DataFrame({
            "commitments": self.commitments, "revenue": self.revenue, "cash": self.cash,
            "years_of_revenue": self.years_of_revenue,
            "commitments_to_cash": self.commitments_to_cash, "coverage": self.coverage,
            "shortfall": self.shortfall, "largest_payee": list(self.largest_payee),
            "largest_commitment": self.largest_commitment,
        }, index=pd.Index(list(self.labels), name="firm"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable rows and the horizon length."""
        return {"horizon_years": self.horizon_years, "firms": _frame_dict(self.to_frame())}

    def summary(self) -> str:
        """Total commitments and the largest shortfalls."""
        return (f"Commitment coverage over {self.horizon_years:g} years, {len(self.labels)} "
                f"firms: commitments {float(self.commitments.sum()):,.1f} bn, not covered by "
                f"cash plus revenue {float(self.shortfall.sum()):,.1f} bn\n"
                f"largest shortfalls: {_top(self.labels, self.shortfall)}")


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def commitment_coverage(
    commitments: Any,
    revenue: Any = None,
    cash: Any = None,
    *,
    horizon_years: float | None = None,
    labels: Sequence[str] | None = None,
    kinds: Iterable[str] | str | None = PURCHASE_KINDS,
    statuses: Iterable[str] | str | None = FIRM_STATUSES,
    horizon: Any = None,
) -> CommitmentCoverage:
    """Each firm's committed outgoing payments against its revenue and cash.

    Parameters
    ----------
    commitments : (n,) or (n, n) array_like, Series, DataFrame or DealNetwork
        Committed payments per firm, or a matrix ``K[i, j]`` = what i has committed to pay j
        (row sums are used). For a network: legs of ``kinds`` (default compute contracts,
        chip purchases, revenue shares) with ``statuses`` (default committed and reported;
        add ``"conditional"`` for "up to" deals), full contract values unless a ``horizon``
        is given, in which case only the part due inside it; ``revenue`` and ``cash`` default
        to the entities' ``revenue_usd_bn`` and ``cash_usd_bn``.
    revenue, cash : (n,) array_like or Series, optional
        Annual revenue and cash (NaN = unknown).
    horizon_years : float, optional
        Years of revenue counted in ``coverage`` (default: the horizon's length, else 5).
    labels : sequence of str, optional
        Firm names (required with a plain vector unless Series are used).

    Examples
    --------
    >>> c = commitment_coverage({"openai": 1400.0}, {"openai": 20.0}, {"openai": 40.0},
    ...                         horizon_years=5)
    >>> c.to_frame().loc["openai", ["years_of_revenue", "coverage"]].round(3).tolist()
    [70.0, 0.1]
    """
    payee: tuple[str | None, ...]
    if not _is_network(commitments):
        _network_only("commitments", kinds=(kinds, PURCHASE_KINDS),
                      statuses=(statuses, FIRM_STATUSES), horizon=(horizon, None))
    if _is_network(commitments):
        net = commitments
        K, names = _net_matrix(net, kinds=kinds, statuses=statuses, horizon=horizon,
                               labels=labels)
        if revenue is None:
            revenue = _entity_column(net, "revenue_usd_bn")
        if cash is None:
            cash = _entity_column(net, "cash_usd_bn")
        commitments, labels = K, names
    if isinstance(commitments, dict):
        commitments = pd.Series(commitments, dtype=float)
    if isinstance(commitments, pd.DataFrame) or np.ndim(commitments) == 2:
        K, names = _matrix(commitments, "commitments", labels)
        np.fill_diagonal(K, 0.0)
        total = K.sum(axis=1)
        top = np.argmax(K, axis=1) if len(names) else np.zeros(0, dtype=int)
        largest = K[np.arange(len(names)), top] if len(names) else np.zeros(0)
        payee = tuple(names[t] if v > 0 else None for t, v in zip(top, largest, strict=True))
        largest = np.where(largest > 0, largest, np.nan)
    else:
        if isinstance(commitments, pd.Series):
            names = tuple(str(i) for i in commitments.index) if labels is None \
                else tuple(str(x) for x in labels)
        else:
            k = len(np.asarray(commitments).reshape(-1))
            names = tuple(str(x) for x in labels) if labels is not None \
                else tuple(str(i) for i in range(k))
        total = _vector(commitments, names, "commitments")
        payee = (None,) * len(names)
        largest = np.full(len(names), np.nan)
    if horizon_years is None:
        horizon_years = _years(horizon) or 5.0
    if not (horizon_years >= 0 and math.isfinite(horizon_years)):
        raise ValueError(f"horizon_years: expected a finite number >= 0, got {horizon_years}")
    return CommitmentCoverage(
        labels=names, commitments=total,
        revenue=_vector(revenue, names, "revenue", allow_nan=True),
        cash=_vector(cash, names, "cash", allow_nan=True), horizon_years=float(horizon_years),
        largest_payee=payee, largest_commitment=largest)


# ---------------------------------------------------------------------------------- cross-holdings
@dataclass(frozen=True, eq=False, repr=False)
class DoubleCounting(Result):
    """Result of :func:`double_counting`.

    Per firm: ``book_value`` ``V`` (primitive value plus stakes in the others),
    ``market_value`` ``v = (1 − Σ_k C[k, j]) V_j`` (value to outside shareholders),
    ``double_counted = V − v`` (the part of the firm's value that sits in other network firms'
    books and is counted again there) and ``held_in_network = Σ_k C[k, j]``. System:
    ``total_double_count = Σ (V − v) = 1ᵀ C V``, also as a share of the summed book values.

    Examples
    --------
    >>> d = double_counting([[0, 0.5], [0.5, 0]], [1.0, 1.0], labels=["a", "b"])
    >>> d.total_double_count
    2.0
    """

    labels: tuple[str, ...]
    primitive: np.ndarray
    book_value: np.ndarray
    market_value: np.ndarray
    held_in_network: np.ndarray

    @property
    def double_counted(self) -> np.ndarray:
        """``book_value − market_value`` per firm."""
        return self.book_value - self.market_value

    @property
    def total_double_count(self) -> float:
        """``1ᵀ C V``: value counted twice when book values are summed."""
        return float(self.double_counted.sum())

    @property
    def share_double_counted(self) -> float:
        """``total_double_count`` over the summed book values."""
        total = float(self.book_value.sum())
        return self.total_double_count / total if total > 0 else math.nan

    def to_frame(self) -> pd.DataFrame:
        """Per firm: ``primitive``, ``book_value``, ``market_value``, ``double_counted``,
        ``held_in_network``."""
        return pd.DataFrame({
            "primitive": self.primitive, "book_value": self.book_value,
            "market_value": self.market_value, "double_counted": self.double_counted,
            "held_in_network": self.held_in_network,
        }, index=pd.Index(list(self.labels), name="firm"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable: system totals and per-firm rows."""
        return {"total_book_value": float(self.book_value.sum()),
                "total_market_value": float(self.market_value.sum()),
                "total_double_count": jsonable(self.total_double_count),
                "share_double_counted": jsonable(self.share_double_counted),
                "firms": _frame_dict(self.to_frame())}

    def summary(self) -> str:
        """Value counted twice, in total and by firm."""
        share = self.share_double_counted
        of = f" ({share:.1%} of summed book values)" if math.isfinite(share) else ""
        return (f"Double counting through cross-holdings, {len(self.labels)} firms: "
                f"{self.total_double_count:,.1f} bn{of}\n"
                f"most: {_top(self.labels, self.double_counted)}")


def double_counting(stakes: Any, primitive: Any = None, *,
                    labels: Sequence[str] | None = None,
                    statuses: Iterable[str] | str | None = None) -> DoubleCounting:
    """Market value counted twice through equity cross-holdings.

    Uses :func:`dealloop.contagion.cross_holdings` (``V = (I − C)^{-1}`` primitive,
    ``v = diag(1 − 1ᵀC) V``).

    Parameters
    ----------
    stakes : (n, n) array_like or DataFrame or DealNetwork
        ``C[i, j]`` = fraction of j's equity held by i. For a network: its stake layer
        (``layers(statuses=…).C``).
    primitive : (n,) array_like or Series, optional
        Each firm's value net of its stakes in the others. For a network it defaults to
        ``(I − C) m`` with ``m`` the reported market values (``market_cap_usd_bn``, unknown =
        0, floored at 0): reported market values are then read as book values, which already
        include the stakes each firm holds.
    labels : sequence of str, optional
        Firm names.

    Examples
    --------
    Two firms each holding half of the other, each with 1 of its own assets:

    >>> d = double_counting([[0, 0.5], [0.5, 0]], [1.0, 1.0], labels=["a", "b"])
    >>> d.book_value.tolist(), d.market_value.tolist(), d.total_double_count
    ([2.0, 2.0], [1.0, 1.0], 2.0)
    """
    from ..contagion import cross_holdings

    if not _is_network(stakes):
        _network_only("stakes", statuses=(statuses, None))
    if _is_network(stakes):
        net = stakes
        from ..mapping.legview import layers

        lay = layers(net, statuses=statuses) if statuses is not None else layers(net)
        C = np.asarray(lay.C, dtype=float)
        names = tuple(str(x) for x in lay.index)
        if primitive is None:
            cap = _entity_column(net, "market_cap_usd_bn").reindex(list(names))
            m = np.nan_to_num(cap.to_numpy(dtype=float), nan=0.0)
            primitive = np.maximum(m - C @ m, 0.0)
    else:
        C, names = _matrix(stakes, "stakes", labels)
        if primitive is None:
            raise ValueError("primitive: required with a stake matrix")
    p = _vector(primitive, names, "primitive")
    res = cross_holdings(C, p)
    book = np.asarray(res.book_value, dtype=float)
    market = np.asarray(res.market_value, dtype=float)
    return DoubleCounting(labels=names, primitive=p, book_value=book, market_value=market,
                          held_in_network=C.sum(axis=0))
