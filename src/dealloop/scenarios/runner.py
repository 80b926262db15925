"""Stress runs: one scenario on one network, with evidence bands and the single-layer models.

:func:`run` builds the balance sheets, clears the network without the shocks (the reference:
with ``new_money: plan`` nobody defaults there) and with them, and reports the difference per
firm and for the system. It repeats the run on A-grade legs only, on A+B and on all legs,
with and without derived legs, so every headline figure comes as a :class:`~.results.Band`.

:func:`headline` computes the system figures from two cleared states; Monte Carlo and the
remove-a-deal sensitivity use it too, batched over draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..data.problems import DataError, errors
from ..mapping.arrays import BACKSTOP, CAPEX, CHANNELS, PLAN, stack
from ..mapping.collateral import claim_class
from ..mapping.compiled import Compiled
from ..mapping.sheets import OUTSIDE, build
from ..mapping.starting import loss_buffer
from ..mapping.timing import YearSplit
from ..mapping.values import plan_stretch
from ..text import amount_text
from ._maps import add_rows
from ._single_layer import single_layer
from .buffer import equity_losses, equity_paths, horizon_earnings, market_value_losses
from .engine import Outcome, clear
from .loading import InvalidScenario
from .results import HEADLINES, Band, StressResult
from .spec import Scenario, load, validate_against
from .years import YearsOutcome, clear_years

__all__ = ["BANDS", "clear_runs", "clear_stacked", "firm_frame", "headline", "prepare", "run",
           "unpaid_claims"]

#: Evidence selections of a band: label -> (grades, derived legs included).
BANDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "A": (("A",), True),
    "A+B": (("A", "B"), True),
    "A+B+C": (("A", "B", "C"), True),
    "A no derived": (("A",), False),
    "A+B no derived": (("A", "B"), False),
    "A+B+C no derived": (("A", "B", "C"), False),
}


def prepare(scenario: Scenario | str | Path, net: Any = None) -> tuple[Scenario, Any]:
    """Load the scenario (a path or a shipped name) and the network, and check every id the
    scenario names; raises :class:`~dealloop.data.problems.DataError` listing the problems.

    Examples
    --------
    >>> import dealloop as dl
    >>> sc, net = prepare("coreweave-default", dl.load())
    >>> sc.name, sc.shocks[0].entity
    ('coreweave-default', 'coreweave')
    """
    from ..network import load as load_net

    if isinstance(scenario, Scenario):
        sc = scenario
    else:
        try:
            sc = load(scenario)
        except InvalidScenario as exc:  # report its unknown ids as well
            from .spec import check_ids

            data, lines, source = exc.raw
            try:
                ds = data.get("dataset")
                where = net if net is not None else load_net(ds if isinstance(ds, str) else None)
            except (DataError, OSError):
                where = None
            if where is not None:
                more = errors(check_ids(data, lines, source, where))
                exc.problems = sorted(exc.problems + more,
                                      key=lambda p: (p.row or 0, p.field or ""))
            raise
    if net is None:
        try:
            net = load_net(sc.dataset)
        except DataError as exc:
            if sc.dataset is None:
                raise
            from .. import datasets

            where = sc.problem(("dataset",), f"dataset {sc.dataset!r} cannot be used (bundled: "
                               f"{', '.join(datasets.names())}; or a folder)")
            raise DataError([*exc.problems, where]) from None
    problems = validate_against(sc, net)
    if errors(problems):
        raise DataError(sorted(problems, key=lambda p: (p.row or 0, p.field or "")))
    from .marketshocks import market_shocks

    return market_shocks(sc, net), net


def clear_runs(comp: Compiled, k: int = 1, **kw: Any
               ) -> tuple[Outcome, Outcome, YearsOutcome | None, YearsOutcome | None]:
    """The unshocked and shocked runs of ``k`` draws (``kw``: ``mult``, ``values``,
    ``drop``, ``replan`` of :meth:`~dealloop.mapping.compiled.Compiled.inputs`), folded over
    the years unless the scenario says ``timing: static``, and the years themselves.

    Year by year, the plan's new money is what each firm needs each year in the unshocked
    years, and it can stretch by ``new_money_headroom`` plus the round's held-back part
    (``new_money_buffer``) of the horizon's total in whichever years; values are at the
    start of the horizon, discounted at the sheets' ``discount_rate``.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> base, out, years_base, years_out = clear_runs(comp)
    >>> out.payments.shape == (comp.n, 1), len(years_out.outcomes)      # one draw; 2026-2030
    (True, 5)
    """
    st = comp.structure
    values = kw.pop("values", None)
    if comp.scenario.mapping.timing == "static":
        base = clear(st, comp.inputs(k, shocked=False, **kw), comp.params)
        out = clear(st, comp.inputs(k, values=values, **kw), comp.params, reference=base)
        return base, out, None, None
    if kw.get("replan") is True:
        kw["replan"] = comp.replan(kw["mult"] if kw.get("mult") is not None else
                                   np.repeat(comp.base_mult[:, None], k, axis=1))
    years = comp.years
    unshocked = comp.year_split(k, shocked=False, **kw)
    caps, room = _plan_budget(comp, k, unshocked)  # its inputs are done with after it
    ybase = clear_years(st, unshocked.inputs(caps, reuse=True), comp.params, years=years,
                        headroom=room)
    del unshocked
    shocked = comp.year_split(k, values=values, **kw)
    yout = clear_years(st, shocked.inputs(caps, reuse=True), comp.params, years=years,
                       reference=ybase, headroom=room * shocked.factor)
    return ybase.total(), yout.total(), ybase, yout


def _plan_budget(comp: Compiled, k: int, unshocked: YearSplit
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The plan's new money year by year: ``caps`` ``(T, N, K)``, what each firm may raise
    in each year, and ``room`` ``(N, K)``, what it may raise beyond them in whichever years.
    ``new_money: plan``: what the unshocked years (``unshocked``) need, stretching by
    ``new_money_headroom`` plus the round's held-back part of the total; ``sourced``:
    nothing fixed per year, its announced money as the budget."""
    st = comp.structure
    if comp.scenario.mapping.new_money == "sourced":
        budget = comp.bs.frame["new_money"].to_numpy(float)[:, None] * np.ones((1, k))
        return np.zeros((len(comp.years), comp.n, k)), budget
    need = clear_years(st, unshocked.inputs(reuse=True), comp.params, years=comp.years)
    caps = np.stack([o.new_money for o in need.outcomes])
    return caps, caps.sum(axis=0) * plan_stretch(comp.scenario.mapping)


def clear_stacked(comp: Compiled, parts: list[Compiled]) -> tuple[Outcome, Outcome]:
    """The unshocked run of ``comp`` and, stacked as draws, the shocked runs of ``parts``
    (scenarios compiled on the same balance sheets, e.g. one failure each), year by year
    unless ``timing: static`` (as :func:`clear_runs`).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> base, out = clear_stacked(comp, [comp, comp])     # two shocked runs side by side
    >>> base.payments.shape[1], out.payments.shape[1]
    (1, 2)
    """
    st = comp.structure
    if comp.scenario.mapping.timing == "static":
        base = clear(st, comp.inputs(1, shocked=False), comp.params)
        out = clear(st, stack([p.inputs(1) for p in parts]), comp.params, reference=base)
        return base, out
    years = comp.years
    unshocked = comp.year_split(1, shocked=False)
    caps, room = _plan_budget(comp, 1, unshocked)
    ybase = clear_years(st, unshocked.inputs(caps, reuse=True), comp.params, years=years,
                        headroom=room)
    splits = [p.year_split(1) for p in parts]
    each = [split.inputs(caps) for split in splits]
    yout = clear_years(st, [stack([y[t] for y in each]) for t in range(len(years))],
                       comp.params, years=years, reference=ybase,
                       headroom=np.concatenate([room * split.factor for split in splits],
                                               axis=1))
    return ybase.total(), yout.total()


def _year_table(comp: Compiled, base: YearsOutcome, out: YearsOutcome, rate: float
                ) -> pd.DataFrame:
    """Per year of a run: what firms in the network owe, pay and leave unpaid (values at
    the start of the horizon), the same in the unshocked run, and who defaults that year."""
    st = comp.structure
    keep = ((st.debtor < st.n) & (st.channel != CAPEX) & (st.channel != PLAN)).astype(float)
    firms = comp.bs.firms
    rows = []
    left = keep @ out.unpaid()[:, :, 0].T
    left_b = keep @ base.unpaid()[:, :, 0].T
    for t, (year, b, o) in enumerate(zip(out.years, base.outcomes, out.outcomes,
                                         strict=True)):
        new = [firms[i] for i in np.flatnonzero((out.default_year[:, 0] == year)
                                                & (base.default_year[:, 0] == 0))]
        rows.append({"year": year, "discount_factor": (1 + rate) ** -t,
                     "due": float(keep @ o.owed[:, 0]), "paid": float(keep @ o.paid[:, 0]),
                     "shortfall": float((left[t] - left_b[t]) - (
                         left[t - 1] - left_b[t - 1] if t else 0.0)),
                     "due_before": float(keep @ b.owed[:, 0]),
                     "paid_before": float(keep @ b.paid[:, 0]),
                     "defaults": ";".join(new)})
    return pd.DataFrame(rows, columns=["year", "discount_factor", "due", "paid", "shortfall",
                                       "due_before", "paid_before", "defaults"])


def _shortfalls(comp: Compiled, out: Outcome) -> tuple[np.ndarray, np.ndarray]:
    """Total unpaid by firms in the network, and the part of it owed outside ``(K,)``."""
    st = comp.structure
    keep = ((st.debtor < st.n) & (st.channel != CAPEX)).astype(float)
    ext = keep * (st.creditor == st.n)
    gap = out.owed - out.paid
    return keep @ gap, ext @ gap


def headline(comp: Compiled, base: Outcome, out: Outcome, mult: np.ndarray | None = None,
             *, losses: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """System figures of ``out`` as changes from ``base`` (``(K,)`` arrays; ``base`` may hold
    one draw or ``K``).

    ``defaults`` counts firms in default in ``out`` but not in ``base``; shortfalls and
    deadweight are differences of totals; ``equity_loss`` sums each firm's equity lost, a
    vehicle's sponsor equity once (the part its inside sponsors write off is not added
    again: :func:`~.buffer.equity_losses` with ``sponsors=False``); ``market_value_lost``
    sums each firm's fall in market value, ``double_counted`` is the part of it held by
    other firms in the network (counted again in their own value), ``market_value_lost_net``
    the rest, which outside shareholders bear. ``mult`` ``(D, K)``: the deal multipliers of
    the draws (which stakes exist), default the legs counted in the scenario. ``losses``:
    ``(equity, value)``, the ``(N, K)`` equity losses without the sponsors' write-offs (the
    ``once`` of :func:`~.buffer.equity_losses_both`) and market value losses (at least 0)
    of these runs when already computed (a Monte Carlo chunk needs them too).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> base, out, _, _ = clear_runs(comp)
    >>> h = headline(comp, base, out)
    >>> int(h["defaults"][0]), bool(h["payment_shortfall"][0] > 0)
    (1, True)
    """
    st = comp.structure
    eq_lost, lost = (equity_losses(comp, base, out, sponsors=False, mult=mult),
                     np.maximum(market_value_losses(comp, out), 0.0)) if losses is None \
        else losses
    k = out.e.shape[1]
    held = np.zeros((st.n, k))
    if st.s:
        m = comp.base_mult[:, None] if mult is None else mult
        frac = st.stake_fraction[:, None] * comp.stake_mult(m)
        add_rows(held, st.stake_issuer, np.broadcast_to(frac, (st.s, k)))
    held = np.minimum(held, 1.0)
    double = (held * lost).sum(axis=0)
    gross = lost.sum(axis=0)
    is_plan = (st.channel == PLAN).astype(float)
    plan = is_plan @ base.paid
    plan_after = is_plan @ out.paid
    sf_out, ext_out = _shortfalls(comp, out)
    sf_base, ext_base = _shortfalls(comp, base)
    return {
        "defaults": (out.defaulted & ~base.defaulted).sum(axis=0).astype(float),
        "payment_shortfall": sf_out - sf_base,
        "external_loss": ext_out - ext_base,
        "deadweight_loss": out.deadweight.sum(axis=0) - base.deadweight.sum(axis=0),
        "equity_loss": eq_lost.sum(axis=0),
        "market_value_lost": gross,
        "double_counted": np.minimum(double, gross),
        "market_value_lost_net": gross - np.minimum(double, gross),
        "new_money_needed": np.broadcast_to(plan, gross.shape).astype(float),
        "new_money_extra": plan_after - plan,
    }


def walk_away_notes(sc: Scenario, net: Any, firms: pd.DataFrame,
                    parts: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """A note for each firm that ends the run richer because the scenario releases it from a
    leg it pays (a ``cancel`` shock, or a ``conditional`` one with ``happens: false``; a
    cancelled aggregate leg cancels its ``parts`` too, ``{leg: part ids}`` as
    :attr:`~dealloop.mapping.compiled.Compiled.parts`, whoever pays them).

    Its gain is what it no longer pays: the scenario models no termination payment, penalty
    or income lost with the leg (their terms are not disclosed), so the gain is an upper
    bound on what walking away saves it.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import scenarios
    >>> res = run("oracle-exits-abilene", dl.load(), band=False)
    >>> print([n for n in res.notes if n.startswith("oracle ")][0].split(",")[0])
    oracle ends with 2.7 more equity than before the shock (80.8 -> 83.5): it pays D140
    """
    payer = net.deals.set_index("id")["payer"]
    cut: dict[str, dict[str, str]] = {}
    for shock in sc.shocks:
        if shock.type == "cancel":
            how = "cancels" if shock.fraction >= 1 else f"cuts by {shock.fraction:.0%}"
        elif shock.type == "conditional" and not shock.happens:
            how = "says never happens"
        else:
            continue
        deal = getattr(shock, "deal", None)
        todo = [(d, how) for d in ([deal] if deal else []) + list(getattr(shock, "deals", []))]
        seen: set[str] = set()
        while todo:
            d, why = todo.pop()
            if d in seen:
                continue
            seen.add(d)
            if d in payer.index:
                cut.setdefault(str(payer[d]), {})[d] = why
            if shock.type == "cancel":
                todo += [(x, f"{how} (part of {d})") for x in (parts or {}).get(d, ())]
    eq_before, eq_after = firms["equity_before"].to_dict(), firms["equity_after"].to_dict()
    out = []
    for firm, deals in cut.items():
        before, after = float(eq_before.get(firm, 0.0)), float(eq_after.get(firm, 0.0))
        if after - before <= 0.05:
            continue
        legs = "; ".join(f"{d}, which the scenario {how}" for d, how in sorted(deals.items()))
        out.append(f"{firm} ends with {amount_text(after - before)} more equity than before the "
                   f"shock ({amount_text(before)} -> {amount_text(after)}): it pays {legs}. No "
                   "termination payment, penalty or income lost with the leg is modelled "
                   "(their terms are not disclosed), so the gain is an upper bound on what "
                   "walking away saves it")
    return out


def firm_frame(comp: Compiled, base: Outcome, out: Outcome,
               years: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per firm, draw 0 of ``out`` against ``base``: the ``firms`` table of a
    :class:`~dealloop.scenarios.results.StressResult` (default and wave, equity, net worth,
    market value, owed and paid, not received, stakes and new money, before and after).

    ``years``: the run's year table, whose ``default_year`` attribute dates each default;
    without it a defaulter defaults in the first year of the horizon. The holders layer
    (:func:`dealloop.holders.systemic.systemic`) builds the same table for each draw of a
    batched run.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> base, out, _, years_out = clear_runs(comp)
    >>> frame = firm_frame(comp, base, out)
    >>> bool(frame.loc["coreweave", "defaulted"]), bool(frame.loc["nvidia", "defaulted"])
    (True, False)
    """
    bs, st = comp.bs, comp.structure
    firms = list(bs.firms)
    got = out.owed - out.paid
    not_rec = np.zeros(st.n)
    inside = st.creditor < st.n
    np.add.at(not_rec, st.creditor[inside], got[inside, 0])
    base_not = np.zeros(st.n)
    np.add.at(base_not, st.creditor[inside], (base.owed - base.paid)[inside, 0])
    plan = np.zeros(st.n)
    plan_after = np.zeros(st.n)
    pl = st.channel == PLAN
    np.add.at(plan, st.creditor[pl], base.paid[pl, 0])
    np.add.at(plan_after, st.creditor[pl], out.paid[pl, 0])
    eq_before, eq_after = equity_paths(comp, base, out)
    eq_lost = eq_before[:, 0] - eq_after[:, 0]
    book = loss_buffer(bs.frame)
    basis = bs.frame["equity_basis"].to_numpy()
    mv_lost = market_value_losses(comp, out)[:, 0]
    frame = pd.DataFrame({
        "kind": [bs.frame.at[f, "kind"] for f in firms],
        "defaulted": out.defaulted[:, 0],
        "baseline_defaulted": base.defaulted[:, 0],
        "wave": out.waves[:, 0],
        "default_year": (years.attrs["default_year"] if years is not None
                         else np.where(out.defaulted[:, 0], comp.bs.horizon[0].year, 0)),
        "equity_before": eq_before[:, 0],
        "equity_after": eq_after[:, 0],
        "equity_loss": eq_lost,
        "equity_loss_share": np.divide(eq_lost, eq_before[:, 0], out=np.full(st.n, np.nan),
                                       where=eq_before[:, 0] >= 0.05),
        "equity_basis": basis,
        "book_equity": book,
        "horizon_earnings": np.where(basis == "book", horizon_earnings(comp, base)[:, 0],
                                     np.where(np.isnan(book), np.nan, 0.0)),
        "net_worth_before": base.net_worth[:, 0],
        "net_worth_after": out.net_worth[:, 0],
        "market_value_before": comp.market_value,
        "market_value_after": comp.market_value - mv_lost,
        "market_value_lost": mv_lost,
        "owed": out.pbar[:, 0],
        "paid": out.payments[:, 0],
        "unpaid": out.pbar[:, 0] - out.payments[:, 0],
        "received": out.received[:, 0],
        "not_received": not_rec - base_not,
        "outside_assets_before": base.e[:, 0],
        "outside_assets_after": out.e[:, 0],
        "stakes_before": base.stakes[:, 0],
        "stakes_after": out.stakes[:, 0],
        "new_money": plan,
        "new_money_after": plan_after, "starting": bs.frame["starting"].to_numpy(),
    }, index=pd.Index(firms, name="firm"))
    return frame


def unpaid_claims(comp: Compiled, out: Outcome) -> pd.DataFrame:
    """Every claim a firm fails to pay in draw 0 of ``out``: ``debtor, creditor, deal, channel,
    owed, paid, shortfall`` (the holders layer weighs a creditor's legs by these).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> _, out, _, _ = clear_runs(comp)
    >>> claims = unpaid_claims(comp, out)
    >>> set(claims["debtor"]), bool((claims["shortfall"] > 0).all())
    ({'coreweave'}, True)
    """
    st, bs = comp.structure, comp.bs
    names = [*list(bs.firms), OUTSIDE]
    party = comp.outside_party
    rows = []
    short = (out.owed - out.paid)[:, 0]
    secured = np.asarray(comp.collateral_years.any(axis=1), bool)
    for c in np.flatnonzero((short > 1e-9) & (st.debtor < st.n)):
        cred = names[st.creditor[c]] if st.creditor[c] < st.n else party[c]
        rows.append({"debtor": names[st.debtor[c]], "creditor": cred,
                     "deal": comp.deal_ids[comp.claim_deal[c]],
                     "channel": CHANNELS[st.channel[c]],
                     "priority": claim_class(CHANNELS[st.channel[c]], bool(secured[c])),
                     "owed": out.owed[c, 0], "paid": out.paid[c, 0], "shortfall": short[c]})
    return pd.DataFrame(rows, columns=["debtor", "creditor", "deal", "channel", "priority", "owed",
                                       "paid", "shortfall"])


def _unpaid(comp: Compiled, out: Outcome, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """What each firm fails to pay to whom (claims of :func:`unpaid_claims` summed per
    debtor and creditor)."""
    frame = unpaid_claims(comp, out) if frame is None else frame
    if frame.empty:
        return frame.rename(columns={"deal": "deals"})
    agg = frame.groupby(["debtor", "creditor", "priority"], sort=False).agg(
        deals=("deal", lambda s: ";".join(s)), channel=("channel", "first"),
        owed=("owed", "sum"), paid=("paid", "sum"), shortfall=("shortfall", "sum"))
    return agg.reset_index().sort_values("shortfall", ascending=False, kind="stable") \
        .reset_index(drop=True)


def _backstops(comp: Compiled, out: Outcome) -> pd.DataFrame:
    st = comp.structure
    names = [*list(comp.bs.firms), OUTSIDE]
    rows = []
    for c in np.flatnonzero((st.channel == BACKSTOP) & out.triggered[:, 0]):
        rows.append({"deal": comp.deal_ids[comp.claim_deal[c]],
                     "backstopper": names[st.debtor[c]], "beneficiary": names[st.creditor[c]],
                     "owed": out.owed[c, 0], "paid": out.paid[c, 0]})
    return pd.DataFrame(rows, columns=["deal", "backstopper", "beneficiary", "owed", "paid"])


def _stress(sc: Scenario, net: Any, evidence: tuple[str, ...] | None = None,
            derived: bool | None = None) -> tuple[Compiled, Outcome, Outcome]:
    comp, base, out, _ = _stress_years(sc, net, evidence, derived)
    return comp, base, out


def _stress_years(sc: Scenario, net: Any, evidence: tuple[str, ...] | None = None,
                  derived: bool | None = None
                  ) -> tuple[Compiled, Outcome, Outcome, pd.DataFrame | None]:
    """:func:`_stress` with the year table (None for ``timing: static``)."""
    comp = build(net, sc, evidence=evidence, derived=derived).compile()
    base, out, yb, yo = clear_runs(comp)
    frame = None
    if yb is not None and yo is not None:
        frame = _year_table(comp, yb, yo, comp.bs.discount_rate)
        frame.attrs["default_year"] = yo.default_year[:, 0]
    return comp, base, out, frame


def run(scenario: Scenario | str | Path, net: Any = None, *, band: bool = True) -> StressResult:
    """Run a stress scenario on a network.

    Parameters
    ----------
    scenario
        A :class:`~.spec.Scenario`, a path to a YAML file or the name of a shipped scenario.
    net
        A :class:`~dealloop.network.DealNetwork` (default: the scenario's ``dataset``, else
        the bundled one).
    band
        Also run on A, A+B and all legs, with and without derived legs (six more runs).

    Returns
    -------
    StressResult

    Examples
    --------
    >>> import dealloop as dl
    >>> res = run("coreweave-default", dl.load(), band=False)
    >>> res.backstops["deal"].tolist()
    ['D14']
    >>> bool(res.firms.loc["coreweave", "defaulted"]), int(res.firms.loc["coreweave", "wave"])
    (True, 1)
    """
    sc, net = prepare(scenario, net)
    comp, base, out, years = _stress_years(sc, net)
    heads = {k: float(v[0]) for k, v in headline(comp, base, out).items()}
    system: dict[str, float] = dict(heads)
    rate, rate_source = comp.bs.discount_rate, comp.bs.discount_source
    if years is not None:
        system["discount_rate"] = rate
    system.update({
        "rounds": float(out.rounds[0]), "iterations": float(out.iterations),
        "firms": float(comp.n), "baseline_defaults": float(base.defaulted.sum()),
        "market_value_before": float(comp.market_value.sum()),
        "backstops_paid": float(out.paid[comp.structure.channel == BACKSTOP, 0].sum()),
    })
    bands: list[Band] = []
    if band:
        by_label = {}
        for label, (ev, der) in BANDS.items():
            c2, b2, o2 = _stress(sc, net, ev, der)
            by_label[label] = {k: float(v[0]) for k, v in headline(c2, b2, o2).items()}
        for metric, (_, unit) in HEADLINES.items():
            bands.append(Band(metric, tuple((lab, by_label[lab][metric]) for lab in BANDS),
                              unit))
    from .compare import references

    comparison = references(net, system, sc.compare)
    models = single_layer(comp, base, out, net)
    notes = list(comp.bs.notes)
    if years is not None:
        notes.insert(0, f"cleared year by year {years['year'].iloc[0]}-"
                     f"{years['year'].iloc[-1]} with cash carried forward; $ values at the "
                     f"start of the horizon, discounted at {rate:.2%} a year ({rate_source})")
    if not out.converged:  # pragma: no cover
        notes.append("the engine hit its iteration limit; figures may not be exact")
    t0, t1 = comp.bs.horizon
    claims = unpaid_claims(comp, out)
    firms = firm_frame(comp, base, out, years)
    notes += walk_away_notes(sc, net, firms, comp.parts)
    return StressResult(
        scenario=sc.name, question=" ".join(sc.question.split()),
        dataset=str(net.meta.get("name", "")), horizon=(t0.isoformat(), t1.isoformat()),
        system=system, firms=firms,
        unpaid=_unpaid(comp, out, claims), years=years,
        unpaid_claims=claims,
        backstops=_backstops(comp, out), bands=tuple(bands), models=models,
        comparison=comparison, balance=comp.bs, notes=tuple(notes))
