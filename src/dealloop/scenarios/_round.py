"""The engine's fixed data for one call (:class:`Setup`) and for one round (:class:`Round`).

:func:`.engine.clear` runs in phases over a small mutable state; what does not change while
the default set and the triggered backstops are held fixed lives here. See :mod:`.engine`
for the equations.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..mapping.arrays import BACKSTOP, PLAN, PURCHASE, Inputs, Params, Structure
from ..mapping.fused import (
    chain,
    claims_owed_paid,
    csr_times,
    less_short,
    means_raised,
    plus_times,
    round_rows,
    stake_values,
    use_numba,
    value,
)
from ._maps import _checked, _collateral, _fixed, _without, operating, operating_of

__all__ = ["Round", "Setup", "operating", "operating_of"]

_NONE = np.zeros(0, np.int64)


class Setup:
    """Everything one call of :func:`.engine.clear` holds fixed: inputs checked and
    defaulted, sparse maps of the structure, the claims in normal times (without new money
    and untriggered backstops) and the plan's new-money caps."""

    def __init__(self, st: Structure, inputs: Inputs, p: Params, reference: Any) -> None:
        self.st, self.p, self.reference = st, p, reference
        n, c, k = st.n, st.c, inputs.k
        self.n, self.c, self.k = n, c, k
        A, Acc, e, tops = _checked(inputs, n, c, k)
        self.A, self.Acc, self.e = A, Acc, e
        self.initial_defaults = np.zeros((n, k), bool) if inputs.initial_defaults is None \
            else np.asarray(inputs.initial_defaults)
        self.recov = np.zeros((n, k)) if inputs.recovery is None else \
            np.asarray(inputs.recovery, float)
        self.bidx: np.ndarray = st.backstop_claims
        self.called = np.zeros((len(self.bidx), k)) if inputs.called is None else \
            np.asarray(inputs.called, float)[self.bidx]
        self.sscale = np.ones((st.s, k)) if inputs.stake_scale is None else \
            np.asarray(inputs.stake_scale, float)
        self.deb: sp.csr_array = st.debtor_map
        self.cred: sp.csr_array = st.creditor_map
        self.credw: sp.csr_array = st.creditor_loss_map
        self.lw: np.ndarray = st.loss_weights
        self.hold: sp.csr_array = st.holder_map
        mv0 = np.zeros(n) if st.market_value is None else np.asarray(st.market_value, float)
        self.mv0c = mv0[:, None]
        compiled = np.full((n, 1), p.value_multiple) if st.value_multiple is None else \
            np.asarray(st.value_multiple, float).reshape(n, 1) * 1.0
        #: ``(N, 1)``, or ``(N, K)`` when the inputs give each draw its own
        #: (:attr:`.Inputs.value_multiple`): market value lost per dollar of sales to other
        #: firms lost, per firm
        self.vm_drawn = inputs.value_multiple is not None
        self.vm = compiled if inputs.value_multiple is None else \
            np.asarray(inputs.value_multiple, float)
        #: ``(N, 1)``: the same per dollar of outside income lost (the contract factor of
        #: ``contract_pv`` applies to sales inside the network only)
        self.vo = compiled if st.outside_multiple is None else \
            np.asarray(st.outside_multiple, float).reshape(n, 1) * 1.0
        # a multiple other than 1 applies to operating results only (outside income, sales
        # and purchases); capital flows (equity, loans, debt, new money, stakes) move market
        # value dollar for dollar
        self.op = bool(np.any(self.vm != 1.0) or np.any(self.vo != 1.0))
        if self.op:
            #: the purchase claims and their columns of the creditor map (the terms of the
            #: map times the purchase-only claims, without the terms of exactly 0)
            self.purch, self.cred_p = _fixed(st, "cred_p", lambda: (
                np.flatnonzero(st.channel == PURCHASE),
                sp.csr_array(self.cred[:, np.flatnonzero(st.channel == PURCHASE)])))
        # Backstop claims ask nothing unless triggered; their amount is what they pay then.
        self.b_amount = A[self.bidx]
        self.auto = p.backstops == "on_failure"
        if reference is not None:
            self._reference(reference)
        self.value_shift = None if inputs.value_shift is None else \
            np.asarray(inputs.value_shift, float)
        self.coll = _collateral(inputs, c, k)
        self._vesting(inputs)
        self.scale = 1.0 + max(*tops, float(mv0.max(initial=0)))
        self.tol = p.tol * self.scale
        self._plan()
        self._normal_times()

    def _reference(self, reference: Any) -> None:
        """What the reference run (an :class:`.engine.Outcome`) fixes for the market values:
        its net worth without stakes and new money, stakes, defaults, outside income and
        (with multiples) operating results."""
        self.ref_nwx = chain(reference.net_worth, ("-", reference.stakes),
                             ("-", reference.new_money))
        self.ref_stk = reference.stakes
        self.ref_def = reference.defaulted
        self.ref_e = reference.e
        if self.op:
            self.ref_op = operating_of(self.st, reference)
            #: the change in outside income and sales at the multiple (fixed per call)
            self.op_shift = (self.vo - 1) * (self.e - self.ref_e) - (self.vm - 1) * self.ref_op

    def _vesting(self, inputs: Inputs) -> None:
        """Warrants that vest with the claims they are tied to: the links (``vest``), the
        reference each vests against (``vref``) and the rows that can vest less than
        fully (``vrows``)."""
        st = self.st
        self.vest_on = st.vest is not None and st.s > 0 and st.vest.nnz > 0
        #: ``(S, C)`` vesting links; all zero when vesting is off (so products stay defined)
        self.vest: sp.csr_array = st.vest if st.vest is not None and self.vest_on else \
            sp.csr_array((st.s, st.c))
        self.vref: np.ndarray | None = None
        if self.vest_on:
            if inputs.vest_reference is not None:
                self.vref = np.asarray(inputs.vest_reference, float)
            else:
                self.vref = np.asarray(st.vest @ (st.vest_reference if st.vest_reference
                                                  is not None else self.A[:, 0]),
                                       float)[:, None]
            #: the warrants that can vest less than fully (a positive reference in some
            #: draw); the others' vesting factor is 1
            self.vrows = np.flatnonzero((self.vref > 0).any(axis=1))

    def _plan(self) -> None:
        """New money of the plan (channel ``plan``, from outside): raised only as needed, up
        to its cap; a defaulter takes all of it."""
        st, A = self.st, self.A
        pidx = np.flatnonzero(st.channel == PLAN)
        self.is_plan = np.zeros(self.c, bool)
        self.is_plan[pidx] = True
        pfirms = np.unique(st.creditor[pidx]) if len(pidx) else np.zeros(0, int)
        cap = np.zeros((0, self.k))  # (firms with a plan, K)
        if len(pidx):
            cap = np.asarray(_fixed(st, "cap_map", lambda: sp.csr_array(
                sp.csr_array(self.cred[pfirms])[:, pidx])) @ A[pidx])
            keep = cap.max(axis=1) > 0  # firms that may raise new money in some draw
            pfirms, cap = pfirms[keep], cap[keep]
            if not len(pfirms):
                pidx = np.zeros(0, int)
        self.pidx, self.pfirms, self.cap = pidx, pfirms, cap
        pos = np.full(self.n + 1, -1)
        pos[pfirms] = np.arange(len(pfirms))
        #: row of each plan claim's firm in ``cap`` (-1: a firm without a cap)
        self.plan_pos = pos[st.creditor[pidx]]

    def _normal_times(self) -> None:
        """Claims as asked in normal times, without new money and untriggered backstops; what
        differs in a round (acceleration of defaulters' claims, triggered backstops) is added
        as a correction on the rows concerned."""
        st, bidx = self.st, self.bidx
        # the maps without the columns of new money and backstops: the same sums as the
        # whole maps times the claims with those rows set to 0 (terms of exactly 0 dropped,
        # the others added in the same order), without a copy of the claims
        key = ("normal", len(self.pidx))
        cred0, deb0, vest0 = _fixed(st, key, lambda: tuple(
            _without(m, np.union1d(self.pidx, bidx)) for m in (self.cred, self.deb,
                                                                 st.vest)))
        self.rec0 = csr_times(cred0, self.A)
        self.pbar0 = csr_times(deb0, self.A)
        self.vest0 = csr_times(vest0, self.A) if self.vest_on else \
            np.zeros((st.s, self.k))
        self.issuers = np.unique(st.stake_issuer) if st.s else np.zeros(0, int)
        if st.s:
            self.w0 = st.stake_fraction[:, None] * self.sscale  # before paid share, vesting
            self.dyn_ps = st.stake_prepaid < 1  # bought inside the horizon: held as paid
        #: the firms each backstop backs (its creditor; outside: the last firm, masked)
        self.backed = np.minimum(st.creditor[bidx], self.n - 1)
        # (N, backstops) maps (no columns: none) and the backed firms' rows of ``cred_b``
        self.deb_b, self.cred_b, self.cred_bb = _fixed(st, "backstops", lambda: (
            sp.csr_array(self.deb[:, bidx]), sp.csr_array(self.cred[:, bidx]),
            sp.csr_array(sp.csr_array(self.cred[:, bidx])[self.backed])))



class Round:
    """What stays fixed while the default set and the triggers are held fixed.

    The dues (defaulters' claims accelerated, triggered backstops switched on), the
    receipts if everyone paid in full, the claims of firms that default in some draw (the
    only ones whose payments move) and the *focus* rows: defaulters, firms raising new
    money and stake issuers, the only firms whose state feeds back. The inner loop
    iterates on the focus rows; everything else follows in one pass.
    """

    def __init__(self, g: Setup, D: np.ndarray, share_b: np.ndarray) -> None:
        self.g, self.D = g, D
        self._owed: np.ndarray | None = None
        st = g.st
        self.dset = np.flatnonzero(D.any(axis=1))
        key = (self.dset.tobytes(), g.pfirms.tobytes())
        cache = st.slice_cache
        if key not in cache:
            if len(cache) > 256:
                cache.clear()
            cache[key] = self._slices()
        (self.rows, pr, self.cred_rows, self.credw_rows, self.vest_rows, vest_b, self.b_move,
         F, self.ds_F, self.pf_F, self.credw_F, self.cred_bF, self.hold_F,
         ps_rows) = cache[key]
        rows = self.rows
        # rows: no new money, no backstops (0 in A0)
        self.owed_rows, d_rows = round_rows(D, st.debtor[rows], rows, g.A, g.Acc)
        self.owed_b = g.b_amount * share_b
        self.pbar = plus_times(g.pbar0, pr, d_rows) if len(rows) else g.pbar0 + 0.0
        self.rec_full = plus_times(g.rec0, self.cred_rows, d_rows) if len(rows) else \
            g.rec0 + 0.0
        if len(g.bidx):
            self.pbar = plus_times(self.pbar, g.deb_b, self.owed_b)
            self.rec_full = plus_times(self.rec_full, g.cred_b, self.owed_b)
        self._secured(pr)
        if g.vest_on:
            self._vesting(d_rows, vest_b)
        self.deb_rows = st.debtor[rows]
        self.F = F
        #: the focus rows' multiples (taken once per round: per draw they are ``(F, K)``)
        self.vm_F = g.vm[F] if g.op else None
        self.rec_full_F = self.rec_full[F]
        self.e_F = self.e[F]
        self.pbar_F = self.pbar[F]
        self.pbar_gross_F = self.pbar_gross[F]
        self.D_F = D[F]
        if st.s:
            self.ps_rows = ps_rows
            self.w = g.w0  # a holder that does not default pays for all its stake
        self._newton()
        if g.reference is not None:
            self._against_reference()

    def _against_reference(self) -> None:
        """The fixed part of each firm's market value against the reference run (``c0``,
        see :meth:`market_value`) and the firms that default only here (``gone``)."""
        g, D, F = self.g, self.D, self.F
        # V = c0 + rec + (vm - 1) rec_p + stakes (see market_value); outside income at vo
        terms = [("+", self.e), ("-", self.pbar), ("-", g.ref_nwx), ("-", g.ref_stk)]
        if g.op:
            self.rec_full_p = csr_times(g.cred_p, self._owed_purchases())
            terms.append(("+", g.op_shift))
            key = ("credw_p", self.dset.tobytes(), g.pfirms.tobytes())
            self.credw_p_rows, self.credw_p_F = _fixed(g.st, key, self._purchase_maps)
        if g.value_shift is not None:
            terms.append(("+", g.value_shift))
        self.c0 = chain(g.mv0c, *terms)
        self.gone = D & ~g.ref_def
        self.c0_F = self.c0[F]
        self.gone_F = self.gone[F]

    def _purchase_maps(self) -> tuple[sp.csr_array, sp.csr_array]:
        """The loss-weighted creditor maps of the purchase claims among ``rows``, of every
        firm and of the focus rows."""
        rows = sp.csr_array(self.credw_rows * (
            self.g.st.channel[self.rows] == PURCHASE)[None, :].astype(float))
        return rows, sp.csr_array(rows[self.F])

    def _owed_purchases(self) -> np.ndarray:
        """``owed()[purch]`` (the purchase claims), without the whole array when it was
        not built."""
        g = self.g
        if self._owed is not None:
            return self._owed[g.purch]
        out = g.A[g.purch]
        hit = np.flatnonzero(np.isin(g.purch, self.rows))
        if len(hit):  # purchases of this round's defaulters (never new money or backstops)
            out[hit] = self.owed_rows[np.searchsorted(self.rows, g.purch[hit])]
        return out

    def _vesting(self, d_rows: np.ndarray, vest_b: sp.csr_array | None) -> None:
        """Warrants' vesting if every claim were paid in full (``vfull``), and the vesting
        links of the warrants that can vest less than fully (``vest_v``)."""
        g, rows = self.g, self.rows
        self.vfull = plus_times(g.vest0, self.vest_rows, d_rows) if len(rows) else \
            g.vest0 + 0.0
        self.vest_v = sp.csr_array(self.vest_rows[g.vrows]) if len(rows) else None
        if len(g.bidx):
            self.vfull = plus_times(self.vfull, vest_b, self.owed_b)

    def _secured(self, pr: sp.csr_array | None) -> None:
        """Secured claims of the defaulters: each is paid from its collateral first, up to
        what it asks (``sec_rows``, outside the pro rata pool); the rest of the claim
        (``pool_rows``) ranks with the debtor's other claims. ``pbar`` becomes the dues
        shared pro rata, ``pbar_gross`` stays the whole dues; collateral beyond its claim
        joins the debtor's estate (``e``), and ``realised`` is all the collateral sold."""
        g = self.g
        self.e, self.pbar_gross = g.e, self.pbar
        self.pool_rows, self.sec_rows = self.owed_rows, None
        self.realised = None
        if g.coll is None or pr is None:
            return
        rows = self.rows
        sold = g.coll[rows] * self.D[g.st.debtor[rows]]  # only a defaulter's pledge is sold
        if not sold.any():
            return
        sec = np.minimum(self.owed_rows, sold)
        self.sec_rows = sec
        self.pool_rows = self.owed_rows - sec
        self.pbar = plus_times(self.pbar_gross, pr, sec, minus=True)
        self.realised = csr_times(pr, sold)
        self.e = g.e + (self.realised - csr_times(pr, sec))

    def _slices(self) -> tuple:
        """Sparse slices for a default set (cached on the structure: Monte Carlo chunks
        meet the same default sets again and again)."""
        g = self.g
        st, bidx, n = g.st, g.bidx, g.n
        ind = np.zeros(n + 1, bool)
        ind[self.dset] = True
        rows = np.flatnonzero(ind[st.debtor] & ~g.is_plan & (st.channel != BACKSTOP))
        pr = sp.csr_array(g.deb[:, rows]) if len(rows) else None
        cred_rows = sp.csr_array(g.cred[:, rows])
        credw_rows = cred_rows if g.credw is g.cred else sp.csr_array(g.credw[:, rows])
        vest_rows = sp.csr_array(g.vest[:, rows]) if g.vest_on else None
        vest_b = sp.csr_array(g.vest[:, bidx]) if g.vest_on and len(bidx) else None
        b_move = np.flatnonzero(ind[st.debtor[bidx]]) if len(bidx) else np.zeros(0, int)
        F = np.union1d(np.union1d(self.dset, g.pfirms), g.issuers).astype(int)
        ds_F = np.searchsorted(F, self.dset)
        pf_F = np.searchsorted(F, g.pfirms)
        credw_F = sp.csr_array(credw_rows[F])
        cred_bF = sp.csr_array(g.cred_b[F][:, b_move]) if len(b_move) else None
        hold_F = sp.csr_array(g.hold[F])
        ps_rows = np.flatnonzero(ind[st.stake_holder] & g.dyn_ps) if st.s else None
        return (rows, pr, cred_rows, credw_rows, vest_rows, vest_b, b_move, F, ds_F, pf_F,
                credw_F, cred_bF, hold_F, ps_rows)

    def _newton(self) -> None:
        """The linear part of the defaulters' payments, for an exact step.

        Within a round, defaulter d pays ``x_d = a_d + beta sum_d' W[d, d'] x_d'`` where
        ``W[d, d']`` is the share of d''s dues owed to d and ``a_d`` collects everything
        that does not depend on other defaulters' payments (outside assets, new money,
        receipts from solvent firms, stakes). So ``(I - beta W) (x - x0) = T(x0) - x0``
        gives the fictitious-default solution in one step (exact with debt alone); the
        stake and market-value terms are then settled by the iteration.
        """
        g = self.g
        st, beta = g.st, g.p.beta
        self.inv = None
        ds = self.dset
        m = len(ds)
        if not m or beta == 0:
            return
        pos = np.full(g.n + 1, -1)
        pos[ds] = np.arange(m)
        parts = [(self.rows, self.pool_rows)]
        if len(self.b_move):
            parts.append((g.bidx[self.b_move], self.owed_b[self.b_move]))
        W = np.zeros((g.k, m, m))
        pb = self.pbar[ds]  # (m, K)
        safe = np.where(pb > 0, pb, 1.0)
        for rows, owed in parts:
            wd, wc = pos[st.debtor[rows]], pos[st.creditor[rows]]
            ok = (wd >= 0) & (wc >= 0)
            if ok.any():
                share = (owed[ok] / safe[wd[ok]]) * (pb[wd[ok]] > 0) \
                    * g.lw[rows[ok], None]
                np.add.at(W, (slice(None), wc[ok], wd[ok]),  # type: ignore[arg-type]
                          share.T)  # numpy's stubs take no tuple of indices in ufunc.at
        # only defaulters that owe each other need the solve; the others' step is exact
        linked = np.flatnonzero((W != 0).any(axis=(0, 1)) | (W != 0).any(axis=(0, 2)))
        if not len(linked):
            return
        W = W[:, linked][:, :, linked]
        Dm = self.D[ds[linked]].T  # (K, l): rows of solvent firms stay fixed
        Msys = np.eye(len(linked))[None] - beta * W * Dm[:, :, None]
        try:
            self.inv = np.linalg.inv(Msys)
            self.linked = linked
        except np.linalg.LinAlgError:  # a closed loop of defaulters: iterate instead
            self.inv = None

    def step(self, r_now: np.ndarray, target: np.ndarray) -> np.ndarray:
        """New payment ratios of the defaulters ``(m, K)`` from the current ones and the
        payments the map asks for (``target``, unclipped)."""
        pb = self.pbar[self.dset]
        x = target
        if self.inv is not None:
            li = self.linked
            x = target.copy()
            x0 = r_now[li] * pb[li]
            rhs = ((target[li] - x0) * self.D[self.dset[li]]).T[:, :, None]
            x[li] = x0 + np.matmul(self.inv, rhs)[:, :, 0].T
        x = np.minimum(pb, np.maximum(x, 0.0))
        ratio = np.ones_like(pb)
        np.divide(x, pb, out=ratio, where=pb > 0)
        return np.where(self.D[self.dset], ratio, 1.0)

    def _short(self, r: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        """What each claim of a defaulter (and each triggered backstop of one) is not paid;
        the claims' array is left to :func:`~dealloop.mapping.fused.less_short` (None) when
        the compiled kernels run."""
        g = self.g
        short = (1.0 - r[self.deb_rows]) * self.pool_rows \
            if len(self.rows) and not use_numba() else None
        bm = self.b_move
        short_b = (1.0 - r[g.st.debtor[g.bidx[bm]]]) * self.owed_b[bm] if len(bm) else None
        return short, short_b

    def _stakes(self, r: np.ndarray, V: np.ndarray, short: np.ndarray | None
                ) -> np.ndarray | None:
        g = self.g
        st = g.st
        if not st.s:
            return None
        vpaid = None
        if g.vest_on and len(g.vrows):  # other warrants vest fully (a factor of 1)
            assert g.vref is not None  # set whenever vesting is on
            vr = g.vrows
            vpaid = self.vfull[vr] if self.vest_v is None else less_short(
                self.vfull[vr], self.vest_v, r, self.deb_rows, self.pool_rows, short)
        return stake_values(self.w, st.stake_prepaid, self.ps_rows, st.stake_holder, r,
                            g.vrows if vpaid is not None else _NONE, g.vref, vpaid,
                            st.stake_issuer, V)

    def stake_values(self, r: np.ndarray, V: np.ndarray) -> np.ndarray:
        """``(S, K)``: the market value of each stake (what :meth:`state` sums per
        holder)."""
        sv = self._stakes(r, V, self._short(r)[0])
        return np.zeros((0, self.g.k)) if sv is None else sv

    def focus(self, r: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, ...]:
        """The state of the focus rows: receipts other than new money, stake values,
        other means, new money raised."""
        g = self.g
        short, short_b = self._short(r)
        rec = self.rec_full_F
        if len(self.rows):
            rec = less_short(rec, self.credw_F, r, self.deb_rows, self.pool_rows, short)
        if short_b is not None:
            rec = plus_times(rec, self.cred_bF, short_b, minus=True)
        sv = self._stakes(r, V, short)
        stk = csr_times(self.hold_F, sv) if sv is not None else np.zeros_like(rec)
        other, raised = means_raised(self.e_F, rec, stk, g.p.stake_liquidity, self.pf_F,
                                     self.pbar_F, self.D_F, g.cap)
        return rec, stk, other, raised

    def state(self, r: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, ...]:
        """The state of every firm (same quantities as :meth:`focus`)."""
        return self.state_values(r, V)[0]

    def state_values(self, r: np.ndarray, V: np.ndarray
                     ) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """:meth:`state` and :meth:`stake_values` together (the stakes' values computed
        once)."""
        g = self.g
        short, short_b = self._short(r)
        rec = self.rec_full
        if len(self.rows):
            rec = less_short(rec, self.credw_rows, r, self.deb_rows, self.pool_rows, short)
        if short_b is not None:
            rec = plus_times(rec, sp.csr_array(g.cred_b[:, self.b_move]), short_b, minus=True)
        sv = self._stakes(r, V, short)
        stk = csr_times(g.hold, sv) if sv is not None else np.zeros((g.n, g.k))
        other, raised = means_raised(self.e, rec, stk, g.p.stake_liquidity, g.pfirms,
                                     self.pbar, self.D, g.cap)
        return (rec, stk, other, raised), np.zeros((0, g.k)) if sv is None else sv

    def _rec_p(self, r: np.ndarray, focus: bool) -> np.ndarray:
        """Purchase receipts (loss-weighted) of the focus rows or of every firm."""
        full = self.rec_full_p[self.F] if focus else self.rec_full_p
        if not len(self.rows):
            return full
        return less_short(full, self.credw_p_F if focus else self.credw_p_rows, r,
                          self.deb_rows, self.pool_rows)

    def value_F(self, r: np.ndarray, rec_F: np.ndarray, stk_F: np.ndarray) -> np.ndarray:
        """Market value of the focus rows (reference runs only)."""
        op = self.g.op
        return value(self.c0_F, rec_F, stk_F, self.vm_F if op else None,
                     self._rec_p(r, True) if op else None, self.gone_F)

    def market_value(self, rec_other: np.ndarray, stk: np.ndarray, r: np.ndarray
                     ) -> np.ndarray:
        """Market value of every firm from its state (reference runs only): its value
        before, plus the change in its revenue (outside income, sales to other firms) times
        its multiple, plus the change in everything else dollar for dollar."""
        op = self.g.op
        return value(self.c0, rec_other, stk, self.g.vm if op else None,
                     self._rec_p(r, False) if op else None, self.gone)

    def owed(self) -> np.ndarray:
        """``(C, K)``: what each claim asks in this round (computed once; not to be
        written)."""
        if self._owed is not None:
            return self._owed
        g = self.g
        owed = g.A.copy()  # new money as the claims ask it
        owed[self.rows] = self.owed_rows
        owed[g.bidx] = self.owed_b
        self._owed = owed
        return owed

    def owed_and_paid(self, r: np.ndarray, raised: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`owed` and :meth:`paid` together, in one pass over the claims
        (:func:`dealloop.mapping.fused.claims_owed_paid`)."""
        if self._owed is not None:
            return self._owed, self.paid(self._owed, r, raised)
        g = self.g
        st = g.st
        owed, paid = claims_owed_paid(
            g.A, r, st.debtor, self.rows, self.owed_rows, self.pool_rows, self.sec_rows,
            g.bidx, self.owed_b, np.flatnonzero(st.channel == PLAN), g.pidx, g.plan_pos,
            self._plan_ratio(raised))
        self._owed = owed
        return owed, paid

    def _plan_ratio(self, raised: np.ndarray) -> np.ndarray | None:
        """``(firms with a plan + 1, K)``: the share of its cap each firm raised (the last
        row, for firms without a cap: 0); None without new money."""
        g = self.g
        if not len(g.pidx):
            return None
        cap = g.cap
        ratio = np.zeros((len(g.pfirms) + 1, g.k))
        np.divide(raised[g.pfirms], cap, out=ratio[:-1], where=cap > 0)
        return ratio

    def paid(self, owed: np.ndarray, r: np.ndarray, raised: np.ndarray,
             base: np.ndarray | None = None) -> np.ndarray:
        """``(C, K)``: what each claim gets (``base``: ``r[debtor] * owed`` when already
        computed; written)."""
        g = self.g
        st = g.st
        paid = r[st.debtor] * owed if base is None else base
        if self.sec_rows is not None:  # secured claims: collateral first, then pro rata
            rows = self.rows
            paid[rows] = self.sec_rows + r[st.debtor[rows]] * self.pool_rows
        plan_rows = np.flatnonzero(st.channel == PLAN)
        paid[plan_rows] = 0.0
        ratio = self._plan_ratio(raised)
        if ratio is not None:
            paid[g.pidx] = owed[g.pidx] * ratio[g.plan_pos]
        return paid
