"""Remove a deal and rerun: which legs carry the systemic risk of a scenario.

For every leg counted in the scenario (or the legs named), the scenario is rerun on the
network without that leg: its claims and stakes go, and outside revenue and the plan's new
money are sized again for the network that is left (as :func:`dealloop.mapping.build` would
size them for a dataset without the row). A removal is the stress run with the leg in
``legs.exclude``: a debt leg of a firm that reports its total debt (``debt_usd_bn``) and
that was drawn by the figure's date is inside that total, so removing it leaves the firm's
debt as reported (the leg's amount becomes reported debt beyond the legs,
:mod:`dealloop.mapping.reported`); a debt leg drawn later goes with its debt; a sales leg no
longer weighs in its seller's market-value multiple
(:func:`.mapping.earnings.contract_factor`). The change in every headline figure (figure
without the leg minus figure with it) is reported and the legs are ranked by the size of the
change in ``rank_by``. All the reruns are one batched engine call (one draw per leg).

Examples
--------
>>> import dealloop as dl
>>> res = sensitivity("openai-no-new-money", dl.load())
>>> top = res.table.iloc[0]
>>> top["payer"], bool(top["delta_payment_shortfall"] < 0)
('openai', True)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ..data.problems import DataError, Problem
from ..mapping.compiled import compile_scenario
from ..mapping.sheets import build
from .results import HEADLINES, SensitivityResult
from .runner import clear_runs, headline, prepare
from .spec import Scenario

__all__ = ["sensitivity"]


def sensitivity(scenario: Scenario | str | Path, net: Any = None, *,
                legs: Iterable[str] | None = None,
                rank_by: str = "market_value_lost_net") -> SensitivityResult:
    """Rank the legs of a scenario by how much each headline figure changes without them.

    Parameters
    ----------
    scenario, net
        As for :func:`~dealloop.scenarios.run`.
    legs
        Deal ids to take out one at a time (default: every leg counted in the scenario).
    rank_by
        Headline figure to rank by (absolute change), one of
        :data:`~dealloop.scenarios.results.HEADLINES`.

    Returns
    -------
    SensitivityResult

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import scenarios
    >>> s = scenarios.sensitivity("openai-no-new-money", dl.load(), legs=["D03"])
    >>> s.to_frame()["deal"].tolist()
    ['D03']
    """
    if rank_by not in HEADLINES:
        raise ValueError(f"rank_by: expected one of {', '.join(HEADLINES)}, got {rank_by!r}")
    sc, net = prepare(scenario, net)
    comp = compile_scenario(sc, build(net, sc))
    deals = comp.bs.deals
    counted = [d for d, b in zip(deals["id"], deals["base"], strict=True)
               if b > 0 and ":" not in d]
    if legs is None:
        chosen = counted
    else:
        chosen = list(dict.fromkeys(legs))
        bad = [d for d in chosen if d not in comp.deal_index]
        if bad:
            raise DataError([Problem(sc.source, None, "legs", f"{d!r} is not a leg counted in "
                                     "this scenario") for d in bad])
    # draw 0: nothing removed; draw i: leg i removed
    drop = np.array([-1] + [comp.deal_index[d] for d in chosen])
    k = len(drop)
    M = np.repeat(comp.base_mult[:, None], k, axis=1)
    keep = drop >= 0
    M[drop[keep], np.flatnonzero(keep)] = 0.0
    base, out, _, _ = clear_runs(comp, k, mult=M, replan=comp.replan(M))
    heads = headline(comp, base, out, M)
    reference = {m: float(v[0]) for m, v in heads.items()}
    by_id = deals.set_index("id")
    rows = []
    for i, did in enumerate(chosen, start=1):
        row = {"deal": did, "payer": by_id.at[did, "payer"], "payee": by_id.at[did, "payee"],
               "kind": by_id.at[did, "kind"], "status": by_id.at[did, "status"],
               "evidence": by_id.at[did, "evidence"],
               "value": float(cast(float, by_id.at[did, "value"]))}
        for m in HEADLINES:
            row[f"delta_{m}"] = float(heads[m][i] - heads[m][0])
        rows.append(row)
    cols = ["deal", "payer", "payee", "kind", "status", "evidence", "value"] + \
        [f"delta_{m}" for m in HEADLINES]
    table = pd.DataFrame(rows, columns=cols)
    if len(table):
        key = table[f"delta_{rank_by}"].abs()
        table = table.assign(_k=key).sort_values(["_k", "deal"], ascending=[False, True],
                                                 kind="stable").drop(columns="_k")
        table = table.reset_index(drop=True)
    return SensitivityResult(scenario=sc.name, rank_by=rank_by, reference=reference,
                             table=table)
