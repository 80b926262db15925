"""Per-firm circularity measures: customer concentration, commitment coverage and
cross-holding double counting (self-financed revenue has its own module,
:mod:`.self_financed`).

Every function takes plain arrays (a matrix, plus vectors or pandas Series) so it can be
checked by hand, or a DealNetwork (anything with ``flow_graph``), from which it builds the
arrays with the selection and horizon it is given. Results are frozen dataclasses with
``to_frame()`` (one row per firm) and ``to_dict()`` (JSON-serialisable).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..jsonutil import jsonable
from ..result import Result
from ..vocabulary import CONTRACT_SHARE_BASIS, FIRM_STATUSES, PURCHASE_KINDS
from ._inputs import (
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

__all__ = [
    "CommitmentCoverage",
    "CustomerConcentration",
    "DoubleCounting",
    "commitment_coverage",
    "customer_concentration",
    "double_counting",
]


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

    #: What ``top_share`` is a share of, in the words every view prints beside the number:
    #: contracted business, which is not the share of recognised revenue that
    #: :func:`dealloop.markets.signals` reports for the same firm.
    BASIS: ClassVar[str] = CONTRACT_SHARE_BASIS

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
        return {"firms": frame_records(self.to_frame())}

    def summary(self) -> str:
        """The firms most dependent on one customer."""
        return (f"Customer concentration, {len(self.labels)} firms; largest top-customer "
                f"share: {top_text(self.labels, self.top_share, fmt='{:.0%}')}")


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

    See Also
    --------
    commitment_coverage : what a firm owes against its means.
    self_financed_revenue : the part of a firm's sales paid with its own money.

    References
    ----------
    A. O. Hirschman, "The paternity of an index", American Economic Review 54(5), 761, 1964.

    Examples
    --------
    >>> V = [[0, 300, 0], [0, 0, 0], [0, 100, 0]]   # A and C buy from B
    >>> c = customer_concentration(V, labels=["A", "B", "C"])
    >>> c.top_customer[1], float(c.top_share[1]), float(c.hhi[1])
    ('A', 0.75, 0.625)
    """
    if not is_network(values):
        network_only("values", kinds=(kinds, PURCHASE_KINDS),
                      statuses=(statuses, FIRM_STATUSES), horizon=(horizon, None))
    if is_network(values):
        net = values
        V, names = network_matrix(net, kinds=kinds, statuses=statuses, horizon=horizon,
                               labels=labels)
        if backlog is None:
            backlog = entity_figures(net, "backlog_usd_bn")
    else:
        V, names = as_matrix(values, "values", labels)
    np.fill_diagonal(V, 0.0)
    bl = as_vector(backlog, names, "backlog", allow_nan=True)
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
    def _resources(self) -> np.ndarray:
        """``cash + revenue × horizon_years``: an unknown figure counts as 0 when the other
        is known (the coverage is then a floor); NaN when neither is known."""
        res = np.nan_to_num(self.cash) + np.nan_to_num(self.revenue) * self.horizon_years
        return np.where(np.isnan(self.cash) & np.isnan(self.revenue), np.nan, res)

    @property
    def coverage(self) -> np.ndarray:
        """``(cash + revenue × horizon_years) / commitments``; NaN (unknown) without
        commitments or when neither cash nor revenue is known."""
        return _ratio(self._resources, self.commitments)

    @property
    def shortfall(self) -> np.ndarray:
        """``max(0, commitments − cash − revenue × horizon_years)``: 0 without commitments,
        else NaN when neither cash nor revenue is known."""
        with np.errstate(invalid="ignore"):
            gap = np.maximum(self.commitments - self._resources, 0.0)
        return np.where(self.commitments > 0, gap, 0.0)

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
        return {"horizon_years": self.horizon_years, "firms": frame_records(self.to_frame())}

    def summary(self) -> str:
        """Total commitments and the largest shortfalls."""
        return (f"Commitment coverage over {self.horizon_years:g} years, {len(self.labels)} "
                f"firms: commitments {float(self.commitments.sum()):,.1f} bn, not covered by "
                f"cash plus revenue {float(np.nansum(self.shortfall)):,.1f} bn\n"
                f"largest shortfalls: {top_text(self.labels, self.shortfall)}")


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

    See Also
    --------
    customer_concentration : who a firm's sales depend on.
    dealloop.scenarios.calendar.payment_calendar : the same dues, year by year.

    References
    ----------
    None in the literature: an accounting ratio defined here; its definition and
    caveats are in the methods chapter (docs/methods/circularity-measures.md).

    Examples
    --------
    >>> c = commitment_coverage({"openai": 1400.0}, {"openai": 20.0}, {"openai": 40.0},
    ...                         horizon_years=5)
    >>> c.to_frame().loc["openai", ["years_of_revenue", "coverage"]].round(3).tolist()
    [70.0, 0.1]

    Without a cash or revenue figure the coverage is unknown, not zero:

    >>> c = commitment_coverage({"dell": 3.7}, {"dell": float("nan")}, {"dell": float("nan")})
    >>> c.to_frame().loc["dell", ["coverage", "shortfall"]].isna().tolist()
    [True, True]
    """
    payee: tuple[str | None, ...]
    if not is_network(commitments):
        network_only("commitments", kinds=(kinds, PURCHASE_KINDS),
                      statuses=(statuses, FIRM_STATUSES), horizon=(horizon, None))
    if is_network(commitments):
        net = commitments
        K, names = network_matrix(net, kinds=kinds, statuses=statuses, horizon=horizon,
                               labels=labels)
        if revenue is None:
            revenue = entity_figures(net, "revenue_usd_bn")
        if cash is None:
            cash = entity_figures(net, "cash_usd_bn")
        commitments, labels = K, names
    if isinstance(commitments, dict):
        commitments = pd.Series(commitments, dtype=float)
    if isinstance(commitments, pd.DataFrame) or np.ndim(commitments) == 2:
        K, names = as_matrix(commitments, "commitments", labels)
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
        total = as_vector(commitments, names, "commitments")
        payee = (None,) * len(names)
        largest = np.full(len(names), np.nan)
    if horizon_years is None:
        horizon_years = horizon_length(horizon) or 5.0
    if not (horizon_years >= 0 and math.isfinite(horizon_years)):
        raise ValueError(f"horizon_years: expected a finite number >= 0, got {horizon_years}")
    return CommitmentCoverage(
        labels=names, commitments=total,
        revenue=as_vector(revenue, names, "revenue", allow_nan=True),
        cash=as_vector(cash, names, "cash", allow_nan=True), horizon_years=float(horizon_years),
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
                "firms": frame_records(self.to_frame())}

    def summary(self) -> str:
        """Value counted twice, in total and by firm."""
        share = self.share_double_counted
        of = f" ({share:.1%} of summed book values)" if math.isfinite(share) else ""
        return (f"Double counting through cross-holdings, {len(self.labels)} firms: "
                f"{self.total_double_count:,.1f} bn{of}\n"
                f"most: {top_text(self.labels, self.double_counted)}")


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

    See Also
    --------
    dealloop.contagion.cross_holdings : book and market values under the same stakes.

    References
    ----------
    F. Brioschi, L. Buzzacchi and M. G. Colombo, "Risk capital financing and the separation
    of ownership and control in business groups", Journal of Banking & Finance 13(4-5),
    1989.

    M. Elliott, B. Golub and M. O. Jackson, "Financial networks and contagion", American
    Economic Review 104(10), 3115-3153, 2014. doi:10.1257/aer.104.10.3115

    Examples
    --------
    Two firms each holding half of the other, each with 1 of its own assets:

    >>> d = double_counting([[0, 0.5], [0.5, 0]], [1.0, 1.0], labels=["a", "b"])
    >>> d.book_value.tolist(), d.market_value.tolist(), d.total_double_count
    ([2.0, 2.0], [1.0, 1.0], 2.0)
    """
    from ..contagion import cross_holdings

    if not is_network(stakes):
        network_only("stakes", statuses=(statuses, None))
    if is_network(stakes):
        net = stakes
        from ..mapping.legview import layers

        lay = layers(net, statuses=statuses) if statuses is not None else layers(net)
        C = np.asarray(lay.C, dtype=float)
        names = tuple(str(x) for x in lay.index)
        if primitive is None:
            cap = entity_figures(net, "market_cap_usd_bn").reindex(list(names))
            m = np.nan_to_num(cap.to_numpy(dtype=float), nan=0.0)
            primitive = np.maximum(m - C @ m, 0.0)
    else:
        C, names = as_matrix(stakes, "stakes", labels)
        if primitive is None:
            raise ValueError("primitive: required with a stake matrix")
    p = as_vector(primitive, names, "primitive")
    res = cross_holdings(C, p)
    book = np.asarray(res.book_value, dtype=float)
    market = np.asarray(res.market_value, dtype=float)
    return DoubleCounting(labels=names, primitive=p, book_value=book, market_value=market,
                          held_in_network=C.sum(axis=0))
