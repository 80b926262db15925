"""Years, not one step: the compiled network's claims, income and debt service split into
the years of the horizon (:class:`YearsMixin`, a part of :class:`.compiled.Compiled`).

:meth:`YearsMixin.year_inputs` gives one :class:`~.arrays.Inputs` per year for
:func:`~dealloop.scenarios.years.clear_years`: each claim's share of the year
(:attr:`~YearsMixin.claim_years`), outside income grown over the years
(:attr:`~YearsMixin.income_years`), interest on the principal outstanding
(:attr:`~YearsMixin.debt_rate`), acceleration on default, the plan's new money, collateral
marked on its curve (:attr:`~YearsMixin.collateral_years`), all discounted to the start of the
horizon.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .arrays import BACKSTOP, EQUITY, FUNDING, PLAN, PRINCIPAL, PURCHASE, REPLACE, Inputs
from .fused import scaled, scaled_twice
from .fused_years import year_claims
from .reported import DebtBeyond, debt_beyond_parts, drawn_debt
from .shocks import Applied
from .values import per_entity
from .vehicles import FundingRows, SponsorArrays, funding_pledges, sponsor_arrays

if TYPE_CHECKING:  # pragma: no cover
    from ..scenarios.spec import Scenario
    from .arrays import Structure
    from .sheets import BalanceSheets

#: ``YearsMixin`` is a base of :class:`.compiled.Compiled` (documented there), not API.
__all__: list[str] = []


class YearsMixin:
    """The year-by-year views of a compiled network (mixed into
    :class:`.compiled.Compiled`, whose fields it reads)."""

    scenario: Scenario
    bs: BalanceSheets
    structure: Structure
    deal_ids: tuple[str, ...]
    deal_index: dict[str, int]
    claim_deal: np.ndarray
    amount: np.ndarray
    base_mult: np.ndarray
    gpu: np.ndarray

    if TYPE_CHECKING:  # Compiled defines it; declared here for the type checker only
        def inputs_and_cash(self, k: int = 1, *, mult: np.ndarray | None = None,
                            values: Mapping[tuple[int, str], np.ndarray] | None = None,
                            shocked: bool = True, drop: np.ndarray | None = None,
                            replan: bool | dict[str, np.ndarray] = False
                            ) -> tuple[Inputs, np.ndarray]: ...

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
        with ``debt_maturing_share``); the mapping's own claims (new money, build-out
        purchases, GPU replacement capex) run evenly. Replacement purchases run evenly here;
        a run follows the schedule of the contracts they replace (``Inputs.replaced``).

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
        pl = pd.concat([pl, self.uncounted_pledges], ignore_index=True) \
            if len(self.uncounted_pledges) else pl
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
    def sponsor_arrays(self) -> SponsorArrays:
        """The sponsor legs of the vehicles standing on their sponsors' equity, as arrays
        (:func:`.vehicles.sponsor_arrays`): what a draw's multipliers move
        (:func:`.vehicles.drawn_sponsors`)."""
        return sponsor_arrays(self.bs, self.deal_index)

    @cached_property
    def uncounted_pledges(self) -> pd.DataFrame:
        """The debt legs into a vehicle that the run does not count (``base`` 0) and a draw
        may switch on, pledged as a stress run including them would pledge them, on the
        vehicle's funding (:func:`.collateral.uncounted_debts`: the frame
        of :func:`.collateral.pledges`; the run's claims of these legs are 0, and so their
        collateral)."""
        return self._uncounted[0]

    @cached_property
    def _uncounted(self) -> tuple[pd.DataFrame, dict[str, str]]:
        from .collateral import uncounted_debts

        bs = self.bs
        return uncounted_debts(bs.collateral, bs.deals, bs.firms, self.scenario.mapping,
                               set(self.deal_index), bs.horizon[0])

    @property
    def uncounted_debt(self) -> dict[str, str]:
        """How a stress run including each uncounted debt leg into a vehicle whose secured
        legs share its funding would secure it, ``{leg id: how}``
        (:func:`.collateral.uncounted_debts`): the draws follow ``pledged`` and
        ``unsecured``, not ``elsewhere``."""
        return self._uncounted[1]

    @cached_property
    def funding_rows(self) -> FundingRows:
        """The claims secured on what a vehicle was funded with (its debt legs and its
        sponsors' equity, :func:`.vehicles.funding_pledges`) and what that funding is made
        of (:class:`.vehicles.FundingRows`): a draw that moves a vehicle's debt or sponsor
        legs scales their collateral by :func:`.vehicles.drawn_funding`, as a stress run
        with the legs excluded or their amounts set values the collateral."""
        from ..vocabulary import DEBT_KINDS
        from .collateral import funding_shared

        st, bs = self.structure, self.bs
        pl = bs.collateral
        pledged = funding_pledges(pl, bs.firms)
        shared = funding_shared(pl)   # one share of the funding across the vehicle's pools
        pos = {f: i for i, f in enumerate(bs.firms)}
        d = bs.deals
        debt_legs = d[d["kind"].isin(DEBT_KINDS) & (d["base"] > 0) & d["payee"].isin(pledged)
                      & d["value"].notna()]
        rows: list[int] = []
        veh: list[int] = []
        pool: list[int] = []
        firms: list[int] = []
        funded: list[float] = []
        debt0: list[float] = []
        legs: list[tuple[int, float, int]] = []
        pools: list[tuple[int, float, int]] = []
        names: dict[str, int] = {}
        more = self.uncounted_pledges   # legs a draw may switch on: base 0, last
        unpooled = [x for x, how in self.uncounted_debt.items() if how != "pledged"]
        for v, deals in pledged.items():
            assert pl is not None  # funding_pledges gives none without pledges
            mine = pl[pl["deal"].isin(deals) & (pl["borrower"] == v)
                      & pl["deal"].isin(list(self.deal_index))]
            if mine.empty:
                continue
            i = len(firms)
            firms.append(pos[v])
            first = mine["pool"].iloc[0]
            funded.append(float(mine["value"].sum() if v in shared else
                                mine.loc[mine["pool"] == first, "value"].sum()))
            own = debt_legs[(debt_legs["payee"] == v) & debt_legs["id"].isin(self.deal_index)]
            debt0.append(float(own["value"].sum()))
            extra = more[more["borrower"] == v]
            # uncounted debt the stress run including it leaves out of this pool: still
            # part of the funding the pool is worth (the draws do not pledge it here)
            out = d[d["id"].isin(unpooled) & (d["payee"] == v)]
            legs += [(self.deal_index[x], float(a), i) for x, a in
                     zip([*own["id"], *extra["deal"], *out["id"]],
                         [*own["value"], *extra["principal"], *out["value"]], strict=True)]
            mine = pd.concat([mine, extra], ignore_index=True) if len(extra) else mine
            for deal, name, principal in zip(mine["deal"], mine["pool"], mine["principal"],
                                             strict=True):
                q = names.setdefault(v if v in shared else name, len(names))
                pools.append((self.deal_index[deal], float(principal), q))
                hit = np.flatnonzero((self.claim_deal == self.deal_index[deal])
                                     & (st.channel == PRINCIPAL) & (st.debtor == pos[v]))
                rows += hit.tolist()
                veh += [i] * len(hit)
                pool += [q] * len(hit)
        f = np.array(funded, float)

        def cols(xs: list[tuple[int, float, int]]) -> list[np.ndarray]:
            c = list(zip(*xs, strict=True)) if xs else [(), (), ()]
            return [np.array(c[0], int), np.array(c[1], float), np.array(c[2], int)]

        base = self.base_mult
        legs_, pools_ = cols(legs), cols(pools)
        return FundingRows(np.array(rows, int), np.array(veh, int), np.array(pool, int),
                           np.array(firms, int), f, f - np.array(debt0, float),
                           legs_[0], legs_[1], legs_[2], pools_[0], pools_[1], pools_[2],
                           (base[legs_[0]] > 0).astype(float),
                           (base[pools_[0]] > 0).astype(float))

    @property
    def middle_year(self) -> int:
        """The index of the horizon's middle year (the static step's collateral values)."""
        return (len(self.years) - 1) // 2

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
        for c in np.flatnonzero((st.channel == PRINCIPAL) & (st.debtor < self.structure.n)):
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

    def deal_multipliers(self, k: int, mult: Any = None, drop: Any = None, *,
                         terms: bool = True) -> np.ndarray:
        """``(D, K)``: each deal's multiplier per draw before the shocks: ``mult`` (copied)
        or the base run's (1 for legs counted, 0 otherwise), with the deal ``drop[j]``
        (an index, or -1 for none) removed from draw ``j``, and (``terms``) the amounts
        ``mapping.vehicle_terms`` assumes from a vehicle's debt following the draw's debt
        legs (:meth:`drawn_terms`)."""
        M = np.repeat(self.base_mult[:, None], k, axis=1) if mult is None else \
            np.array(mult, float, copy=True)
        if drop is not None:
            rows = np.asarray(drop)
            ok = rows >= 0
            M[rows[ok], np.flatnonzero(ok)] = 0.0
        return self.drawn_terms(M, copy=False) if terms else M

    @cached_property
    def term_parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(leg, debt, part)`` ``(P,)`` each: the legs whose amount ``mapping.vehicle_terms``
        assumes from a vehicle's debt (a lease's rent, a guarantee's cap), the debt legs it
        was sized from and each one's part of the amount (deal indices;
        :attr:`.sheets.BalanceSheets.assumed_from`)."""
        rows = [(self.deal_index[leg], self.deal_index[d], x)
                for leg, ds in getattr(self.bs, "assumed_from", {}).items()
                if leg in self.deal_index for d, x in ds if d in self.deal_index]
        c = list(zip(*rows, strict=True)) if rows else [(), (), ()]
        return np.array(c[0], int), np.array(c[1], int), np.array(c[2], float)

    @cached_property
    def debt_beyond_parts(self) -> DebtBeyond:
        """The reported debt beyond the legs and the legs it is sized from
        (:func:`.reported.debt_beyond_parts`)."""
        return debt_beyond_parts(self.bs, self.deal_index)

    def drawn_terms(self, M: np.ndarray, *, copy: bool = True) -> np.ndarray:
        """Deal multipliers ``M`` ``(D, K)`` with what :func:`.sheets.build` sizes from the
        legs following the draw's legs: each firm's reported debt beyond the legs
        (:func:`.reported.drawn_debt`), and the amounts ``mapping.vehicle_terms`` assumes from a
        vehicle's debt (:attr:`term_parts`), as a stress run with those legs excluded or
        their amounts set sizes them: a leg's multiplier times (its parts x their debt's
        multiplier) / (its parts counted in the run), in the draws that move one of its
        debt legs or switch an uncounted one on (``copy=False``: in place). Each part is
        linear in its debt's amount (:func:`.vehicles.rent`)."""
        out = drawn_debt(self.debt_beyond_parts, self.base_mult, M, copy=copy)
        return self._vehicle_terms(out, copy=copy and out is M)

    def _vehicle_terms(self, M: np.ndarray, *, copy: bool) -> np.ndarray:
        """The vehicles' part of :meth:`drawn_terms`."""
        leg, debt, part = self.term_parts
        if not len(leg):
            return M
        md = M[debt]
        base = self.base_mult[debt]   # 0: a debt the run does not count, whose part is not in
        moved = md != base[:, None]
        if not moved.any():
            return M
        M = np.array(M, float, copy=True) if copy else M
        legs, at = np.unique(leg, return_inverse=True)
        now = np.zeros((len(legs), M.shape[1]))
        hit = np.zeros(now.shape, bool)
        for j, a in enumerate(at.tolist()):  # a handful of parts
            now[a] += part[j] * md[j]
            hit[a] |= moved[j]
        was = np.bincount(at, weights=part * base, minlength=len(legs))[:, None]
        ratio = np.divide(now, was, out=np.ones_like(now), where=was > 0)
        M[legs] = np.where(hit, M[legs] * ratio, M[legs])
        return M

    def plan_factor(self, k: int = 1, *, shocked: bool = True, **kw: Any) -> np.ndarray:
        """``(N, K)``: the share of each firm's planned new money the shocks leave it (a
        ``fail`` shock 0, a ``funding`` cut ``1 - fraction``; 1 without a plan)."""
        st = self.structure
        plan = np.flatnonzero((st.channel == PLAN) & (st.creditor < self.structure.n))
        out = np.ones((self.structure.n, k))
        if len(plan):
            # what :meth:`inputs` gives the plan rows for an amount of 1: the deal's
            # multiplier after the shocks, times the factors the shocks scale the row by
            # (nothing else there reads the plan rows' amounts)
            M = self.deal_multipliers(k, kw.get("mult"), kw.get("drop"))
            applied = Applied(cast(Any, self), k, M, kw.get("values") or {},
                              self.gpu[:, None])
            if shocked:
                applied.apply()
            f = applied.M[self.claim_deal[plan]]
            for j, c in enumerate(plan):
                x = applied.scale_rows.get(int(c))
                if x is not None:
                    f[j] *= x
            out[st.creditor[plan]] = f
        return out

    @cached_property
    def _year_rows(self) -> dict[str, Any]:
        """Rows and per-claim factors :meth:`year_split` reuses for every batch of draws:
        debt rows (accelerated on default), rows paying interest, the warrants' linked
        claims, and each year's discount factor."""
        st = self.structure
        coupon = self.debt_rate * (st.debtor < st.n)
        debt = np.flatnonzero(st.channel == PRINCIPAL)
        vest = np.zeros(0, int) if st.vest is None or not st.vest.nnz else \
            np.unique(st.vest.indices)
        return {
            "dfs": (1 + self.bs.discount_rate) ** -np.arange(len(self.years), dtype=float),
            "plan": np.flatnonzero(st.channel == PLAN),
            "debt": debt,
            "paying": np.flatnonzero(coupon != 0),  # rows with interest (all are debt rows)
            "coupon": coupon,
            "vest_cols": vest,
            "vest": None if st.vest is None or not len(vest) else sp.csr_array(st.vest[:, vest]),
        }

    def year_split(self, k: int = 1, *, shocked: bool = True, **kw: Any) -> YearSplit:
        """The inputs of :meth:`inputs` (``kw``: its ``mult``, ``values``, ``drop``,
        ``replan``) split into the years of the horizon, all but the plan's new money,
        which :meth:`YearSplit.inputs` sets for given caps (see :meth:`year_inputs`). One
        split serves runs that differ only in the caps (the plan's need, then the run with
        its caps).

        Examples
        --------
        >>> import dealloop as dl
        >>> from dealloop import mapping
        >>> from dealloop.scenarios import loads
        >>> comp = mapping.build(dl.load(), loads("name: x\\nquestion: q")).compile()
        >>> split = comp.year_split(2, shocked=False)
        >>> len(split.inputs()), split.factor.shape == (comp.n, 2)
        (5, True)
        """
        st, rows = self.structure, self._year_rows
        inp, cash = self.inputs_and_cash(k, shocked=shocked, **kw)
        W, U, dfs = self.claim_years, self.income_years, rows["dfs"]
        plan, debt, paying = rows["plan"], rows["debt"], rows["paying"]
        factor = self.plan_factor(k, shocked=shocked, **kw)
        rev = inp.e - cash
        T = len(self.years)
        amount, accel = inp.amount, inp.accel
        # debt rows: what is left of each claim from year t on, each year's part at its own
        # discount (summed from the last year back); beyond the horizon's schedule
        # (principal maturing later) at year t's
        a_d, W_d = amount[debt], W[debt]
        sched_d = [a_d * W_d[:, t:t + 1] * dfs[t] for t in range(T)]
        left_d = [sched_d[-1]]
        for t in range(T - 2, -1, -1):
            left_d.append(left_d[-1] + sched_d[t])
        left_d.reverse()
        beyond = np.maximum(accel[debt] - a_d, 0.0)
        # interest on the principal outstanding at the start of each year (nominal), on the
        # rows that pay interest (the others' interest is 0)
        a_p, W_p, acc_p = amount[paying], W[paying], accel[paying]
        coupon_p = rows["coupon"][paying, None]
        from_p = self.debt_from[paying]
        pos_p = np.searchsorted(debt, paying)
        vest_cols, full = rows["vest_cols"], None
        if len(vest_cols):  # the draw's legs, unshocked: what warrants vest on
            M = self.deal_multipliers(k, kw.get("mult"), kw.get("drop"))
            full = M[self.claim_deal[vest_cols]] * self.amount[vest_cols, None]
        ratio = None
        if inp.collateral is not None:  # the step's pledges, marked to each year's value
            cy = self.collateral_years
            mid = cy[:, self.middle_year, None]
            ratio = np.divide(cy, mid, out=np.zeros_like(cy), where=mid > 0)
        rep = np.flatnonzero(st.channel == REPLACE) if inp.replaced is not None else None
        years = []
        cum = np.zeros_like(a_p)
        for t in range(T):
            df = dfs[t]
            part = a_p * W_p[:, t:t + 1]
            cum = part if t == 0 else cum + part
            owing = np.maximum(acc_p - (cum - part), 0.0) * (from_p <= t)[:, None]
            interest = coupon_p * owing * df
            if rep is not None and inp.replaced is not None:
                # the year's claims, and a copy for the accelerated ones (its rows changed
                # below are set again from A_t: all rows as a copy of A_t made after the
                # changes); the ended contracts' years
                A_t, Acc_t = scaled_twice(amount, W[:, t], df)
                A_t[rep] = amount[rep] * inp.replaced[:, t, :] * df
                Acc_t[rep] = A_t[rep]
                A_t[paying] += interest
                Acc_t[paying] = A_t[paying]
                int_d = np.zeros_like(a_d)
                int_d[pos_p] = interest
                Acc_t[debt] = np.maximum(A_t[debt], left_d[t] + beyond * df + int_d)
            else:  # the same in one pass
                A_t, Acc_t = year_claims(amount, W[:, t], df, paying, interest, debt, pos_p,
                                         left_d[t], beyond)
            e_t = (rev * U[:, t:t + 1] + (cash if t == 0 else 0.0)) * df
            vref = None
            if full is not None:
                vref = np.asarray(rows["vest"] @ (full * W[vest_cols, t:t + 1] * df))
            coll = None
            if ratio is not None and inp.collateral is not None:
                coll = scaled(np.asarray(inp.collateral, float), ratio[:, t], df)
            years.append((A_t, Acc_t, e_t, vref, coll))
        return YearSplit(self.structure, plan, inp, years,
                         factor[st.creditor[plan]] if len(plan) else None, factor)

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
        :meth:`year_split` gives the same for several sets of caps at the cost of one.

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
        return self.year_split(k, shocked=shocked, **kw).inputs(plan_caps)


@dataclass(frozen=True, eq=False)
class YearSplit:
    """A batch of draws split into years, the plan's new money still open
    (:meth:`YearsMixin.year_split`): ``factor`` ``(N, K)`` is the share of each firm's
    planned new money the shocks leave it (:meth:`YearsMixin.plan_factor`)."""

    structure: Structure
    plan: np.ndarray
    """Rows of the plan's new money."""
    inp: Inputs
    years: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None,
                      np.ndarray | None]]
    plan_factor: np.ndarray | None
    factor: np.ndarray

    def inputs(self, plan_caps: np.ndarray | None = None, *, reuse: bool = False
               ) -> list[Inputs]:
        """One :class:`~.arrays.Inputs` per year with the plan's new money capped at
        ``plan_caps`` ``(T, N, K)`` (default: each firm's dues of the year), cut by
        :attr:`factor` (see :meth:`YearsMixin.year_inputs`). ``reuse``: the inputs of an
        earlier call are no longer needed, so their arrays are reused (their plan rows
        overwritten) instead of copied."""
        st, plan = self.structure, self.plan
        stop = self.inp.stop_from
        out = []
        for t, (A_t, Acc_t, e_t, vref, coll) in enumerate(self.years):
            if len(plan):
                assert self.plan_factor is not None  # set whenever there is a plan
                if plan_caps is None:  # the firm's dues of the year (claims it owes)
                    cap = np.asarray(st.debtor_map @ Acc_t)[st.creditor[plan]]
                else:
                    cap = np.asarray(plan_caps, float)[t][st.creditor[plan]]
                if not reuse:
                    A_t, Acc_t = A_t.copy(), Acc_t.copy()
                A_t[plan] = Acc_t[plan] = cap * self.plan_factor
            extra: dict[str, Any] = {}
            if stop is not None:  # firms that stopped paying: in default, keeping their cash
                off = (stop >= 0) & (stop <= t)
                init = off if self.inp.initial_defaults is None else \
                    np.asarray(self.inp.initial_defaults, bool) | off
                into = np.flatnonzero((st.channel == PLAN) & (st.creditor < st.n))
                if len(into) and off.any():
                    A_t, Acc_t = A_t.copy(), Acc_t.copy()
                    A_t[into] = np.where(off[st.creditor[into]], 0.0, A_t[into])
                    Acc_t[into] = np.where(off[st.creditor[into]], 0.0, Acc_t[into])
                extra = {"initial_defaults": init, "withhold": off,
                         "e": np.where(off, 0.0, e_t)}
            out.append(replace(self.inp, **{"amount": A_t, "accel": Acc_t, "e": e_t,
                                            "vest_reference": vref, "collateral": coll,
                                            **extra}))
        return out


def _days(s: dt.date, e: dt.date, t0: dt.date, t1: dt.date) -> float:
    """Days from ``s`` to ``e`` (both included) inside the horizon ``t0..t1``."""
    return float(max(0, (min(e, t1) - max(s, t0)).days + 1))
