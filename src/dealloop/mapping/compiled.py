"""A scenario compiled onto balance sheets: engine structure plus the shocks as arrays.

:func:`compile_scenario` turns :class:`~.sheets.BalanceSheets` into an engine
:class:`~.engine.Structure`; :meth:`Compiled.inputs` turns the scenario's shocks (with point
values, or ``K`` Monte Carlo draws of the uncertain ones) into engine
:class:`~.engine.Inputs`.

How each shock enters (``e`` = outside assets, ``a`` = claim amounts):

==============  ===============================================================================
``revenue``     outside revenue of the targets x ``(1 - fall)``
``assets``      all outside assets of the targets x ``(1 - loss)``
``demand``      outside revenue x ``(1 - fall)``; with ``purchases: scale`` every firm's
                purchases from the network x ``x'_j / x_j``, ``x' = leontief(Z, x, f')``
``fail``        the firm defaults in wave 1; outside assets x ``(1 - assets_lost)``; no new
                money reaches it (plan, unpaid equity, undrawn loans); its customers'
                purchase claims on it are cancelled (``contracts: terminate``); liquidation
                value ``recovery`` x its dues added to what creditors share
``cancel``      the deal's claims and stakes (and its parts') x ``(1 - fraction)``
``conditional`` the leg happens (x 1) or not (x 0), whatever the leg selection says
``backstop``    the backstop pays ``share`` of its amount, triggered
``funding``     claims of the plan's new money, committed equity and new loans into the firm
                x ``(1 - fraction)`` (stakes bought with that equity likewise)
``refinancing`` rollover of the firm's maturing debt set to ``rollover``; new loans and the
                plan's new money x ``(1 - fraction)``
``collateral``  ``d = 1 - life/base_life``: extra GPU replacement capex ``d x G`` owed outside;
                with ``refinancing`` the rollover x ``(1 - d)``
==============  ===============================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .arrays import (
    BACKSTOP,
    CAPEX,
    CHANNELS,
    PLAN,
    PRINCIPAL,
    PURCHASE,
    REPLACE,
    Inputs,
    Params,
    Structure,
)
from .earnings import contract_weights, drawn_multiples
from .legview import Layers
from .sheets import OUTSIDE, BalanceSheets
from .shocks import Applied
from .timing import YearsMixin
from .values import per_entity, plan_stretch

if TYPE_CHECKING:  # pragma: no cover
    from ..scenarios.spec import Scenario

__all__ = ["Compiled", "compile_scenario"]

_CH = {name: k for k, name in enumerate(CHANNELS)}


@dataclass(frozen=True, eq=False)
class Compiled(YearsMixin):
    """A scenario compiled onto one set of balance sheets (see the module docstring).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> comp.structure.n > 0
    True

    The engine's inputs for two draws (with the part of ``e`` that is cash at the start),
    and the firms the scenario's shock hits:

    >>> comp.inputs(2).e.shape == (comp.n, 2)
    True
    >>> inp, cash = comp.inputs_and_cash(2)
    >>> cash.shape == inp.e.shape
    True
    >>> hit = comp.targets(comp.scenario.shocks[0])
    >>> [f for f, t in zip(comp.bs.firms, hit) if t]
    ['coreweave']
    >>> comp.plan_factor(1).shape == (comp.n, 1)     # share of planned new money left
    True

    The rows of one deal and its parts, and purchase claims moved to replacement suppliers
    (none here: no supplier fails in this call):

    >>> comp.deal_and_parts("D03") == [comp.deal_index["D03"]]
    True
    >>> import numpy as np
    >>> A = np.ones((comp.structure.c, 1))
    >>> _ = comp.replace_ended(A, A.copy(), [])
    >>> float(A.min())
    1.0

    The purchase layer as an input-output table, and the output each firm loses when the
    final demand of the firms hit falls away (Leontief):

    >>> Z, x = comp.leontief_inputs()
    >>> Z.shape == (comp.n, comp.n), comp.leontief_for(hit).shape == (comp.n,)
    (True, True)

    What the legs size, sized again for one draw of the deal multipliers:

    >>> sorted(comp.replan(comp.base_mult[:, None]))
    ['build', 'caps', 'gpu', 'out_rev', 'vest']
    """

    scenario: Scenario
    bs: BalanceSheets
    structure: Structure
    params: Params
    deal_ids: tuple[str, ...]
    deal_index: dict[str, int]
    claim_deal: np.ndarray
    amount: np.ndarray
    maturing: np.ndarray
    accel: np.ndarray
    base_mult: np.ndarray
    stake_deal: np.ndarray
    cash: np.ndarray
    outside_revenue: np.ndarray
    gpu: np.ndarray
    rollover: np.ndarray
    parts: dict[str, tuple[str, ...]]

    @cached_property
    def replan_maps(self) -> dict[str, Any]:
        """Sparse maps used to size outside revenue and the plan's gap again per draw."""
        st, n = self.structure, self.n
        cols = np.arange(st.c)
        inside_c = st.creditor < n
        inside_d = st.debtor < n
        purch = (st.channel == PURCHASE) & inside_c
        keep = ~np.isin(st.channel, [PLAN, BACKSTOP, CAPEX])

        def mat(rows: np.ndarray, mask: np.ndarray) -> sp.csr_array:
            return sp.csr_array((np.ones(mask.sum()), (rows[mask], cols[mask])),
                                shape=(n, st.c))

        frame = self.bs.frame
        deals = self.bs.deals
        t1 = self.bs.horizon[1]
        pos = {f: i for i, f in enumerate(self.bs.firms)}
        chip = [(pos[p], d, v) for d, (p, kind, v, start) in enumerate(zip(
            deals["payer"], deals["kind"], deals["value"], deals["start"], strict=True))
            if kind == "chip_purchase" and p in pos
            and (not hasattr(start, "year") or start <= t1)]
        c_rows, c_cols, c_vals = (np.array(x) for x in zip(*chip, strict=True)) if chip else \
            (np.zeros(0, int), np.zeros(0, int), np.zeros(0))
        build = np.array([i for i, d in enumerate(self.deal_ids) if d.startswith("build:")],
                         int)
        build_rows = np.flatnonzero(np.isin(self.claim_deal, build))
        return {
            "chips": sp.csr_array((c_vals, (c_rows, c_cols)), shape=(n, len(self.deal_ids))),
            "gpu_capex": frame["gpu_capex"].to_numpy(float),
            "build_gross": frame["build_gross"].to_numpy(float),
            "build_rows": build_rows,
            "booked": mat(st.creditor, purch),
            "rec": mat(st.creditor, keep & inside_c),
            "owed": mat(st.debtor, keep & inside_d),
            "hold": sp.csr_array((np.ones(st.s), (st.stake_holder, np.arange(st.s))),
                                 shape=(n, st.s)),
            "revenue": frame["revenue_in_horizon"].to_numpy(float),
            "margin": frame["cash_margin"].to_numpy(float),
            "plan_rows": np.flatnonzero(st.channel == PLAN),
        }

    def replan(self, M: np.ndarray, *, terms: bool = True) -> dict[str, np.ndarray]:
        """What :func:`.sheets.build` sizes from the legs, sized again for the unshocked
        network with deal multipliers ``M`` ``(D, K)``: outside revenue ``out_rev`` ``(N, K)``
        (receipts booked), GPU assets ``gpu`` ``(N, K)`` and build-out dues ``build`` (chip
        purchases counted), the plan's new-money caps ``caps`` (every leg paid in full,
        stakes at market value) and the amounts warrants vest on, ``vest``. ``terms``: the
        amounts a vehicle's debt sizes follow ``M``'s debt legs first
        (:meth:`~.timing.YearsMixin.drawn_terms`; ``False`` when ``M`` already has them)."""
        st, sc = self.structure, self.scenario
        if terms:
            M = self.drawn_terms(M)
        rp = self.replan_maps
        m = M[self.claim_deal]
        A = m * self.amount[:, None]
        chips = np.asarray(rp["chips"] @ M)
        gpu = np.maximum(chips, rp["gpu_capex"][:, None])
        br = rp["build_rows"]
        build = np.maximum(rp["build_gross"][st.debtor[br], None] - chips[st.debtor[br]], 0.0)
        A[br] = build
        prin = np.flatnonzero((st.channel == PRINCIPAL) & (st.debtor < self.n)
                              & (self.maturing > 0))
        A[prin] += m[prin] * self.maturing[prin, None] * \
            (1 - self.rollover[st.debtor[prin]])[:, None]
        booked = np.asarray(rp["booked"] @ A)
        out_rev = rp["margin"][:, None] * np.maximum(rp["revenue"][:, None] - booked, 0.0)
        rows = rp["plan_rows"]
        vest = None
        if st.vest is not None and st.vest.nnz:
            vest = np.asarray(st.vest @ (m * self.amount[:, None]))
        out = {"out_rev": out_rev, "gpu": gpu, "build": build, "vest": vest,
               "caps": np.zeros((len(rows), M.shape[1]))}
        if not len(rows) or sc.mapping.new_money != "plan":
            return out
        res = self.cash[:, None] + out_rev + np.asarray(rp["rec"] @ A)
        if st.s:
            sv = (st.stake_fraction * self.market_value[st.stake_issuer])[:, None] * \
                self.stake_mult(M)
            res = res + sc.mapping.stake_liquidity * np.asarray(rp["hold"] @ sv)
        gap = np.maximum(np.asarray(rp["owed"] @ A) - res, 0.0)
        out["caps"] = gap[st.creditor[rows]] * (1 + plan_stretch(sc.mapping))
        return out

    @property
    def n(self) -> int:
        """Number of firms in the network (rows of every ``(N, K)`` array)."""
        return self.structure.n

    @property
    def market_value(self) -> np.ndarray:
        """``(N,)``: each firm's market value before the shock."""
        mv = self.structure.market_value
        if mv is None:  # pragma: no cover - compile_scenario always sets it
            raise ValueError("the compiled structure has no market values")
        return mv

    def targets(self, shock: Any) -> np.ndarray:
        """Boolean mask of the firms a shock targets (entity / entities / kinds / all)."""
        firms = self.bs.firms
        ent = getattr(shock, "entity", None)
        ents = list(getattr(shock, "entities", None) or [])
        kinds = list(getattr(shock, "kinds", None) or [])
        if ent:
            ents = [ent]
        if ents:
            return np.array([f in set(ents) for f in firms])
        if kinds:
            kind_of = self.bs.frame.get("kind")
            if kind_of is None:
                return np.zeros(len(firms), bool)
            return np.array([kind_of[f] in set(kinds) for f in firms])
        return np.ones(len(firms), bool)

    def deal_and_parts(self, did: str) -> list[int]:
        """Indices of deal ``did`` and of its parts (recursively)."""
        out, stack = [], [did]
        while stack:
            d = stack.pop()
            if d in self.deal_index:
                out.append(self.deal_index[d])
            stack.extend(self.parts.get(d, ()))
        return out

    def inputs(self, k: int = 1, *, mult: np.ndarray | None = None,
               values: Mapping[tuple[int, str], np.ndarray] | None = None,
               shocked: bool = True, drop: np.ndarray | None = None,
               replan: bool | dict[str, np.ndarray] = False) -> Inputs:
        """Engine inputs for ``k`` scenarios, the whole horizon in one step (see
        :meth:`inputs_and_cash`; :meth:`year_inputs` splits them into years)."""
        return self.inputs_and_cash(k, mult=mult, values=values, shocked=shocked, drop=drop,
                            replan=replan)[0]

    def inputs_and_cash(self, k: int = 1, *, mult: np.ndarray | None = None,
                values: Mapping[tuple[int, str], np.ndarray] | None = None,
                shocked: bool = True, drop: np.ndarray | None = None,
                replan: bool | dict[str, np.ndarray] = False) -> tuple[Inputs, np.ndarray]:
        """Engine inputs for ``k`` scenarios, and the part of ``e`` that is cash at the start
        ``(N, K)``.

        ``mult`` ``(D, K)`` multiplies each deal (default: 1 for legs counted, 0 otherwise);
        ``values`` gives per-draw values ``(K,)`` of uncertain shock parameters, keyed by
        ``(shock index, parameter)``; ``shocked=False`` gives the unshocked run; ``drop``
        ``(K,)`` of deal indices (or -1) removes one deal per draw. ``replan=True`` sizes
        outside revenue and the plan's new money again for each draw's network (before the
        shocks), as :func:`.sheets.build` would for a dataset with those legs (or pass the
        result of :meth:`replan` to reuse it).
        """
        M = self.deal_multipliers(k, mult, drop)  # with the vehicles' assumed terms drawn
        rp = replan if isinstance(replan, dict) else self.replan(M, terms=False) if replan \
            else None
        out_rev0 = self.outside_revenue[:, None] if rp is None else rp["out_rev"]
        gpu = self.gpu[:, None] if rp is None else rp["gpu"]
        vm = self.value_multiples(M)  # before the shocks (cancel, conditional) change M
        applied = Applied(self, k, M, values or {}, gpu)
        if shocked:
            applied.apply()
        inp, cash = applied.inputs(rp, out_rev0)
        return (inp if vm is None else replace(inp, value_multiple=vm)), cash

    @cached_property
    def _contracts(self) -> tuple[np.ndarray, ...]:
        """:func:`.earnings.contract_weights` of these sheets."""
        return contract_weights(self.bs, self.structure.creditor, self.amount)

    def value_multiples(self, M: np.ndarray) -> np.ndarray | None:
        """``(N, K)``: each firm's ``value_multiple`` in draws with deal multipliers ``M``
        ``(D, K)``, its sales contracts weighed by the amounts drawn as a stress run with
        those ``legs.amounts`` weighs them (a leg drawn out does not weigh, as with
        ``legs.exclude``; one switched on weighs as with ``legs.include``); ``None`` when
        no draw moves a contract (:func:`.earnings.drawn_multiples`).

        Examples
        --------
        >>> import dealloop as dl
        >>> from dealloop import mapping, scenarios
        >>> comp = mapping.build(dl.load(), scenarios.load("baseline")).compile()
        >>> comp.value_multiples(np.repeat(comp.base_mult[:, None], 2, axis=1)) is None
        True
        """
        return drawn_multiples(self._contracts, self.claim_deal,
                               np.asarray(self.structure.value_multiple, float), M)

    @cached_property
    def stake_follows(self) -> np.ndarray:
        """``(S,)``: whether each stake's fraction is its leg's amount over the issuer's
        market value (no stake reported), so that it follows the amount a draw gives the
        leg; a reported stake is held whole while its leg is there, as a stress run with
        ``legs.amounts`` holds it."""
        stake = self.bs.deals.set_index("id")["stake"]   # NaN: no stake reported
        return stake.reindex(self.bs.stakes["deal"]).isna().to_numpy(bool)

    def stake_mult(self, M: np.ndarray) -> np.ndarray:
        """``(S, K)``: each stake's multiplier in draws with deal multipliers ``M``
        ``(D, K)`` (before the shocks): its leg's where the fraction follows the amount
        (:attr:`stake_follows`), else 1 where the leg is there.

        Examples
        --------
        Microsoft's 27% of OpenAI (D26, reported) and Nvidia's stake from its D02 (no stake
        reported), both drawn at x0.6 in draw 1:

        >>> import dealloop as dl
        >>> from dealloop import mapping, scenarios
        >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
        >>> s = [list(comp.bs.stakes["deal"]).index(d) for d in ("D26", "D02")]
        >>> M = np.repeat(comp.base_mult[:, None], 2, axis=1)
        >>> M[comp.stake_deal[s], 1] = 0.6
        >>> comp.stake_follows[s].tolist(), comp.stake_mult(M)[s].tolist()
        ([False, True], [[1.0, 1.0], [1.0, 0.6]])
        """
        m = np.asarray(M, float)[self.stake_deal]
        return np.where(self.stake_follows[:, None], m, (m > 0).astype(float))

    @cached_property
    def outside_party(self) -> tuple[str, ...]:
        """Per claim, the party outside the network it is owed to or paid by (the leg's
        named outside entity, else ``outside lenders (reported debt)`` or ``outside
        suppliers``); ``""`` for claims between firms."""
        st, n, bs = self.structure, self.n, self.bs
        ends = dict(zip(bs.deals["id"], zip(bs.deals["payer"], bs.deals["payee"],
                                            strict=True), strict=True))
        out = []
        for c in range(st.c):
            if st.creditor[c] < n and st.debtor[c] < n:
                out.append("")
                continue
            deal = self.deal_ids[self.claim_deal[c]]
            inside = bs.firms[st.debtor[c]] if st.debtor[c] < n else bs.firms[st.creditor[c]]
            payer, payee = ends.get(deal, (OUTSIDE, OUTSIDE))
            who = payer if payee == inside else payee
            if who == OUTSIDE:
                who = "outside lenders (reported debt)" if deal.startswith("debt:") \
                    else "outside suppliers"
            out.append(who)
        return tuple(out)

    def outside_losses(self, base: Any, out: Any) -> tuple[tuple[str, ...], np.ndarray]:
        """What each party outside the network is not paid, as a change from ``base``:
        ``(names, losses)`` with ``losses`` ``(K, M)`` over the draws of ``out`` (engine
        outcomes, claims ``(C, K)``). The hook for the holders layer: a collective outside
        node (bond investors, banks) passes the loss on to its sectors.

        Examples
        --------
        >>> import dealloop as dl
        >>> from dealloop import mapping
        >>> from dealloop.scenarios import loads
        >>> from dealloop.scenarios.engine import clear
        >>> sc = loads("name: x\\nquestion: q\\nshocks: [{type: fail, entity: coreweave}]")
        >>> comp = mapping.build(dl.load(), sc).compile()
        >>> base = clear(comp.structure, comp.inputs(1, shocked=False), comp.params)
        >>> out = clear(comp.structure, comp.inputs(1), comp.params, reference=base)
        >>> names, loss = comp.outside_losses(base, out)
        >>> loss.shape == (1, len(names)) and bool(loss.sum() > 0)
        True
        """
        st, n = self.structure, self.n
        party = np.array(self.outside_party, dtype=object)
        rows = np.flatnonzero((st.debtor < n) & (st.creditor == n) & (st.channel != CAPEX))
        names = tuple(sorted(set(party[rows])))
        pos = {x: i for i, x in enumerate(names)}
        gap = (out.owed - out.paid)[rows] - (base.owed - base.paid)[rows]
        M = np.zeros((len(names), st.c))
        M[[pos[x] for x in party[rows]], rows] = 1.0
        return names, (M[:, rows] @ gap).T

    def to_layers(self, inputs: Inputs | None = None, draw: int = 0) -> Layers:
        """The liability layer for the single-layer models of :mod:`dealloop.contagion`.

        ``L`` holds the in-network claims in normal times (backstops apart, in
        ``contingent``), ``e`` the outside assets plus outside funding, and
        ``external_liabilities`` the dues to outside creditors, all of draw ``draw`` of
        ``inputs`` (default: the unshocked inputs). ``C`` holds the stakes counted, ``F``
        the purchase claims between firms.

        Examples
        --------
        >>> import dealloop as dl
        >>> from dealloop import mapping
        >>> from dealloop.scenarios import loads
        >>> lay = mapping.build(dl.load(), loads("name: x\\nquestion: q")).to_layers()
        >>> bool(lay.frame("L").loc["openai", "oracle"] > 0), lay.e.shape == (len(lay.index),)
        (True, True)
        """
        st, n = self.structure, self.n
        inputs = self.inputs(1, shocked=False) if inputs is None else inputs
        A = inputs.amount[:, draw]
        mats = {name: np.zeros((n, n)) for name in ("L", "C", "F", "contingent")}
        trace: dict[str, dict[tuple[str, str], list[str]]] = {m: {} for m in mats}
        firms = self.bs.firms
        inside = (st.debtor < n) & (st.creditor < n)
        for layer, mask in (("L", inside & (st.channel != BACKSTOP)),
                            ("contingent", inside & (st.channel == BACKSTOP)),
                            ("F", inside & (st.channel == PURCHASE))):
            rows = np.flatnonzero(mask)
            np.add.at(mats[layer], (st.debtor[rows], st.creditor[rows]), A[rows])
            for c in rows:
                if A[c] > 0 and st.debtor[c] != st.creditor[c]:
                    key = (firms[st.debtor[c]], firms[st.creditor[c]])
                    trace[layer].setdefault(key, []).append(self.deal_ids[self.claim_deal[c]])
        np.fill_diagonal(mats["L"], 0.0)
        if st.s:
            frac = st.stake_fraction * self.base_mult[self.stake_deal]
            np.add.at(mats["C"], (st.stake_holder, st.stake_issuer), frac)
            np.fill_diagonal(mats["C"], 0.0)
        e = inputs.e[:, draw].copy()
        fund = (st.debtor == n) & (st.creditor < n)
        np.add.at(e, st.creditor[fund], A[fund])
        el = np.zeros(n)
        ext = (st.debtor < n) & (st.creditor == n)
        np.add.at(el, st.debtor[ext], A[ext])
        legs = {m: {k: tuple(v) for k, v in t.items()} for m, t in trace.items()}
        return Layers(firms, mats["L"], mats["C"], mats["F"], mats["contingent"], legs,
                      self.bs.horizon, None, e=e, external_liabilities=el)

    @property
    def demand_exposure(self) -> np.ndarray:
        """``(N,)``: share of each firm's outside revenue a demand shock reaches
        (:func:`.earnings.demand_exposures`)."""
        return self.bs.frame["demand_exposure"].to_numpy(float)

    @property
    def revenue_loss_weight(self) -> np.ndarray:
        """``(N,)``: share of a lost outside sale each firm loses (its loss weight)."""
        return self.bs.frame["loss_weight"].to_numpy(float)

    def replace_ended(self, A: np.ndarray, Acc: np.ndarray,
                      ended: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray | None:
        """Customers of a failed supplier buy the service elsewhere at the same price: the
        amounts of the ended purchase claims move to each customer's replacement claim
        (``mapping.terminated_contracts: replace``), in the draws where the supplier fails
        (``ended``: claim rows and a ``(K,)`` mask per failure). Year by year the
        replacement follows the ended contracts' own schedule (:attr:`claim_years`), not
        the horizon evenly: returns its share per year ``(R, T, K)`` (``None`` in the static
        step or without replacement claims)."""
        st, n = self.structure, self.n
        rows = np.flatnonzero(st.channel == REPLACE)
        if not len(rows):
            return None
        k = A.shape[1]
        per = np.zeros((n + 1, k))
        years = self.scenario.mapping.timing == "years"
        W = self.claim_years if years else None
        sched = np.zeros((n + 1, len(self.years), k)) if years else None
        for claims, on in ended:
            moved = A[claims] * on[None, :]
            np.add.at(per, st.debtor[claims], moved)
            if W is not None and sched is not None:
                np.add.at(sched, st.debtor[claims], W[claims][:, :, None] * moved[:, None, :])
        A[rows] += per[st.debtor[rows]]
        Acc[rows] = np.maximum(Acc[rows], A[rows])
        if sched is None:
            return None
        tot = sched.sum(axis=1, keepdims=True)
        even = self.claim_years[rows][:, :, None]
        got = sched[st.debtor[rows]]
        return np.where(tot[st.debtor[rows]] > 0,
                        got / np.where(tot[st.debtor[rows]] > 0, tot[st.debtor[rows]], 1.0),
                        even)

    def leontief_for(self, mask: np.ndarray) -> np.ndarray:
        """Relative output drop of every firm when the final demand of ``mask`` falls 100%."""
        from ..contagion import leontief

        Z, x = self.leontief_inputs()
        f = x - Z.sum(axis=1)
        f_new = f * (1 - mask)
        x_new = np.asarray(leontief(Z, x, f_new), float)
        return np.where(x > 0, 1 - x_new / np.where(x > 0, x, 1), 0.0)

    def leontief_inputs(self) -> tuple[np.ndarray, np.ndarray]:
        """``Z`` (sales, row = seller) from the purchase claims and total output ``x`` (the
        larger of revenue in the horizon, sales and purchases in the network)."""
        st, n = self.structure, self.n
        Z = np.zeros((n, n))
        ok = (st.channel == PURCHASE) & (st.debtor < n) & (st.creditor < n)
        amt = self.amount * self.base_mult[self.claim_deal]
        np.add.at(Z, (st.creditor[ok], st.debtor[ok]), amt[ok])
        revenue = self.bs.frame["revenue_in_horizon"].to_numpy(float)
        x = np.maximum.reduce([revenue, Z.sum(axis=1), Z.sum(axis=0) * (1 + 1e-6)])
        x = np.where(x > 0, x, 1.0)
        return Z, x


def compile_scenario(scenario: Scenario, bs: BalanceSheets) -> Compiled:
    """Compile ``scenario`` onto balance sheets ``bs``.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> sc = scenarios.load("baseline")
    >>> bs = mapping.build(dl.load(), sc)
    >>> mapping.compile_scenario(sc, bs).structure.n == len(bs.firms)
    True
    """
    firms = bs.firms
    pos = {f: k for k, f in enumerate(firms)}
    n = len(firms)
    deals = bs.deals
    deal_ids = tuple(deals["id"])
    deal_index = {d: k for k, d in enumerate(deal_ids)}
    cl = bs.claims
    idx = [pos.get(x, n) if x != OUTSIDE else n for x in cl["debtor"]]
    jdx = [pos.get(x, n) if x != OUTSIDE else n for x in cl["creditor"]]
    channel = np.array([_CH[c] for c in cl["channel"]], np.int8)
    claim_deal = np.array([deal_index[d] for d in cl["deal"]], int)
    stakes = bs.stakes
    s_deal = np.array([deal_index[d] for d in stakes["deal"]], int)
    holder = np.array([pos[h] for h in stakes["holder"]], int)
    issuer = np.array([pos[h] for h in stakes["issuer"]], int)
    m = scenario.mapping
    base_mult = deals["base"].to_numpy(float)
    amount = cl["amount"].to_numpy(float)
    # warrants vest on the holder's purchases from the issuer
    rows, cols = [], []
    debtor = np.array(idx)
    creditor = np.array(jdx)
    if m.warrant_vesting == "purchases":
        for s, (kind, h, j) in enumerate(zip(stakes["kind"], holder, issuer, strict=True)):
            if kind != "warrant":
                continue
            hit = np.flatnonzero((debtor == h) & (creditor == j) & (channel == PURCHASE))
            rows.extend([s] * len(hit))
            cols.extend(hit.tolist())
    vest = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(stakes), len(cl)))
    vest_ref = amount * base_mult[claim_deal]
    fraction = stakes["fraction"].to_numpy(float)
    if m.warrant_vesting == "none":
        fraction = np.where(stakes["kind"].to_numpy() == "warrant", 0.0, fraction)
    mv = bs.frame["market_value"].to_numpy(float)
    lw_firm = bs.frame["loss_weight"].to_numpy(float)
    loss_weight = np.ones(len(cl))
    sale = (channel == PURCHASE) & (creditor < n)
    loss_weight[sale] = lw_firm[creditor[sale]]
    st = Structure(n=n, debtor=debtor, creditor=creditor, channel=channel,
                   stake_holder=holder, stake_issuer=issuer, stake_fraction=fraction,
                   stake_prepaid=stakes["prepaid"].to_numpy(float), vest=vest,
                   vest_reference=vest_ref, market_value=mv, loss_weight=loss_weight,
                   value_multiple=bs.frame["value_multiple"].to_numpy(float),
                   outside_multiple=bs.frame["outside_multiple"].to_numpy(float)
                   if "outside_multiple" in bs.frame else None)
    clearing = scenario.models.clearing
    params = Params(alpha=clearing.alpha, beta=clearing.beta,
                    stake_liquidity=m.stake_liquidity, value_multiple=m.value_multiple,
                    backstops=m.backstops, max_rounds=scenario.models.max_rounds,
                    tol=scenario.models.tolerance)
    roll = np.array([per_entity(m.rollover, f, 1.0) for f in firms])
    parts = {d: tuple(p) for d, p in zip(deals["id"], deals["parts"], strict=True) if p}
    return Compiled(
        scenario=scenario, bs=bs, structure=st, params=params, deal_ids=deal_ids,
        deal_index=deal_index, claim_deal=claim_deal, amount=amount,
        maturing=cl["maturing"].to_numpy(float), accel=cl["accel"].to_numpy(float),
        base_mult=base_mult, stake_deal=s_deal,
        cash=bs.frame["cash"].to_numpy(float),
        outside_revenue=bs.frame["outside_revenue"].to_numpy(float),
        gpu=bs.frame["gpu"].to_numpy(float), rollover=roll, parts=parts)
