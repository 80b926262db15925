"""Everything :mod:`dealloop.circularity` measures about one network, in one call.

:func:`circularity` runs the loop search, ENA on the purchase layer, self-financed revenue,
customer concentration, commitment coverage and (when the network has stakes) cross-holding
double counting, and optionally the null model, and returns a :class:`Circularity` with one
row per firm (``to_frame()``) and the system numbers (``system``), ready for the
``dealloop circularity`` command and the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..jsonutil import jsonable
from ..result import Result
from ..vocabulary import DEFAULT_HORIZON, FIRM_STATUSES, LIVE_STATUSES, PURCHASE_KINDS
from ._inputs import UNSET
from .cycles import LoopSet, cycles
from .ena import ENA, ena
from .measures import (
    CommitmentCoverage,
    CustomerConcentration,
    DoubleCounting,
    commitment_coverage,
    customer_concentration,
    double_counting,
)
from .null_model import CycleSignificance, cycle_significance
from .self_financed import SelfFinancedRevenue, self_financed_revenue

__all__ = ["MONEY_KINDS", "Circularity", "circularity", "money_cycling"]

#: Every kind of leg that moves cash (all but warrants, which move equity, and backstops,
#: which move nothing unless called).
MONEY_KINDS = ("equity_investment", "compute_contract", "chip_purchase", "loan", "bond",
               "private_credit", "revenue_share", "lease", "other")


@dataclass(frozen=True, eq=False, repr=False)
class Circularity(Result):
    """Result of :func:`circularity`: each measure's own result, and a combined table.

    ``ena`` is the Finn cycling index on the purchase layer (contracts, chips, revenue shares),
    ``ena_money`` the same on every cash leg (:data:`MONEY_KINDS`), which is where investment
    money that returns as revenue shows up, and ``ena_money_all`` that again with conditional
    legs. All three come from :func:`money_cycling`'s rules, so the CLI, the report and the
    API show one number under one label.

    ``loops`` (:class:`LoopSet`), ``ena`` (:class:`ENA` of the purchase layer, or None when it
    has no flow), ``self_financed``, ``concentration``, ``coverage``, ``double_counting``
    (None when the network has no stake layer) and ``significance`` (None unless asked for).

    Examples
    --------
    >>> import dealloop as dl
    >>> c = circularity(dl.load(), max_length=3)
    >>> "oracle" in c.to_frame().index
    True
    """

    loops: LoopSet
    ena: ENA | None
    self_financed: SelfFinancedRevenue
    concentration: CustomerConcentration
    coverage: CommitmentCoverage
    double_counting: DoubleCounting | None
    significance: CycleSignificance | None
    ena_money: ENA | None = None
    ena_money_all: ENA | None = None

    @property
    def system(self) -> dict[str, Any]:
        """System-level numbers (JSON-serialisable)."""
        sf = self.self_financed
        out: dict[str, Any] = {
            "n_loops": self.loops.n_loops,
            "loops_by_length": {str(k): v for k, v in self.loops.counts.items()},
            "largest_bottleneck": jsonable(float(self.loops.bottleneck.max()))
            if self.loops.n_loops else None,
            "self_financed_revenue": jsonable(float(sf.self_financed.sum())),
            "revenue_in_network": jsonable(float(sf.revenue.sum())),
            "self_financed_share": jsonable(float(sf.self_financed.sum() / sf.revenue.sum()))
            if sf.revenue.sum() > 0 else None,
        }
        if self.ena is not None:
            out.update({"fci": jsonable(self.ena.fci), "tst": jsonable(self.ena.tst),
                        "tstc": jsonable(self.ena.tstc), "apl": jsonable(self.ena.apl)})
        if self.ena_money is not None:
            out.update({"fci_all_money": jsonable(self.ena_money.fci),
                        "tstc_all_money": jsonable(self.ena_money.tstc),
                        "tst_all_money": jsonable(self.ena_money.tst),
                        "apl_all_money": jsonable(self.ena_money.apl)})
        if self.ena_money_all is not None:
            out.update({"fci_all_money_with_conditional": jsonable(self.ena_money_all.fci),
                        "tstc_all_money_with_conditional": jsonable(self.ena_money_all.tstc)})
        if self.double_counting is not None:
            out.update({"double_count": jsonable(self.double_counting.total_double_count),
                        "double_count_share": jsonable(self.double_counting.share_double_counted)})
        if self.significance is not None:
            out.update({"loops_z": jsonable(self.significance.z_all),
                        "loops_p_value": jsonable(self.significance.p_value_all)})
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per firm: loops, loop money, self-financed revenue and share, cycled share
        of throughflow (ENA of every cash leg, else of purchases), top customer share and HHI,
        commitments, years of revenue, coverage, double-counted value."""
        part = self.loops.participation()[["n_loops", "loop_money"]]
        sf = self.self_financed.to_frame()[["self_financed", "share"]].rename(
            columns={"share": "self_financed_share"})
        conc = self.concentration.to_frame()[["top_customer", "top_share", "hhi"]]
        cov = self.coverage.to_frame()[["commitments", "years_of_revenue", "coverage"]]
        frames = [part, sf, conc, cov]
        cycling = self.ena_money if self.ena_money is not None else self.ena
        if cycling is not None:  # where money goes round: every cash leg, firm legs
            frames.append(cycling.to_frame()[["cycled_share"]])
        if self.double_counting is not None:
            frames.append(self.double_counting.to_frame()[["double_counted"]])
        frame = pd.concat(frames, axis=1)
        for col in ("cycled_share", "double_counted"):  # not computable here: n/a, not absent
            if col not in frame:
                frame[col] = float("nan")
        frame.index.name = "firm"
        frame["n_loops"] = frame["n_loops"].fillna(0).astype(int)
        return frame.sort_values(["loop_money", "n_loops"], ascending=False, kind="stable")

    def summary(self) -> str:
        """Loops, the cycling index, self-financed revenue and double counting, one line each."""
        s = self.system
        lines = [f"Circularity, {len(self.self_financed.labels)} firms: {s['n_loops']:,} loops",
                 self.self_financed.summary().splitlines()[0]]
        if self.ena is not None:
            lines.append(f"Finn cycling index {self.ena.fci:.1%} of purchase throughflow")
        if self.double_counting is not None:
            lines.append(self.double_counting.summary().splitlines()[0])
        if self.significance is not None:
            lines.append(self.significance.summary().splitlines()[0])
        return "\n".join(lines)

    def to_dict(self, *, max_loops: int | None = 50) -> dict[str, Any]:
        """JSON-serialisable: ``system``, ``firms`` rows, ``loops`` (the top ``max_loops``),
        ``significance`` rows when computed."""
        frame = self.to_frame()
        loops = self.loops.to_dict()
        if max_loops is not None:
            loops["loops"] = loops["loops"][:max_loops]
        return {
            "system": self.system,
            "firms": [{"firm": str(f), **{c: jsonable(v) for c, v in row.items()}}
                      for f, row in frame.iterrows()],
            "loops": loops,
            "significance": self.significance.to_dict() if self.significance else None,
        }


def circularity(net: Any, *, max_length: int = 6, horizon: Any = UNSET,
                statuses: Any = None, n_samples: int = 0, seed: int | None = 0,
                min_amount: float = 0.0, limit: int | None = None) -> Circularity:
    """Run every circularity measure on a DealNetwork.

    Parameters
    ----------
    net : DealNetwork
        The dataset's network (anything with ``flow_graph``).
    max_length : int, default 6
        Longest loop; self-financed revenue traces funding chains of ``max_length − 1`` hops.
    horizon : optional
        Years over which multi-year contracts are apportioned for the money measures:
        self-financed revenue, commitment coverage and the cycling index (default
        :data:`dealloop.vocabulary.DEFAULT_HORIZON`, as in the report and the dashboard;
        ``None`` = full contract values). Loops and customer concentration always use full
        contract values, as the report does.
    statuses : optional
        Which legs count for every measure (default: each measure's own default — live legs
        for loops, firm legs for the measures).
    n_samples : int, default 0
        Null-model samples for loop significance (0 = skip).
    seed, min_amount, limit
        Passed to :func:`cycle_significance` and :func:`cycles`.

    See Also
    --------
    cycles, money_cycling, self_financed_revenue, customer_concentration : the parts.
    commitment_coverage, double_counting, cycle_significance : the parts.

    References
    ----------
    J. T. Finn, "Measures of ecosystem structure and function derived from analysis of
    flows", Journal of Theoretical Biology 56(2), 363-380, 1976.
    doi:10.1016/S0022-5193(76)80080-X

    D. B. Johnson, "Finding all the elementary circuits of a directed graph", SIAM Journal
    on Computing 4(1), 77-84, 1975. doi:10.1137/0204007

    S. Maslov and K. Sneppen, "Specificity and stability in topology of protein networks",
    Science 296(5569), 910-913, 2002. doi:10.1126/science.1065103

    Examples
    --------
    >>> import dealloop as dl
    >>> c = circularity(dl.load(), max_length=3)
    >>> print(c.summary().splitlines()[0])  # doctest: +ELLIPSIS
    Circularity, ... firms: ... loops
    """
    if not hasattr(net, "flow_graph"):
        raise ValueError("net: expected a DealNetwork (an object with flow_graph)")
    sel: dict[str, Any] = {} if statuses is None else {"statuses": statuses}
    if horizon is UNSET:
        horizon = DEFAULT_HORIZON
    explicit = {"horizon": horizon}
    loops = cycles(net, max_length, min_amount=min_amount, limit=limit, **sel)
    flow = _finite_ena(net, PURCHASE_KINDS, sel.get("statuses", FIRM_STATUSES), horizon)
    cash = money_cycling(net, horizon=horizon, statuses=statuses)
    sf = self_financed_revenue(net, max_length=max(2, max_length), horizon=horizon, **sel)
    conc = customer_concentration(net, **sel)
    cov = commitment_coverage(net, **sel, **explicit)
    try:
        dc = double_counting(net, statuses=statuses) if hasattr(net, "legs") else None
    except ValueError:  # stakes that leave a firm no outside shareholders: no valuation
        dc = None
    sig = cycle_significance(net, max_length, n_samples=n_samples, seed=seed,
                             min_amount=min_amount, **sel) if n_samples else None
    return Circularity(loops, flow, sf, conc, cov, dc, sig, cash["firm"], cash["all"])


def money_cycling(net: Any, *, horizon: Any = DEFAULT_HORIZON,
                  statuses: Any = None) -> dict[str, ENA | None]:
    """Finn cycling index of every cash leg, on firm legs and on all live legs.

    Only legs that move cash count (``money`` = ``cash_flow``): non-cash legs (all-stock
    deals, share swaps) and stocks (debt outstanding at a date) are no throughflow, as in
    the summary's headline columns.

    The one computation behind "cycling index, all money" wherever it is shown (CLI, report,
    dashboard, API): :data:`MONEY_KINDS` over ``horizon``, ``"firm"`` on committed and
    reported legs (or ``statuses`` when given), ``"all"`` adding conditional legs. ``None``
    where the flows cannot be analysed (no flow, or a closed system).

    See Also
    --------
    ena : the cycling index of any flow matrix.
    circularity : every measure of a dataset at once.

    References
    ----------
    J. T. Finn, "Measures of ecosystem structure and function derived from analysis of
    flows", Journal of Theoretical Biology 56(2), 363-380, 1976.
    doi:10.1016/S0022-5193(76)80080-X

    Examples
    --------
    >>> import dealloop as dl
    >>> m = money_cycling(dl.load())
    >>> 0 <= m["firm"].fci <= m["all"].fci < 1
    True
    """
    firm = FIRM_STATUSES if statuses is None else statuses
    return {"firm": _finite_ena(net, MONEY_KINDS, firm, horizon, cash_only=True),
            "all": _finite_ena(net, MONEY_KINDS, LIVE_STATUSES, horizon, cash_only=True)}


def _finite_ena(net: Any, kinds: Any, statuses: Any, horizon: Any, *,
                cash_only: bool = False) -> ENA | None:
    try:
        if cash_only:
            flows, labels = _cash_flows(net, kinds, statuses, horizon)
            result = ena(flows, labels=labels)
        else:
            result = ena(net, kinds=kinds, statuses=statuses, horizon=horizon)
    except ValueError:  # no flow at all, or a closed system
        return None
    return result if math.isfinite(result.fci) else None


def _cash_flows(net: Any, kinds: Any, statuses: Any, horizon: Any
                ) -> tuple[np.ndarray, list[str]]:
    """The flow matrix of the legs that move cash: legs marked ``non_cash`` or ``stock``
    (:func:`dealloop.network.leg_caveats`) are left out, so an all-stock takeover (D80,
    $250bn), a warrant or a debt stock outstanding is no throughflow. Read from
    ``net.flow_graph`` (its per-leg ``amounts`` and ``caveats``; undisclosed amounts add
    nothing); firms in the graph's node order."""
    args: dict[str, Any] = {"kinds": list(kinds), "statuses": statuses}
    if horizon is not None:
        args["horizon"] = horizon
    g = net.flow_graph(**args)
    labels = [str(x) for x in g.nodes]
    pos = {x: i for i, x in enumerate(g.nodes)}
    flows = np.zeros((len(labels), len(labels)))
    for payer, payee, d in g.edges(data=True):
        amounts = d.get("amounts", [d.get("amount", 0.0)])
        marks = d.get("caveats", [()] * len(amounts))
        for amount, mark in zip(amounts, marks, strict=True):
            if amount == amount and "non_cash" not in mark and "stock" not in mark:
                flows[pos[payer], pos[payee]] += float(amount)
    return flows, labels
