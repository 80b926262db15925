"""Vehicles (kind ``spv``) on their own assets: the terms their sponsors do not disclose.

A data-centre or GPU vehicle stands on the income of its lease and the collateral of its
debt (:mod:`.collateral`). The dataset often names the lease and the sponsor's residual
value guarantee without an amount (the Hyperion lease D83a and guarantee D83b, the xAI GPU
lease D75c). With ``mapping.vehicle_terms: debt_service`` (default) such a leg is sized
from the vehicle's own debt, and flagged as assumed:

* a lease or purchase leg *into* a vehicle with no amount pays its debt service over the
  lease's term (a lease with no reported end: the term the horizon share assumes,
  :data:`dealloop.network.DEFAULT_TERM_YEARS`, 15 years, said in the flag): each counted
  debt leg's principal x its rate x the years the lease and the debt overlap, plus the
  principal falling due before the lease ends (the rent a lender would underwrite);
* a backstop (residual value guarantee) *to* a vehicle with no amount is capped at the
  vehicle's debt principal (what the guarantee stands behind).

``legs.amounts`` still sets either; ``vehicle_terms: none`` leaves them out as before.

A vehicle's sponsors put equity in front of its lenders (:func:`sponsor_equity`,
``mapping.vehicle_equity``): the equity legs into it with an amount (Blue Owl's $7B for 80%
of Hyperion, D81a; Crusoe and Blue Owl's ~$5B in Abilene, D06a), else an amount the
scenario sets. It is the vehicle's equity before a run and part of what its collateral is
worth (:mod:`.collateral`): the sponsors lose first, the lenders what the equity does not
absorb. What the sponsors lose is split among them by what each put in
(:func:`sponsor_legs`): an outside sponsor's part enters the holders layer
(:mod:`dealloop.holders.exposures`), an inside sponsor's is written off its book
(:func:`dealloop.scenarios.buffer.equity_paths`).

A Monte Carlo draw (or a leg removed by ``rank-legs``) that drops or rescales a sponsor's
equity leg moves the vehicle's sponsor equity with it, as a stress run with the leg excluded
or its amount set (``legs.exclude``, ``legs.amounts``) would: :func:`drawn_sponsors` gives
each draw's equity and split, and the collateral on the vehicle's funding
(:func:`funding_pledges`) follows it. A vehicle left with no sponsor equity in a draw stands
on the model's construct there, as its stress run does. Its debt legs follow the draw too:
the collateral on its funding is (debt + sponsor equity, as drawn), shared pro rata to the
principals as drawn (:func:`drawn_funding`), and what :func:`assumed_terms` sizes from its
debt is sized from the debt as drawn. A leg the run does not count that a draw switches on
joins the vehicle as a stress run including it would (:func:`uncounted_legs`; a debt leg:
:attr:`dealloop.mapping.compiled.Compiled.uncounted_pledges`).

Examples
--------
>>> lease = {"id": "R", "payer": "t", "payee": "v", "kind": "compute_contract",
...          "start": dt.date(2026, 1, 1), "end": dt.date(2029, 12, 31)}
>>> bond = {"id": "B", "payer": "bondholders", "payee": "v", "kind": "bond", "value": 10.0,
...         "start": dt.date(2025, 1, 1), "end": dt.date(2040, 12, 31)}
>>> round(rent(lease, [bond], {"B": 0.05}, 0.06), 3)  # 10 x 5% x 4 years
2.0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..vocabulary import CONTINGENT_KINDS, DAYS_PER_YEAR, DEBT_KINDS
from .values import per_entity

__all__ = ["FundingRows", "SponsorArrays", "assumed_terms", "drawn_funding", "drawn_sponsors",
           "funding_basis", "funding_pledges", "own_funding", "rent", "sponsor_arrays",
           "sponsor_equity", "sponsor_legs", "sponsors_of", "uncounted_legs"]

_INCOME_KINDS = ("lease", "compute_contract", "revenue_share", "other", "chip_purchase")


def _years(a: dt.date, b: dt.date) -> float:
    return max(0.0, ((b - a).days + 1) / DAYS_PER_YEAR)


def rent(lease: Mapping[str, Any], debts: Sequence[Mapping[str, Any]], rates: Mapping[str, float],
         default_rate: float) -> float:
    """The rent over a lease's term that services the vehicle's debt ``debts``: interest at
    each debt's rate (``rates``, else ``default_rate``) for the years the lease and the debt
    overlap, plus the principal of each debt falling due before the lease ends (USD bn).

    Examples
    --------
    >>> lease = {"start": dt.date(2026, 1, 1), "end": dt.date(2030, 12, 31)}
    >>> bond = {"id": "B1", "value": 10.0, "start": lease["start"], "end": lease["end"]}
    >>> round(rent(lease, [bond], {"B1": 0.05}, default_rate=0.06), 2)   # 5 y x 0.5 + 10
    12.5
    """
    start, end = lease["start"], lease["end"]
    total = 0.0
    for d in debts:
        d_start = d["start"] if isinstance(d["start"], dt.date) else start
        d_end = d["end"] if isinstance(d["end"], dt.date) else dt.date.max
        total += d["value"] * rates.get(d["id"], default_rate) * _years(
            max(start, d_start), min(end, d_end))
        if d_end <= end:
            total += d["value"]
    return total


def assumed_terms(records: list[dict[str, Any]], kinds: Mapping[str, str], m: Any,
                  default_rate: float, counted: Any,
                  parts: dict[str, tuple[tuple[str, float], ...]] | None = None
                  ) -> dict[str, tuple[float, str]]:
    """The amounts ``mapping.vehicle_terms`` assumes for legs of vehicles with no amount
    (see the module docstring): ``{leg id: (whole-term amount, how)}``. ``records`` are the
    candidate legs (``id, payer, payee, kind, value, start, end``), ``counted(record)`` says
    whether the base run counts a leg; a debt's rate is its ``mapping.debt_rates``, else the
    vehicle's ``interest_rate``, else ``default_rate``. ``parts``, when given, is filled
    with each assumed amount's parts by debt leg, ``{leg id: ((debt id, part), ...)}``, the
    debts the base run does not count last (their parts are not in the amount): the amount
    is linear in each debt's amount, so a draw that rescales a debt leg, or switches an
    uncounted one on, rescales or adds its part
    (:meth:`dealloop.mapping.compiled.Compiled.deal_multipliers`).

    Examples
    --------
    >>> from dealloop.scenarios import loads
    >>> m = loads("name: x\\nquestion: q").mapping   # vehicle_terms: debt_service
    >>> day = dt.date
    >>> legs = [{"id": "L", "payer": "tenant", "payee": "v", "kind": "compute_contract",
    ...          "value": float("nan"), "start": day(2026, 1, 1), "end": day(2030, 12, 31)},
    ...         {"id": "B", "payer": "bank", "payee": "v", "kind": "loan", "value": 10.0,
    ...          "start": day(2026, 1, 1), "end": day(2030, 12, 31)}]
    >>> out = assumed_terms(legs, {"v": "spv"}, m, 0.05, counted=lambda r: True)
    >>> round(out["L"][0], 2), out["L"][1]
    (12.5, 'rent assumed: the debt service of v (B) over the lease')
    >>> parts = {}
    >>> _ = assumed_terms(legs, {"v": "spv"}, m, 0.05, lambda r: True, parts)
    >>> [(d, round(x, 2)) for d, x in parts["L"]]
    [('B', 12.5)]
    """
    if m.vehicle_terms != "debt_service":
        return {}
    debts: dict[str, list[dict[str, Any]]] = {}
    uncounted: dict[str, list[dict[str, Any]]] = {}  # parts too, should a draw count them
    for r in records:
        if r["kind"] in DEBT_KINDS and kinds.get(r["payee"]) == "spv" \
                and r["value"] == r["value"] and r["value"] > 0:
            (debts if counted(r) else uncounted).setdefault(r["payee"], []).append(r)
    out: dict[str, tuple[float, str]] = {}
    for r in records:
        v = r["payee"]
        if v not in debts or (r["value"] == r["value"] and r["value"] is not None):
            continue
        ids = ", ".join(d["id"] for d in debts[v])
        if r["kind"] in CONTINGENT_KINDS:
            out[r["id"]] = (sum(d["value"] for d in debts[v]),
                            f"cap assumed: {v}'s debt ({ids})")
            each = [float(d["value"]) for d in debts[v] + uncounted.get(v, [])]
        elif r["kind"] in _INCOME_KINDS and isinstance(r["start"], dt.date) \
                and isinstance(r["end"], dt.date):
            rate = per_entity(m.interest_rate, v, default_rate)
            term = (f" (term assumed: {r['start']:%Y-%m} to {r['end']:%Y-%m})"
                    if r.get("term_assumed") else "")
            out[r["id"]] = (rent(r, debts[v], m.debt_rates, rate),
                            f"rent assumed: the debt service of {v} ({ids}) over the "
                            f"lease{term}")
            each = [rent(r, [d], m.debt_rates, rate) for d in debts[v] + uncounted.get(v, [])]
        else:
            continue
        if parts is not None:  # the uncounted debts' parts last (not in the amount)
            parts[r["id"]] = tuple((str(d["id"]), x) for d, x in zip(
                debts[v] + uncounted.get(v, []), each, strict=True))
    return out


def sponsor_equity(records: Sequence[Mapping[str, Any]], kinds: Mapping[str, str], m: Any
                   ) -> dict[str, tuple[float, tuple[str, ...], str]]:
    """Each vehicle's sponsor equity under ``mapping.vehicle_equity``: ``{vehicle: (USD bn,
    deal ids, how)}`` for vehicles with equity (see the module docstring). ``records`` are
    the legs counted in the base run (``id, payee, kind, value, base``).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> legs = [{"id": "E1", "payee": "v", "kind": "equity_investment", "value": 5.0,
    ...          "base": 1.0},
    ...         {"id": "E2", "payee": "v", "kind": "equity_investment", "value": float("nan"),
    ...          "base": 1.0},
    ...         {"id": "B1", "payee": "v", "kind": "bond", "value": 20.0, "base": 1.0}]
    >>> sponsor_equity(legs, {"v": "spv"}, NS(vehicle_equity="legs"))
    {'v': (5.0, ('E1',), 'equity legs E1 (E2 without an amount, not counted)')}
    >>> sponsor_equity(legs, {"v": "spv"}, NS(vehicle_equity="none"))
    {}
    >>> sponsor_equity(legs, {"v": "spv"}, NS(vehicle_equity={"v": 2.5}))["v"][2]
    'assumed: mapping.vehicle_equity'
    """
    rule = m.vehicle_equity
    if rule == "none":
        return {}
    sized: dict[str, list[str]] = {}
    bare: dict[str, list[str]] = {}
    total: dict[str, float] = {}
    for r in records:
        v = r["payee"]
        if r["kind"] != "equity_investment" or kinds.get(v) != "spv" or not r["base"]:
            continue
        value = r["value"]
        if value is not None and value == value and value > 0:
            sized.setdefault(v, []).append(str(r["id"]))
            total[v] = total.get(v, 0.0) + float(value)
        else:
            bare.setdefault(v, []).append(str(r["id"]))
    out: dict[str, tuple[float, tuple[str, ...], str]] = {}
    for v, ids in sized.items():
        left = bare.get(v, [])
        how = f"equity legs {', '.join(ids)}" + (
            f" ({', '.join(left)} without an amount, not counted)" if left else "")
        out[v] = (total[v], tuple(ids), how)
    if isinstance(rule, Mapping):
        for v, kind in kinds.items():
            if kind != "spv":
                continue
            amount = rule.get(v, rule.get("default"))
            if amount is not None:
                out[v] = (float(amount), (), "assumed: mapping.vehicle_equity")
        out = {v: x for v, x in out.items() if x[0] > 0}
    return out


def sponsor_legs(frame: Any, deals: Any) -> dict[str, tuple[tuple[str, str, float], ...]]:
    """Who bears each vehicle's sponsor equity, by what each put in: ``{vehicle: ((deal id,
    sponsor, share), ...)}`` for the vehicles whose loss buffer is their sponsors' equity
    (``equity_basis`` ``sponsor`` in the balance sheets' ``frame``), the shares adding up to 1.

    The legs are those behind the vehicle's sponsor equity (its ``book_equity_figures``, the
    equity legs :func:`sponsor_equity` counted), each weighted by its amount; when the amount
    is assumed (``mapping.vehicle_equity: {vehicle: USD bn}``) the vehicle's equity legs with
    an amount counted in the run, and none when it has no such leg (its sponsors are not
    named: an empty tuple). ``deals`` are the legs of the balance sheets (``id, payer, payee,
    kind, value, base``).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"equity_basis": ["sponsor", "book"],
    ...                       "book_equity_figures": [("E1", "E2"), ("F1",)]}, index=["v", "a"])
    >>> deals = pd.DataFrame({"id": ["E1", "E2", "E3"], "payer": ["owl", "a", "b"],
    ...                       "payee": ["v", "v", "v"], "kind": ["equity_investment"] * 3,
    ...                       "value": [6.0, 2.0, float("nan")], "base": [1.0, 1.0, 1.0]})
    >>> sponsor_legs(frame, deals)
    {'v': (('E1', 'owl', 0.75), ('E2', 'a', 0.25))}
    """
    if "equity_basis" not in frame or deals is None or not len(deals):
        return {}
    spv = frame.index[frame["equity_basis"].to_numpy() == "sponsor"]
    if not len(spv):
        return {}
    eq = deals[(deals["kind"] == "equity_investment") & deals["payee"].isin(spv)]
    out: dict[str, tuple[tuple[str, str, float], ...]] = {}
    for v in spv:
        ids = set(frame.at[v, "book_equity_figures"] or ())
        legs = eq[eq["payee"] == v]
        legs = legs[legs["id"].isin(ids)] if ids else legs[legs["base"] > 0]
        sized = [(str(r.id), str(r.payer), float(r.value)) for r in legs.itertuples(index=False)
                 if r.value == r.value and r.value is not None and r.value > 0]
        total = sum(x[2] for x in sized)
        out[str(v)] = tuple((d, p, a / total) for d, p, a in sized) if total > 0 else ()
    return out


def sponsors_of(bs: Any, *, drawn: bool = False
                ) -> dict[str, tuple[tuple[str, str, float], ...]]:
    """:func:`sponsor_legs` of balance sheets ``bs``: their cached ``sponsors`` (a
    :class:`~dealloop.mapping.sheets.BalanceSheets`), else built from their ``frame`` and
    ``deals`` (empty without deals). ``drawn``: each vehicle's legs followed by its
    equity legs with an amount that the run does not count (:func:`uncounted_legs`, share
    0), which a Monte Carlo draw may switch on (:func:`drawn_sponsors`).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace as NS
    >>> sponsors_of(NS(frame=pd.DataFrame({"equity_basis": ["sponsor"]}, index=["v"])))
    {}
    """
    legs = bs.sponsors if hasattr(bs, "sponsors") else \
        sponsor_legs(bs.frame, getattr(bs, "deals", None))
    if not drawn or not legs:
        return legs
    more = uncounted_legs(legs, bs.deals)
    return {v: rows + more.get(v, ()) for v, rows in legs.items()}


def uncounted_legs(legs: Mapping[str, Sequence[tuple[str, str, float]]], deals: Any
                   ) -> dict[str, tuple[tuple[str, str, float], ...]]:
    """The equity legs with an amount into the vehicles of ``legs`` (:func:`sponsor_legs`)
    that the run does not count (``base`` 0 in ``deals``: a conditional leg, or one the
    scenario leaves out), each with share 0: ``{vehicle: ((deal id, sponsor, 0.0), ...)}``.
    A draw that switches one on adds it to the vehicle's sponsor equity, as a stress run
    with the leg included (``legs.include``) counts it (:func:`drawn_sponsors`).

    Examples
    --------
    >>> import pandas as pd
    >>> deals = pd.DataFrame({"id": ["E1", "E2"], "payer": ["owl", "hawk"],
    ...                       "payee": ["v", "v"], "kind": ["equity_investment"] * 2,
    ...                       "value": [6.0, 2.0], "base": [1.0, 0.0]})
    >>> uncounted_legs({"v": (("E1", "owl", 1.0),)}, deals)
    {'v': (('E2', 'hawk', 0.0),)}
    """
    if deals is None or not len(deals):
        return {}
    eq = deals[(deals["kind"] == "equity_investment") & deals["payee"].isin(list(legs))
               & (deals["base"] == 0) & (deals["value"] > 0)]
    out: dict[str, list[tuple[str, str, float]]] = {}
    for did, payer, v in zip(eq["id"], eq["payer"], eq["payee"], strict=True):
        if did not in {d for d, _, _ in legs[v]}:
            out.setdefault(str(v), []).append((str(did), str(payer), 0.0))
    return {v: tuple(rows) for v, rows in out.items()}


class SponsorArrays(NamedTuple):
    """The sponsor legs of :func:`sponsor_legs` as arrays, one row per leg: the vehicle's
    firm index, the leg's deal index, its amount, its share of the vehicle's sponsor equity,
    ``follows``: the vehicle's equity is the sum of its legs' amounts (``False`` where the
    scenario assumes it, ``mapping.vehicle_equity: {vehicle: USD bn}``), the vehicle's
    sponsor equity (its ``book_equity``) and ``base``, the leg's multiplier in the run (1;
    0 for a leg the run does not count, :func:`uncounted_legs`; default all 1).

    Examples
    --------
    >>> a = SponsorArrays(np.array([0]), np.array([3]), np.array([5.0]), np.array([1.0]),
    ...                   np.array([True]), np.array([5.0]))
    >>> int(a.leg[0]), bool(a.follows[0])
    (3, True)
    """

    vehicle: np.ndarray
    leg: np.ndarray
    amount: np.ndarray
    share: np.ndarray
    follows: np.ndarray
    equity: np.ndarray
    base: np.ndarray | None = None


def sponsor_arrays(bs: Any, deal_index: Mapping[str, int]) -> SponsorArrays:
    """:class:`SponsorArrays` of balance sheets ``bs`` (their ``frame``, ``deals`` and
    :func:`sponsors_of`), deals numbered by ``deal_index`` (a compiled scenario's).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("oracle-exits-abilene")).compile()
    >>> a = sponsor_arrays(comp.bs, comp.deal_index)
    >>> j = list(a.leg).index(comp.deal_index["D06a"])
    >>> comp.bs.firms[a.vehicle[j]], float(a.amount[j]), bool(a.follows[j])
    ('abilene-jv', 5.0, True)
    """
    legs = sponsors_of(bs, drawn=True)
    frame = bs.frame
    pos = {f: i for i, f in enumerate(frame.index)}
    value = dict(zip(bs.deals["id"], bs.deals["value"], strict=True)) if legs else {}
    base = dict(zip(bs.deals["id"], bs.deals["base"], strict=True)) if legs else {}
    rows = [(pos[v], deal_index[d], float(value[d]), share,
             bool(frame.at[v, "book_equity_figures"]), float(frame.at[v, "book_equity"]),
             float(base[d]))
            for v, rs in legs.items() if v in pos for d, _, share in rs if d in deal_index]
    cols = list(zip(*rows, strict=True)) if rows else [()] * 7
    return SponsorArrays(np.array(cols[0], int), np.array(cols[1], int),
                         np.array(cols[2], float), np.array(cols[3], float),
                         np.array(cols[4], bool), np.array(cols[5], float),
                         np.array(cols[6], float))


def drawn_sponsors(a: SponsorArrays, mult: np.ndarray | None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Each vehicle's sponsor equity and each leg's share of it in draws whose deal
    multipliers ``mult`` ``(D, K)`` drop or rescale sponsor legs: ``(firms, equity,
    share)``, the vehicles' firm indices ``(V,)``, their equity ``(V, K)`` (the sum of their
    legs' amounts x multipliers, as :func:`sponsor_equity` sums a stress run's; a vehicle
    whose equity the scenario assumes keeps it) and each leg's share
    ``(J, K)`` (its amount x multiplier over the vehicle's sum; 0 when nothing is left).
    A draw that leaves a vehicle's legs at 1 keeps its compiled figures exactly. ``None``
    when ``mult`` leaves every sponsor leg at 1 (or there is none).

    Examples
    --------
    A vehicle (firm 0) of 8: 6 from leg 0, 2 from leg 1. Draw 0 drops leg 0, draw 1 halves
    it, draw 2 leaves both.

    >>> a = SponsorArrays(np.array([0, 0]), np.array([0, 1]), np.array([6.0, 2.0]),
    ...                   np.array([0.75, 0.25]), np.array([True, True]), np.array([8.0, 8.0]))
    >>> firms, eq, share = drawn_sponsors(a, np.array([[0.0, 0.5, 1.0], [1.0, 1.0, 1.0]]))
    >>> eq.tolist(), share.round(2).tolist()
    ([[2.0, 5.0, 8.0]], [[0.0, 0.6, 0.75], [1.0, 0.4, 0.25]])
    """
    if mult is None or not len(a.leg):
        return None
    m = np.asarray(mult, float)[a.leg]
    moved = m != (1.0 if a.base is None else a.base[:, None])
    if not moved.any():
        return None
    firms, inv = np.unique(a.vehicle, return_inverse=True)
    w = a.amount[:, None] * m
    total = np.zeros((len(firms), m.shape[1]))
    hit = np.zeros(total.shape, bool)
    follows = np.zeros(len(firms), bool)
    equity = np.zeros(len(firms))
    for j, v in enumerate(inv.tolist()):  # in the legs' order, as sponsor_equity sums them
        total[v] += w[j]
        hit[v] |= moved[j]
        follows[v] |= bool(a.follows[j])
        equity[v] = a.equity[j]
    each = np.divide(w, total[inv], out=np.zeros_like(w), where=total[inv] > 0)
    share = np.where(hit[inv], each, a.share[:, None])
    eq = np.where(hit & follows[:, None], total, equity[:, None])
    return firms, eq, share


def funding_basis(vehicle: str) -> str:
    """The ``basis`` of a pledge on what ``vehicle`` was funded with (:func:`.collateral.pledges`
    writes it, :func:`own_funding` reads it).

    Examples
    --------
    >>> funding_basis("abilene-spv")
    "abilene-spv's funding"
    """
    return f"{vehicle}'s funding"


def own_funding(pledged: Any) -> tuple[Any, Any]:
    """Two boolean series over the rows of ``pledged`` (:func:`.collateral.pledges`): the
    pledge is on its borrower's own funding (``basis`` :func:`funding_basis` of the
    borrower), and its pool holds no other kind of pledge.

    Examples
    --------
    >>> import pandas as pd
    >>> pl = pd.DataFrame({"deal": ["B1", "L"], "borrower": ["v", "f"], "pool": ["p", "p"],
    ...                    "basis": [funding_basis("v"), "assumed"]})
    >>> [s.tolist() for s in own_funding(pl)]
    [[True, False], [False, False]]
    """
    own = pledged["basis"] == pledged["borrower"].map(funding_basis)
    return own, own.groupby(pledged["pool"]).transform("all")


def funding_pledges(pledged: Any, firms: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The secured legs whose collateral is what a vehicle was funded with (``basis``
    ``<vehicle>'s funding`` in ``pledged``, :func:`.collateral.pledges`, in pools holding no
    other kind of pledge): ``{vehicle: leg ids}``, for the vehicles among ``firms``.

    Examples
    --------
    >>> import pandas as pd
    >>> pl = pd.DataFrame({"deal": ["B1", "B2", "L"], "borrower": ["v", "v", "f"],
    ...                    "pool": ["v:campus", "v:campus", "f:gpu"],
    ...                    "basis": ["v's funding", "v's funding", "assumed"]})
    >>> funding_pledges(pl, ["v", "f"])
    {'v': ('B1', 'B2')}
    """
    if pledged is None or not len(pledged):
        return {}
    own, pure = own_funding(pledged)
    out: dict[str, list[str]] = {}
    names = set(firms)
    for d, v, ok in zip(pledged["deal"], pledged["borrower"], own & pure, strict=True):
        if ok and v in names:
            out.setdefault(str(v), []).append(str(d))
    return {v: tuple(ds) for v, ds in out.items()}


class FundingRows(NamedTuple):
    """The claims secured on what a vehicle was funded with (:func:`funding_pledges`) and
    what that funding is made of, as arrays: what a draw's multipliers move
    (:func:`drawn_funding`).

    ``rows`` ``(R,)``: the claim rows (a secured leg's principal), ``vehicle`` ``(R,)``: the
    row's vehicle (an index into ``firms``), ``pool`` ``(R,)``: the row's pool (an index into
    ``principal``'s pools, see ``pool_leg``); ``firms`` ``(V,)``: the vehicles' firm indices,
    ``funded`` ``(V,)``: what each was funded with at compile (its debt legs counted in the
    run and its sponsor equity, the pledge's value at origination), ``equity`` ``(V,)``: its
    sponsor equity in that; ``debt_leg``, ``debt_amount``, ``debt_vehicle`` ``(L,)``: its
    debt legs counted in the run (deal index, amount, vehicle); ``pool_leg``, ``principal``,
    ``pool_of`` ``(Q,)``: the legs pledged in each pool (deal index, principal, pool), whose
    collateral the pool's value is shared among pro rata; ``debt_base``, ``pool_base``:
    each leg's multiplier in the run (0 for a debt leg the run does not count, which a draw
    may switch on, :attr:`dealloop.mapping.compiled.Compiled.uncounted_pledges`; default
    all 1).

    Examples
    --------
    >>> f = FundingRows(*(np.array(x) for x in ([7], [0], [0], [3], [15.0], [5.0], [2], [10.0],
    ...                                         [0], [2], [10.0], [0])))
    >>> int(f.rows[0]), float(f.funded[0] - f.equity[0])
    (7, 10.0)
    """

    rows: np.ndarray
    vehicle: np.ndarray
    pool: np.ndarray
    firms: np.ndarray
    funded: np.ndarray
    equity: np.ndarray
    debt_leg: np.ndarray
    debt_amount: np.ndarray
    debt_vehicle: np.ndarray
    pool_leg: np.ndarray
    principal: np.ndarray
    pool_of: np.ndarray
    debt_base: np.ndarray | None = None
    pool_base: np.ndarray | None = None


def drawn_funding(f: FundingRows, sponsors: SponsorArrays, mult: np.ndarray
                  ) -> np.ndarray | None:
    """``(R, K)``: what draws with deal multipliers ``mult`` ``(D, K)`` (before the shocks)
    do to the collateral of the claims ``f.rows`` secured on a vehicle's funding, per unit
    of each claim's own multiplier: the stress run with the draw's legs excluded or their
    amounts set values the pledge at what the vehicle was funded with, its debt legs'
    amounts and its sponsor equity as drawn (:func:`drawn_sponsors`), shared in a pool pro
    rata to the legs' principals as drawn. So the factor is
    ``(debt + equity drawn) / (debt + equity compiled)`` x ``(principal in the pool
    compiled) / (principal in the pool drawn)`` (a row's own multiplier, which scales its
    collateral with its claim, makes up the rest); exactly 1 in a draw that leaves the
    vehicle's debt and sponsor legs at 1. ``None`` when no draw moves any of them.

    Examples
    --------
    A vehicle (firm 0) funded with 10 of debt (leg 2, one pledge, claim row 7) and 5 of
    sponsor equity (leg 3). Draw 0 leaves both; draw 1 draws the debt at 12 (x 1.2, the
    claim's own multiplier gives 1.2 x 15 = 18; the stress run's pledge is 5 + 12 = 17);
    draw 2 drops the equity (10 left of 15).

    >>> f = FundingRows(*(np.array(x) for x in ([7], [0], [0], [0], [15.0], [5.0], [2],
    ...                                         [10.0], [0], [2], [10.0], [0])))
    >>> sp = SponsorArrays(np.array([0]), np.array([3]), np.array([5.0]), np.array([1.0]),
    ...                    np.array([True]), np.array([5.0]))
    >>> M = np.ones((4, 3))
    >>> M[2, 1], M[3, 2] = 1.2, 0.0
    >>> g = drawn_funding(f, sp, M)
    >>> (g * M[2] * 15.0).round(6).tolist()
    [[15.0, 17.0, 10.0]]
    """
    if not len(f.rows) or mult is None:
        return None
    mult = np.asarray(mult, float)
    md, mp = mult[f.debt_leg], mult[f.pool_leg]
    db = np.ones(len(f.debt_leg)) if f.debt_base is None else f.debt_base
    pb = np.ones(len(f.pool_leg)) if f.pool_base is None else f.pool_base
    drawn = drawn_sponsors(sponsors, mult)
    if drawn is None and not (md != db[:, None]).any():
        return None
    k = mult.shape[1]
    moved = np.zeros((len(f.firms), k), bool)
    debt = np.zeros((len(f.firms), k))
    for j, v in enumerate(f.debt_vehicle.tolist()):  # a handful of legs, in their order
        moved[v] |= md[j] != db[j]
        debt[v] += f.debt_amount[j] * md[j]
    equity = np.repeat(f.equity[:, None], k, axis=1)
    if drawn is not None:  # the vehicles whose sponsor equity the draws move
        firms, eq, _ = drawn
        at = np.searchsorted(firms, f.firms)
        there = (at < len(firms)) & (firms[np.minimum(at, len(firms) - 1)] == f.firms)
        equity[there] = eq[at[there]]
        moved[there] |= eq[at[there]] != f.equity[there, None]
    n_pool = int(f.pool_of.max()) + 1 if len(f.pool_of) else 0
    p0 = np.bincount(f.pool_of, weights=f.principal * pb, minlength=n_pool)
    p = np.zeros((n_pool, k))
    for j, q in enumerate(f.pool_of.tolist()):
        p[q] += f.principal[j] * mp[j]
    funded = f.funded[:, None]
    total = np.divide(debt + equity, funded, out=np.ones_like(debt), where=funded > 0)
    share = np.divide(p0[:, None], p, out=np.zeros_like(p), where=p > 0)
    factor = total[f.vehicle] * share[f.pool]
    # a draw that moves only the debt of a vehicle funded by debt alone (one pool): 1 but
    # for rounding; left at 1 so its figures stay bit for bit those of the claim's multiplier
    same = np.abs(factor - 1.0) <= 1e-12
    return np.where(moved[f.vehicle] & ~same, factor, 1.0)
