"""Who is systemic: fail each firm in turn and rank the firms by the damage.

Each firm's failure is a scenario of its own (the base scenario plus ``{type: fail, entity:
FIRM}``); all of them are cleared in one batched call of the engine, against one unshocked
reference run. For each failure: the loss that lands outside the network (market value lost
by outside shareholders plus what outside creditors are not paid plus the sponsor equity
vehicles' outside sponsors lose), the other firms that
default, the loss on US households and their retirement accounts and on banks (through
:mod:`dealloop.holders`), named banks pushed below their capital requirement, and the
DebtRank of the failure on the exposure network with equity from company figures (book
equity, or market value where no book equity is reported), where it is meaningful.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ..jsonutil import jsonable
from ..mapping.equity import company_equity
from ..result import Result

__all__ = ["RANKS", "SystemicResult", "systemic"]

#: Ranking columns: option name -> (column, label).
RANKS: dict[str, tuple[str, str]] = {
    "loss": ("total_loss", "loss outside the network"),
    "others": ("loss_to_others", "loss outside the network beyond the firm's own shares"),
    "defaults": ("defaults_caused", "other firms defaulting"),
    "households": ("household_loss", "loss on US households"),
    "banks": ("bank_loss", "loss on banks"),
    "insurers": ("insurer_loss", "loss on insurers"),
    "private-credit": ("private_credit_loss", "loss on private-credit funds"),
    "debtrank": ("debtrank", "DebtRank"),
}


@dataclass(frozen=True, eq=False, repr=False)
class SystemicResult(Result):
    """One row per firm failed: ``total_loss`` (market value lost by outside shareholders plus
    what outside creditors are not paid plus the sponsor equity vehicles' outside sponsors
    lose), ``loss_to_others`` (without the failed firm's own
    shareholders), ``payment_shortfall, defaults_caused, defaulted
    (names), household_loss, retirement_loss, per_household, bank_loss, bank_capital_loss,
    banks_below_min, insurer_loss, private_credit_loss`` (the insurers' and private-credit
    sector lines, :func:`~dealloop.holders.line_losses`), ``debtrank, equity_used,
    equity_basis`` (USD bn unless stated), ranked by
    ``rank_by``. Money columns are changes from the base scenario run alone.

    Examples
    --------
    >>> import dealloop as dl
    >>> r = systemic("baseline", dl.load(), firms=["coreweave"])
    >>> r.rank_by, list(r.table.index)
    ('loss', ['coreweave'])
    """

    scenario: str
    rank_by: str
    table: pd.DataFrame
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"scenario": self.scenario, "rank_by": self.rank_by,
                          "firms": self.table, "notes": list(self.notes)})

    def summary(self, top: int = 5) -> str:
        col, label = RANKS[self.rank_by]
        lines = [f"{self.scenario}: firms ranked by {label} when each fails alone"]
        for firm, r in self.table.head(top).iterrows():
            lines.append(f"  {firm}: {label} {r[col]:,.4g}; outside loss "
                         f"{r['total_loss']:,.1f} bn, {int(r['defaults_caused'])} other "
                         f"default(s), households {r['household_loss']:,.1f} bn, banks "
                         f"{r['bank_loss']:,.1f} bn")
        return "\n".join(lines)


def _column(out: Any, k: int) -> Any:
    """Draw ``k`` of an outcome, as a one-draw outcome."""
    vals = {}
    for name, v in vars(out).items():
        if isinstance(v, np.ndarray) and v.ndim == 2:
            vals[name] = v[:, k:k + 1]
        elif isinstance(v, np.ndarray) and v.ndim == 1:
            vals[name] = v[k:k + 1]
        else:
            vals[name] = v
    return type(out)(**vals)


def _row(f: str, k: int, comp0: Any, base: Any, out: Any, heads: dict[str, np.ndarray],
         net: Any, lay: Any) -> dict[str, Any]:
    """The losses of draw ``k`` of the batched run (firm ``f`` failed; ``""``: the base
    scenario alone), where they land (households, banks) and the defaults it causes."""
    from ..scenarios import runner
    from . import follow

    bs = comp0.bs
    ok = _column(out, k)
    fake = SimpleNamespace(firms=runner.firm_frame(comp0, base, ok),
                           unpaid_claims=runner.unpaid_claims(comp0, ok), balance=bs)
    where = follow(fake, net, lay=lay)
    h, b = where.households, where.banks
    named = b[b["cet1"].notna()]
    ref = out.defaulted[:, -1]
    others = [x for x, d, r in zip(bs.firms, ok.defaulted[:, 0], ref, strict=True)
              if d and x != f and not r]
    fl = where.flows
    own = float(fl.loc[(fl["source_type"] == "firm") & (fl["source"] == f)
                       & (fl["basis"] == "equity"), "amount"].sum()) if len(fl) else 0.0
    from .exposures import sponsor_losses

    sponsors = sum(x.amount for x in sponsor_losses(fake, net, lay))
    total = float(heads["market_value_lost_net"][k] + heads["external_loss"][k] + sponsors)
    return {
        "firm": f, "total_loss": total, "loss_to_others": total - own,
        "payment_shortfall": float(heads["payment_shortfall"][k]),
        "defaults_caused": len(others), "defaulted": ";".join(others),
        "household_loss": float(h["total"]), "retirement_loss": float(h["retirement"]),
        "per_household": h["per_household"],
        "bank_loss": float(where.sectors["amount"].get("banks", 0.0)),
        "bank_capital_loss": float(named["loss"].sum()),
        "banks_below_min": ";".join(named.index[named["below_min"]]),
        "insurer_loss": float(where.capital["insurers"]["loss"]),
        "private_credit_loss": float(where.capital["private_credit"]["loss"]),
    }


def _debtrank(table: pd.DataFrame, names: list[str], comp0: Any, net: Any, sc: Any
              ) -> list[str]:
    """Fill ``table``'s ``equity_used``, ``equity_basis`` and ``debtrank`` columns: DebtRank
    of each failure on the exposure network, equity from company figures. Returns notes."""
    from .. import contagion as ct

    bs = comp0.bs
    L0 = comp0.to_layers().L
    E, basis = company_equity(net, bs.firms)
    ok_mask = E > 0
    table["equity_used"] = [E[bs.firms.index(f)] for f in names]
    table["equity_basis"] = [basis[bs.firms.index(f)] for f in names]
    table["debtrank"] = np.nan
    if ok_mask.sum() < 2:
        return []
    idx = np.flatnonzero(ok_mask)
    A = L0.T[np.ix_(idx, idx)]
    pos = {bs.firms[i]: p for p, i in enumerate(idx)}
    shocked = [f for f in names if f in pos]
    if shocked:
        H = np.zeros((len(shocked), len(idx)))
        for r, f in enumerate(shocked):
            H[r, pos[f]] = 1.0
        dr = ct.debtrank(A, E[idx], H, variant=sc.models.debtrank.variant
                         if sc.models.debtrank is not None else "battiston")
        vals = np.atleast_1d(np.asarray(dr.debtrank, float))
        for f, v in zip(shocked, vals, strict=True):
            table.loc[f, "debtrank"] = float(v)
    return [f"DebtRank on {len(idx)} firms with equity from company figures "
            f"({basis.count('book equity')} book equity, "
            f"{basis.count('market value')} market value); exposures are the "
            "in-network claims of the unshocked run; R excludes the failed firm's "
            "own loss"]


def systemic(scenario: Any = "baseline", net: Any = None, *, rank_by: str = "loss",
             firms: list[str] | None = None) -> SystemicResult:
    """Fail each firm in turn on top of ``scenario`` and rank the firms.

    Parameters
    ----------
    scenario
        The base scenario (a :class:`~dealloop.scenarios.spec.Scenario`, a path or a shipped
        name; default ``baseline``): its legs, mapping, holders block and shocks apply to
        every run.
    net
        The network (default: the scenario's dataset).
    rank_by
        One of :data:`RANKS`.
    firms
        The firms to fail (default: every firm inside the network).

    Examples
    --------
    >>> import dealloop as dl
    >>> res = systemic("baseline", dl.load(), firms=["coreweave", "openai"])
    >>> sorted(res.table.index)
    ['coreweave', 'openai']
    >>> bool(res.table.loc["openai", "total_loss"] > res.table.loc["coreweave", "total_loss"])
    True
    """
    from ..mapping.compiled import compile_scenario
    from ..mapping.sheets import build
    from ..scenarios import runner
    from ..scenarios.spec import loads
    from . import layer, override

    if rank_by not in RANKS:
        raise ValueError(f"rank_by: expected one of {', '.join(RANKS)}, got {rank_by!r}")
    sc, net = runner.prepare(scenario, net)
    bs = build(net, sc)
    names = list(firms) if firms is not None else list(bs.firms)
    unknown = [f for f in names if f not in bs.firms]
    if unknown:
        raise ValueError(f"firms: {unknown[0]!r} is not inside the network")
    comp0 = compile_scenario(sc, bs)
    parts = []
    for f in names:
        shock = loads(f"name: x\nquestion: x\nshocks: [{{type: fail, entity: {f}}}]").shocks[0]
        sc_f = sc.model_copy(update={"shocks": [*sc.shocks, shock]})
        parts.append(compile_scenario(sc_f, bs))
    parts.append(comp0)  # the base scenario alone, last: rows are changes from it
    base, out = runner.clear_stacked(comp0, parts)
    heads = runner.headline(comp0, base, out)
    lay = override(layer(net), sc.holders.model_dump())
    rows = [_row(f, k, comp0, base, out, heads, net, lay) for k, f in enumerate([*names, ""])]
    alone = rows.pop()
    table = pd.DataFrame(rows).set_index("firm")
    for col in ("total_loss", "loss_to_others", "payment_shortfall", "household_loss",
                "retirement_loss", "bank_loss", "bank_capital_loss", "insurer_loss",
                "private_credit_loss"):
        diff = table[col] - alone[col]
        table[col] = diff.where(diff.abs() > 1e-9, 0.0)
    if lay.households:
        table["per_household"] = table["household_loss"] * 1e9 / lay.households
    notes = _debtrank(table, names, comp0, net, sc)
    if sc.shocks:
        notes.append("the base scenario has shocks of its own; each row adds one failure "
                     "to them")
    col = RANKS[rank_by][0]
    table = table.sort_values(col, ascending=False, kind="stable")
    return SystemicResult(sc.name, rank_by, table, tuple(notes))
