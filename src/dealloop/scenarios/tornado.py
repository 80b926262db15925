"""Uncertainty over assumptions: a tornado of every headline over the mapping's main choices.

The evidence band (:data:`.runner.BANDS`) varies which deals count; the figures move as much
with the modelling assumptions. :func:`tornado` reruns a scenario with each assumption set
low and high (everything else as the scenario says) and reports every headline's value at
both ends next to the central run, ranked by swing. :func:`assumptions` lists what a run
rests on: every mapping value the scenario changes from the default and every figure the
mapping had to assume.

==================  =============================  ============================================
assumption          low / high                     key
==================  =============================  ============================================
revenue growth      -10% / +25% a year             ``mapping.revenue_growth.default``
margin              margin x 0.5 / x 1.5            ``mapping.operating_margin`` (all firms)
stranded costs      0 / 1                          ``mapping.stranded_share.default``
terms               3 / 10 years                   ``mapping.undated_term_years``
new money           no headroom / 50%              ``mapping.new_money_headroom``
new money held back 0 / 25% of the round           ``mapping.new_money_buffer``
recovery            0 / 0.8                        ``recovery`` of every ``fail`` shock
market-value rule   $ for $ / P/E (upper bound)    ``mapping.market_value_rule``
collateral haircut  none / 60% in a forced sale    ``mapping.collateral_haircut``
debt maturing       25% / 75%                      ``mapping.debt_maturing_share.default``
discount rate       0 / 8% a year                  ``mapping.discount_rate``
credit spread       1% / 5% over the rate          ``mapping.credit_spread``
timing              the static step / the years    ``mapping.timing``
earnings retained   0 (today's book) / all         ``mapping.earnings_retained``
vehicle equity      none / the equity legs         ``mapping.vehicle_equity``
==================  =============================  ============================================
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .models import MappingSpec, Scenario
from .results import HEADLINES

__all__ = ["ASSUMPTIONS", "assumptions", "tornado"]

Change = Callable[[Scenario, Any], Scenario]


def _mapping(sc: Scenario, **values: Any) -> Scenario:
    return sc.model_copy(update={"mapping": sc.mapping.model_copy(update=values)})


def _per_default(key: str, value: float) -> Change:
    def change(sc: Scenario, _bs: Any) -> Scenario:
        return _mapping(sc, **{key: {**getattr(sc.mapping, key), "default": value}})
    return change


def _margin(factor: float) -> Change:
    def change(sc: Scenario, bs: Any) -> Scenario:
        m = {f: min(1.0, float(v) * factor) for f, v in bs.frame["margin"].items()}
        return _mapping(sc, operating_margin=m)
    return change


def _recovery(value: float) -> Change:
    def change(sc: Scenario, _bs: Any) -> Scenario:
        shocks = [s.model_copy(update={"recovery": value}) if s.type == "fail" else s
                  for s in sc.shocks]
        return sc.model_copy(update={"shocks": shocks})
    return change


def _set(key: str, value: Any) -> Change:
    def change(sc: Scenario, _bs: Any) -> Scenario:
        return _mapping(sc, **{key: value})
    return change


#: Assumption -> (label of low, change to low, label of high, change to high).
ASSUMPTIONS: dict[str, tuple[str, Change, str, Change]] = {
    "revenue growth": ("-10%/yr", _per_default("revenue_growth", -0.10),
                       "+25%/yr", _per_default("revenue_growth", 0.25)),
    "margin": ("x0.5", _margin(0.5), "x1.5", _margin(1.5)),
    "stranded costs": ("0", _per_default("stranded_share", 0.0),
                       "1", _per_default("stranded_share", 1.0)),
    "terms": ("3 yr", _set("undated_term_years", 3.0), "10 yr", _set("undated_term_years", 10.0)),
    "new money": ("no headroom", _set("new_money_headroom", 0.0),
                  "50% headroom", _set("new_money_headroom", 0.5)),
    "new money held back": ("0", _set("new_money_buffer", 0.0),
                            "25% of the round", _set("new_money_buffer", 0.25)),
    "recovery": ("0", _recovery(0.0), "0.8", _recovery(0.8)),
    "market-value rule": ("$ for $", _set("market_value_rule", "fixed"),
                          "P/E (upper bound)", _set("market_value_rule", "earnings")),
    "collateral haircut": ("none", _set("collateral_haircut", {"gpu": 0.0, "campus": 0.0}),
                           "60%", _set("collateral_haircut", {"gpu": 0.6, "campus": 0.6})),
    "debt maturing": ("25%", _per_default("debt_maturing_share", 0.25),
                      "75%", _per_default("debt_maturing_share", 0.75)),
    "discount rate": ("0", _set("discount_rate", 0.0), "8%", _set("discount_rate", 0.08)),
    "credit spread": ("1%", _set("credit_spread", 0.01), "5%", _set("credit_spread", 0.05)),
    "timing": ("static step", _set("timing", "static"), "years", _set("timing", "years")),
    "earnings retained": ("0 (today's book)", _set("earnings_retained", 0.0),
                          "all", _set("earnings_retained", 1.0)),
    "vehicle equity": ("none", _set("vehicle_equity", "none"),
                       "equity legs", _set("vehicle_equity", "legs")),
}


def tornado(scenario: Scenario | str | Path, net: Any = None,
            metrics: tuple[str, ...] = tuple(HEADLINES)) -> pd.DataFrame:
    """Every headline of ``scenario`` with each assumption of :data:`ASSUMPTIONS` set low
    and high: one row per assumption and metric (``assumption, metric, low_setting,
    high_setting, low, central, high, swing``), largest swing first. An assumption the
    scenario does not use (recovery without a ``fail`` shock, earnings retained without a
    firm on book equity, vehicle equity without a vehicle with sponsor equity) is left out.

    Examples
    --------
    >>> import dealloop as dl
    >>> t = tornado("coreweave-default", dl.load(), metrics=("payment_shortfall",))
    >>> bool((t["swing"] >= 0).all()) and "recovery" in set(t["assumption"])
    True
    """
    from .runner import prepare, run

    sc, net = prepare(scenario, net)
    central_res = run(sc, net, band=False)
    central = central_res.system
    rows = []
    for name, (lo_label, lo, hi_label, hi) in ASSUMPTIONS.items():
        if name == "recovery" and not any(s.type == "fail" for s in sc.shocks):
            continue
        basis = set(central_res.firms.get("equity_basis", pd.Series(dtype=object)))
        if (name == "earnings retained" and "book" not in basis) \
                or (name == "vehicle equity" and "sponsor" not in basis):
            continue
        lo_sys = run(lo(sc, central_res.balance), net, band=False).system
        hi_sys = run(hi(sc, central_res.balance), net, band=False).system
        for m in metrics:
            a, b = float(lo_sys[m]), float(hi_sys[m])
            rows.append({"assumption": name, "metric": m, "low_setting": lo_label,
                         "high_setting": hi_label, "low": a, "central": float(central[m]),
                         "high": b, "swing": abs(b - a) if abs(b - a) > 1e-9 else 0.0})
    frame = pd.DataFrame(rows, columns=["assumption", "metric", "low_setting",
                                        "high_setting", "low", "central", "high", "swing"])
    return frame.sort_values(["metric", "swing"], ascending=[True, False],
                             kind="stable").reset_index(drop=True)


_RULES = {
    "contract_pv": "present value at the discount rate of the margin and stranded costs "
                   "lost over the years each contract runs, never beyond its end",
    "earnings": "lost revenue at the firm's price-earnings ratio: a perpetuity, an upper "
                "bound",
    "price_to_book": "the contracts' present value at the firm's price-to-book",
    "fixed": "dollar for dollar on what the horizon counts",
}


#: The assumptions box's line on the share of the plan's new money held back.
_BUFFER_LINE = (
    "new money held back {b:.0%} of each round (mapping.new_money_buffer, assumed; at 0 the "
    "plan's round covers each firm's gap exactly, so a small funding cut is a default); "
    "context: OpenAI's $40B round could be cut by $10B (25%) without a restructuring, "
    "CNBC 2025-03-31 https://www.cnbc.com/2025/03/31/openai-closes-40-billion-in-funding-"
    "the-largest-private-fundraise-in-history-softbank-chatgpt.html")


#: How outside revenue lost moves market value under each rule.
_OUTSIDE_RULE = {"contract_pv": "outside revenue lost $ for $",
                 "fixed": "outside revenue lost $ for $",
                 "price_to_book": "outside revenue lost at the price-to-book",
                 "earnings": "outside revenue lost at the same multiple"}


def _value_line(scenario: Scenario, fr: pd.DataFrame) -> str:
    """The market-value rule and each firm's multiple (with its figure ids or the legs that
    run past the horizon), and the firms the rule has no figure for."""
    rule = scenario.mapping.market_value_rule
    legs = fr["value_legs"] if "value_legs" in fr else pd.Series([()] * len(fr), fr.index)
    shown = [f"{f} {x:.2f} ({';'.join((*ids, *lg))})" for f, x, ids, a, lg in zip(
        fr.index, fr["value_multiple"], fr["value_figures"], fr["value_assumed"], legs,
        strict=True) if (ids or lg) and not a and abs(x - 1.0) > 1e-12]
    line = (f"market value rule {rule} (mapping.market_value_rule: {_RULES[rule]}; $ lost "
            f"per $ of sales to other firms lost, {_OUTSIDE_RULE[rule]}, capital flows "
            "$ for $)"
            + (": " + ", ".join(shown) if shown else ""))
    gone = [f for f, a in zip(fr.index, fr["value_assumed"], strict=True) if a]
    if gone:
        line += (f"; no figure for the rule (moves as contract_pv) for {len(gone)} firms: "
                 + ", ".join(gone))
    return line


def _demand_lines(fr: pd.DataFrame) -> list[str]:
    """The share of each firm's revenue a demand shock reaches: sourced (figure ids), set
    in the mapping, or all of it for want of a figure (flagged; only firms with outside
    revenue, the others have nothing a demand shock can reach)."""
    sourced = [f"{f} {x:.2f} ({';'.join(ids)})" for f, x, ids in zip(
        fr.index, fr["demand_exposure"], fr["demand_figures"], strict=True) if ids]
    reached = fr["outside_revenue"] > 0 if "outside_revenue" in fr else fr["demand_assumed"]
    bare = [f for f, a, r in zip(fr.index, fr["demand_assumed"], reached, strict=True)
            if a and r]
    out = []
    if sourced:
        out.append("demand shock on the AI share of revenue (ai_revenue_share figures): "
                   + ", ".join(sourced))
    if bare:
        out.append(f"demand shock on all revenue (no sourced AI share, assumed) for "
                   f"{len(bare)} firms: " + ", ".join(bare))
    return out


def _firm_lines(scenario: Scenario, fr: pd.DataFrame, deals: pd.DataFrame) -> list[str]:
    """The assumptions box's lines about the firms and legs of the balance sheets: assumed
    margins and terms, vehicles' terms, the market-value rule, demand exposures, new money
    and missing cash figures."""
    out: list[str] = []
    if "margin_assumed" in fr:
        assumed = [f for f in fr.index if fr.at[f, "margin_assumed"]]
        if assumed and scenario.mapping.contracts == "margin":
            out.append(f"margin assumed ({scenario.mapping.margin_fallback:g}, no net "
                       f"income figure) for {len(assumed)} firms: {', '.join(assumed)}")
    if "term_assumed" in deals:
        legs = [str(d) for d, a, b in zip(deals["id"], deals["term_assumed"], deals["base"],
                                         strict=True) if a is True and b]
        if legs:
            out.append(f"term assumed (no end reported) for {len(legs)} legs: "
                       + ", ".join(legs))
    if "assumed" in deals:
        how = [f"{d} {v:,.1f} ({a})" for d, v, a, b in zip(
            deals["id"], deals["value"], deals["assumed"], deals["base"], strict=True)
            if isinstance(a, str) and a and b]
        if how:
            out.append("vehicle terms assumed (whole term, $bn; mapping.vehicle_terms): "
                       + "; ".join(how))
    if "value_multiple" in fr:
        out.append(_value_line(scenario, fr))
    if "demand_exposure" in fr and any(s.type == "demand" for s in scenario.shocks):
        out.extend(_demand_lines(fr))
    if scenario.mapping.new_money == "plan" and "new_money" in fr and (fr["new_money"] > 0).any():
        out.append(_BUFFER_LINE.format(b=scenario.mapping.new_money_buffer))
    if "new_money_sources" in fr:
        got = [f"{f} {v:,.1f} ({';'.join(ids)})" for f, v, ids in zip(
            fr.index, fr["new_money"], fr["new_money_sources"], strict=True) if v > 0]
        out.append("new money from announced sources only (mapping.new_money: sourced): "
                   + (", ".join(got) if got else "none"))
    if "equity_basis" in fr:
        book = [f"{f} {b:,.1f} ({';'.join(ids)})" for f, b, ids, basis in zip(
            fr.index, fr["book_equity"], fr["book_equity_figures"], fr["equity_basis"],
            strict=True) if basis == "book"]
        model = [f for f, basis in zip(fr.index, fr["equity_basis"], strict=True)
                 if basis == "model"]
        kept = scenario.mapping.earnings_retained
        out.append("loss buffer (mapping.loss_buffer): book equity for "
                   + (", ".join(book) if book else "no firm")
                   + (f", measured at the horizon's end (plus {kept:.0%} of the earnings the "
                      "unshocked run brings over the horizon, mapping.earnings_retained"
                      + (": payouts not modelled, assumed" if kept == 1 else "")
                      + "; stakes at cost, no carrying value reported: assumed)"
                      if book else "")
                   + (f"; the model's construct (means minus obligations over the horizon; "
                      f"no book equity figure, assumed) for the other {len(model)} firms"
                      if model else ""))
    if "equity_basis" in fr and (fr["equity_basis"] == "sponsor").any():
        spv = fr[fr["equity_basis"] == "sponsor"]
        out.append("vehicle equity (mapping.vehicle_equity), lost first before the lenders: "
                   + ", ".join(f"{f} {b:,.1f} ({s.split('; ')[0].partition(', ')[2]})"
                               for f, b, s in zip(spv.index, spv["book_equity"],
                                                  spv["starting"], strict=True)))
    if scenario.mapping.cash and "cash_figures" in fr:
        bare = [f for f, ids in zip(fr.index, fr["cash_figures"], strict=True) if not ids]
        if bare:
            out.append(f"no cash figure (0 assumed) for {len(bare)} firms: "
                       + ", ".join(bare))
    return out


def assumptions(scenario: Scenario, balance: Any = None) -> list[str]:
    """What a run rests on, one line each: every ``mapping`` value the scenario changes from
    the default, then (given the balance sheets) every firm whose margin is assumed and every
    leg whose term is assumed.

    Examples
    --------
    >>> from dealloop.scenarios import loads
    >>> assumptions(loads("name: x\\nquestion: q\\nmapping: {stranded_share: {default: 1}}"))
    ['mapping.stranded_share = {default: 1.0}']
    """
    out = []
    default = MappingSpec()
    for key in type(scenario.mapping).model_fields:
        v, d = getattr(scenario.mapping, key), getattr(default, key)
        if v != d:
            shown = "{" + ", ".join(f"{k}: {x}" for k, x in v.items()) + "}" \
                if isinstance(v, dict) else str(v)
            out.append(f"mapping.{key} = {shown}")
    if balance is not None:
        fr = balance.frame
        out.extend(_firm_lines(scenario, fr, balance.deals))
        pl = getattr(balance, "collateral", None)
        if pl is not None and len(pl):
            m = scenario.mapping
            out.append("secured on collateral (value at origination, $bn; curves "
                       "mapping.collateral_curves, forced-sale haircut "
                       + ", ".join(f"{a} {h:g}" for a, h in m.collateral_haircut.items())
                       + ", assumed): " + ", ".join(
                           f"{d} {a} {v:,.1f} ({b})" for d, a, v, b in zip(
                               pl["deal"], pl["asset"], pl["value"], pl["basis"],
                               strict=True)))
    return out
