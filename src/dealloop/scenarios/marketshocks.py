"""Scenarios sized by market prices: the ``markets:`` section of a scenario file.

``fail_pd_above: X`` fails every firm whose market-implied default probability over
``horizon_years`` exceeds ``X`` (in a stress run and in every Monte Carlo draw);
``draw_failures: true`` lets each other quoted firm fail in a Monte Carlo draw with its
implied probability (a single stress run is the draw where none of these happens). The
probabilities come from each firm's latest CDS (else bond) spread in the dataset's
``market.csv``, as of ``as_of`` (default: the latest quote), with recovery ``recovery``:
``PD = 1 − exp(−t · s / (1 − R))`` (:mod:`dealloop.prices.implied`). Investors and lenders
(outside the network by default) are never failed this way.

Examples
--------
>>> import dealloop as dl
>>> from dealloop import scenarios
>>> sc = scenarios.loads("name: m\\nquestion: q\\nmarkets: {fail_pd_above: 0.05}")
>>> sc2 = market_shocks(sc, dl.load())
>>> [(s.type, s.entity) for s in sc2.shocks]
[('fail', 'coreweave')]
"""

from __future__ import annotations

from typing import Any

from ..data.read import split_refs
from ..prices.quotes import implied_pds
from ..vocabulary import OUTSIDE_KINDS

__all__ = ["market_shocks"]


def market_shocks(scenario: Any, net: Any) -> Any:
    """The scenario with the fail shocks its ``markets:`` section asks for appended (the
    scenario itself when it has none). Each added shock's ``note`` gives the spread, its date,
    the implied probability and the source ids.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import scenarios
    >>> sc = scenarios.load("market-implied-defaults")
    >>> added = market_shocks(sc, dl.load()).shocks[len(sc.shocks):]
    >>> {s.type for s in added}, all(s.note.startswith("market-implied") for s in added)
    ({'fail'}, True)
    >>> market_shocks(scenarios.load("baseline"), dl.load()).shocks    # no markets: section
    []
    """
    m = getattr(scenario, "markets", None)
    if m is None or (m.fail_pd_above is None and not m.draw_failures):
        return scenario
    from .shocks import FailShock

    table = implied_pds(net, as_of=m.as_of, recovery=m.recovery, horizon=m.horizon_years,
                        max_age_days=m.max_age_days)
    kinds = dict(zip(net.entities["id"], net.entities["kind"], strict=True))
    named = {s.entity for s in scenario.shocks if s.type == "fail"}
    new = []
    for key, row in table.iterrows():
        firm = str(key)
        if firm in named or kinds.get(firm) in OUTSIDE_KINDS:
            continue
        p = float(row["pd_horizon"])
        why = (f"market-implied {m.horizon_years:g}-year default probability {p:.1%} from "
               f"{row['instrument']} {row['spread_bp']:.0f}bp on {row['date']} (recovery "
               f"{m.recovery:.0%}; {', '.join(split_refs(row['sources']))})")
        if m.fail_pd_above is not None and p > m.fail_pd_above:
            new.append(FailShock(type="fail", entity=firm,
                                 note=f"{why} > {m.fail_pd_above:.1%}"))
        elif m.draw_failures and p > 0:
            new.append(FailShock(type="fail", entity=firm, probability=p,
                                 note=f"{why}; drawn in Monte Carlo only"))
    if not new:
        return scenario
    return scenario.model_copy(update={"shocks": [*scenario.shocks, *new]})
