"""Result objects of stress runs, Monte Carlo runs and remove-a-deal sensitivity.

All follow the results protocol (:class:`dealloop.result.Result`): frozen dataclasses with
pandas tables, a ``to_frame()`` (the main table), a ``to_dict()`` (JSON-safe: no NaN, no
numpy types) and a ``summary()`` (a few lines of text).
Money is in USD bn throughout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from ..jsonutil import jsonable
from ..result import Result

__all__ = ["HEADLINES", "Band", "SensitivityResult", "SimulationResult", "StressResult",
           "note_lines"]

#: Headline system figures: key -> (label, unit). Changes from the unshocked run.
HEADLINES: dict[str, tuple[str, str]] = {
    "defaults": ("Firms defaulting (new)", "count"),
    "payment_shortfall": ("Payment shortfall", "usd_bn"),
    "external_loss": ("Shortfall to outside creditors", "usd_bn"),
    "deadweight_loss": ("Deadweight loss (default costs)", "usd_bn"),
    "equity_loss": ("Equity lost (book where reported)", "usd_bn"),
    "market_value_lost": ("Market value lost (sum over firms)", "usd_bn"),
    "double_counted": ("  of which double-counted via stakes", "usd_bn"),
    "market_value_lost_net": ("Market value lost by outside shareholders", "usd_bn"),
    "new_money_needed": ("New money the plan needs (before the shock)", "usd_bn"),
    "new_money_extra": ("Extra new money raised after the shock", "usd_bn"),
}


#: Per-leg notes gathered into one line each: (pattern, the line's words).
_NOTE_GROUPS = (
    (re.compile(r"(\S+) \(.*?\): amount not disclosed, not counted"),
     "legs with no disclosed amount, not counted (set them in legs.amounts or "
     "monte_carlo.ranges)"),
    (re.compile(r"(\S+): stake of .* unknown .*left out of the stake layer"),
     "stakes of unknown size, left out of the stake layer"),
)


def note_lines(notes: Sequence[str]) -> list[str]:
    """A run's notes for a reader, one line per kind: the per-leg notes of a kind (an
    undisclosed amount, a stake of unknown size) gathered into one line with their count and
    deal ids, every other note as it is, in the order each first appears. The CLI prints
    these lines, the report and the dashboard show them, the JSON carries them
    (``notes_grouped``) next to the full ``notes``.

    Examples
    --------
    >>> note_lines(["D1 (a -> b): amount not disclosed, not counted", "x ends richer",
    ...             "D2 (c -> d): amount not disclosed, not counted"])[1]
    'x ends richer'
    >>> note_lines(["D1 (a -> b): amount not disclosed, not counted",
    ...             "D2 (c -> d): amount not disclosed, not counted"])[0][:45]
    '2 legs with no disclosed amount, not counted '
    """
    groups: dict[str, list[str]] = {}
    for n in notes:
        for pattern, what in _NOTE_GROUPS:
            m = pattern.match(n)
            if m:
                groups.setdefault(what, []).append(m.group(1))
                break
        else:
            groups.setdefault(n, [])
    return [f"{len(ids)} {what}: {', '.join(ids)}" if ids else what
            for what, ids in groups.items()]


def _freeze(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Band:
    """One headline figure across evidence selections, so no figure hides its weakest link.

    ``values`` pairs a selection label (``A``, ``A+B``, ``A+B+C``; ``... no derived``) with
    the figure computed on those legs only.

    Examples
    --------
    >>> b = Band("payment_shortfall", (("A", 1.0), ("A+B", 3.0), ("A+B+C", 2.0)))
    >>> b.low, b.high, b["A+B"]
    (1.0, 3.0, 3.0)
    >>> b.label.strip(), b.to_dict()["values"]
    ('Payment shortfall', {'A': 1.0, 'A+B': 3.0, 'A+B+C': 2.0})
    """

    metric: str
    values: tuple[tuple[str, float], ...]
    unit: str = "usd_bn"

    def __getitem__(self, label: str) -> float:
        return dict(self.values)[label]

    @property
    def low(self) -> float:
        """The smallest value across the selections."""
        return min(v for _, v in self.values)

    @property
    def high(self) -> float:
        """The largest value across the selections."""
        return max(v for _, v in self.values)

    @property
    def label(self) -> str:
        """The figure in words, as the stress tables print it (:data:`HEADLINES`)."""
        return HEADLINES.get(self.metric, (self.metric, ""))[0]

    def to_dict(self) -> dict[str, Any]:
        """Metric, label, unit, the value per selection, low and high; JSON-safe."""
        return jsonable({"metric": self.metric, "label": self.label, "unit": self.unit,
                          "values": dict(self.values), "low": self.low, "high": self.high})


@dataclass(frozen=True, eq=False, repr=False)
class StressResult(Result):
    """A stress run: per firm, per unpaid claim, system totals, evidence bands, the
    single-layer models and the comparison with history.

    Attributes
    ----------
    scenario, question, dataset, horizon
        What was run.
    system
        Headline figures (see :data:`HEADLINES`) as changes caused by the scenario, plus
        ``rounds`` (fictitious-default rounds), ``iterations``, ``firms``,
        ``market_value_before`` and the unshocked run's ``baseline_defaults``.
    firms
        One row per firm inside the network (see :meth:`to_frame`).
    unpaid
        What each defaulting firm fails to pay to whom: ``debtor, creditor, deals, channel,
        owed, paid, shortfall``.
    unpaid_claims
        The same per claim (``deal`` instead of ``deals``); the holders layer weighs a
        creditor's legs by their own shortfalls. Not part of :meth:`to_dict`.
    backstops
        Backstops triggered: ``deal, backstopper, beneficiary, paid``.
    bands
        One :class:`Band` per headline figure.
    models
        Single-layer models of :mod:`dealloop.contagion` on the mapped layers, one table each.
    comparison
        Reference figures from the dataset's ``history.csv`` (with their ids and sources)
        next to this run's figures.
    balance
        The :class:`~dealloop.mapping.BalanceSheets` of the central run (``explain(firm)``).
    years
        Per year of the horizon (``timing: years``): ``year, discount_factor, due, paid``
        (what firms in the network owe and pay that year, values at the start of the
        horizon; a defaulter's accelerated debt counts in full in its year of default),
        ``shortfall`` (what the scenario leaves unpaid that year, net of recoveries on
        earlier balances: the years add up to the payment shortfall), ``due_before,
        paid_before`` (unshocked run) and ``defaults`` (firms defaulting that year); None for
        ``timing: static``.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import scenarios
    >>> res = scenarios.run("coreweave-default", dl.load(), band=False)
    >>> bool(res.to_frame().loc["coreweave", "defaulted"])
    True
    >>> sheet = res.explain("coreweave")         # its balance sheet as the mapping built it
    >>> {"asset", "liability"} <= set(sheet["side"])
    True
    """

    scenario: str
    question: str
    dataset: str
    horizon: tuple[str, str]
    system: Mapping[str, float]
    firms: pd.DataFrame
    unpaid: pd.DataFrame
    backstops: pd.DataFrame
    bands: tuple[Band, ...]
    models: Mapping[str, pd.DataFrame]
    comparison: pd.DataFrame
    balance: Any = field(repr=False)
    notes: tuple[str, ...] = ()
    unpaid_claims: pd.DataFrame | None = field(default=None, repr=False)
    years: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "system", _freeze(self.system))
        object.__setattr__(self, "models", _freeze(self.models))

    def to_frame(self) -> pd.DataFrame:
        """Per firm: ``kind, defaulted, wave, equity_before, equity_after, equity_loss,
        market_value_before, market_value_after, market_value_lost, owed, paid, unpaid,
        received, not_received, outside_assets_before, outside_assets_after, stakes_before,
        stakes_after, new_money, new_money_after``, ``equity_basis`` (``book``: equity
        from the firm's reported book equity, the loss buffer; ``model``: the engine's
        construct, no figure) and ``starting`` (the figure id and grade behind its starting
        equity, cash, debt and market value, or ``assumed``); ``equity_loss_share`` (the
        loss over ``equity_before``; NaN when that is under $0.05bn, where a share would
        read noise in the model's construct). ``equity_loss`` = ``equity_before -
        equity_after`` and ``market_value_lost`` = ``market_value_before -
        market_value_after``, rounding noise of the clearing set to 0
        (:func:`dealloop.scenarios.buffer.snap_noise`); negative where the firm gains (the
        system figures sum the firms' losses only).

        With ``equity_basis`` ``book``, the equity columns are book equity at the horizon's
        end (:mod:`dealloop.scenarios.buffer`): ``equity_before`` = ``book_equity`` (as
        reported) + ``horizon_earnings`` (what the unshocked run earns and keeps over the
        horizon), ``equity_after`` that less the loss, stakes carried at cost.

        ``owed``/``paid``/``unpaid`` are the firm's dues after the shock and what it pays of
        them; ``received`` what it receives (new money included), ``not_received`` how much
        more it goes without than before the shock."""
        return self.firms.copy()

    def explain(self, firm: str) -> pd.DataFrame:
        """The balance sheet of ``firm`` as built (see :meth:`.BalanceSheets.explain`)."""
        return self.balance.explain(firm)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "scenario": self.scenario, "question": self.question, "dataset": self.dataset,
            "horizon": list(self.horizon), "system": dict(self.system),
            "firms": self.firms, "unpaid": self.unpaid, "backstops": self.backstops,
            "bands": [b.to_dict() for b in self.bands],
            "models": {k: v for k, v in self.models.items()},
            "comparison": self.comparison, "notes": list(self.notes),
            "notes_grouped": note_lines(self.notes),
            **({"years": self.years} if self.years is not None else {}),
        })

    def summary(self) -> str:
        s = self.system
        hit = self.firms[self.firms["defaulted"] & ~self.firms["baseline_defaulted"]]
        order = hit.sort_values("wave")
        names = ", ".join(f"{f} (wave {int(w)})" for f, w in order["wave"].items()) or "none"
        lines = [
            f"{self.scenario}: {self.question}",
            f"defaults: {int(s['defaults'])} [{names}]; rounds: {int(s['rounds'])}",
            f"payment shortfall {s['payment_shortfall']:,.1f} bn (outside creditors "
            f"{s['external_loss']:,.1f}); deadweight {s['deadweight_loss']:,.1f} bn",
            f"market value lost {s['market_value_lost']:,.1f} bn, of which double-counted "
            f"{s['double_counted']:,.1f}; net {s['market_value_lost_net']:,.1f} bn",
        ]
        for b in self.bands:
            if b.metric in ("payment_shortfall", "market_value_lost_net"):
                vals = ", ".join(f"{lab} {v:,.1f}" for lab, v in b.values)
                lines.append(f"band {b.metric}: {vals}")
        return "\n".join(lines)


@dataclass(frozen=True, eq=False, repr=False)
class SimulationResult(Result):
    """A Monte Carlo run.

    Attributes
    ----------
    firms
        Per firm: ``pd`` (probability of default), ``pd_new`` (not in default before the
        shock), ``loss_mean``, ``loss_q50``, ``loss_q95``, ``loss_q99`` (equity lost,
        USD bn; quantiles from a fine histogram), ``mv_lost_mean``.
    system
        Per headline figure: ``mean, std, min, q05, q50, q95, q99, max`` and
        ``p_positive``; exact over all draws.
    drivers
        Which uncertain inputs drive the variance of each headline figure: ``input, target,
        correlation, share`` (squared correlation: the first-order variance share of an
        input, since inputs are drawn independently), ranked.
    holders
        Where each draw's losses land (:func:`dealloop.holders.draws.summarize_draws`):
        per-draw figures for US households, retirement accounts, the banking sector and the
        named banks' CET1 (mean, quantiles, modes), mean loss per sector, per named bank its
        mean and maximum loss and ``p_below_min``, and ``p_any_bank_below_min``; empty when
        not computed.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import scenarios
    >>> sim = scenarios.simulate("coreweave-default", dl.load(), draws=20, seed=1, workers=0)
    >>> bool(0.0 <= sim.to_frame().loc["coreweave", "pd"] <= 1.0)
    True
    """

    scenario: str
    draws: int
    seed: int
    chunk: int
    workers: int
    firms: pd.DataFrame
    system: pd.DataFrame
    drivers: pd.DataFrame
    elapsed: float = 0.0
    scheduler: str = "in-process"
    notes: tuple[str, ...] = ()
    holders: Mapping[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Per firm: probability of default (``pd``, ``pd_new``), equity lost (mean and
        quantiles) and market value lost over the draws (a copy of ``firms``)."""
        return self.firms.copy()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "scenario": self.scenario, "draws": self.draws, "seed": self.seed,
            "chunk": self.chunk, "workers": self.workers, "scheduler": self.scheduler,
            "elapsed_seconds": self.elapsed, "firms": self.firms, "system": self.system,
            "drivers": self.drivers, "notes": list(self.notes),
            **({"holders": dict(self.holders)} if self.holders else {}),
        })

    def summary(self) -> str:
        s = self.system
        top = self.firms.sort_values("pd", ascending=False).head(5)
        pds = ", ".join(f"{f} {p:.1%}" for f, p in top["pd"].items() if p > 0) or "none"
        lines = [f"{self.scenario}: {self.draws:,} draws, seed {self.seed}",
                 f"highest probability of default: {pds}"]
        for metric in ("defaults", "payment_shortfall", "market_value_lost_net"):
            if metric in s.index:
                r = s.loc[metric]
                lines.append(f"{metric}: mean {r['mean']:,.2f}, median {r['q50']:,.2f}, "
                             f"95% {r['q95']:,.2f}, 99% {r['q99']:,.2f}")
        key = self.drivers[self.drivers["target"].isin(
            ["payment_shortfall", "market_value_lost_net", "defaults"])]
        if len(key):
            d = key.iloc[0]
            lines.append(f"main driver of {d['target']}: {d['input']} "
                         f"({d['share']:.0%} of the variance)")
        return "\n".join(lines)


@dataclass(frozen=True, eq=False, repr=False)
class SensitivityResult(Result):
    """Remove a deal and rerun: the change in every headline figure per leg taken out.

    ``table`` has one row per leg (``deal, payer, payee, kind, evidence, value``) and one
    ``delta_<metric>`` column per headline figure (figure without the leg minus figure with
    it), ranked by ``rank_by``.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import scenarios
    >>> s = scenarios.sensitivity("coreweave-default", dl.load(), legs=["D93a", "D02"])
    >>> len(s.to_frame())
    2
    """

    scenario: str
    rank_by: str
    reference: Mapping[str, float]
    table: pd.DataFrame

    def __post_init__(self) -> None:
        object.__setattr__(self, "reference", _freeze(self.reference))

    def to_frame(self) -> pd.DataFrame:
        """One row per leg removed: the leg, and how far each headline moves without it
        (a copy of ``table``)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"scenario": self.scenario, "rank_by": self.rank_by,
                          "reference": dict(self.reference), "legs": self.table})

    def summary(self, top: int = 5) -> str:
        col = f"delta_{self.rank_by}"
        lines = [f"{self.scenario}: legs that carry {self.rank_by} (reference "
                 f"{self.reference.get(self.rank_by, float('nan')):,.1f})"]
        for r in self.table.head(top).itertuples(index=False):
            lines.append(f"  {r.deal} {r.payer} -> {r.payee} ({r.kind}): "
                         f"{getattr(r, col):+,.1f}")
        return "\n".join(lines)
