"""A scenario's shocks applied to ``K`` draws of a compiled network: the engine inputs of
:meth:`.compiled.Compiled.inputs`.

:class:`Applied` holds what the shocks change (deal multipliers, per-firm factors, claim
rows scaled, purchases ended by a failure, rollover) while each shock type is applied by its
own method; :meth:`Applied.inputs` then assembles the claim amounts, outside assets and the
rest (the table of how each shock enters is in :mod:`.compiled`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .arrays import BACKSTOP, CAPEX, EQUITY, FUNDING, PLAN, PRINCIPAL, PURCHASE, Inputs
from .values import point
from .vehicles import drawn_funding

if TYPE_CHECKING:  # pragma: no cover
    from .compiled import Compiled

__all__ = ["Applied"]


class Applied:
    """The shocks of ``comp``'s scenario applied to ``k`` draws with deal multipliers ``M``
    ``(D, K)`` (changed in place by ``cancel`` and ``conditional`` shocks), per-draw values
    ``vals`` of uncertain parameters and GPU assets ``gpu`` ``(N, 1 or K)``.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import mapping
    >>> from dealloop.scenarios import loads
    >>> sc = loads("name: x\\nquestion: q\\nshocks: [{type: revenue, entity: openai, fall: 1}]")
    >>> comp = mapping.build(dl.load(), sc).compile()
    >>> a = Applied(comp, 1, comp.base_mult[:, None].copy(), {}, comp.gpu[:, None]).apply()
    >>> float(a.lazy["rev"][comp.bs.firms.index("openai"), 0])
    0.0
    """

    def __init__(self, comp: Compiled, k: int, M: np.ndarray,
                 vals: Mapping[tuple[int, str], np.ndarray], gpu: np.ndarray) -> None:
        self.comp, self.k, self.M, self.vals, self.gpu = comp, k, M, vals, gpu
        #: ``(S, K)``: the stakes' multipliers the draws give them, before the shocks
        self.stake_drawn = M[comp.stake_deal].copy()
        #: ``{deal: (K,)}``: the multipliers the draws give the legs a ``conditional`` shock
        #: names (and their parts), before the shocks
        self.drawn_mult = {d: M[d].copy() for s in comp.scenario.shocks
                           if s.type == "conditional" for d in comp.deal_and_parts(s.deal)}
        st = comp.structure
        self.n = comp.n
        self.lazy: dict[str, np.ndarray] = {}
        self.scale_rows: dict[int, np.ndarray] = {}  # claim row -> multiplier (K,)
        # purchase claims ended by a supplier's failure, and the draws in which it fails
        self.terminated: list[tuple[np.ndarray, np.ndarray]] = []
        #: ``(R, T, K)``: the year schedule of the replacement claims (None: evenly)
        self.replaced: np.ndarray | None = None
        self.roll = np.repeat(comp.rollover[:, None], k, axis=1)
        self.drawn = (st.channel == FUNDING) & (comp.amount > 0)
        self.repaid = {(int(comp.claim_deal[c]), int(st.debtor[c])): int(c) for c in
                       np.flatnonzero(st.channel == PRINCIPAL)}
        #: ``(rows, (R, K))``: the collateral of claims secured on a vehicle's funding scaled
        #: by the debt and sponsor equity the draws give it (before the shocks), or None
        self.funded = self._funded(M)

    def _funded(self, M: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """What the draws' debt and sponsor equity of a vehicle do to the collateral of the
        claims secured on its funding (:attr:`~.timing.YearsMixin.funding_rows`):
        ``(rows, factor)``, ``factor`` ``(R, K)`` of :func:`.vehicles.drawn_funding`; None
        when no draw moves a vehicle's debt or sponsor legs."""
        f = self.comp.funding_rows
        if not len(f.rows):
            return None
        factor = drawn_funding(f, self.comp.sponsor_arrays, M)
        return None if factor is None else (f.rows, factor)

    # ------------------------------------------------------------------------ helpers
    def arr(self, name: str, shape: tuple[int, int], fill: float | bool) -> np.ndarray:
        """The per-draw array ``name``, created filled with ``fill`` on first use."""
        if name not in self.lazy:
            self.lazy[name] = np.full(shape, fill)
        return self.lazy[name]

    def scale(self, hit: np.ndarray, factor: np.ndarray | float, *,
              undrawn: bool = False) -> None:
        """Multiply the claims ``hit`` by ``factor`` (``(K,)`` or a number); ``undrawn``:
        a loan the markets no longer make is not owed back either."""
        comp, st = self.comp, self.comp.structure
        f = np.broadcast_to(np.asarray(factor, float), (self.k,))
        rows = [int(x) for x in np.flatnonzero(hit)]
        if undrawn:
            rows += [self.repaid[key] for c in np.flatnonzero(hit & self.drawn)
                     if (key := (int(comp.claim_deal[c]), int(st.creditor[c]))) in self.repaid]
        for row in rows:
            old = self.scale_rows.get(row)
            self.scale_rows[row] = f.copy() if old is None else old * f

    def val(self, i: int, name: str, default: Any) -> np.ndarray:
        """Per-draw values ``(K,)`` of parameter ``name`` of shock ``i``."""
        v = self.vals.get((i, name))
        return np.full(self.k, point(default)) if v is None else np.asarray(v, float)

    def apply(self) -> Applied:
        """Apply every shock of the scenario, in order."""
        for i, s in enumerate(self.comp.scenario.shocks):
            getattr(self, f"_{s.type}")(i, s)
        return self

    # -------------------------------------------------------------------- shock types
    def _revenue(self, i: int, s: Any) -> None:
        mask = self.comp.targets(s)
        self.arr("rev", (self.n, self.k), 1.0)[mask] *= 1 - self.val(i, "fall", s.fall)[None, :]

    def _assets(self, i: int, s: Any) -> None:
        mask = self.comp.targets(s)
        self.arr("assets", (self.n, self.k), 1.0)[mask] *= \
            1 - self.val(i, "loss", s.loss)[None, :]

    def _demand(self, i: int, s: Any) -> None:
        comp, n, k = self.comp, self.n, self.k
        mask = comp.targets(s)
        fall = self.val(i, "fall", s.fall)
        expo = comp.demand_exposure[mask][:, None]
        self.arr("rev", (n, k), 1.0)[mask] *= 1 - expo * fall[None, :]
        if s.purchases == "scale":
            drop_x = comp.leontief_for(mask)
            self.arr("buy", (n, k), 1.0)[:] *= np.clip(1 - drop_x[:, None] * fall[None, :], 0,
                                                      None)

    def _fail(self, i: int, s: Any) -> None:
        comp, st, n, k = self.comp, self.comp.structure, self.n, self.k
        j = comp.bs.firms.index(s.entity)
        # per draw: drawn when probability < 1 (Monte Carlo), else always
        on = self.val(i, "happens", float(s.probability >= 1)) > 0.5
        self.arr("defaulted", (n, k), False)[j] |= on
        lost = self.val(i, "assets_lost", s.assets_lost)
        self.arr("assets", (n, k), 1.0)[j] *= np.where(on, 1 - lost, 1.0)
        rec = self.arr("recovery", (n, k), 0.0)
        rec[j] = np.where(on, self.val(i, "recovery", s.recovery), rec[j])
        # no new money reaches a failed firm
        gone = np.where(on, 0.0, 1.0)
        self.scale((st.creditor == j) & np.isin(st.channel, [PLAN, EQUITY, FUNDING]), gone)
        if s.contracts == "terminate":
            hit = (st.creditor == j) & (st.channel == PURCHASE)
            self.scale(hit, gone)
            self.terminated.append((np.flatnonzero(hit), on))

    def _cancel(self, i: int, s: Any) -> None:
        frac = self.val(i, "fraction", s.fraction)
        for did in s.deals_named():
            for d in self.comp.deal_and_parts(did):
                self.M[d] *= 1 - frac

    def _conditional(self, i: int, s: Any) -> None:  # noqa: ARG002 - one signature for all
        """The leg happens at the amount the draw gives it (a stress run: its
        ``legs.amounts``), else at its own; or it does not happen."""
        for d in self.comp.deal_and_parts(s.deal):
            drawn = self.drawn_mult.get(d)
            self.M[d] = 0.0 if not s.happens else 1.0 if drawn is None else \
                np.where(drawn > 0, drawn, 1.0)

    def _backstop(self, i: int, s: Any) -> None:
        comp, st = self.comp, self.comp.structure
        share = self.val(i, "share", s.share)
        if s.deal in comp.deal_index:
            hit = (comp.claim_deal == comp.deal_index[s.deal]) & (st.channel == BACKSTOP)
            called = self.arr("called", (st.c, self.k), 0.0)
            called[hit] = np.maximum(called[hit], share[None, :])

    def _funding(self, i: int, s: Any) -> None:
        st = self.comp.structure
        j = self.comp.bs.firms.index(s.entity)
        frac = self.val(i, "fraction", s.fraction)
        chans = {"plan": PLAN, "equity": EQUITY, "debt": FUNDING}
        hit = (st.creditor == j) & np.isin(st.channel, [chans[c] for c in s.cut])
        self.scale(hit, 1 - frac, undrawn=True)

    def _refinancing(self, i: int, s: Any) -> None:
        st = self.comp.structure
        frac = self.val(i, "fraction", s.fraction)
        rv = self.val(i, "rollover", s.rollover)
        for eid in s.entities_named():
            j = self.comp.bs.firms.index(eid)
            self.roll[j] = np.minimum(self.roll[j], rv)
            hit = (st.creditor == j) & np.isin(st.channel, [PLAN, FUNDING])
            self.scale(hit, 1 - frac, undrawn=True)

    def _stop_paying(self, i: int, s: Any) -> None:  # noqa: ARG002 - one signature for all
        comp, st, n, k = self.comp, self.comp.structure, self.n, self.k
        j = comp.bs.firms.index(s.entity)
        if comp.scenario.mapping.timing == "static":  # no years: it stops from the start
            self.arr("defaulted", (n, k), False)[j] = True
            self.arr("assets", (n, k), 1.0)[j] = 0.0
            self.scale((st.creditor == j) & np.isin(st.channel, [PLAN, EQUITY, FUNDING]), 0.0)
            return
        t = 0 if s.year is None else min(max(s.year - comp.years[0], 0), len(comp.years))
        stop = self.arr("stop", (n, k), -1)
        stop[j] = np.where(stop[j] >= 0, np.minimum(stop[j], t), t)

    def _collateral(self, i: int, s: Any) -> None:
        mask = self.comp.targets(s)
        base = s.base_life_years or self.comp.scenario.mapping.gpu_life_years
        life = self.val(i, "life_years", s.life_years)
        down = np.clip(1 - life / base, 0.0, 1.0)
        g = self.gpu * mask[:, None]
        self.arr("capex", (self.n, self.k), 0.0)[:] += g * down[None, :]
        if s.refinancing:
            self.roll[:] *= 1 - down[None, :] * (g > 0)

    # ---------------------------------------------------------------------- assembly
    def claims(self, rp: dict[str, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
        """Claim amounts in normal times and once the debtor defaults, ``(C, K)`` each."""
        comp, st, lazy = self.comp, self.comp.structure, self.lazy
        inside_d = st.debtor < self.n
        m = self.M[comp.claim_deal]
        A = m * comp.amount[:, None]
        Acc = m * comp.accel[:, None]
        if rp is not None and comp.scenario.mapping.new_money == "plan":
            rows = comp.replan_maps["plan_rows"]
            A[rows] = m[rows] * rp["caps"]
            Acc[rows] = A[rows]
        if rp is not None:
            br = comp.replan_maps["build_rows"]
            A[br] = m[br] * rp["build"]
            Acc[br] = A[br]
        principal = np.flatnonzero((st.channel == PRINCIPAL) & inside_d & (comp.maturing > 0))
        A[principal] += m[principal] * comp.maturing[principal, None] * \
            (1 - self.roll[st.debtor[principal]])
        if "buy" in lazy:
            purch = np.flatnonzero((st.channel == PURCHASE) & inside_d)
            A[purch] *= lazy["buy"][st.debtor[purch]]
            Acc[purch] *= lazy["buy"][st.debtor[purch]]
        cx = np.flatnonzero((st.channel == CAPEX) & inside_d)
        if len(cx):
            capex = lazy.get("capex")
            A[cx] = 0.0 if capex is None else capex[st.debtor[cx]]
            Acc[cx] = A[cx]
        if self.terminated:
            self.replaced = comp.replace_ended(A, Acc, self.terminated)
        if self.scale_rows:
            rows = np.fromiter(self.scale_rows, int)
            f = np.stack([self.scale_rows[r] for r in rows])
            A[rows] *= f
            Acc[rows] *= f
        np.maximum(Acc, A, out=Acc)
        return A, Acc

    def claim_scale(self) -> np.ndarray:
        """``(C, K)``: each claim's deal multiplier times the factors the shocks scale it
        by (a loan cut is not drawn, and the asset it would have bought is not pledged)."""
        f = self.M[self.comp.claim_deal]
        if self.scale_rows:
            f = f.copy()
            for row, x in self.scale_rows.items():
                f[row] *= x
        return f

    def stake_scale(self) -> np.ndarray:
        """``(S, K)``: each stake's multiplier (its deal's, and not held as far as the
        equity buying it is cut); a reported stake's part of the draw is whole while its leg
        is there (:meth:`~.compiled.Compiled.stake_mult`), what the shocks do to it stays."""
        comp, st, k = self.comp, self.comp.structure, self.k
        sscale = self.M[comp.stake_deal] if len(comp.stake_deal) else np.ones((0, k))
        drawn = self.stake_drawn
        held = ~comp.stake_follows[:, None] & (drawn > 0)
        if held.any():
            sscale = np.where(held, sscale / np.where(held, drawn, 1.0), sscale)
        eq_cut = [r for r in self.scale_rows
                  if st.channel[r] == EQUITY and st.creditor[r] < self.n]
        if len(comp.stake_deal) and eq_cut:
            cut = np.ones((len(comp.deal_ids), k))
            for r in eq_cut:
                cut[comp.claim_deal[r]] = self.scale_rows[r]
            pre = st.stake_prepaid[:, None]
            sscale = sscale * (pre + (1 - pre) * cut[comp.stake_deal])
        return sscale

    def inputs(self, rp: dict[str, np.ndarray] | None, out_rev0: np.ndarray
               ) -> tuple[Inputs, np.ndarray]:
        """The engine inputs and the part of ``e`` that is cash at the start ``(N, K)``."""
        comp, lazy, k = self.comp, self.lazy, self.k
        A, Acc = self.claims(rp)
        out_rev = out_rev0
        if "rev" in lazy:  # a lost sale costs the firm its loss weight of it (margin)
            out_rev = out_rev0 * (1 - (1 - lazy["rev"]) * comp.revenue_loss_weight[:, None])
        e = comp.cash[:, None] + out_rev
        e = e * lazy["assets"] if "assets" in lazy else np.repeat(e, k, axis=1) \
            if e.shape[1] != k else e
        cash = comp.cash[:, None] * lazy["assets"] if "assets" in lazy else \
            np.repeat(comp.cash[:, None], k, axis=1)
        coll = None
        if comp.collateral_years.any():  # one step: what it fetches in the middle year
            coll = self.claim_scale() * comp.collateral_years[:, comp.middle_year, None]
            if self.funded is not None:
                rows, factor = self.funded
                coll[rows] *= factor
        return Inputs(amount=A, accel=Acc, e=e, initial_defaults=lazy.get("defaulted"),
                      recovery=lazy.get("recovery"), called=lazy.get("called"),
                      stake_scale=self.stake_scale(),
                      vest_reference=None if rp is None else rp["vest"],
                      collateral=coll, replaced=self.replaced,
                      stop_from=lazy.get("stop")), cash
