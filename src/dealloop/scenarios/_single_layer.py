"""The single-layer models of a stress run (a scenario's ``models:`` section): each classic
model on the one layer it reads (liabilities, lending, stakes, purchases), for comparison
with the multi-layer engine (:func:`.runner.run` puts them in ``StressResult.models``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..mapping.compiled import Compiled
from ..mapping.values import point
from .engine import Outcome

__all__ = ["single_layer"]


def single_layer(comp: Compiled, base: Outcome, out: Outcome, net: Any
                 ) -> dict[str, pd.DataFrame]:
    """The single-layer models a scenario asks for (``models:``), each on the layer it
    reads, beside the engine's result: Eisenberg--Noe or Rogers--Veraart on the liability
    layer, DebtRank on modelled and on company equity, cross-holdings on market values,
    Leontief on the purchase layer. Keys are the table titles ``dealloop stress`` prints.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> from dealloop.scenarios.runner import clear_runs
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> base, out, _, _ = clear_runs(comp)
    >>> tables = single_layer(comp, base, out, dl.load())
    >>> any(title.startswith("eisenberg_noe") for title in tables)
    True
    """
    from .. import contagion as ct

    sc = comp.scenario
    spec = sc.models
    firms = list(comp.bs.firms)
    idx = pd.Index(firms, name="firm")
    res: dict[str, pd.DataFrame] = {}
    shocked = comp.inputs(1)
    lay = comp.to_layers(shocked)
    L, e, el = lay.L, lay.e, lay.external_liabilities
    assert e is not None  # layers of balance sheets carry the outside assets
    L0 = comp.to_layers().L
    engine = pd.DataFrame({"engine_defaulted": out.defaulted[:, 0],
                           "engine_wave": out.waves[:, 0]}, index=idx)
    if spec.eisenberg_noe:
        cl = spec.clearing
        if cl.model == "rogers_veraart":
            name = f"rogers_veraart(alpha={cl.alpha:g}, beta={cl.beta:g})"
            r = ct.rogers_veraart(L, e, alpha=cl.alpha, beta=cl.beta, external_liabilities=el)
        else:
            name = "eisenberg_noe"
            r = ct.eisenberg_noe(L, e, external_liabilities=el)
        frame = pd.DataFrame({"defaulted": r.defaulted, "wave": r.waves,
                              "payments": r.payments, "net_worth": r.net_worth}, index=idx)
        res[f"{name} (liability layer only)"] = frame.join(engine)
    if spec.debtrank is not None:
        E = base.equity[:, 0]
        ok = E > 1e-9
        if ok.sum() >= 2:
            first = _first_round(comp, base, shocked)
            h0 = np.clip((E - first) / np.where(ok, E, 1), 0, 1)[ok]
            A = L0.T[np.ix_(ok, ok)]
            cascade = ct.debtrank(A, E[ok], h0, variant=spec.debtrank.variant)
            frame = pd.DataFrame({"h_initial": h0, "h_final": cascade.h,
                                  "equity_before": E[ok]}, index=idx[ok])
            frame.attrs["debtrank"] = float(np.asarray(cascade.debtrank).ravel()[0])
            res[f"debtrank ({spec.debtrank.variant}); R = "
                f"{frame.attrs['debtrank']:.4f}"] = frame
        dr = _debtrank_company(net, comp, base, out, L0, shocked, spec.debtrank.variant)
        if dr is not None:
            res[f"debtrank ({spec.debtrank.variant}, equity from company figures); R = "
                f"{dr.attrs['debtrank']:.4f}"] = dr
    if spec.cross_holdings and comp.structure.s:
        st = comp.structure
        C = np.zeros((comp.n, comp.n))
        frac = st.stake_fraction * comp.base_mult[comp.stake_deal]
        np.add.at(C, (st.stake_holder, st.stake_issuer), frac)
        np.fill_diagonal(C, 0.0)
        colsum = C.sum(axis=0)
        C = C / np.maximum(colsum, 1.0)[None, :]
        rows = {}
        for label, V in (("before", comp.market_value), ("after", out.market_value[:, 0])):
            prim = V - C @ V
            ch = ct.cross_holdings(C, prim)
            rows[label] = {"double_count": float(ch.double_count),
                           "sum_of_market_values": float(V.sum()),
                           "outside_value": float(np.asarray(ch.market_value).sum())}
        res["cross_holdings (market value double-counted through stakes)"] = \
            pd.DataFrame(rows).T.rename_axis("run")
    if spec.leontief and any(s.type == "demand" for s in sc.shocks):
        _Z, x = comp.leontief_inputs()
        frame = pd.DataFrame({"output_before": x}, index=idx)
        for i, s in enumerate(sc.shocks):
            if s.type != "demand":
                continue
            drop = comp.leontief_for(comp.targets(s))
            frame[f"output_after (shock {i})"] = x * (1 - drop * point(s.fall))
            frame[f"change (shock {i})"] = -drop * point(s.fall)
        res["leontief (purchase layer, quantities)"] = frame
    return res


def _debtrank_company(net: Any, comp: Compiled, base: Outcome, out: Outcome, L0: np.ndarray,
                      shocked: Any, variant: str) -> pd.DataFrame | None:
    """DebtRank with each firm's equity from its company figures (book equity, else market
    value; :func:`~dealloop.mapping.equity.company_equity`) instead of the modelled equity,
    which is 0 for a firm whose plan needs new money (OpenAI): initial distress 1 for a firm
    defaulting in the first wave, else its direct loss (modelled equity before minus after
    the shocks' first round) over that equity."""
    from .. import contagion as ct
    from ..mapping.equity import company_equity

    firms = list(comp.bs.firms)
    E, _ = company_equity(net, firms)
    ok = E > 0
    if ok.sum() < 2:
        return None
    direct = np.maximum(base.equity[:, 0] - _first_round(comp, base, shocked), 0.0)
    h0 = np.where(out.waves[:, 0] == 1, 1.0, np.clip(direct / np.where(ok, E, 1.0), 0, 1))[ok]
    r = ct.debtrank(L0.T[np.ix_(ok, ok)], E[ok], h0, variant=variant)
    frame = pd.DataFrame({"h_initial": h0, "h_final": r.h, "equity_from_figures": E[ok]},
                         index=pd.Index(firms, name="firm")[ok])
    frame.attrs["debtrank"] = float(np.asarray(r.debtrank).ravel()[0])
    return frame


def _first_round(comp: Compiled, base: Outcome, shocked: Any) -> np.ndarray:
    """Equity after the direct hit of the shocks, before anything propagates."""
    st = comp.structure
    owed = shocked.amount[:, 0]
    n = comp.n
    rec = np.zeros(n)
    pbar = np.zeros(n)
    inside_c = st.creditor < n
    inside_d = st.debtor < n
    np.add.at(rec, st.creditor[inside_c], owed[inside_c])
    np.add.at(pbar, st.debtor[inside_d], owed[inside_d])
    nw = shocked.e[:, 0] + rec + base.stakes[:, 0] - pbar
    if shocked.initial_defaults is not None:
        nw = np.where(shocked.initial_defaults[:, 0], 0.0, nw)
    return np.maximum(nw, 0.0)
