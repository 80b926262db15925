"""Book equity as the loss buffer: each firm's equity before and after a run.

The engine's equity is its construct, net worth over the horizon floored at 0 (cash,
outside revenue, receipts and stakes minus what the firm owes inside the horizon). Where
the dataset reports a firm's book equity (``mapping.loss_buffer: book``, the default; see
:mod:`dealloop.mapping.starting`) the run measures the firm's loss against it instead.

A run's losses are flows over the whole horizon (five years of margin on sales that do not
happen, stakes marked down), while book equity is a stock at one date. So the book line is
measured at the horizon's end, in the run's values (discounted to the horizon's start as
the run is):

* **before** = reported book equity + the earnings the unshocked run brings over the
  horizon (:func:`horizon_earnings`: net margin x the firm's revenue in that run, times
  ``mapping.earnings_retained``, 1 by default: payouts not modelled, an assumption) - what
  the book would be at the horizon's end if nothing happened;
* **after** = before + the change in the firm's net worth, less what its own borrowing
  moves (debt repaid early or not drawn moves cash and debt alike), with its stakes in
  other firms carried at what it paid for them (the leg's amount; no carrying value is
  reported in the data), written down to their market value when that is lower and never written up
  (:func:`book_change`), floored at 0; a defaulter ends with 0, a firm that defaulted
  before the shock starts from 0.

So a supplier that loses a customer's future purchases loses the margin and stranded costs
they would have brought out of its horizon-end book, not out of today's, and a stake counts
for what the book carries, not for the issuer's market value (which moves the market-value
line). A vehicle (kind spv) starts from its sponsors' equity (``equity_basis``
``sponsor``, ``mapping.vehicle_equity``), with no earnings added: its rent services its
debt; if it defaults its sponsors lose it all, first (an upper bound when its collateral
fetches more than its debt: the surplus is not traced back to them), and its lenders
recover the collateral (:mod:`dealloop.mapping.vehicles`). The sponsor equity a vehicle
loses (all of it when it defaults, else the part its losses eat: its ``before - after``) is
split among its sponsors by what each put in (:func:`sponsor_rows`): a sponsor inside the
network with a sourced buffer writes its part off its own book line ("sponsor equity
lost", a stake carried at cost written down to what is left of the vehicle's equity; a
vehicle that sponsors another passes its write-off on to its own sponsors,
:func:`written_off`), an outside sponsor's part
enters the holders layer (:func:`dealloop.holders.exposures.sponsor_losses`); a sponsor
whose equity is the model's construct never counted the stake (the vehicle has no market
value), so nothing is written off it. Firms without a figure keep the construct
(flagged in ``--explain`` and the JSON's ``equity_basis``).

Given the draws' deal multipliers (``mult``, a Monte Carlo chunk's or ``rank-legs``'), a
draw that drops or rescales a sponsor's equity leg gives the vehicle the sponsor equity a
stress run with the leg excluded or its amount set would (the legs' amounts x multipliers,
:func:`dealloop.mapping.vehicles.drawn_sponsors`), split by what each sponsor put in that
draw; a vehicle left with none stands on the construct in that draw, as in the stress run.

Examples
--------
>>> import dealloop as dl
>>> from dealloop import mapping, scenarios
>>> from dealloop.scenarios.runner import clear_runs
>>> comp = mapping.build(dl.load(), scenarios.load("oracle-cannot-refinance")).compile()
>>> base, out, _, _ = clear_runs(comp)
>>> i = comp.bs.firms.index("oracle")
>>> before, after = equity_paths(comp, base, out)
>>> bool(before[i, 0] > 24.666)   # F196, Oracle's book equity, plus its horizon's earnings
True
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..mapping.arrays import FUNDING, PRINCIPAL
from ..mapping.starting import loss_buffer
from ..mapping.vehicles import drawn_sponsors, sponsors_of
from ._maps import add_rows
from ._round import operating

__all__ = ["NOISE", "SponsorRows", "book_change", "equity_losses", "equity_paths",
           "horizon_earnings", "market_value_losses", "snap_noise", "sponsor_rows",
           "sponsors_drawn", "vehicle_losses", "written_off"]

#: A change smaller than this share of the value it moves (plus 1e-9 $bn) is rounding noise
#: of the clearing arithmetic, not a loss or a gain: it is reported as 0.
NOISE = 1e-9


def snap_noise(change: Any, scale: Any) -> np.ndarray:
    """``change`` with the entries no larger than :data:`NOISE` x (1 + ``|scale|``) set to 0:
    a loss of ``-1e-13`` on a value of 3,623 is the floating-point arithmetic of the
    clearing, not a gain.

    Examples
    --------
    >>> snap_noise(np.array([-4.5e-13, 2.7, 1e-13, -2.7]), np.array([3623.0, 470.0, 0.0, 5.0]))
    array([ 0. ,  2.7,  0. , -2.7])
    """
    change = np.asarray(change, float)
    return np.where(np.abs(change) <= NOISE * (1.0 + np.abs(scale)), 0.0, change)


def market_value_losses(comp: Any, out: Any) -> np.ndarray:
    """``(N, K)``: the market value each firm loses in the run ``out`` (an
    :class:`~.engine.Outcome`), its starting market value less its value after, rounding
    noise set to 0 (:func:`snap_noise`); negative where the value rises. The one place the
    per-firm table, the headline figures and the Monte Carlo take it from.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> comp = NS(market_value=np.array([3623.0, 470.0, 0.0]))
    >>> out = NS(market_value=np.array([[3623.0 + 4.5e-13], [472.7], [1.1e-16]]))
    >>> market_value_losses(comp, out)[:, 0].round(6).tolist()
    [0.0, -2.7, 0.0]
    """
    mv0 = np.asarray(comp.market_value, float)[:, None]
    return snap_noise(mv0 - np.asarray(out.market_value, float), mv0)


def horizon_earnings(comp: Any, base: Any) -> np.ndarray:
    """``(N, K)``: the earnings each firm keeps from the unshocked run ``base``: its net
    margin (``margin`` of the balance sheets) x its revenue in the run (outside revenue,
    cash at the start left out, plus its sales to other firms as paid) x
    ``mapping.earnings_retained``, in the run's values (discounted as the run is).

    Examples
    --------
    Margin 0.3, cash 100, outside revenue 40 and sales of 10 to another firm: 0.3 x 50.

    >>> from types import SimpleNamespace as NS
    >>> import pandas as pd
    >>> from dealloop.mapping.arrays import PURCHASE, Structure
    >>> st = Structure(n=2, debtor=np.array([1]), creditor=np.array([0]),
    ...                channel=np.array([PURCHASE], np.int8))
    >>> comp = NS(structure=st, cash=np.array([100.0, 0.0]),
    ...           bs=NS(frame=pd.DataFrame({"margin": [0.3, 0.1]})),
    ...           scenario=NS(mapping=NS(earnings_retained=1.0, cash=True)))
    >>> base = NS(e=np.array([[140.0], [0.0]]), owed=np.array([[10.0]]),
    ...           paid=np.array([[10.0]]))
    >>> horizon_earnings(comp, base)[:, 0].round(6).tolist()
    [15.0, 0.0]
    """
    m = comp.scenario.mapping
    margin = comp.bs.frame["margin"].to_numpy(float)[:, None]
    cash = np.asarray(comp.cash, float)[:, None] if getattr(m, "cash", True) else 0.0
    revenue = np.maximum(np.asarray(base.e, float) - cash, 0.0) \
        + operating(comp.structure, base.owed, base.paid)
    return np.maximum(margin, 0.0) * revenue * float(getattr(m, "earnings_retained", 1.0))


def book_change(comp: Any, base: Any, out: Any, *, mult: np.ndarray | None = None
                ) -> np.ndarray:
    """``(N, K)``: the change in each firm's net worth from ``base`` to ``out`` with its
    stakes at their book value instead of their market value: a stake is carried at its
    cost (the leg's amount, column ``cost`` of the balance sheets' stakes; with the draws'
    deal multipliers ``mult`` ``(D, K)``, the amount each draw gives the leg, as a stress
    run with ``legs.amounts`` costs it) or at its market value when that is lower; a stake
    with no stated cost stays at market value.

    Examples
    --------
    A firm paid 2 for a stake worth 5 at market; the issuer fails (worth 0 after). Its net
    worth falls by 5 at market value, its book by the 2 it paid.

    >>> from types import SimpleNamespace as NS
    >>> import pandas as pd
    >>> from dealloop.mapping.arrays import Structure
    >>> st = Structure(n=2, debtor=np.zeros(0, int), creditor=np.zeros(0, int),
    ...                channel=np.zeros(0, np.int8), stake_holder=np.array([0]),
    ...                stake_issuer=np.array([1]), stake_fraction=np.array([0.1]))
    >>> comp = NS(structure=st, bs=NS(stakes=pd.DataFrame({"cost": [2.0]})))
    >>> base = NS(net_worth=np.array([[55.0], [50.0]]), stakes=np.array([[5.0], [0.0]]),
    ...           stake_values=np.array([[5.0]]))
    >>> out = NS(net_worth=np.array([[50.0], [-3.0]]), stakes=np.array([[0.0], [0.0]]),
    ...          stake_values=np.array([[0.0]]))
    >>> book_change(comp, base, out)[:, 0].tolist()
    [-2.0, -53.0]
    """
    moved = np.asarray(out.net_worth, float) - np.asarray(base.net_worth, float)
    st = comp.structure
    moved = moved + _borrowing(st, base, out)
    sv0, sv1 = getattr(base, "stake_values", None), getattr(out, "stake_values", None)
    if not st.s or sv0 is None or sv1 is None or "cost" not in comp.bs.stakes:
        return moved
    cost = comp.bs.stakes["cost"].to_numpy(float)[:, None]
    known = ~np.isnan(cost)
    c = np.where(known, cost, 0.0)
    if mult is not None:  # a leg a draw leaves out keeps its cost, should a shock call it
        m = np.asarray(mult, float)[comp.stake_deal]
        c = c * np.where(m > 0, m, 1.0)

    def book(sv: np.ndarray) -> np.ndarray:
        return np.where(known, np.minimum(c, sv), sv)

    diff = book(np.asarray(sv1, float)) - book(np.asarray(sv0, float)) \
        - (np.asarray(sv1, float) - np.asarray(sv0, float))
    adj = np.zeros(np.broadcast_shapes(moved.shape, (st.n, diff.shape[1])))
    add_rows(adj, st.stake_holder, diff)
    return moved + adj


def _borrowing(st: Any, base: Any, out: Any) -> np.ndarray:
    """``(N, K)``: what lending and borrowing between ``base`` and ``out`` move a firm's net
    worth by, taken back. Money lent or borrowed moves cash and a claim or a debt alike,
    which leaves book equity where it was: a borrower that repays more (owes more principal)
    or draws less, and a lender that is repaid more or lends less, has only moved cash (the
    interest asked with the debt rides with it, a simplification). What a lender is owed
    and not paid (a default) is a loss and stays.

    Examples
    --------
    Firm 0 lends to firm 1 inside the horizon (leg 0) and is owed principal (leg 1). In the
    shocked run firm 1 draws 4 instead of 10 and repays 3 of the 5 it owes: lending 6 less
    is taken back for both (-6 for the lender, +6 for the borrower); the 2 unpaid stays.

    >>> from types import SimpleNamespace as NS
    >>> from dealloop.mapping.arrays import FUNDING, PRINCIPAL, Structure
    >>> st = Structure(n=2, debtor=np.array([0, 1]), creditor=np.array([1, 0]),
    ...                channel=np.array([FUNDING, PRINCIPAL], np.int8))
    >>> base = NS(owed=np.array([[10.0], [5.0]]), paid=np.array([[10.0], [5.0]]))
    >>> out = NS(owed=np.array([[4.0], [5.0]]), paid=np.array([[4.0], [3.0]]))
    >>> _borrowing(st, base, out)[:, 0].tolist()
    [-6.0, 6.0]
    """
    owed0, owed1 = getattr(base, "owed", None), getattr(out, "owed", None)
    if owed0 is None or owed1 is None or not len(getattr(st, "channel", ())):
        return np.zeros(1)
    owed0, owed1 = np.asarray(owed0, float), np.asarray(owed1, float)
    paid0, paid1 = np.asarray(base.paid, float), np.asarray(out.paid, float)
    adj = np.zeros((st.n, max(owed0.shape[1], owed1.shape[1])))
    principal = st.channel == PRINCIPAL
    funding = st.channel == FUNDING
    legs = (  # (legs, the firm's side, the change taken back: more minus less)
        (principal & (st.debtor < st.n), st.debtor, owed1, owed0),
        (principal & (st.creditor < st.n), st.creditor, owed0, owed1),
        (funding & (st.creditor < st.n), st.creditor, paid0, paid1),
        (funding & (st.debtor < st.n), st.debtor, paid1, paid0),
    )
    for mask, side, more, less in legs:
        rows = np.flatnonzero(mask)
        if len(rows):
            add_rows(adj, side[rows], more[rows] - less[rows])
    return adj


class SponsorRows(NamedTuple):
    """The sponsor legs of the vehicles with sponsor equity, one row per leg: the vehicle's
    index, the sponsor's index inside the network (-1 outside), its share of the vehicle's
    sponsor equity, the leg's id and the sponsor's id.

    Examples
    --------
    >>> rows = SponsorRows(np.array([0]), np.array([-1]), np.array([1.0]), ("E1",), ("owl",))
    >>> rows.deals, int(rows.holder[0])
    (('E1',), -1)
    """

    vehicle: np.ndarray
    holder: np.ndarray
    share: np.ndarray
    deals: tuple[str, ...]
    sponsors: tuple[str, ...]


def sponsor_rows(comp: Any) -> SponsorRows:
    """:class:`SponsorRows` of a compiled scenario (its balance sheets' ``frame`` and
    ``deals``, :func:`dealloop.mapping.vehicles.sponsor_legs`); empty when no vehicle stands on
    its sponsors' equity.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("oracle-exits-abilene")).compile()
    >>> rows = sponsor_rows(comp)
    >>> i = rows.deals.index("D06a")   # Blue Owl's 5.0 in Abilene, outside the network
    >>> rows.sponsors[i], comp.bs.firms[rows.vehicle[i]], int(rows.holder[i])
    ('blue-owl', 'abilene-jv', -1)
    >>> float(rows.share[i])   # the 5.0 is all counted (Crusoe's D06b: part of it, no amount)
    1.0
    """
    bs = comp.bs
    legs = sponsors_of(bs, drawn=True)   # in the order of the compiled sponsor_arrays
    firms = list(bs.frame.index) if legs else []
    pos = {f: i for i, f in enumerate(firms)}
    flat = [(pos[v], pos.get(p, -1), share, d, p)
            for v, rows in legs.items() for d, p, share in rows if v in pos]
    return SponsorRows(np.array([x[0] for x in flat], int), np.array([x[1] for x in flat], int),
                       np.array([x[2] for x in flat], float), tuple(x[3] for x in flat),
                       tuple(x[4] for x in flat))


def vehicle_losses(before: np.ndarray, after: np.ndarray, rows: SponsorRows,
                   share: np.ndarray | None = None) -> np.ndarray:
    """``(J, K)``: the sponsor equity each sponsor leg of ``rows`` loses, its share of the
    vehicle's ``before - after`` (rounding noise set to 0, :func:`snap_noise`; never below 0).
    ``share`` ``(J, K)``: each leg's share in each draw, when the draws move the sponsor legs
    (:func:`dealloop.mapping.vehicles.drawn_sponsors`; default ``rows.share``).

    Examples
    --------
    A vehicle (firm 0) starts from 8 of sponsor equity and keeps 2: its sponsors lose 6,
    3:1 by what they put in.

    >>> rows = SponsorRows(np.array([0, 0]), np.array([-1, 1]), np.array([0.75, 0.25]),
    ...                    ("E1", "E2"), ("owl", "a"))
    >>> vehicle_losses(np.array([[8.0], [50.0]]), np.array([[2.0], [50.0]]), rows)[:, 0].tolist()
    [4.5, 1.5]
    """
    lost = np.maximum(snap_noise(before - after, before), 0.0)
    return lost[rows.vehicle] * (rows.share[:, None] if share is None else share)


def written_off(rows: SponsorRows, before: np.ndarray, after: np.ndarray,
                defaulted: np.ndarray, has: np.ndarray, share: np.ndarray | None = None,
                off: np.ndarray | None = None) -> np.ndarray:
    """``after`` less the sponsor equity the inside sponsors among ``has`` (the firms with a
    sourced buffer) lose in the vehicles they sponsor (``rows``, :func:`sponsor_rows`;
    :func:`vehicle_losses`), never below 0, a defaulter's 0. A vehicle that sponsors
    another passes what it writes off on to its own sponsors, level after level, until
    nothing moves (so an inside sponsor bears its share as an outside one does in the
    holders layer, which reads the vehicles' losses after the write-offs). ``share``: the
    legs' shares per draw (:func:`vehicle_losses`); ``off`` ``(N, K)``: the draws in which
    a firm of ``has`` stands on the construct (a vehicle whose sponsor legs a draw drops),
    left as they are.

    Examples
    --------
    Vehicle 0 (8 of sponsor equity) sponsors vehicle 1 (4) with 1 of it, 25%; firm 2 put 2
    of the 8 in vehicle 0, 25%. Vehicle 1 loses all 4: vehicle 0 writes off 1, of which
    firm 2 writes off 0.25.

    >>> rows = SponsorRows(np.array([1, 0]), np.array([0, 2]), np.array([0.25, 0.25]),
    ...                    ("E3", "E2"), ("v0", "f2"))
    >>> a = written_off(rows, np.array([[8.0], [4.0], [50.0]]),
    ...                 np.array([[8.0], [0.0], [50.0]]), np.zeros((3, 1), bool), np.arange(3))
    >>> a[:, 0].tolist()
    [7.0, 0.0, 49.75]
    """
    inside = (rows.holder >= 0) & np.isin(rows.holder, has)
    if not inside.any():
        return after
    start, now = after, after
    for _ in range(len(rows.deals) + 1):  # one more level per pass; a chain ends sooner
        write = np.zeros(after.shape)
        add_rows(write, rows.holder[inside], vehicle_losses(before, now, rows, share)[inside])
        new = start.copy()
        new[has] = np.where(defaulted[has], 0.0, np.maximum(start[has] - write[has], 0.0))
        if off is not None:
            new[has] = np.where(off[has], start[has], new[has])
        if np.array_equal(new, now):
            break
        now = new
    return now


def equity_paths(comp: Any, base: Any, out: Any, *, sponsors: bool = True,
                 mult: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(before, after)``, each ``(N, K)``: every firm's equity in the unshocked run
    ``base`` and in the shocked run ``out`` (:class:`~.engine.Outcome` totals): where book
    equity is the loss buffer, its book equity at the horizon's end
    (:func:`horizon_earnings` added; :func:`book_change` taken off after the shock, and with
    ``sponsors`` the sponsor equity it loses in the vehicles it sponsors,
    :func:`written_off`), else the engine's construct. An ``after`` within rounding noise of
    ``before`` (:func:`snap_noise`) is ``before``. ``sponsors=False`` leaves the write-offs
    out: what a sponsor writes off is part of the vehicle's own loss, so a sum over firms
    counts it once without them (the system's equity lost, :func:`equity_losses`).
    ``mult`` ``(D, K)``: the draws' deal multipliers, which the vehicles' sponsor equity
    follows (see the module docstring; default: the compiled legs).

    Examples
    --------
    Book equity 10, earnings of 6 over the horizon (margin 0.3 x revenue 20): 16 before.
    A firm whose net worth falls by 4 keeps 12; one whose net worth falls by 20 keeps 0;
    a defaulter keeps nothing. A firm without a figure keeps the construct.

    >>> from types import SimpleNamespace as NS
    >>> import pandas as pd
    >>> from dealloop.mapping.arrays import Structure
    >>> st = Structure(n=4, debtor=np.zeros(0, int), creditor=np.zeros(0, int),
    ...                channel=np.zeros(0, np.int8))
    >>> comp = NS(structure=st, cash=np.zeros(4),
    ...           bs=NS(frame=pd.DataFrame({"book_equity": [10.0, 10.0, 10.0, 0.0],
    ...                                     "equity_basis": ["book"] * 3 + ["model"],
    ...                                     "margin": [0.3] * 4})),
    ...           scenario=NS(mapping=NS(earnings_retained=1.0, cash=True)))
    >>> nw0 = np.array([[50.0], [50.0], [50.0], [7.0]])
    >>> e = np.full((4, 1), 20.0)
    >>> base = NS(equity=nw0, net_worth=nw0, defaulted=np.zeros((4, 1), bool), e=e,
    ...           owed=np.zeros((0, 1)), paid=np.zeros((0, 1)))
    >>> nw1 = np.array([[46.0], [30.0], [-1.0], [2.0]])
    >>> out = NS(equity=np.maximum(nw1, 0), net_worth=nw1,
    ...          defaulted=np.array([[False], [False], [True], [False]]))
    >>> b, a = equity_paths(comp, base, out)
    >>> b[:, 0].round(6).tolist(), a[:, 0].round(6).tolist()
    ([16.0, 16.0, 16.0, 7.0], [12.0, 0.0, 0.0, 2.0])
    """
    drawn = sponsors_drawn(comp, mult)
    before, after, has, off = _book_paths(comp, base, out, drawn, mult)
    if sponsors:
        after = _with_sponsors(comp, out, before, after, has, drawn, off)
    return before, _snapped(before, after)


def sponsors_drawn(comp: Any, mult: np.ndarray | None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """:func:`~dealloop.mapping.vehicles.drawn_sponsors` of a compiled scenario's
    ``sponsor_arrays`` under the draws' multipliers ``mult``; None when they move no sponsor
    leg (or there is no ``mult``, or ``comp`` has no sponsor arrays).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("oracle-exits-abilene")).compile()
    >>> sponsors_drawn(comp, comp.base_mult[:, None]) is None   # the legs as compiled
    True
    """
    arrays = getattr(comp, "sponsor_arrays", None) if mult is not None else None
    return None if arrays is None else drawn_sponsors(arrays, mult)


def _book_paths(comp: Any, base: Any, out: Any,
                drawn: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                mult: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """``(before, after, has, off)`` of :func:`equity_paths` without the sponsors'
    write-offs or the noise snap; ``has``: the firms whose loss buffer is sourced book
    equity; ``drawn``: the vehicles' sponsor equity per draw (:func:`sponsors_drawn`);
    ``mult``: the draws' deal multipliers (:func:`book_change`); ``off``
    ``(N, K)``: the draws in which a vehicle of ``has`` has no sponsor equity left and
    stands on the construct (None: none)."""
    shape = np.broadcast_shapes(np.shape(base.equity), np.shape(out.equity))
    before = np.array(np.broadcast_to(base.equity, shape), float)
    after = np.array(np.broadcast_to(out.equity, shape), float)
    book = loss_buffer(comp.bs.frame)
    has = np.flatnonzero(~np.isnan(book))
    off = None
    if len(has):
        # a vehicle's sponsor equity (basis "sponsor") earns nothing: its rent services its debt
        earns = (comp.bs.frame["equity_basis"].to_numpy() == "book")[has, None]
        b = book[has, None] + np.where(
            earns, np.broadcast_to(horizon_earnings(comp, base), shape)[has], 0.0)
        if drawn is not None:  # the draws' sponsor equity of the vehicles
            firms, eq, _ = drawn
            at = np.searchsorted(has, firms)
            b = np.array(np.broadcast_to(b, (len(has), shape[1])))
            b[at] = eq
            none = eq <= 0.0
            if none.any():
                off = np.zeros(shape, bool)
                off[firms] = none
        before[has] = np.where(np.broadcast_to(base.defaulted[has], (len(has), shape[1])),
                               0.0, b)
        moved = np.broadcast_to(book_change(comp, base, out, mult=mult), shape)[has]
        after[has] = np.where(np.asarray(out.defaulted)[has], 0.0,
                              np.maximum(before[has] + moved, 0.0))
        if off is not None:  # no sponsor equity left in the draw: the construct
            before = np.where(off, np.broadcast_to(base.equity, shape), before)
            after = np.where(off, np.broadcast_to(out.equity, shape), after)
    return before, after, has, off


def _snapped(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """``after``, with a change within rounding noise of ``before`` (:func:`snap_noise`)
    taken as no change."""
    return np.where(snap_noise(before - after, before) == 0.0, before, after)


def _with_sponsors(comp: Any, out: Any, before: np.ndarray, after: np.ndarray,
                   has: np.ndarray,
                   drawn: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                   off: np.ndarray | None = None) -> np.ndarray:
    """``after`` less the inside sponsors' write-offs (:func:`written_off`), with the legs'
    shares of each draw when ``drawn`` (:func:`sponsors_drawn`)."""
    if not len(has):
        return after
    return written_off(sponsor_rows(comp), before, after, np.asarray(out.defaulted), has,
                       None if drawn is None else drawn[2], off)


def equity_losses(comp: Any, base: Any, out: Any, *, sponsors: bool = True,
                  mult: np.ndarray | None = None) -> np.ndarray:
    """``(N, K)``: the equity each firm loses in the shocked run, ``before - after`` of
    :func:`equity_paths` (``sponsors``: with the inside sponsors' write-offs of vehicles'
    losses; without them for a sum over firms, which counts the vehicle's loss once;
    ``mult``: the draws' deal multipliers, which the vehicles' sponsor equity follows),
    never below 0.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> import pandas as pd
    >>> from dealloop.mapping.arrays import Structure
    >>> st = Structure(n=2, debtor=np.zeros(0, int), creditor=np.zeros(0, int),
    ...                channel=np.zeros(0, np.int8))
    >>> comp = NS(structure=st, cash=np.zeros(2),
    ...           bs=NS(frame=pd.DataFrame({"book_equity": [10.0, 0.0],
    ...                                     "equity_basis": ["book", "model"],
    ...                                     "margin": [0.0, 0.0]})),
    ...           scenario=NS(mapping=NS(earnings_retained=1.0, cash=True)))
    >>> nw0, nw1 = np.array([[50.0], [7.0]]), np.array([[46.0], [9.0]])
    >>> base = NS(equity=nw0, net_worth=nw0, defaulted=np.zeros((2, 1), bool),
    ...           e=np.zeros((2, 1)), owed=np.zeros((0, 1)), paid=np.zeros((0, 1)))
    >>> out = NS(equity=nw1, net_worth=nw1, defaulted=np.zeros((2, 1), bool))
    >>> equity_losses(comp, base, out)[:, 0].tolist()
    [4.0, 0.0]
    """
    before, after = equity_paths(comp, base, out, sponsors=sponsors, mult=mult)
    return np.maximum(before - after, 0.0)


def equity_losses_both(comp: Any, base: Any, out: Any, *, mult: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """``(each, once)``: :func:`equity_losses` with the inside sponsors' write-offs (each
    firm's own loss) and without them (summed over firms, a vehicle's loss counted once),
    from one pass over the books (a Monte Carlo chunk needs both; ``mult``: its draws' deal
    multipliers, which the vehicles' sponsor equity follows).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> from dealloop.scenarios.runner import clear_runs
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> base, out, _, _ = clear_runs(comp)
    >>> each, once = equity_losses_both(comp, base, out)
    >>> bool((each == equity_losses(comp, base, out)).all())
    True
    >>> bool((once == equity_losses(comp, base, out, sponsors=False)).all())
    True
    """
    drawn = sponsors_drawn(comp, mult)
    before, after, has, off = _book_paths(comp, base, out, drawn, mult)
    once = np.maximum(before - _snapped(before, after), 0.0)
    each_after = _with_sponsors(comp, out, before, after, has, drawn, off)
    if each_after is after:
        return once, once
    return np.maximum(before - _snapped(before, each_after), 0.0), once
