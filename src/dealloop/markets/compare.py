"""What markets price next to what the model says: implied default probabilities beside the
engine's defaults and the Monte Carlo probability of default, firm by firm."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ..prices.quotes import implied_pds
from .config import SignalsConfig, load_config

__all__ = ["compare_with_model"]


def compare_with_model(net: Any, scenario: Any = "baseline", *, draws: int = 2000,
                       seed: int = 0, as_of: str | dt.date | None = None,
                       config: SignalsConfig | None = None) -> pd.DataFrame:
    """One row per firm with a credit spread: the market's view and the model's.

    Columns: ``instrument``, ``date``, ``spread_bp``, ``pd_1y`` and ``pd_horizon`` (implied,
    over the config's ``pd_horizon_years``), ``engine_defaulted`` and ``engine_wave`` (one
    stress run of ``scenario``), ``mc_pd`` (share of ``draws`` Monte Carlo draws in which the
    firm defaults, in-process, seed ``seed``). The scenario's horizon (default 2026-2030) is
    the model's; compare ``mc_pd`` with ``pd_horizon`` over about the same number of years.

    Examples
    --------
    >>> import dealloop as dl
    >>> t = compare_with_model(dl.load(), "coreweave-default", draws=50)
    >>> bool(t.loc["coreweave", "engine_defaulted"]), float(t.loc["coreweave", "mc_pd"])
    (True, 1.0)
    """
    from .. import scenarios
    from ..scenarios.runner import prepare

    cfg = config or load_config()
    sc, net = prepare(scenario, net)
    table = implied_pds(net, as_of=as_of, recovery=cfg.recovery,
                        horizon=cfg.pd_horizon_years, max_age_days=cfg.max_age_days)
    run = scenarios.run(sc, net, band=False)
    sim = scenarios.simulate(sc, net, draws=draws, seed=seed, workers=0,
                             chunk=min(draws, 10_000))
    out = table[["instrument", "date", "spread_bp", "pd_1y", "pd_horizon", "sources"]].copy()
    firms = run.firms
    out["engine_defaulted"] = [bool(firms.at[f, "defaulted"]) if f in firms.index else None
                               for f in out.index]
    out["engine_wave"] = [int(firms.at[f, "wave"]) if f in firms.index else None
                          for f in out.index]
    out["mc_pd"] = [float(sim.firms.at[f, "pd"]) if f in sim.firms.index else None
                    for f in out.index]
    out.attrs.update(scenario=sc.name, draws=draws, seed=seed, horizon=list(sc.horizon),
                     pd_horizon_years=cfg.pd_horizon_years, recovery=cfg.recovery,
                     as_of=table.attrs.get("as_of"))
    return out
