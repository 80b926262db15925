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

import datetime as dt
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
    EQUITY,
    FUNDING,
    PLAN,
    PRINCIPAL,
    PURCHASE,
    REPLACE,
    Inputs,
    Params,
    Structure,
)
from .legview import Layers
from .sheets import OUTSIDE, BalanceSheets
from .values import per_entity, point

if TYPE_CHECKING:  # pragma: no cover
    from ..scenarios.spec import Scenario

__all__ = ["Compiled", "compile_scenario"]

_CH = {name: k for k, name in enumerate(CHANNELS)}


@dataclass(frozen=True, eq=False)
class Compiled:
    """A scenario compiled onto one set of balance sheets (see the module docstring).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping, scenarios
    >>> comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    >>> comp.structure.n > 0
    True

    The engine's inputs for two draws, and the firms the scenario's shock hits:

    >>> comp.inputs(2).e.shape == (comp.n, 2)
    True
    >>> hit = comp.targets(comp.scenario.shocks[0])
    >>> [f for f, t in zip(comp.bs.firms, hit) if t]
    ['coreweave']
    >>> comp.plan_factor(1).shape == (comp.n, 1)     # share of planned new money left
    True

    The purchase layer as an input-output table, and the output each firm loses when the
    final demand of the firms hit falls away (Leontief):

    >>> Z, x = comp.leontief_inputs()
    >>> Z.shape == (comp.n, comp.n), comp.leontief_for(hit).shape == (comp.n,)
    (True, True)

    What the legs size, sized again for one draw of the deal multipliers:

    >>> import numpy as np
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
    def _replan(self) -> dict[str, Any]:
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

    def replan(self, M: np.ndarray) -> dict[str, np.ndarray]:
        """What :func:`.sheets.build` sizes from the legs, sized again for the unshocked
        network with deal multipliers ``M`` ``(D, K)``: outside revenue ``out_rev`` ``(N, K)``
        (receipts booked), GPU assets ``gpu`` ``(N, K)`` and build-out dues ``build`` (chip
        purchases counted), the plan's new-money caps ``caps`` (every leg paid in full,
        stakes at market value) and the amounts warrants vest on, ``vest``."""
        st, sc = self.structure, self.scenario
        rp = self._replan
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
                M[self.stake_deal]
            res = res + sc.mapping.stake_liquidity * np.asarray(rp["hold"] @ sv)
        gap = np.maximum(np.asarray(rp["owed"] @ A) - res, 0.0)
        out["caps"] = gap[st.creditor[rows]] * (1 + sc.mapping.new_money_headroom)
        return out

    @property
    def n(self) -> int:
        """Number of firms in the network (rows of every per-firm array)."""
        return self.structure.n

    @property
    def market_value(self) -> np.ndarray:
        """``(N,)``: each firm's market value before the shock."""
        mv = self.structure.market_value
        if mv is None:  # pragma: no cover - compile_scenario always sets it
            raise ValueError("the compiled structure has no market values")
        return mv

    @cached_property
    def years(self) -> tuple[int, ...]:
        """The calendar years of the horizon, first to last."""
        t0, t1 = self.bs.horizon
        return tuple(range(t0.year, t1.year + 1))

    @cached_property
    def _year_days(self) -> np.ndarray:
        """``(T,)``: the share of each year inside the horizon (1 for a whole year, leap or
        not)."""
        t0, t1 = self.bs.horizon
        return np.array([_days(dt.date(y, 1, 1), dt.date(y, 12, 31), t0, t1)
                         / _days(dt.date(y, 1, 1), dt.date(y, 12, 31), dt.date(y, 1, 1),
                                 dt.date(y, 12, 31)) for y in self.years], float)

    def _spread(self, start: dt.date | None, end: dt.date | None) -> np.ndarray:
        """``(T,)``: shares of a flow running evenly from ``start`` to ``end`` that fall in
        each year of the horizon (the whole horizon when the dates are missing or the flow
        does not overlap it)."""
        t0, t1 = self.bs.horizon
        if not isinstance(start, dt.date) and not isinstance(end, dt.date):
            return self._year_days / self._year_days.sum()  # whole years alike, leap or not
        s = start if isinstance(start, dt.date) else t0
        e = end if isinstance(end, dt.date) else t1
        w = np.array([_days(max(s, dt.date(y, 1, 1)), min(e, dt.date(y, 12, 31)), t0, t1)
                      for y in self.years], float)
        if w.sum() <= 0:
            w = self._year_days.copy()
        return w / w.sum()

    def _at(self, day: dt.date | None) -> np.ndarray | None:
        """``(T,)``: everything in the year of ``day`` (None when it is outside the horizon)."""
        t0, t1 = self.bs.horizon
        if not isinstance(day, dt.date) or not t0 <= day <= t1:
            return None
        w = np.zeros(len(self.years))
        w[day.year - self.years[0]] = 1.0
        return w

    @cached_property
    def claim_years(self) -> np.ndarray:
        """``(C, T)``: the share of each claim's amount falling due in each year.

        Purchases, unpaid equity and backstops run evenly from the leg's start (else the
        horizon's) to its end (else the horizon's end); a loan is drawn in the year it
        starts; principal falls due in the year of the leg's end date, and evenly over the
        horizon when the leg has none (reported debt, undated loans: an assumption shown
        with ``debt_maturing_share``); the mapping's own claims (new money, build-out and
        replacement purchases, GPU replacement capex) run evenly.

        Examples
        --------
        >>> import dealloop as dl
        >>> from dealloop import mapping
        >>> from dealloop.scenarios import loads
        >>> comp = mapping.build(dl.load(), loads("name: x\\nquestion: q")).compile()
        >>> bool(np.allclose(comp.claim_years.sum(axis=1), 1.0))
        True
        """
        st, deals = self.structure, self.bs.deals
        start = deals["start"].tolist() if "start" in deals else [None] * len(deals)
        end = deals["end"].tolist() if "end" in deals else [None] * len(deals)
        even = self._spread(None, None)
        W = np.empty((st.c, len(self.years)))
        for c in range(st.c):
            d = self.claim_deal[c]
            ch = st.channel[c]
            w = None
            if ch in (PURCHASE, EQUITY, BACKSTOP) and not self.deal_ids[d].startswith("build:"):
                w = self._spread(start[d], end[d])
            elif ch == FUNDING:
                w = self._at(start[d])
            elif ch == PRINCIPAL:
                w = self._at(end[d])
            W[c] = even if w is None else w
        return W

    @cached_property
    def collateral_years(self) -> np.ndarray:
        """``(C, T)``: what the collateral pledged to each claim fetches in a sale in each
        year of the horizon, nominal (0 for claims not secured; see
        :mod:`.collateral`)."""
        from .collateral import values_by_year

        st, pl = self.structure, self.bs.collateral
        out = np.zeros((st.c, len(self.years)))
        if pl is None or pl.empty:
            return out
        vals = values_by_year(pl, self.years, self.scenario.mapping)
        pos = {f: i for i, f in enumerate(self.bs.firms)}
        for p, (deal, borrower) in enumerate(zip(pl["deal"], pl["borrower"], strict=True)):
            if deal not in self.deal_index or borrower not in pos:
                continue
            hit = (self.claim_deal == self.deal_index[deal]) & (st.channel == PRINCIPAL) \
                & (st.debtor == pos[borrower])
            out[hit] = vals[p]
        return out

    @cached_property
    def income_years(self) -> np.ndarray:
        """``(N, T)``: the share of each firm's outside revenue earned in each year (days
        inside the horizon, grown at the firm's ``revenue_growth``)."""
        m = self.scenario.mapping
        t = np.arange(len(self.years), dtype=float)
        g = np.array([per_entity(m.revenue_growth, f, 0.0) for f in self.bs.firms])
        w = self._year_days[None, :] * (1 + g[:, None]) ** t[None, :]
        return w / w.sum(axis=1, keepdims=True)

    @cached_property
    def debt_rate(self) -> np.ndarray:
        """``(C,)``: the yearly interest rate on each debt claim (``principal`` channel; 0
        elsewhere): the leg's ``mapping.debt_rates``, else the borrower's
        ``interest_rate``, else the discount rate plus ``credit_spread``."""
        st, m = self.structure, self.scenario.mapping
        base = self.bs.discount_rate + m.credit_spread
        out = np.zeros(st.c)
        for c in np.flatnonzero((st.channel == PRINCIPAL) & (st.debtor < self.n)):
            deal = self.deal_ids[self.claim_deal[c]]
            out[c] = m.debt_rates[deal] if deal in m.debt_rates else per_entity(
                m.interest_rate, self.bs.firms[st.debtor[c]], base)
        return out

    @cached_property
    def debt_from(self) -> np.ndarray:
        """``(C,)``: the index of the first year a debt claim is outstanding (its leg's start
        when that falls inside the horizon, else 0)."""
        deals = self.bs.deals
        start = deals["start"].tolist() if "start" in deals else [None] * len(deals)
        out = np.zeros(self.structure.c, int)
        for c in np.flatnonzero(self.structure.channel == PRINCIPAL):
            w = self._at(start[self.claim_deal[c]])
            out[c] = 0 if w is None else int(np.argmax(w))
        return out

    def plan_factor(self, k: int = 1, *, shocked: bool = True, **kw: Any) -> np.ndarray:
        """``(N, K)``: the share of each firm's planned new money the shocks leave it (a
        ``fail`` shock 0, a ``funding`` cut ``1 - fraction``; 1 without a plan)."""
        st = self.structure
        plan = np.flatnonzero((st.channel == PLAN) & (st.creditor < self.n))
        out = np.ones((self.n, k))
        if len(plan):
            ones = self.amount.copy()
            ones[plan] = 1.0
            kw.pop("replan", None)
            probe = replace(self, amount=ones)._inputs(  # noqa: SLF001 - a copy of self
                k, shocked=shocked, **kw)[0]
            out[st.creditor[plan]] = probe.amount[plan]
        return out

    def year_inputs(self, k: int = 1, *, shocked: bool = True,
                    plan_caps: np.ndarray | None = None, **kw: Any) -> list[Inputs]:
        """The inputs of :meth:`inputs` (``kw``: its ``mult``, ``values``, ``drop``,
        ``replan``) split into the years of the horizon, in values at its start (discounted
        at the sheets' ``discount_rate``), for :func:`~dealloop.scenarios.years.clear_years`.

        Year ``t`` asks each claim its share :attr:`claim_years` of the horizon's amount,
        and each debt claim also the year's interest, :attr:`debt_rate` on the principal
        outstanding at the start of the year (from the year it is drawn); once its debtor
        defaults, a debt claim asks its whole outstanding principal and the year's interest
        (acceleration), other claims (purchases) go on asking each year's part. Cash counts
        in the first year, outside revenue by :attr:`income_years`. ``plan_caps``
        ``(T, N, K)``: the new money each firm's plan may raise each year (default: up to
        its dues of the year, i.e. whatever it needs), cut as the shocks cut the plan.
        Discounting every year's flows carries cash forward at the discount rate.

        Examples
        --------
        >>> import dealloop as dl
        >>> from dealloop import mapping
        >>> from dealloop.scenarios import loads
        >>> sc = loads("name: x\\nquestion: q\\nmapping: {discount_rate: 0}")
        >>> comp = mapping.build(dl.load(), sc).compile()
        >>> ys, whole = comp.year_inputs(shocked=False), comp.inputs(shocked=False)
        >>> len(ys), bool(np.isclose(sum(y.e.sum() for y in ys), whole.e.sum()))
        (5, True)
        """
        st = self.structure
        inp, cash = self._inputs(k, shocked=shocked, **kw)
        rate = self.bs.discount_rate
        W, U = self.claim_years, self.income_years
        plan = np.flatnonzero(st.channel == PLAN)
        factor = self.plan_factor(k, shocked=shocked, **kw)[st.creditor[plan]] \
            if len(plan) else None
        rev = inp.e - cash
        M = np.repeat(self.base_mult[:, None], k, axis=1) if kw.get("mult") is None else \
            np.array(kw["mult"], float, copy=True)
        if kw.get("drop") is not None:
            ok = np.asarray(kw["drop"]) >= 0
            M[np.asarray(kw["drop"])[ok], np.flatnonzero(ok)] = 0.0
        full = M[self.claim_deal] * self.amount[:, None]  # the draw's legs, unshocked: warrants
        T = len(self.years)
        dfs = (1 + rate) ** -np.arange(T, dtype=float)
        # what is left of each claim from year t on, each year's part at its own discount;
        # beyond the horizon's schedule (principal maturing later) at year t's
        sched = inp.amount[:, :, None] * W[:, None, :] * dfs[None, None, :]
        left_pv = np.cumsum(sched[:, :, ::-1], axis=2)[:, :, ::-1]
        beyond = np.maximum(inp.accel - inp.amount, 0.0)
        debt = (st.channel == PRINCIPAL)[:, None]  # only debt is accelerated on default
        # interest on the principal outstanding at the start of each year (nominal)
        coupon = self.debt_rate[:, None] * (st.debtor < self.n)[:, None]
        repaid = np.cumsum(inp.amount[:, :, None] * W[:, None, :], axis=2) \
            - inp.amount[:, :, None] * W[:, None, :]
        out = []
        for t in range(T):
            df = dfs[t]
            owing = np.maximum(inp.accel - repaid[:, :, t], 0.0) * (self.debt_from <= t)[:, None]
            interest = coupon * owing * df
            A_t = sched[:, :, t] + interest
            Acc_t = np.where(debt, np.maximum(A_t, left_pv[:, :, t] + beyond * df + interest),
                             A_t)
            e_t = (rev * U[:, t:t + 1] + (cash if t == 0 else 0.0)) * df
            if len(plan):
                if plan_caps is None:
                    dues = np.zeros((self.n, k))
                    np.add.at(dues, st.debtor[st.debtor < self.n], Acc_t[st.debtor < self.n])
                    cap = dues[st.creditor[plan]]
                else:
                    cap = np.asarray(plan_caps, float)[t][st.creditor[plan]]
                A_t[plan] = Acc_t[plan] = cap * factor
            vref = None
            if st.vest is not None and st.vest.nnz:
                vref = np.asarray(st.vest @ (full * W[:, t:t + 1] * df))
            coll = M[self.claim_deal] * self.collateral_years[:, t:t + 1] * df
            out.append(replace(inp, amount=A_t, accel=Acc_t, e=e_t, vest_reference=vref,
                               collateral=coll if coll.any() else None))
        return out

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

    def _deal_and_parts(self, did: str) -> list[int]:
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
        :meth:`_inputs`; :meth:`year_inputs` splits them into years)."""
        return self._inputs(k, mult=mult, values=values, shocked=shocked, drop=drop,
                            replan=replan)[0]

    def _inputs(self, k: int = 1, *, mult: np.ndarray | None = None,
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
        n, sc = self.n, self.scenario
        st = self.structure
        vals = values or {}
        M = np.repeat(self.base_mult[:, None], k, axis=1) if mult is None else \
            np.array(mult, float, copy=True)
        if drop is not None:
            rows = np.asarray(drop)
            ok = rows >= 0
            M[rows[ok], np.flatnonzero(ok)] = 0.0
        lazy: dict[str, np.ndarray] = {}
        rp = replan if isinstance(replan, dict) else self.replan(M) if replan else None
        if rp is None:
            out_rev0, caps, gpu = self.outside_revenue[:, None], None, self.gpu[:, None]
        else:
            out_rev0, caps, gpu = rp["out_rev"], rp["caps"], rp["gpu"]

        def arr(name: str, shape: tuple[int, int], fill: float | bool) -> np.ndarray:
            if name not in lazy:
                lazy[name] = np.full(shape, fill)
            return lazy[name]

        scale_rows: dict[int, np.ndarray] = {}  # claim row -> multiplier (K,)
        # purchase claims ended by a supplier's failure, and the draws in which it fails
        terminated: list[tuple[np.ndarray, np.ndarray]] = []

        drawn = (st.channel == FUNDING) & (self.amount > 0)
        repaid = {(int(self.claim_deal[c]), int(st.debtor[c])): int(c) for c in
                  np.flatnonzero(st.channel == PRINCIPAL)}

        def scale(hit: np.ndarray, factor: np.ndarray | float, *, undrawn: bool = False
                  ) -> None:
            f = np.broadcast_to(np.asarray(factor, float), (k,))
            rows = [int(x) for x in np.flatnonzero(hit)]
            if undrawn:  # a loan the markets no longer make is not owed back either
                rows += [repaid[key] for c in np.flatnonzero(hit & drawn)
                         if (key := (int(self.claim_deal[c]), int(st.creditor[c]))) in repaid]
            for row in rows:
                scale_rows[row] = scale_rows[row] * f if row in scale_rows else f.copy()

        roll = np.repeat(self.rollover[:, None], k, axis=1)
        inside_d = st.debtor < n

        def val(i: int, name: str, default: Any) -> np.ndarray:
            v = vals.get((i, name))
            return np.full(k, point(default)) if v is None else np.asarray(v, float)

        if shocked:
            for i, s in enumerate(sc.shocks):
                if s.type in ("revenue", "assets", "demand", "collateral"):
                    mask = self.targets(s)
                if s.type == "revenue":
                    arr("rev", (n, k), 1.0)[mask] *= 1 - val(i, "fall", s.fall)[None, :]
                elif s.type == "assets":
                    arr("assets", (n, k), 1.0)[mask] *= 1 - val(i, "loss", s.loss)[None, :]
                elif s.type == "demand":
                    fall = val(i, "fall", s.fall)
                    expo = self.demand_exposure[mask][:, None]
                    arr("rev", (n, k), 1.0)[mask] *= 1 - expo * fall[None, :]
                    if s.purchases == "scale":
                        drop_x = self.leontief_for(mask)
                        arr("buy", (n, k), 1.0)[:] *= np.clip(
                            1 - drop_x[:, None] * fall[None, :], 0, None)
                elif s.type == "fail":
                    j = self.bs.firms.index(s.entity)
                    # per draw: drawn when probability < 1 (Monte Carlo), else always
                    on = val(i, "happens", float(s.probability >= 1)) > 0.5
                    arr("failed", (n, k), False)[j] |= on
                    lost = val(i, "assets_lost", s.assets_lost)
                    arr("assets", (n, k), 1.0)[j] *= np.where(on, 1 - lost, 1.0)
                    rec = arr("recovery", (n, k), 0.0)
                    rec[j] = np.where(on, val(i, "recovery", s.recovery), rec[j])
                    # no new money reaches a failed firm
                    gone = np.where(on, 0.0, 1.0)
                    scale((st.creditor == j) & np.isin(st.channel, [PLAN, EQUITY, FUNDING]), gone)
                    if s.contracts == "terminate":
                        hit = (st.creditor == j) & (st.channel == PURCHASE)
                        scale(hit, gone)
                        terminated.append((np.flatnonzero(hit), on))
                elif s.type == "cancel":
                    frac = val(i, "fraction", s.fraction)
                    for did in s.deals_named():
                        for d in self._deal_and_parts(did):
                            M[d] *= 1 - frac
                elif s.type == "conditional":
                    for d in self._deal_and_parts(s.deal):
                        M[d] = 1.0 if s.happens else 0.0
                elif s.type == "backstop":
                    share = val(i, "share", s.share)
                    if s.deal in self.deal_index:
                        hit = (self.claim_deal == self.deal_index[s.deal]) & \
                            (st.channel == BACKSTOP)
                        called = arr("called", (st.c, k), 0.0)
                        called[hit] = np.maximum(called[hit], share[None, :])
                elif s.type == "funding":
                    j = self.bs.firms.index(s.entity)
                    frac = val(i, "fraction", s.fraction)
                    chans = {"plan": PLAN, "equity": EQUITY, "debt": FUNDING}
                    hit = (st.creditor == j) & np.isin(st.channel, [chans[c] for c in s.cut])
                    scale(hit, 1 - frac, undrawn=True)
                elif s.type == "refinancing":
                    frac = val(i, "fraction", s.fraction)
                    rv = val(i, "rollover", s.rollover)
                    for eid in s.entities_named():
                        j = self.bs.firms.index(eid)
                        roll[j] = np.minimum(roll[j], rv)
                        hit = (st.creditor == j) & np.isin(st.channel, [PLAN, FUNDING])
                        scale(hit, 1 - frac, undrawn=True)
                elif s.type == "collateral":
                    base = s.base_life_years or sc.mapping.gpu_life_years
                    life = val(i, "life_years", s.life_years)
                    down = np.clip(1 - life / base, 0.0, 1.0)
                    g = gpu * mask[:, None]
                    arr("capex", (n, k), 0.0)[:] += g * down[None, :]
                    if s.refinancing:
                        roll[:] *= 1 - down[None, :] * (g > 0)
        m = M[self.claim_deal]
        A = m * self.amount[:, None]
        Acc = m * self.accel[:, None]
        if rp is not None:
            rows = self._replan["plan_rows"]
            A[rows] = m[rows] * caps
            Acc[rows] = A[rows]
            br = self._replan["build_rows"]
            A[br] = m[br] * rp["build"]
            Acc[br] = A[br]
        principal = np.flatnonzero((st.channel == PRINCIPAL) & inside_d & (self.maturing > 0))
        A[principal] += m[principal] * self.maturing[principal, None] * \
            (1 - roll[st.debtor[principal]])
        if "buy" in lazy:
            purch = np.flatnonzero((st.channel == PURCHASE) & inside_d)
            A[purch] *= lazy["buy"][st.debtor[purch]]
            Acc[purch] *= lazy["buy"][st.debtor[purch]]
        cx = np.flatnonzero((st.channel == CAPEX) & inside_d)
        if len(cx):
            capex = lazy.get("capex")
            A[cx] = 0.0 if capex is None else capex[st.debtor[cx]]
            Acc[cx] = A[cx]
        if terminated:
            self._replace(A, Acc, terminated)
        if scale_rows:
            rows = np.fromiter(scale_rows, int)
            f = np.stack([scale_rows[r] for r in rows])
            A[rows] *= f
            Acc[rows] *= f
        np.maximum(Acc, A, out=Acc)
        out_rev = out_rev0
        if "rev" in lazy:  # a lost sale costs the firm its loss weight of it (margin)
            out_rev = out_rev0 * (1 - (1 - lazy["rev"]) * self.revenue_loss_weight[:, None])
        e = self.cash[:, None] + out_rev
        e = e * lazy["assets"] if "assets" in lazy else np.repeat(e, k, axis=1) \
            if e.shape[1] != k else e
        sscale = M[self.stake_deal] if len(self.stake_deal) else np.ones((0, k))
        eq_cut = [r for r in scale_rows if st.channel[r] == EQUITY and st.creditor[r] < n]
        if len(self.stake_deal) and eq_cut:
            # a stake bought with equity that is cut is not held
            cut = np.ones((len(self.deal_ids), k))
            for r in eq_cut:
                cut[self.claim_deal[r]] = scale_rows[r]
            pre = st.stake_prepaid[:, None]
            sscale = sscale * (pre + (1 - pre) * cut[self.stake_deal])
        cash = self.cash[:, None] * lazy["assets"] if "assets" in lazy else \
            np.repeat(self.cash[:, None], k, axis=1)
        cy = self.collateral_years  # one step: what it fetches in the horizon's middle year
        coll = m * cy[:, (cy.shape[1] - 1) // 2, None] if cy.any() else None
        return Inputs(amount=A, accel=Acc, e=e, failed=lazy.get("failed"),
                      recovery=lazy.get("recovery"), called=lazy.get("called"),
                      stake_scale=sscale, vest_reference=None if rp is None else rp["vest"],
                      collateral=coll), cash

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
        """``(N,)``: share of each firm's outside revenue a demand shock reaches."""
        m = self.scenario.mapping
        return np.array([per_entity(m.demand_exposure, f, 1.0) for f in self.bs.firms])

    @property
    def revenue_loss_weight(self) -> np.ndarray:
        """``(N,)``: share of a lost outside sale each firm loses (its loss weight)."""
        return self.bs.frame["loss_weight"].to_numpy(float)

    def _replace(self, A: np.ndarray, Acc: np.ndarray,
                 ended: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Customers of a failed supplier buy the service elsewhere at the same price: the
        amounts of the ended purchase claims move to each customer's replacement claim
        (``mapping.terminated_contracts: replace``), in the draws where the supplier fails
        (``ended``: claim rows and a ``(K,)`` mask per failure)."""
        st, n = self.structure, self.n
        rows = np.flatnonzero(st.channel == REPLACE)
        if not len(rows):
            return
        per = np.zeros((n + 1, A.shape[1]))
        for claims, on in ended:
            np.add.at(per, st.debtor[claims], A[claims] * on[None, :])
        A[rows] += per[st.debtor[rows]]
        Acc[rows] = np.maximum(Acc[rows], A[rows])

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


def _days(s: dt.date, e: dt.date, t0: dt.date, t1: dt.date) -> float:
    """Days from ``s`` to ``e`` (both included) inside the horizon ``t0..t1``."""
    return float(max(0, (min(e, t1) - max(s, t0)).days + 1))


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
                   value_multiple=bs.frame["value_multiple"].to_numpy(float))
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
