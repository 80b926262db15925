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

    * ``earnings`` (default): the loss is earnings the horizon no longer brings, capitalised
      at the firm's price-earnings ratio: multiple = market value / net income of its latest
      whole year / the horizon's years (an annual loss x P/E);
    * ``price_to_book``: market value / its latest reported book equity (market value moves
      with book equity at a constant price-to-book);
    * ``fixed``: 1 (dollar for dollar).

    A firm without the figures a rule needs (no positive net income, no book equity) moves
    dollar for dollar, flagged ``value_assumed``. ``mapping.value_multiple`` scales every
    firm's multiple (default 1).

Examples
--------
>>> import dealloop as dl
>>> from dealloop import mapping
>>> from dealloop.scenarios import loads
>>> bs = mapping.build(dl.load(), loads("name: x\\nquestion: q"))
>>> pe = bs.frame.at["microsoft", "market_value"] / 101.8  # F057: FY2025 net income
>>> bool(np.isclose(bs.frame.at["microsoft", "value_multiple"], pe / bs.revenue_years))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .values import per_entity

__all__ = ["annual_figures", "margins", "value_multiples"]

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


def value_multiples(net: Any, frame: pd.DataFrame, m: Any, years: float) -> None:
    """Each firm's market value lost per dollar of net worth lost (columns
    ``value_multiple, value_figures, value_assumed``; see the module docstring).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.scenarios import loads
    >>> m = loads("name: x\\nquestion: q").mapping   # rule "earnings": P/E per horizon year
    >>> frame = pd.DataFrame({"market_value": [3623.0], "market_value_figures": [("F1",)]},
    ...                      index=["microsoft"])
    >>> value_multiples(dl.load(), frame, m, years=5.0)
    >>> round(float(frame.at["microsoft", "value_multiple"]), 2)   # 3,623 / 101.8 / 5
    7.12
    """
    annual = annual_figures(net)
    metric = {"earnings": "net_income", "price_to_book": "book_equity"}.get(
        m.market_value_rule)
    mult, figures, assumed = [], [], []
    for eid in frame.index:
        mv = float(frame["market_value"][eid])
        x, fids, flag = 1.0, (), metric is not None and mv > 0
        if metric is not None and mv > 0:
            hit = next((annual[(eid, metric, p)] for p in _latest(annual, eid)
                        if (eid, metric, p) in annual and annual[(eid, metric, p)][0] > 0),
                       None)
            if hit is not None:
                x = mv / hit[0] / (years if metric == "net_income" and years > 0 else 1.0)
                fids, flag = (*tuple(frame["market_value_figures"][eid]), hit[1]), False
        mult.append(x * m.value_multiple)
        figures.append(fids)
        assumed.append(flag)
    frame["value_multiple"] = np.asarray(mult, float)
    frame["value_figures"] = figures
    frame["value_assumed"] = assumed
