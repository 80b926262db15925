"""What a firm's earnings say: its margin on a lost sale, and how its market value moves with
what it loses.

Both read the whole-year figures of ``figures.csv`` (``revenue``, ``net_income``,
``net_loss``, ``book_equity``; periods such as ``FY2025`` or ``2025``) and cite their ids.

Margins (:func:`margins`)
    ``mapping.operating_margin`` for the firm, else net income over revenue of the latest
    whole year with both figures (net loss: 0), else ``margin_fallback`` (flagged); a vehicle
    (kind ``spv``) has margin 1, having nothing to deliver. A sale not paid costs the
    supplier ``margin + (1 - margin) x stranded_share`` of it (``loss_weight``).

Market value (:func:`value_multiples`, ``mapping.market_value_rule``)
    the market value a surviving firm loses per dollar of net worth it loses over the
    horizon (a defaulter's equity is wiped out whatever the rule):

    * ``contract_pv`` (default): the present value, at the scenario's discount rate, of the
      after-tax margin it loses plus its stranded costs, over the years its contracts
      actually run and no longer (:func:`contract_factors`). Inside the horizon that is
      what the year-by-year run books; a contract running past the horizon adds its later
      years, so the multiple is each firm's factor (PV over the contracts' whole remaining
      term / what the run counts), 1 for a firm whose contracts end inside the horizon;
    * ``earnings``: the loss is earnings the horizon no longer brings, capitalised at the
      firm's price-earnings ratio (multiple = market value / net income of its latest
      whole year / the horizon's years): a lost contract read as a permanent loss of
      earnings, an upper bound;
    * ``price_to_book``: the contract value above times market value / latest reported
      book equity (market value moves with book equity at a constant price-to-book);
    * ``fixed``: 1 (dollar for dollar on what the run counts inside the horizon).

    A firm without the figures a rule needs (no positive net income, no book equity) moves
    as under ``contract_pv``, flagged ``value_assumed``. ``mapping.value_multiple`` scales
    every firm's multiple (default 1). The contract factor of ``contract_pv`` and
    ``price_to_book`` is about the firm's contracts with other firms in the network: it
    applies to its sales to them only. Outside revenue lost (a ``demand`` or ``revenue``
    shock) moves market value at the firm's ``outside_multiple``: 1 under ``contract_pv``
    and ``fixed`` (what the horizon counts), the price-to-book ratio under
    ``price_to_book``, the same as its sales under ``earnings``. The contract factor weighs
    the contracts the run counts by their amounts (:func:`contract_factor`, the one rule):
    a leg the run leaves out (``legs.exclude``, a status not selected, multiplier 0 in a
    draw or a rank-legs run) does not weigh, as if it were not in the data; a firm left
    with no contract counted has factor 1. So a Monte Carlo draw of a purchase leg's amount
    gives the draw its own multiples, those of the stress run with ``legs.amounts`` at the
    amount drawn (``legs.exclude`` for a leg drawn out, ``legs.include`` for one switched
    on; :meth:`.compiled.Compiled.value_multiples`).

Examples
--------
>>> import dealloop as dl
>>> from dealloop import mapping
>>> from dealloop.scenarios import loads
>>> bs = mapping.build(dl.load(), loads("name: x\\nquestion: q"))
>>> float(bs.frame.at["nvidia", "value_multiple"]) >= 1.0   # contract_pv: 1 plus later years
True
>>> bs = mapping.build(dl.load(), loads("name: x\\nquestion: q\\nmapping: "
...                                     "{market_value_rule: earnings}"))
>>> pe = bs.frame.at["microsoft", "market_value"] / 101.8  # F057: FY2025 net income
>>> bool(np.isclose(bs.frame.at["microsoft", "value_multiple"], pe / bs.revenue_years))
True
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..vocabulary import DAYS_PER_YEAR
from .values import per_entity

__all__ = ["ai_shares", "annual_figures", "contract_factor", "contract_factors",
           "contract_terms", "contract_weights", "demand_exposures", "drawn_multiples", "margins",
           "value_multiples"]

_ANNUAL = ("FY", "19", "20")  # periods of a whole (fiscal) year: FY2025, 2025
_METRICS = ("revenue", "net_income", "net_loss", "book_equity")


def annual_figures(net: Any) -> dict[tuple[str, str, str], tuple[float, str]]:
    """``{(entity, metric, period): (value, figure id)}`` for the whole-year figures of
    :data:`_METRICS`; book equity, a stock, under its ``as_of`` date when it has no
    period.

    Examples
    --------
    >>> import dealloop as dl
    >>> annual_figures(dl.load())[("microsoft", "net_income", "FY2025")]
    (101.8, 'F057')
    """
    figs = getattr(net, "figures", None)
    out: dict[tuple[str, str, str], tuple[float, str]] = {}
    if figs is None or not len(figs):
        return out
    for eid, metric, value, period, as_of, fid in zip(
            figs["entity"], figs["metric"], figs["value"], figs["period"], figs["as_of"],
            figs["id"], strict=True):
        if metric not in _METRICS:
            continue
        p = str(period) if isinstance(period, str) else ""
        if metric == "book_equity" and not p:
            p = str(as_of)[:4]
        if p.startswith(_ANNUAL) and p[-4:].isdigit():
            out[(str(eid), str(metric), p)] = (float(value), str(fid))
    return out


def _latest(annual: dict[tuple[str, str, str], tuple[float, str]], eid: str) -> list[str]:
    """The periods with figures for ``eid``, latest year first."""
    return sorted({p for (e, _, p) in annual if e == eid}, key=lambda p: p[-4:], reverse=True)


def margins(net: Any, frame: pd.DataFrame, m: Any) -> None:
    """Each firm's margin on a lost sale and the share of a lost sale it loses (columns
    ``margin, margin_figures, margin_assumed, loss_weight``; see the module docstring).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.scenarios import loads
    >>> m = loads("name: x\\nquestion: q").mapping   # the default mapping keys
    >>> frame = pd.DataFrame({"kind": ["hyperscaler", "spv"]}, index=["microsoft", "hyperion-jv"])
    >>> margins(dl.load(), frame, m)
    >>> round(float(frame.at["microsoft", "margin"]), 3), frame.at["microsoft", "margin_figures"]
    (0.361, ('F056', 'F057'))
    >>> float(frame.at["hyperion-jv", "margin"])   # a vehicle has nothing to deliver
    1.0
    """
    annual = annual_figures(net)
    margin, figures, assumed, weight = [], [], [], []
    for eid in frame.index:
        fids: tuple[str, ...] = ()
        if eid in m.operating_margin:
            mg, flag = float(m.operating_margin[eid]), False
        elif frame.at[eid, "kind"] == "spv":
            mg, flag = 1.0, False  # a vehicle delivers nothing: its lease income is its margin
        else:
            mg, flag = float(m.operating_margin.get("default", m.margin_fallback)), True
            for period in _latest(annual, eid):
                rev = annual.get((eid, "revenue", period))
                inc = annual.get((eid, "net_income", period))
                loss = annual.get((eid, "net_loss", period))
                if rev and rev[0] > 0 and (inc or loss):
                    mg = max(0.0, inc[0] / rev[0]) if inc else 0.0
                    fids, flag = (rev[1], (inc or loss)[1]), False  # type: ignore[index]
                    break
        s = per_entity(m.stranded_share, eid, 0.5)
        margin.append(mg)
        figures.append(fids)
        assumed.append(flag)
        weight.append(1.0 if m.contracts == "gross" else min(1.0, mg + (1 - mg) * s))
    frame["margin"] = margin
    frame["margin_figures"] = figures
    frame["margin_assumed"] = assumed
    frame["loss_weight"] = weight


def ai_shares(net: Any) -> dict[str, tuple[float, str, str]]:
    """Each firm's latest sourced share of revenue that depends on AI (``ai_revenue_share``
    figures: its AI or data-centre segment over its total revenue), as ``{entity: (share,
    figure id, period)}``.

    Examples
    --------
    >>> import dealloop as dl
    >>> s = ai_shares(dl.load())
    >>> s["amazon"][1], round(s["amazon"][0], 2)   # AWS over net sales, 2025
    ('F303', 0.18)
    >>> s["meta"][0]   # advertising and headsets: no AI segment
    0.0
    """
    figs = getattr(net, "figures", None)
    out: dict[str, tuple[float, str, str]] = {}
    if figs is None or not len(figs):
        return out
    rows = figs[figs["metric"] == "ai_revenue_share"]
    for eid, value, period, _as_of, fid in sorted(zip(
            rows["entity"], rows["value"], rows["period"], rows["as_of"], rows["id"],
            strict=True), key=lambda r: str(r[3])):
        out[str(eid)] = (min(1.0, max(0.0, float(value))), str(fid),
                         str(period) if isinstance(period, str) else "")
    return out


def demand_exposures(net: Any, frame: pd.DataFrame, m: Any) -> None:
    """The share of each firm's outside revenue a ``demand`` shock reaches (columns
    ``demand_exposure, demand_figures, demand_assumed``): ``mapping.demand_exposure`` for a
    firm it names, else its ``default`` when given, else the firm's sourced AI share of
    revenue (:func:`ai_shares`), else 1 (all its revenue), flagged as assumed.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.scenarios import loads
    >>> m = loads("name: x\\nquestion: q\\nmapping: {demand_exposure: {oracle: 0.5}}").mapping
    >>> frame = pd.DataFrame(index=["nvidia", "oracle", "coreweave"])
    >>> demand_exposures(dl.load(), frame, m)
    >>> frame["demand_exposure"].round(2).tolist(), frame["demand_assumed"].tolist()
    ([0.9, 0.5, 1.0], [False, False, True])
    """
    shares = ai_shares(net)
    expo: list[float] = []
    figures: list[tuple[str, ...]] = []
    assumed: list[bool] = []
    for eid in frame.index:
        if eid in m.demand_exposure or "default" in m.demand_exposure:
            expo.append(float(per_entity(m.demand_exposure, eid, 1.0)))
            figures.append(())
            assumed.append(False)
        elif eid in shares:
            expo.append(shares[eid][0])
            figures.append((shares[eid][1],))
            assumed.append(False)
        else:
            expo.append(1.0)
            figures.append(())
            assumed.append(True)
    frame["demand_exposure"] = np.asarray(expo, float)
    frame["demand_figures"] = figures
    frame["demand_assumed"] = assumed


def _leg_end(start: Any, end: Any, kind: str, m: Any) -> dt.date | None:
    """A leg's end date, or the end of its assumed term (``mapping.undated_term_years``,
    else :data:`dealloop.network.DEFAULT_TERM_YEARS`) when it reports none."""
    if isinstance(end, dt.date):
        return end
    if not isinstance(start, dt.date):
        return None
    from ..network import DEFAULT_TERM_YEARS

    years = m.undated_term_years if m.undated_term_years is not None else \
        DEFAULT_TERM_YEARS.get(kind, 5)
    return start + dt.timedelta(days=years * DAYS_PER_YEAR - 1)


def _days(s: dt.date, e: dt.date) -> int:
    return max(0, (e - s).days + 1)


def contract_value(start: dt.date | None, end: dt.date | None, horizon: tuple[dt.date, dt.date],
                   rate: float, *, static: bool = False) -> tuple[float, float]:
    """What a contract's lost margin is worth per dollar of it the run counts inside the
    horizon: ``(counted, value)``. ``counted`` is what the run books for that dollar (its
    years inside the horizon, each discounted to the horizon's start at ``rate`` as the
    year-by-year run does; 1 in the static step), ``value`` the present value of the same
    contract over every year it runs from the horizon's start on, the years after the
    horizon included (the contract's amount per day is the same in and after the horizon).
    A flow with no dates runs evenly over the horizon and stops there.

    Examples
    --------
    A three-year contract of 2029-2031 (no leap year) seen by a 2029-2030 horizon, at 5%: the
    run counts each dollar at ``(1 + 1/1.05) / 2``; the contract is worth its third year too.

    >>> h = (dt.date(2029, 1, 1), dt.date(2030, 12, 31))
    >>> c, v = contract_value(dt.date(2029, 1, 1), dt.date(2031, 12, 31), h, 0.05)
    >>> bool(np.isclose(c, (1 + 1 / 1.05) / 2)), bool(np.isclose(v, (1 + 1 / 1.05 + 1.05**-2) / 2))
    (True, True)

    Inside the horizon, what the run counts is what the contract is worth:

    >>> c, v = contract_value(dt.date(2029, 1, 1), dt.date(2030, 12, 31), h, 0.05)
    >>> bool(np.isclose(c, v))
    True
    """
    t0, t1 = horizon
    years = range(t0.year, t1.year + 1)
    df = {y: (1 + rate) ** -(y - t0.year) for y in range(t0.year, t0.year + 200)}
    if start is None or end is None or end < start:
        inside = [_days(max(t0, dt.date(y, 1, 1)), min(t1, dt.date(y, 12, 31))) for y in years]
        tail: dict[int, int] = {}
    else:
        inside = [_days(max(start, t0, dt.date(y, 1, 1)), min(end, t1, dt.date(y, 12, 31)))
                  for y in years]
        after = t1 + dt.timedelta(days=1)
        tail = {y: _days(max(start, after, dt.date(y, 1, 1)), min(end, dt.date(y, 12, 31)))
                for y in range(after.year, min(end.year, t0.year + 199) + 1)}
    n = float(sum(inside))
    if n <= 0:
        return 1.0, 1.0
    pv_in = sum(d * df[y] for y, d in zip(years, inside, strict=True)) / n
    pv_tail = sum(d * df[y] for y, d in tail.items()) / n
    return (1.0 if static else pv_in), pv_in + pv_tail


def contract_terms(claims: pd.DataFrame, deals: pd.DataFrame, firms: Any,
                   horizon: tuple[dt.date, dt.date], rate: float, m: Any
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, list[str]]]:
    """The sales contracts behind :func:`contract_factors`, one row per purchase claim a
    firm is the creditor of (amount above 0, its leg known), the run counting its leg or
    not (a draw can switch a leg left out on): the claims' positions in ``claims``,
    ``counted`` and ``value`` per dollar (:func:`contract_value`), and per firm the legs
    the run counts (``claims["base"]`` above 0) that run past the horizon. How much each row
    weighs is :func:`contract_factor`'s rule.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping
    >>> from dealloop.scenarios import loads
    >>> bs = mapping.build(dl.load(), loads("name: x\\nquestion: q"))
    >>> rows, counted, value, _ = contract_terms(bs.claims, bs.deals, bs.firms, bs.horizon,
    ...                                          bs.discount_rate, bs.scenario.mapping)
    >>> set(bs.claims["channel"].iloc[rows]), bool((value >= counted).all())
    ({'purchase'}, True)
    """
    static = m.timing == "static"
    by_id = deals.set_index("id") if len(deals) else deals
    rows, counted, value = [], [], []
    tails: dict[str, list[str]] = {}
    buy = (claims["channel"] == "purchase").to_numpy()
    for c in np.flatnonzero(buy):
        deal, creditor = claims["deal"].iloc[c], claims["creditor"].iloc[c]
        if deal not in by_id.index or creditor not in firms \
                or not claims["amount"].iloc[c] > 0:
            continue
        row = by_id.loc[deal]
        start = row["start"] if isinstance(row["start"], dt.date) else None
        end = _leg_end(start, row["end"], str(row["kind"]), m)
        cv = contract_value(start, end, horizon, rate, static=static)
        rows.append(int(c))
        counted.append(cv[0])
        value.append(cv[1])
        if end is not None and end > horizon[1] and claims["base"].iloc[c] > 0:
            tails.setdefault(creditor, []).append(str(deal))
    return (np.array(rows, int), np.array(counted, float), np.array(value, float), tails)


def contract_factors(claims: pd.DataFrame, deals: pd.DataFrame, firms: Any,
                     horizon: tuple[dt.date, dt.date], rate: float, m: Any
                     ) -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
    """Each firm's ``contract_pv`` factor: the present value of the sales contracts the run
    counts (purchase claims it is the creditor of, over every year each runs from the
    horizon's start, :func:`contract_value`) over what the run counts of them, weighted as
    :func:`contract_factor` weighs them (a leg the run leaves out does not weigh); 1 for a
    firm with none. Also, per firm, the legs counted that run past the horizon. The rows
    are :func:`contract_terms`'.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping
    >>> from dealloop.scenarios import loads
    >>> bs = mapping.build(dl.load(), loads("name: x\\nquestion: q"))
    >>> f, legs = contract_factors(bs.claims, bs.deals, bs.firms, bs.horizon,
    ...                            bs.discount_rate, bs.scenario.mapping)
    >>> f["oracle"] > 1.0 and "D03" in legs["oracle"]   # OpenAI's contract runs to 2031
    True
    """
    rows, counted, value, tails = contract_terms(claims, deals, firms, horizon, rate, m)
    names = sorted(firms)
    pos = {f: i for i, f in enumerate(names)}
    cred = np.array([pos.get(str(x), -1) for x in claims["creditor"].iloc[rows]], int)
    keep = cred >= 0
    rows, cred = rows[keep], cred[keep]
    amount = claims["amount"].to_numpy(float)[rows]
    cmap = sp.csr_array((np.ones(len(rows)), (cred, np.arange(len(rows)))),
                        shape=(len(names), len(rows)))
    f = contract_factor(cmap, amount * counted[keep], amount * value[keep],
                        claims["base"].to_numpy(float)[rows])
    return ({x: float(f[pos[x]]) for x in firms},
            {x: tuple(dict.fromkeys(v)) for x, v in tails.items()})


def contract_factor(cmap: sp.csr_array, counted: np.ndarray, value: np.ndarray,
                    mult: np.ndarray) -> np.ndarray:
    """Each firm's contract factor ``(N,)``, or ``(N, K)`` in ``K`` draws: the present
    value of its sales contracts over what the run counts of them. The one rule of how a
    contract weighs, for the stress run (:func:`contract_factors`), the legs a rank-legs
    run removes and Monte Carlo draws (:func:`drawn_multiples`) alike: its amount
    (``counted`` and ``value``: the amount times :func:`contract_value`'s per dollar)
    times its leg's multiplier in the run, ``mult`` ``(P,)`` or ``(P, K)`` (1 counted, 0
    left out by ``legs.exclude``, a status not selected or a draw, the draw's multiplier
    for a leg drawn or switched on). A firm with no contract the run counts has factor 1.
    ``cmap`` ``(N, P)`` maps the contracts to their sellers.

    Examples
    --------
    A firm with two contracts, one worth 1.5 its counted amount: left out, it does not weigh.

    >>> cmap = sp.csr_array(np.ones((1, 2)))
    >>> counted, value = np.array([10.0, 10.0]), np.array([10.0, 15.0])
    >>> contract_factor(cmap, counted, value, np.array([1.0, 1.0])).tolist()
    [1.25]
    >>> contract_factor(cmap, counted, value, np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    ...                 ).tolist()
    [[1.0, 1.5, 1.0]]
    """
    mult = np.asarray(mult, float)
    if mult.ndim == 2:
        counted, value = counted[:, None], value[:, None]
    num = np.asarray(cmap @ (value * mult), float)
    den = np.asarray(cmap @ (counted * mult), float)
    return np.divide(num, den, out=np.ones_like(num), where=den > 0)


def contract_weights(bs: Any, creditor: np.ndarray, amount: np.ndarray
                     ) -> tuple[np.ndarray, ...]:
    """What :func:`drawn_multiples` weighs, for balance sheets ``bs`` compiled with claim
    creditors ``creditor`` and amounts ``amount`` ``(C,)``: the rows of
    :func:`contract_terms` whose creditor's multiple follows its contract factor
    (``contract_pv`` and ``price_to_book``; under ``earnings`` a firm without the figure),
    their ``(N, P)`` creditor map, amount times ``counted`` and times ``value``, each
    firm's multiple per unit of factor and the rows' multipliers in the run (their legs'
    ``base``). Empty rows when none follows.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping
    >>> from dealloop.scenarios import loads
    >>> comp = mapping.build(dl.load(), loads("name: x\\nquestion: q")).compile()
    >>> rows, cmap, counted, value, per, base = contract_weights(
    ...     comp.bs, comp.structure.creditor, comp.amount)
    >>> cmap.shape == (comp.n, len(rows)), bool((value >= counted).all())
    (True, True)
    """
    m, frame, n = bs.scenario.mapping, bs.frame, len(bs.firms)
    rule = m.market_value_rule
    if rule not in ("contract_pv", "price_to_book", "earnings") or "value_multiple" not in frame:
        return (np.zeros(0, int),)
    rows, counted, value, _ = contract_terms(bs.claims, bs.deals, bs.firms, bs.horizon,
                                             bs.discount_rate, m)
    cred = creditor[rows]
    base = bs.claims["base"].to_numpy(float)[rows]
    cmap = sp.csr_array((np.ones(len(rows)), (cred, np.arange(len(rows)))),
                        shape=(n, len(rows)))
    factor = contract_factor(cmap, amount[rows] * counted, amount[rows] * value, base)
    follows = factor > 0
    if rule == "earnings":  # a firm without the figure moves as under contract_pv
        follows &= frame["value_assumed"].to_numpy(bool)
    keep = follows[cred]
    rows, cred = rows[keep], cred[keep]
    if not len(rows):
        return (np.zeros(0, int),)
    per = np.divide(frame["value_multiple"].to_numpy(float), factor, out=np.zeros(n),
                    where=follows)
    cmap = sp.csr_array((np.ones(len(rows)), (cred, np.arange(len(rows)))),
                        shape=(n, len(rows)))
    return (rows, cmap, amount[rows] * counted[keep], amount[rows] * value[keep], per,
            base[keep])


def drawn_multiples(weights: tuple[np.ndarray, ...], claim_deal: np.ndarray,
                    vm0: np.ndarray, M: np.ndarray) -> np.ndarray | None:
    """``(N, K)``: each firm's multiple on its sales to other firms (``vm0`` ``(N,)`` in the
    run, its legs at their multipliers ``base``) in draws with deal multipliers ``M``
    ``(D, K)``: its contracts (``weights``, :func:`contract_weights`; ``claim_deal``: each
    claim's deal) weighed as :func:`contract_factor` weighs them, by the amounts drawn, as
    a stress run with those ``legs.amounts`` weighs them. A leg a draw (or a rank-legs run)
    leaves out (0) does not weigh, as ``legs.exclude`` leaves it out; a leg a draw switches
    on weighs its amount times the multiplier drawn, as ``legs.include`` with that amount.
    Firms whose contracts no draw moves keep ``vm0``; ``None`` when there are none.

    Examples
    --------
    Oracle's contract with OpenAI (D03, running to 2031) drawn at half and twice its amount:
    the contract past the horizon weighs less, then more; left out, it does not weigh.

    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("baseline")).compile()
    >>> M = np.repeat(comp.base_mult[:, None], 4, axis=1)
    >>> M[comp.deal_index["D03"]] = [1.0, 0.5, 2.0, 0.0]
    >>> vm0 = comp.structure.value_multiple
    >>> weights = contract_weights(comp.bs, comp.structure.creditor, comp.amount)
    >>> vm = drawn_multiples(weights, comp.claim_deal, vm0, M)
    >>> i = comp.bs.firms.index("oracle")
    >>> bool(vm[i, 0] == vm0[i]), bool(vm[i, 3] < vm[i, 1] < vm[i, 0] < vm[i, 2])
    (True, True)
    """
    if not len(weights[0]):
        return None
    rows, cmap, counted, value, per, base = weights
    M = np.asarray(M, float)
    w = M[claim_deal[rows]]
    moved = w != base[:, None]
    if not moved.any():
        return None
    firms = np.flatnonzero(np.asarray(cmap @ moved.any(axis=1).astype(float)) > 0)
    cf = sp.csr_array(cmap[firms])
    f = contract_factor(cf, counted, value, w)
    out = np.empty((len(vm0), M.shape[1]))
    out[:] = vm0[:, None]
    touched = np.asarray(cf @ moved.astype(float)) > 0
    out[firms] = np.where(touched, per[firms, None] * f, vm0[firms, None])
    return out


def value_multiples(net: Any, frame: pd.DataFrame, m: Any, years: float,
                    factors: dict[str, float] | None = None,
                    tails: dict[str, tuple[str, ...]] | None = None) -> None:
    """Each firm's market value lost per dollar of net worth lost (columns
    ``value_multiple`` on its sales to other firms, ``outside_multiple`` on its outside
    revenue, ``value_figures, value_assumed, value_legs``; see the module docstring).
    ``factors`` and ``tails`` are :func:`contract_factors`' (default: 1 for every firm, no
    legs past the horizon). These are the multiples at the legs' amounts; Monte Carlo draws
    weigh the contracts by the amounts they draw (:meth:`.compiled.Compiled.value_multiples`).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.scenarios import loads
    >>> m = loads("name: x\\nquestion: q\\nmapping: {market_value_rule: earnings}").mapping
    >>> frame = pd.DataFrame({"market_value": [3623.0], "market_value_figures": [("F1",)]},
    ...                      index=["microsoft"])
    >>> value_multiples(dl.load(), frame, m, years=5.0)
    >>> round(float(frame.at["microsoft", "value_multiple"]), 2)   # 3,623 / 101.8 / 5
    7.12
    >>> m = loads("name: x\\nquestion: q").mapping   # contract_pv
    >>> value_multiples(dl.load(), frame, m, years=5.0, factors={"microsoft": 1.2})
    >>> float(frame.at["microsoft", "value_multiple"]), float(frame.at["microsoft",
    ...                                                               "outside_multiple"])
    (1.2, 1.0)
    """
    annual = annual_figures(net)
    rule = m.market_value_rule
    metric = {"earnings": "net_income", "price_to_book": "book_equity"}.get(rule)
    mult, outside, figures, assumed, legs = [], [], [], [], []
    for eid in frame.index:
        mv = float(frame["market_value"][eid])
        pv = 1.0 if rule in ("fixed", "earnings") or factors is None else \
            float(factors.get(eid, 1.0))
        x, fids, flag = pv, (), metric is not None and mv > 0
        xo = 1.0  # outside revenue: no contract factor
        if metric is not None and mv > 0:
            hit = next((annual[(eid, metric, p)] for p in _latest(annual, eid)
                        if (eid, metric, p) in annual and annual[(eid, metric, p)][0] > 0),
                       None)
            if hit is not None:
                xo = mv / hit[0] / (years if metric == "net_income" and years > 0 else 1.0)
                x = xo * pv
                fids, flag = (*tuple(frame["market_value_figures"][eid]), hit[1]), False
            elif factors is not None:
                x = float(factors.get(eid, 1.0))  # no figure: as contract_pv, flagged
        mult.append(x * m.value_multiple)
        outside.append(xo * m.value_multiple)
        figures.append(fids)
        assumed.append(flag)
        legs.append(tuple(tails.get(eid, ())) if tails and rule in (
            "contract_pv", "price_to_book") else ())
    frame["value_multiple"] = np.asarray(mult, float)
    frame["outside_multiple"] = np.asarray(outside, float)
    frame["value_figures"] = figures
    frame["value_assumed"] = assumed
    frame["value_legs"] = legs
