"""Where the losses land, per Monte Carlo draw: the holders layer vectorised over draws.

The pass-through of :mod:`.allocate` is linear in what enters it: a claim's shortfall is split
by the claim's leg (named holders) and the creditor's instrument, and an outside
shareholder's loss by the firm's named stakes and its listed or private equity split. So
:func:`routes` routes one dollar through every entry point once (with :func:`.allocate`
itself, so the two paths cannot drift apart), and :func:`per_draw` multiplies the draws'
losses ``(K, ...)`` by those unit routes. The only non-linear step, how much of a firm's lost
market value outside shareholders bear (stakes held inside the network and the named stakes,
capped at 100%), is computed per draw exactly as :func:`.exposures.equity_losses` does. The
sponsor equity a vehicle's outside sponsors lose (:func:`.exposures.sponsor_losses`) is the
draw's equity lost by the vehicle (:func:`dealloop.scenarios.buffer.equity_losses`) times each
sponsor's share in that draw (what its leg puts in, as the draw's multipliers leave it),
routed the same way.

A draw's figures equal :func:`dealloop.holders.follow` on a stress run with that draw's
inputs (tested).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..data.schema import HOUSEHOLD_SECTORS, RETIREMENT_SECTORS
from ..scenarios.buffer import market_value_losses, sponsors_drawn
from .allocate import Loss, allocate, terminal
from .exposures import SHAREHOLDERS, _outside_stakes, claim_loss, sponsor_loss
from .layer import Layer, data_basis, stale_dates
from .results import METHOD, bank_date

if TYPE_CHECKING:
    from ..scenarios.sketch import Figure

__all__ = ["FIGURES", "FOLLOW", "Follow", "Routes", "Summary", "per_draw", "routes",
           "summarize_draws"]

#: Figures kept for every draw (USD bn): the loss on US households, on their retirement
#: accounts, on the banking sector, on the CET1 capital of the named banks, on insurers and
#: on private-credit funds (the sector lines of :data:`~.layer.SECTOR_LINES`).
FIGURES: dict[str, str] = {
    "households": "US households (total)",
    "retirement": "retirement accounts (IRA, DC, DB, annuities)",
    "banks": "banking sector",
    "bank_capital": "CET1 of the named banks",
    "insurers": "insurers",
    "private_credit": "private-credit funds",
}
#: Prefixes of the route columns that are not terminal sectors: named holders and the
#: sector lines (a line's loss is also in its sectors' columns).
NOT_SECTORS = ("holder:", "line:")
_QUANTILES = (0.05, 0.5, 0.95, 0.99)


@dataclass(frozen=True, eq=False)
class Routes:
    """Unit routes of a compiled scenario through a holders layer.

    ``columns`` are the terminal sectors, ``holder:<id>`` for every named holder and
    ``line:<name>`` for every sector line (:data:`~.layer.SECTOR_LINES`); ``debt``
    ``(R, S)`` routes a dollar unpaid on claim row ``rows[r]``; ``equity`` ``(N, S)`` a dollar
    of firm ``i``'s outside shareholders beyond named stakes; ``stake`` ``(J, S)`` a dollar of
    named stake ``j`` (issuer ``stake_firm[j]``, fraction ``stake_frac[j]``, in order);
    ``held_*`` the stakes held inside the network (issuer, fraction, leg index);
    ``sponsor`` ``(P, S)`` a dollar of the sponsor equity outside sponsor leg ``p`` loses
    (vehicle ``sponsor_firm[p]``, share ``sponsor_share[p]`` of its sponsor equity).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import holders, mapping, scenarios
    >>> net = dl.load()
    >>> r = routes(mapping.build(net, scenarios.load("coreweave-default")).compile(), net,
    ...            holders.layer(net))
    >>> r.debt.shape[1] == r.equity.shape[1] == len(r.columns)     # one column per sector
    True
    """

    columns: tuple[str, ...]
    rows: np.ndarray
    debt: np.ndarray
    equity: np.ndarray
    stake_firm: np.ndarray
    stake_frac: np.ndarray
    stake: np.ndarray
    held_issuer: np.ndarray
    held_frac: np.ndarray
    held_deal: np.ndarray
    banks: tuple[str, ...]
    cet1: np.ndarray
    rwa: np.ndarray
    min_ratio: np.ndarray
    households: float | None
    bank_info: tuple[tuple[str, float, str, str], ...] = ()
    """Per named bank: ``(name, CET1 ratio, as_of, sources)``."""
    retirement_assets: float = 0.0
    #: The US banking sector's capital (value, as_of, history row, sources), or None.
    sector_capital: tuple[float, str, str, str] | None = None
    #: Per sector line (by name) the :func:`~dealloop.holders.sector_line` of a zero loss:
    #: its label, capital, metric, date, row and sources, or ``no_data``.
    lines: tuple[tuple[str, dict[str, Any]], ...] = ()
    #: Which data the figures stand on (:func:`~dealloop.holders.layer.data_basis`).
    basis: tuple[dict[str, Any], ...] = ()
    #: Outside sponsors of vehicles: the vehicle's index and the leg's share of its sponsor
    #: equity (:func:`dealloop.scenarios.buffer.sponsor_rows`), and the unit routes.
    sponsor_firm: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    sponsor_share: np.ndarray = field(default_factory=lambda: np.zeros(0))
    sponsor: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    #: Each outside sponsor leg's row in the compiled scenario's ``sponsor_arrays`` (whose
    #: shares follow the draws, :func:`dealloop.mapping.vehicles.drawn_sponsors`).
    sponsor_row: np.ndarray = field(default_factory=lambda: np.zeros(0, int))

    def sectors(self) -> np.ndarray:
        """Columns that are terminal sectors (a boolean ``(S,)`` mask)."""
        return np.array([not c.startswith(NOT_SECTORS) for c in self.columns], bool)

    def mask(self, names: Any) -> np.ndarray:
        """Columns in ``names`` (a boolean ``(S,)`` mask)."""
        names = set(names)
        return np.array([c in names for c in self.columns], bool)

    def chunk(self, comp: Any, out: Any, mult: np.ndarray,
              equity_loss: np.ndarray | None = None) -> Stats:
        """:func:`chunk_stats` of one batched engine call (the Monte Carlo hook)."""
        return chunk_stats(self, comp, out, mult, equity_loss)


def _unit(loss: Loss, lay: Layer) -> dict[str, float]:
    from . import line_losses

    flows = allocate([loss], lay)
    out = {str(k): float(v) for k, v in terminal(flows)["amount"].items()}
    if len(flows):
        into = flows[flows["target_type"] == "holder"]
        for h, v in into.groupby("target", sort=False)["amount"].sum().items():
            out[f"holder:{h}"] = out.get(f"holder:{h}", 0.0) + float(v)
    for name, v in line_losses(flows).items():
        if v != 0.0:
            out[f"line:{name}"] = v
    return out


def routes(comp: Any, net: Any, lay: Layer) -> Routes:
    """Route a dollar through every entry point of ``comp`` (a compiled scenario) once.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, holders
    >>> from dealloop.scenarios import load
    >>> net = dl.load()
    >>> sc = load("coreweave-default")
    >>> r = routes(mapping.build(net, sc).compile(), net, holders.layer(net))
    >>> bool(np.allclose(r.debt[:, r.sectors()].sum(axis=1), 1.0))
    True
    """
    st, n, bs = comp.structure, comp.n, comp.bs
    firms = list(bs.firms)
    party = comp.outside_party
    kinds = dict(zip(net.deals["id"], net.deals["kind"], strict=True))
    units: list[dict[str, float]] = []
    cache: dict[tuple, dict[str, float]] = {}

    def unit(key: tuple, loss: Loss) -> dict[str, float]:
        if key not in cache:
            cache[key] = _unit(loss, lay)
        return cache[key]

    rows = np.flatnonzero((st.debtor < n) & (st.creditor == n))
    for c in rows:
        deal = comp.deal_ids[comp.claim_deal[c]]
        node, inst, sector = claim_loss(party[c], kinds.get(deal), lay)
        units.append(unit(("debt", node, inst, sector, deal),
                          Loss("x", node, 1.0, instrument=inst, sector=sector, deals=(deal,))))
    by, listed = _outside_stakes(net)
    eq_units = []
    s_firm, s_frac, s_units = [], [], []
    mv = st.market_value
    for i, f in enumerate(firms):
        inst = "listed_equity" if listed.get(str(f)) else "private_equity"
        eq_units.append(unit(("equity", inst), Loss("x", SHAREHOLDERS, 1.0, instrument=inst,
                                                    channel="equity")))
        for deal, payer, stake, amount in by.get(str(f), ()):
            frac = stake if stake == stake else (amount / mv[i] if mv[i] > 0 and amount == amount
                                                 else 0.0)
            s_firm.append(i)
            s_frac.append(frac)
            s_units.append(unit(("stake", payer, deal), Loss(
                "x", SHAREHOLDERS, 1.0, sector="investors", holder=payer, deals=(deal,),
                channel="equity")))
    from ..scenarios.buffer import sponsor_rows

    sp = sponsor_rows(comp)
    outside = np.flatnonzero(sp.holder < 0)
    p_units = [unit(("sponsor", sp.sponsors[j], sp.deals[j]),
                    sponsor_loss("x", sp.sponsors[j], sp.deals[j], 1.0, net, lay))
               for j in outside]
    cols = tuple(sorted({k for u in (*units, *eq_units, *s_units, *p_units) for k in u}))
    pos = {c: j for j, c in enumerate(cols)}

    def mat(us: list[dict[str, float]]) -> np.ndarray:
        m = np.zeros((len(us), len(cols)))
        for r, u in enumerate(us):
            for k, v in u.items():
                m[r, pos[k]] = v
        return m

    from . import sector_lines

    stakes = bs.stakes
    banks = tuple(lay.banks)
    return Routes(
        columns=cols, rows=rows, debt=mat(units), equity=mat(eq_units),
        stake_firm=np.array(s_firm, int), stake_frac=np.array(s_frac, float),
        stake=mat(s_units),
        held_issuer=np.array([firms.index(x) for x in stakes["issuer"]], int),
        held_frac=stakes["fraction"].to_numpy(float),
        held_deal=np.array([comp.deal_index[d] for d in stakes["deal"]], int),
        banks=banks, cet1=np.array([lay.banks[b].cet1 for b in banks], float),
        rwa=np.array([lay.banks[b].rwa for b in banks], float),
        min_ratio=np.array([lay.banks[b].min_ratio for b in banks], float),
        households=lay.households,
        bank_info=tuple((lay.banks[b].name, lay.banks[b].cet1_ratio, lay.banks[b].as_of,
                         ";".join(lay.banks[b].sources)) for b in banks),
        retirement_assets=float(sum(lay.retirement_assets.values())),
        sector_capital=None if lay.sector_capital is None else (
            lay.sector_capital.value, lay.sector_capital.as_of, lay.sector_capital.row,
            ";".join(lay.sector_capital.sources)),
        lines=tuple(sector_lines(allocate([], lay), lay).items()),
        basis=tuple(data_basis(lay)),
        sponsor_firm=sp.vehicle[outside], sponsor_share=sp.share[outside],
        sponsor=mat(p_units), sponsor_row=outside)


def per_draw(r: Routes, comp: Any, out: Any, mult: np.ndarray,
             equity_loss: np.ndarray | None = None) -> np.ndarray:
    """Loss per column of ``r`` (terminal sectors, named holders) in each draw: ``(K, S)``.

    ``out`` is the shocked engine outcome of ``K`` draws, ``mult`` ``(D, K)`` their deal
    multipliers (which legs exist and their amounts: stakes inside the network as
    :meth:`dealloop.mapping.compiled.Compiled.stake_mult` gives them),
    ``equity_loss`` ``(N, K)`` the equity each firm loses in each draw against its own
    unshocked run (:func:`dealloop.scenarios.buffer.equity_losses`): the sponsor equity a
    vehicle loses is split among its outside sponsors (needed when ``r`` has any; a
    ``ValueError`` otherwise) by what each put in in that draw (a draw that drops or
    rescales a sponsor leg moves the split, :func:`dealloop.mapping.vehicles.drawn_sponsors`;
    ``equity_loss`` should then come from ``equity_losses(..., mult=mult)``).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import holders, mapping, scenarios
    >>> from dealloop.scenarios.runner import clear_runs
    >>> net = dl.load()
    >>> comp = mapping.build(net, scenarios.load("softbank-fails")).compile()
    >>> r = routes(comp, net, holders.layer(net))
    >>> from dealloop.scenarios.buffer import equity_losses
    >>> base, out, _, _ = clear_runs(comp)
    >>> loss = per_draw(r, comp, out, comp.base_mult[:, None], equity_losses(comp, base, out))
    >>> loss.shape == (1, len(r.columns)), bool(loss.sum() > 0)
    (True, True)
    """
    gap = (out.owed - out.paid)[r.rows]
    gap = np.where(gap > 1e-9, gap, 0.0)
    total = gap.T @ r.debt
    lost = np.maximum(market_value_losses(comp, out), 0.0)
    k = lost.shape[1]
    held = np.zeros((comp.n, k))
    if len(r.held_issuer):
        # a fraction from the leg's amount follows the draw's, a reported one is held whole
        frac = r.held_frac[:, None] * comp.stake_mult(mult)   # (held_deal: comp.stake_deal)
        np.add.at(held, r.held_issuer, frac)
    room = 1.0 - np.minimum(held, 1.0)
    named = np.zeros((len(r.stake_firm), k))
    for j, (i, f) in enumerate(zip(r.stake_firm, r.stake_frac, strict=True)):
        take = np.clip(np.minimum(f, room[i]), 0.0, None)
        room[i] -= take
        named[j] = lost[i] * take
    total += (lost * room).T @ r.equity
    if len(named):
        total += named.T @ r.stake
    if len(r.sponsor_firm):
        if equity_loss is None:
            raise ValueError("per_draw: the vehicles' outside sponsors need each draw's equity "
                             "lost (equity_loss = scenarios.buffer.equity_losses(comp, base, "
                             "out))")
        lost_sponsor = np.maximum(np.asarray(equity_loss, float)[r.sponsor_firm], 0.0)
        drawn = sponsors_drawn(comp, mult)
        share = r.sponsor_share[:, None] if drawn is None else drawn[2][r.sponsor_row]
        total += (lost_sponsor * share).T @ r.sponsor
    return total


def figures(r: Routes, losses: np.ndarray) -> dict[str, np.ndarray]:
    """The :data:`FIGURES` of each draw from :func:`per_draw`'s losses, plus ``bank_loss``
    ``(K, B)`` per named bank and ``below_min`` ``(K, B)``: its CET1 ratio after the loss
    (risk-weighted assets held fixed) is under its requirement."""
    hold = [r.columns.index(f"holder:{b}") if f"holder:{b}" in r.columns else -1
            for b in r.banks]
    bank_loss = np.column_stack([losses[:, j] if j >= 0 else np.zeros(len(losses))
                                 for j in hold]) if hold else np.zeros((len(losses), 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (r.cet1[None, :] - bank_loss) / r.rwa[None, :]
    below = ratio < r.min_ratio[None, :]
    banks = r.mask(["banks"])
    return {"households": losses[:, r.mask(HOUSEHOLD_SECTORS)].sum(axis=1),
            "retirement": losses[:, r.mask(RETIREMENT_SECTORS)].sum(axis=1),
            "banks": losses[:, banks].sum(axis=1),
            "bank_capital": bank_loss.sum(axis=1),
            "insurers": losses[:, r.mask(["line:insurers"])].sum(axis=1),
            "private_credit": losses[:, r.mask(["line:private_credit"])].sum(axis=1),
            "bank_loss": bank_loss, "below_min": below}


@dataclass
class Stats:
    """What one chunk keeps: every draw's :data:`FIGURES`, per-column sums, and per bank the
    sum and maximum of its loss and the draws below the requirement."""

    draws: dict[str, np.ndarray]
    sums: np.ndarray
    bank_sum: np.ndarray
    bank_max: np.ndarray
    bank_below: np.ndarray
    any_below: int


def chunk_stats(r: Routes, comp: Any, out: Any, mult: np.ndarray,
                equity_loss: np.ndarray | None = None) -> Stats:
    """:class:`Stats` of one batched engine call (``K`` draws; ``equity_loss`` as
    :func:`per_draw` takes it)."""
    losses = per_draw(r, comp, out, mult, equity_loss)
    fig = figures(r, losses)
    bl, below = fig["bank_loss"], fig["below_min"]
    return Stats(draws={m: fig[m] for m in FIGURES}, sums=losses.sum(axis=0),
                 bank_sum=bl.sum(axis=0), bank_max=bl.max(axis=0, initial=0.0),
                 bank_below=below.sum(axis=0), any_below=int(below.any(axis=1).sum()))


class Summary:
    """The ``holders`` section of a simulation, folded chunk by chunk (in chunk order) from
    the chunks' :class:`Stats`: bounded memory whatever the number of draws.

    ``figure`` makes the accumulator of one per-draw figure
    (:class:`~dealloop.scenarios.sketch.Figure`: every draw kept, or sketched).

    Examples
    --------
    A Monte Carlo run folds its chunks through one; its ``holders`` section is the result:

    >>> import dealloop as dl
    >>> from dealloop import scenarios
    >>> res = scenarios.simulate("coreweave-default", dl.load(), draws=8, seed=1, workers=0,
    ...                          follow=FOLLOW)
    >>> res.holders["draws"], list(res.holders["figures"].index) == list(FIGURES)
    (8, True)
    """

    def __init__(self, r: Routes, figure: Callable[[], Figure]) -> None:
        nb = len(r.banks)
        self.r = r
        self.n = 0
        self.figures = {m: figure() for m in FIGURES}
        self.sums = np.zeros(len(r.columns))
        self.bank_sum, self.bank_max, self.below = np.zeros(nb), np.zeros(nb), np.zeros(nb)
        self.any_below = 0

    def add(self, part: Stats) -> None:
        """Fold one chunk's :class:`Stats`."""
        for m in FIGURES:
            self.figures[m].add(part.draws[m])
        self.n += len(part.draws["households"])
        self.sums += part.sums
        self.bank_sum += part.bank_sum
        self.bank_max = np.maximum(self.bank_max, part.bank_max)
        self.below += part.bank_below
        self.any_below += part.any_below

    def result(self) -> dict[str, Any]:
        """The section: ``figures`` (per :data:`FIGURES`: mean, std, quantiles, max,
        ``p_positive`` and the modes), ``per_household`` and ``share_of_retirement`` of the
        mean and quantiles, ``sectors`` (mean loss per terminal sector), ``banks`` (per named
        bank: CET1, requirement, mean, maximum, ``p_below_min``, the figure's ``as_of`` and
        ``stale``: why it is older than the others', or empty), ``p_any_bank_below_min``
        and ``banking_share`` (the banking sector's loss over US banks' aggregate capital:
        mean and quantiles, with the capital figure's value, date, row and sources; None
        without one), and ``capital``: per sector line (banks, insurers, private-credit
        funds) its capital figure (or ``no_data``, the reason), the ``loss`` and the
        ``share`` of that capital (mean and quantiles; ``share`` None without a figure),
        ``method`` (:data:`~dealloop.holders.results.METHOD`) and ``basis`` (which data the
        figures stand on, :func:`~dealloop.holders.layer.data_basis`)."""
        import pandas as pd

        from ..scenarios.montecarlo import modes

        r, n = self.r, self.n
        rows: dict[str, dict[str, float]] = {}
        found = {}
        for m, f in self.figures.items():
            if not f.n:
                continue
            rows[m] = f.stats(_QUANTILES)
            found[m] = [{"mean": a, "weight": w} for a, w in modes(*f.points())]
        fig = pd.DataFrame.from_dict(rows, orient="index")
        fig.index.name = "figure"
        sec = list(np.flatnonzero(r.sectors()))
        sectors = pd.DataFrame({"mean": self.sums[sec] / max(n, 1)},
                               index=pd.Index([r.columns[j] for j in sec], name="sector"))
        sectors["household"] = [s in HOUSEHOLD_SECTORS for s in sectors.index]
        sectors["retirement"] = [s in RETIREMENT_SECTORS for s in sectors.index]
        info = r.bank_info
        banks = pd.DataFrame({
            "name": [x[0] for x in info], "cet1": r.cet1, "ratio": [x[1] for x in info],
            "min_ratio": r.min_ratio, "loss_mean": self.bank_sum / max(n, 1),
            "loss_max": self.bank_max, "p_below_min": self.below / max(n, 1),
            "as_of": [x[2] for x in info], "sources": [x[3] for x in info]},
            index=pd.Index(list(r.banks), name="bank"))
        stale = stale_dates(dict(zip(r.banks, banks["as_of"], strict=True)), what="bank's")
        banks["stale"] = [stale.get(b, "") for b in r.banks]
        assets = r.retirement_assets
        hh = r.households
        stat = ("mean", "q05", "q50", "q95", "q99", "max")
        per_household = ({s: rows["households"][s] * 1e9 / hh for s in stat}
                         if hh and "households" in rows else None)
        share = ({s: rows["retirement"][s] / assets for s in stat}
                 if assets > 0 and "retirement" in rows else None)
        cap = r.sector_capital
        banking = ({"capital": cap[0], "as_of": cap[1], "row": cap[2], "sources": cap[3],
                    **{s: rows["banks"][s] / cap[0] for s in stat}}
                   if cap is not None and "banks" in rows else None)
        lines: dict[str, dict[str, Any]] = {}
        for name, spec in r.lines:
            one = {k: spec[k] for k in ("line", "label", "capital", "metric", "capital_name",
                                        "as_of", "stale", "row", "sources", "no_data")}
            if name in rows:
                one["loss"] = {s: rows[name][s] for s in stat}
                one["share"] = (None if spec["capital"] is None else
                                {s: rows[name][s] / spec["capital"] for s in stat})
            lines[name] = one
        return {"draws": n, "figures": fig, "modes": found, "per_household": per_household,
                "share_of_retirement": share, "retirement_assets": assets, "households": hh,
                "sectors": sectors, "banks": banks, "banking_share": banking,
                "capital": lines, "p_any_bank_below_min": self.any_below / max(n, 1),
                "method": METHOD, "basis": [dict(x) for x in r.basis]}


def summarize_draws(r: Routes, parts: list[Stats]) -> dict[str, Any]:
    """The ``holders`` section from every chunk's :class:`Stats` at once (in chunk order),
    every draw kept: :meth:`Summary.result`.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import holders, mapping, scenarios
    >>> from dealloop.scenarios.runner import clear_runs
    >>> net = dl.load()
    >>> comp = mapping.build(net, scenarios.load("coreweave-default")).compile()
    >>> from dealloop.scenarios.buffer import equity_losses
    >>> r, (base, out, _, _) = routes(comp, net, holders.layer(net)), clear_runs(comp)
    >>> section = summarize_draws(r, [chunk_stats(r, comp, out, comp.base_mult[:, None],
    ...                                           equity_losses(comp, base, out))])

    One draw at the central values lands where the central run's losses land:

    >>> central = holders.follow(scenarios.run("coreweave-default", net, band=False), net)
    >>> bool(abs(section["figures"].loc["households", "mean"]
    ...          - central.households["total"]) < 1e-9)
    True
    """
    from ..scenarios.sketch import Figure

    n = sum(len(p.draws["households"]) for p in parts)
    out = Summary(r, lambda: Figure(n))
    for p in parts:
        out.add(p)
    return out.result()


def lines(section: Mapping[str, Any]) -> list[str]:
    """A few lines of text for the terminal from :func:`summarize_draws`'s section."""
    fig = section["figures"]
    if fig is None or not len(fig):
        return []
    out = []
    for m, label in FIGURES.items():
        if m not in fig.index:
            continue
        r = fig.loc[m]
        ms = section["modes"].get(m, [])
        shown = [f"{x['mean']:,.1f} ({x['weight']:.0%})" for x in ms]
        apart = len({f"{x['mean']:,.1f}" for x in ms}) > 1  # modes that print alike are one
        mode_s = "; modes " + ", ".join(shown) if apart else ""
        out.append(f"{label}: mean {r['mean']:,.1f} bn, median {r['q50']:,.1f}, 5-95% "
                   f"{r['q05']:,.1f}-{r['q95']:,.1f}, max {r['max']:,.1f}{mode_s}")
    per, share = section.get("per_household"), section.get("share_of_retirement")
    if per is not None:
        out.append(f"per US household: mean ${per['mean']:,.0f} (95%: ${per['q95']:,.0f})")
    if share is not None:
        out.append(f"share of US retirement assets: mean {share['mean']:.2%} (95%: "
                   f"{share['q95']:.2%})")
    bk = section.get("banking_share")
    if bk is not None:
        out.append(f"banking sector against US banks' aggregate capital ({bk['capital']:,.0f} "
                   f"bn at {bk['as_of']}, {bk['row']}): mean {bk['mean']:.3%} (95%: "
                   f"{bk['q95']:.3%})")
    for name, x in (section.get("capital") or {}).items():
        if (name == "banks" and bk is not None) or "loss" not in x:
            continue  # the banking line is above
        if not x["loss"]["max"] > 0.005:
            continue
        what = x["label"][:1].lower() + x["label"][1:]
        if x["share"] is None:
            out.append(f"{what}: its capital: NO DATA ({x['no_data']})")
            continue
        sh = x["share"]
        when = bank_date(x["as_of"], x.get("stale"))
        out.append(f"{what} against {x['capital_name']} ({x['capital']:,.0f} bn {when}, "
                   f"{x['row']}): mean {sh['mean']:.3%} (95%: {sh['q95']:.3%})")
    banks = section["banks"]
    p_any = section["p_any_bank_below_min"]
    names = ", ".join(banks.index) if len(banks) else "none"
    out.append(f"P(any named bank below its CET1 requirement) = {p_any:.1%} (named banks: "
               f"{names})")
    for b, row in banks[banks["loss_max"] > 0.005].iterrows():
        when = bank_date(row["as_of"], row.get("stale"))
        out.append(f"  {b}: loss mean {row['loss_mean']:,.1f} bn, max {row['loss_max']:,.1f} "
                   f"of CET1 {row['cet1']:,.0f} bn ({when}); P(below requirement) "
                   f"{row['p_below_min']:.1%}")
    return out


class Follow:
    """The holders layer as a Monte Carlo ``follow`` (see
    :func:`dealloop.scenarios.montecarlo.simulate`): routes each draw's losses through the
    dataset's holders layer with the scenario's ``holders:`` changes.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import scenarios
    >>> res = scenarios.simulate("oracle-cannot-refinance", dl.load(), draws=20, seed=1,
    ...                          workers=0, follow=FOLLOW)
    >>> bool(res.holders["banks"].loc["smbc", "loss_mean"] > 0)
    True
    """

    figures = len(FIGURES)

    def prepare(self, comp: Any, scenario: Any, net: Any) -> Routes:
        """The unit routes of ``comp`` through the network's layer, changed by the
        scenario's ``holders:`` block."""
        from .layer import layer, override

        return routes(comp, net, override(layer(net), scenario.holders.model_dump()))

    def start(self, prepared: Routes, figure: Callable[[], Figure]) -> Summary:
        """The accumulator of the ``holders`` section, fed chunk by chunk (:class:`Summary`)."""
        return Summary(prepared, figure)


#: The holders layer's Monte Carlo follow.
FOLLOW = Follow()
