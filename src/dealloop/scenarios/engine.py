r"""The multi-layer clearing engine: every layer of a deal network cleared together.

In the AI build-out the main channel is customer-pays-supplier, not interbank debt. So the
engine clears all layers at once, batched over ``K`` scenarios (draws):

* **liabilities and purchases** -- every claim of :mod:`.balance` (contracts, unpaid equity,
  loans, backstops) is paid pro rata by its debtor; a firm that cannot pay its contracts cuts
  its suppliers' revenue, which weakens their ability to pay their own lenders and
  suppliers;
* **debt acceleration** -- when a firm defaults, its whole outstanding principal falls due
  (pari passu with everything else), not only the part that matures;
* **stakes** -- each firm holds stakes in others at market value, and market value follows
  net worth; a defaulter's equity is wiped out, which marks down its shareholders;
* **backstops** -- a capacity backstop turns into a liability of the backstopper when the
  firm it backs would fail without it (or when a scenario calls it);
* **warrants** -- a warrant vests only as far as its holder's purchases from the issuer are
  paid, so it stops vesting when the purchases stop;
* **new money** -- a firm's plan (channel ``plan`` of :mod:`.balance`) raises from outside
  what closes the gap between its dues and its other means, up to a cap; it dilutes the
  shareholders (market value does not count it); a defaulter takes all of it.

The fixed point
---------------
Write ``r_i`` for the share of its dues firm ``i`` pays, ``V_i`` for its market value, ``D``
for the set of defaulters and ``T`` for the triggered backstops. For claim ``c`` from debtor
``d(c)`` to creditor ``k(c)`` with amount ``a_c`` (``a_c^acc`` once ``d(c)`` defaults):

.. math::

    R_i &= \sum_{c: k(c)=i} r_{d(c)} a_c, \qquad
    S_i = \sum_{s: h(s)=i} f_s\,\pi_s\,\nu_s\,V_{j(s)}, \qquad
    \bar p_i = \sum_{c: d(c)=i} a_c \\
    \text{pay}_i &= \bar p_i \text{ if } i \notin D, \quad
    \min\bigl(\bar p_i,\ \alpha e_i + \beta (R_i + \lambda S_i) + \rho_i \bar p_i\bigr)
    \text{ if } i \in D \\
    V_i &= 0 \text{ if } i \in D \setminus D_0, \quad
    \max\bigl(0,\ V^0_i + m\,\Delta(e_i + R_i - \bar p_i) + \Delta S_i\bigr) \text{ otherwise}

with stake fraction ``f_s``, paid share ``pi_s`` (a stake bought inside the horizon is held as
its investor pays), vesting ``nu_s``, stake liquidity ``lambda``, value multiple ``m``,
liquidation value ``rho`` of failed firms, and ``Delta`` the change from the reference run
(the unshocked run; ``D_0`` its defaulters). The outer loop is the fictitious-default
algorithm of Eisenberg--Noe (2001) extended to all layers: starting with ``D`` = the failed
firms,

1. hold ``D`` and ``T`` fixed and iterate the equations above to convergence (Picard
   iteration: monotone, from full payment down);
2. trigger every backstop whose beneficiary would default without it; if none is newly
   triggered, add to ``D`` every firm with ``e_i + R_i + lambda S_i < pbar_i`` (normal-times
   dues; new money counted up to its cap), else decide defaults in the next round, so that a
   backstop can rescue the firm it backs;
3. repeat until ``D`` and ``T`` stop changing. The round in which a firm enters ``D`` is its
   *wave* (1 = fails first; a failed firm of a scenario is in wave 1).

Every map is monotone (less payment means less resources, more defaults and more triggers), so
the iteration decreases to the greatest fixed point, and the sets ``D`` and ``T`` only grow:
at most ``N + B`` rounds. Two devices make it fast without changing the fixed point: inside a
round the defaulters' payments are affine in each other's, so each step solves that small
linear system exactly (a Newton step; with debt alone one step is the fictitious-default
solution), and once fewer than half the draws are still changing, the remaining rounds run on
those draws alone, warm-started from where they are (valid because the iteration is monotone
from above). **With only debt** (no stakes, backstops or warrants; ``alpha =
beta = 1``; no acceleration) the equations are exactly Eisenberg--Noe's, ``p = min(pbar,
e + Pi' p)``, and the rounds are its fictitious-default rounds; with ``alpha, beta < 1`` they
are Rogers--Veraart's. The tests check both against :mod:`dealloop.contagion`.

Conventions: strict ``<`` for default, with a tolerance of ``tol * (1 + pbar)``; payments
``r`` apply pro rata to every claim of a debtor (outside creditors pari passu).

Examples
--------
A three-firm debt network (case R1 of the reference cases), which is Eisenberg--Noe:

>>> import numpy as np
>>> L = np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]], float)
>>> out = clear(debt_only(L, np.array([10.0, 10, 10])))
>>> out.pay[:, 0].round(4)
array([24.5455, 26.3636, 10.    ])
>>> out.wave[:, 0]
array([1, 2, 0])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

__all__ = ["Inputs", "Outcome", "Structure", "clear", "debt_only"]

PURCHASE, EQUITY, FUNDING, PRINCIPAL, BACKSTOP, PLAN, CAPEX = range(7)


@dataclass(frozen=True, eq=False)
class Structure:
    """The static part of a compiled network: who owes whom under which claim.

    ``N`` firms are ``0..N-1``; index ``N`` stands for everyone outside the network (who
    always pays). Arrays over claims have length ``C``, over stakes length ``S``.
    """

    n: int
    debtor: np.ndarray
    creditor: np.ndarray
    channel: np.ndarray
    stake_holder: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    stake_issuer: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    stake_fraction: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stake_prepaid: np.ndarray = field(default_factory=lambda: np.zeros(0))
    vest: sp.csr_array | None = None
    """``(S, C)``: the purchase claims a warrant vests on (row of zeros: always vested)."""
    vest_reference: np.ndarray | None = None
    """``(C,)``: the claim amounts at which a warrant is fully vested."""
    market_value: np.ndarray | None = None
    """``(N,)``: market value before the shock (reference for stakes and value lost)."""

    def __post_init__(self) -> None:
        n, c = self.n, len(self.debtor)
        for name in ("debtor", "creditor"):
            a = getattr(self, name)
            if a.shape != (c,) or (len(a) and (a.min() < 0 or a.max() > n)):
                raise ValueError(f"{name}: expected {c} indices in 0..{n}")
        inside_d = self.debtor < n
        inside_c = self.creditor < n
        rows = np.arange(c)
        object.__setattr__(self, "_deb", sp.csr_array(
            (np.ones(inside_d.sum()), (self.debtor[inside_d], rows[inside_d])), shape=(n, c)))
        object.__setattr__(self, "_cred", sp.csr_array(
            (np.ones(inside_c.sum()), (self.creditor[inside_c], rows[inside_c])), shape=(n, c)))
        s = len(self.stake_holder)
        object.__setattr__(self, "_hold", sp.csr_array(
            (np.ones(s), (self.stake_holder, np.arange(s))), shape=(n, s)))
        object.__setattr__(self, "_backstops", np.flatnonzero(self.channel == BACKSTOP))
        object.__setattr__(self, "_slices", {})  # sparse slices by default set (see clear)

    @property
    def c(self) -> int:
        return len(self.debtor)

    @property
    def s(self) -> int:
        return len(self.stake_holder)


@dataclass(frozen=True, eq=False)
class Inputs:
    """The per-draw inputs of ``K`` scenarios, draws on the last axis.

    ``amount`` ``(C, K)``: what each claim asks in normal times (backstops: what it pays when
    triggered); ``accel`` ``(C, K)``: what it asks once its debtor defaults; ``e`` ``(N, K)``:
    outside assets; ``failed`` ``(N, K)``: firms failing whatever their balance sheet;
    ``recovery`` ``(N, K)``: liquidation value of a failed firm's own assets, as a share of
    its dues; ``called`` ``(C, K)``: share of each backstop called by the scenario;
    ``stake_scale`` ``(S, K)``: multiplies each stake (a cancelled investment holds nothing).
    """

    amount: np.ndarray
    accel: np.ndarray
    e: np.ndarray
    failed: np.ndarray | None = None
    recovery: np.ndarray | None = None
    called: np.ndarray | None = None
    stake_scale: np.ndarray | None = None
    vest_reference: np.ndarray | None = None
    """``(S, K)``: what each warrant's linked purchases ask in the unshocked draw (full
    vesting); default: the structure's reference."""

    @property
    def k(self) -> int:
        return self.e.shape[1]


@dataclass(frozen=True, eq=False)
class Outcome:
    """Cleared state of ``K`` scenarios; per-firm arrays ``(N, K)``, per-claim ``(C, K)``.

    ``owed``/``paid``: what each claim asked and got; ``pbar``/``pay``: per debtor;
    ``receipts``: what each firm received; ``stakes``: market value of its stakes;
    ``net_worth`` = ``e + receipts + stakes - pbar`` (negative for a defaulter), ``equity`` =
    its positive part; ``defaulted``, ``wave`` (0 = never); ``market_value``; ``deadweight``
    (Rogers--Veraart default costs); ``triggered`` (backstops, ``(C, K)``); ``new_money``
    (the plan's new money raised, ``(N, K)``); ``rounds`` ``(K,)``
    (rounds of the outer loop until nothing changed, the last one included: 1 when the
    first round finds no new default); ``iterations`` (Picard steps in all).
    """

    owed: np.ndarray
    paid: np.ndarray
    pbar: np.ndarray
    pay: np.ndarray
    receipts: np.ndarray
    stakes: np.ndarray
    e: np.ndarray
    net_worth: np.ndarray
    equity: np.ndarray
    defaulted: np.ndarray
    wave: np.ndarray
    market_value: np.ndarray
    deadweight: np.ndarray
    triggered: np.ndarray
    new_money: np.ndarray
    rounds: np.ndarray
    iterations: int
    converged: bool


@dataclass(frozen=True)
class Params:
    """Engine parameters (see the module docstring)."""

    alpha: float = 1.0
    beta: float = 1.0
    stake_liquidity: float = 1.0
    value_multiple: float = 1.0
    backstops: str = "on_failure"
    max_rounds: int = 200
    max_iterations: int = 100_000
    tol: float = 1e-10


def clear(structure: Structure | tuple[Structure, Inputs], inputs: Inputs | None = None,
          params: Params | None = None, *, reference: Outcome | None = None,
          _warm: dict | None = None) -> Outcome:
    """Clear ``K`` scenarios of one network at once.

    Parameters
    ----------
    structure, inputs
        The network (:class:`Structure`) and the per-draw inputs (:class:`Inputs`); a
        ``(structure, inputs)`` pair is accepted as the first argument.
    params
        :class:`Params`; Eisenberg--Noe defaults.
    reference
        The unshocked run (``K`` = 1 or the same ``K``): market values move from it. Without
        one, market values stay at ``structure.market_value`` (the run *is* the reference).
    _warm
        Internal: the state to continue from (used when the draws still changing go on
        alone).

    Returns
    -------
    Outcome
    """
    if inputs is None:
        structure, inputs = structure  # type: ignore[misc]
    st: Structure = structure  # type: ignore[assignment]
    p = params or Params()
    n, c, k = st.n, st.c, inputs.k
    A = np.asarray(inputs.amount, float)
    Acc = np.asarray(inputs.accel, float)
    e = np.asarray(inputs.e, float)
    if A.shape != (c, k) or Acc.shape != (c, k) or e.shape != (n, k):
        raise ValueError(f"inputs: expected amount/accel ({c}, {k}) and e ({n}, {k}), got "
                         f"{A.shape}, {Acc.shape}, {e.shape}")
    tops = []
    for name, arr in (("amount", A), ("accel", Acc), ("e", e)):
        lo, hi = float(arr.min(initial=0.0)), float(arr.max(initial=0.0))
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"inputs: NaN or infinite values in {name}")
        if lo < 0:
            raise ValueError(f"inputs: negative values in {name}")
        tops.append(hi)
    failed = np.zeros((n, k), bool) if inputs.failed is None else np.asarray(inputs.failed)
    recov = np.zeros((n, k)) if inputs.recovery is None else np.asarray(inputs.recovery, float)
    bidx: np.ndarray = st._backstops  # type: ignore[attr-defined]
    called = np.zeros((len(bidx), k)) if inputs.called is None else \
        np.asarray(inputs.called, float)[bidx]
    sscale = np.ones((st.s, k)) if inputs.stake_scale is None else \
        np.asarray(inputs.stake_scale, float)
    deb: sp.csr_array = st._deb  # type: ignore[attr-defined]
    cred: sp.csr_array = st._cred  # type: ignore[attr-defined]
    hold: sp.csr_array = st._hold  # type: ignore[attr-defined]
    mv0 = np.zeros(n) if st.market_value is None else np.asarray(st.market_value, float)
    mv0c = mv0[:, None]
    # Backstop claims ask nothing unless triggered; their amount is what they pay then.
    b_amount = A[bidx]
    auto = p.backstops == "on_failure"
    trig = called > 0
    share_b = np.where(trig, called, 0.0)

    if reference is not None:
        ref_nwx = reference.net_worth - reference.stakes - reference.new_money
        ref_stk = reference.stakes
        ref_def = reference.defaulted
    vest_on = st.vest is not None and st.s > 0 and st.vest.nnz > 0
    if vest_on:
        if inputs.vest_reference is not None:
            vref = np.asarray(inputs.vest_reference, float)
        else:
            vref = np.asarray(st.vest @ (st.vest_reference if st.vest_reference is not None
                                         else A[:, 0]), float)[:, None]
    D = failed.copy()
    wave = np.where(failed, 1, 0).astype(np.int64)
    offset = failed.any(axis=0).astype(np.int64)
    rounds = np.zeros(k, np.int64)
    active = np.ones(k, bool)
    r = np.ones((n + 1, k))
    V = np.broadcast_to(mv0c, (n, k)).copy()
    first = 1
    if _warm is not None:  # continue from a state above the fixed point (see compaction)
        D, wave, offset, rounds = _warm["D"], _warm["wave"], _warm["offset"], _warm["rounds"]
        r[:n], V, first = _warm["r"], _warm["V"], _warm["first"]
    iterations = 0
    converged = True
    scale = 1.0 + max(*tops, float(mv0.max(initial=0)))
    tol = p.tol * scale
    liq = p.stake_liquidity
    vm = p.value_multiple

    # New money of the plan (channel "plan", from outside): raised only as needed, up to its
    # cap; a defaulter takes all of it.
    pidx = np.flatnonzero(st.channel == PLAN)
    is_plan = np.zeros(c, bool)
    is_plan[pidx] = True
    pfirms = np.unique(st.creditor[pidx]) if len(pidx) else np.zeros(0, int)
    cap = None
    if len(pidx):
        cap = np.asarray(sp.csr_array(cred[pfirms])[:, pidx] @ A[pidx])
        keep = cap.max(axis=1) > 0  # firms that may raise new money in some draw
        pfirms, cap = pfirms[keep], cap[keep]
        if not len(pfirms):
            pidx = np.zeros(0, int)
    # Claims as asked in normal times, without new money and untriggered backstops; what
    # differs in a round (acceleration of defaulters' claims, triggered backstops) is added
    # as a correction on the rows concerned.
    A0 = A.copy()
    A0[pidx] = 0.0
    A0[bidx] = 0.0
    rec0 = np.asarray(cred @ A0)
    pbar0 = np.asarray(deb @ A0)
    vest0 = np.asarray(st.vest @ A0) if vest_on else None
    issuers = np.unique(st.stake_issuer) if st.s else np.zeros(0, int)
    if st.s:
        w0 = st.stake_fraction[:, None] * sscale  # stake weights before paid share, vesting
        dyn_ps = st.stake_prepaid < 1  # bought inside the horizon: held as it is paid
    deb_b = sp.csr_array(deb[:, bidx]) if len(bidx) else None
    cred_b = sp.csr_array(cred[:, bidx]) if len(bidx) else None

    class Round:
        """What stays fixed while the default set and the triggers are held fixed.

        The dues (defaulters' claims accelerated, triggered backstops switched on), the
        receipts if everyone paid in full, the claims of firms that default in some draw (the
        only ones whose payments move) and the *focus* rows: defaulters, firms raising new
        money and stake issuers, the only firms whose state feeds back. The inner loop
        iterates on the focus rows; everything else follows in one pass.
        """

        def __init__(self, D: np.ndarray) -> None:
            self.D = D
            self.dset = np.flatnonzero(D.any(axis=1))
            key = (self.dset.tobytes(), pfirms.tobytes())
            cache = st._slices  # type: ignore[attr-defined]
            if key not in cache:
                if len(cache) > 256:
                    cache.clear()
                cache[key] = self._slices()
            (self.rows, pr, self.cred_rows, self.vest_rows, vest_b, self.b_move, F, self.ds_F,
             self.pf_F, self.cred_F, self.cred_bF, self.hold_F, ps_rows) = cache[key]
            rows = self.rows
            acc = np.where(D[st.debtor[rows]], Acc[rows], A[rows])
            self.owed_rows = acc
            d_rows = acc - A0[rows]
            self.owed_b = b_amount * share_b
            self.pbar = pbar0 + (np.asarray(pr @ d_rows) if len(rows) else 0.0)
            self.rec_full = rec0 + (np.asarray(self.cred_rows @ d_rows) if len(rows) else 0.0)
            if len(bidx):
                self.pbar = self.pbar + np.asarray(deb_b @ self.owed_b)
                self.rec_full = self.rec_full + np.asarray(cred_b @ self.owed_b)
            if vest_on:
                self.vfull = vest0 + (np.asarray(self.vest_rows @ d_rows) if len(rows) else 0.0)
                if len(bidx):
                    self.vfull = self.vfull + np.asarray(vest_b @ self.owed_b)
            self.deb_rows = st.debtor[rows]
            self.F = F
            self.rec_full_F = self.rec_full[F]
            self.e_F = e[F]
            self.pbar_F = self.pbar[F]
            self.D_F = D[F]
            if st.s:
                self.ps_rows = ps_rows
                self.w = w0  # a holder that does not default pays for all its stake
            self._newton()
            if reference is not None:
                self.c0 = mv0c + vm * (e - self.pbar - ref_nwx) - ref_stk
                self.gone = D & ~ref_def
                self.c0_F = self.c0[F]
                self.gone_F = self.gone[F]

        def _slices(self) -> tuple:
            """Sparse slices for a default set (cached on the structure: Monte Carlo chunks
            meet the same default sets again and again)."""
            ind = np.zeros(n + 1, bool)
            ind[self.dset] = True
            rows = np.flatnonzero(ind[st.debtor] & ~is_plan & (st.channel != BACKSTOP))
            pr = sp.csr_array(deb[:, rows]) if len(rows) else None
            cred_rows = sp.csr_array(cred[:, rows])
            vest_rows = sp.csr_array(st.vest[:, rows]) if vest_on else None
            vest_b = sp.csr_array(st.vest[:, bidx]) if vest_on and len(bidx) else None
            b_move = np.flatnonzero(ind[st.debtor[bidx]]) if len(bidx) else np.zeros(0, int)
            F = np.union1d(np.union1d(self.dset, pfirms), issuers).astype(int)
            ds_F = np.searchsorted(F, self.dset)
            pf_F = np.searchsorted(F, pfirms)
            cred_F = sp.csr_array(cred_rows[F])
            cred_bF = sp.csr_array(cred_b[F][:, b_move]) if len(b_move) else None
            hold_F = sp.csr_array(hold[F])
            ps_rows = np.flatnonzero(ind[st.stake_holder] & dyn_ps) if st.s else None
            return (rows, pr, cred_rows, vest_rows, vest_b, b_move, F, ds_F, pf_F, cred_F,
                    cred_bF, hold_F, ps_rows)

        def _newton(self) -> None:
            """The linear part of the defaulters' payments, for an exact step.

            Within a round, defaulter d pays ``x_d = a_d + beta sum_d' W[d, d'] x_d'`` where
            ``W[d, d']`` is the share of d''s dues owed to d and ``a_d`` collects everything
            that does not depend on other defaulters' payments (outside assets, new money,
            receipts from solvent firms, stakes). So ``(I - beta W) (x - x0) = T(x0) - x0``
            gives the fictitious-default solution in one step (exact with debt alone); the
            stake and market-value terms are then settled by the iteration.
            """
            self.inv = None
            ds = self.dset
            m = len(ds)
            if not m or p.beta == 0:
                return
            pos = np.full(n + 1, -1)
            pos[ds] = np.arange(m)
            parts = [(self.rows, self.owed_rows)]
            if len(self.b_move):
                parts.append((bidx[self.b_move], self.owed_b[self.b_move]))
            W = np.zeros((k, m, m))
            pb = self.pbar[ds]  # (m, K)
            safe = np.where(pb > 0, pb, 1.0)
            for rows, owed in parts:
                wd, wc = pos[st.debtor[rows]], pos[st.creditor[rows]]
                ok = (wd >= 0) & (wc >= 0)
                if ok.any():
                    share = (owed[ok] / safe[wd[ok]]) * (pb[wd[ok]] > 0)
                    np.add.at(W, (slice(None), wc[ok], wd[ok]), share.T)
            # only defaulters that owe each other need the solve; the others' step is exact
            linked = np.flatnonzero((W != 0).any(axis=(0, 1)) | (W != 0).any(axis=(0, 2)))
            if not len(linked):
                return
            W = W[:, linked][:, :, linked]
            Dm = self.D[ds[linked]].T  # (K, l): rows of solvent firms stay fixed
            Msys = np.eye(len(linked))[None] - p.beta * W * Dm[:, :, None]
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
            short = (1.0 - r[self.deb_rows]) * self.owed_rows if len(self.rows) else None
            bm = self.b_move
            short_b = (1.0 - r[st.debtor[bidx[bm]]]) * self.owed_b[bm] if len(bm) else None
            return short, short_b

        def _stakes(self, r: np.ndarray, V: np.ndarray, short: np.ndarray | None
                    ) -> np.ndarray | None:
            if not st.s:
                return None
            w = self.w
            if len(self.ps_rows):
                w = w.copy()
                pr = self.ps_rows
                pre = st.stake_prepaid[pr, None]
                w[pr] = w0[pr] * (pre + (1 - pre) * r[st.stake_holder[pr]])
            if vest_on:
                vpaid = self.vfull if short is None else \
                    self.vfull - np.asarray(self.vest_rows @ short)
                w = w * np.where(vref > 0,
                                 np.minimum(vpaid / np.where(vref > 0, vref, 1), 1.0), 1.0)
            return w * V[st.stake_issuer]

        def _raise(self, other_p: np.ndarray, pbar_p: np.ndarray, D_p: np.ndarray
                   ) -> np.ndarray:
            need = np.maximum(pbar_p - other_p, 0.0)
            return np.where(D_p, cap, np.minimum(cap, need))

        def focus(self, r: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, ...]:
            """The state of the focus rows: receipts other than new money, stake values,
            other means, new money raised."""
            short, short_b = self._short(r)
            rec = self.rec_full_F
            if short is not None:
                rec = rec - np.asarray(self.cred_F @ short)
            if short_b is not None:
                rec = rec - np.asarray(self.cred_bF @ short_b)
            sv = self._stakes(r, V, short)
            stk = np.asarray(self.hold_F @ sv) if sv is not None else np.zeros_like(rec)
            other = self.e_F + rec + liq * stk
            raised = np.zeros_like(rec)
            if len(pidx):
                pf = self.pf_F
                raised[pf] = self._raise(other[pf], self.pbar_F[pf], self.D_F[pf])
            return rec, stk, other, raised

        def state(self, r: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, ...]:
            """The state of every firm (same quantities as :meth:`focus`)."""
            short, short_b = self._short(r)
            rec = self.rec_full
            if short is not None:
                rec = rec - np.asarray(self.cred_rows @ short)
            if short_b is not None:
                rec = rec - np.asarray(sp.csr_array(cred_b[:, self.b_move]) @ short_b)
            sv = self._stakes(r, V, short)
            stk = np.asarray(hold @ sv) if sv is not None else np.zeros((n, k))
            other = e + rec + liq * stk
            raised = np.zeros((n, k))
            if len(pidx):
                raised[pfirms] = self._raise(other[pfirms], self.pbar[pfirms],
                                             self.D[pfirms])
            return rec, stk, other, raised

        def owed(self) -> np.ndarray:
            owed = A0.copy()
            owed[self.rows] = self.owed_rows
            owed[pidx] = A[pidx]
            owed[bidx] = self.owed_b
            return owed

        def paid(self, owed: np.ndarray, r: np.ndarray, raised: np.ndarray) -> np.ndarray:
            paid = r[st.debtor] * owed
            plan_rows = np.flatnonzero(st.channel == PLAN)
            paid[plan_rows] = 0.0
            if len(pidx):
                ratio = np.zeros((n, k))
                ratio[pfirms] = np.divide(raised[pfirms], cap, out=np.zeros_like(cap),
                                          where=cap > 0)
                paid[pidx] = owed[pidx] * ratio[st.creditor[pidx]]
            return paid

    for rnd in range(first, p.max_rounds + 1):
        R = Round(D)
        ds, dsF, F = R.dset, R.ds_F, R.F
        # ---------------------------------------------------------- inner loop
        for _ in range(p.max_iterations):
            iterations += 1
            rec_F, stk_F, _, raised_F = R.focus(r, V)
            dr = 0.0
            if len(ds):
                pb = R.pbar_F[dsF]
                avail = p.alpha * (R.e_F[dsF] + raised_F[dsF]) \
                    + p.beta * (rec_F[dsF] + liq * stk_F[dsF]) + recov[ds] * pb
                r_d = R.step(r[ds], np.minimum(avail, pb))
                dr = float(np.abs(r_d - r[ds]).max(initial=0))
                r[ds] = r_d
            dv = 0.0
            if reference is not None and len(F):
                V_F = np.maximum(0.0, R.c0_F + vm * rec_F + stk_F)
                V_F[R.gone_F] = 0.0
                dv = float(np.abs(V_F - V[F]).max(initial=0)) / scale
                V[F] = V_F
            if dr < p.tol and dv < p.tol:
                break
        else:  # pragma: no cover - guarded by the contraction of the maps
            converged = False
        # ---------------------------------------------------------- defaults and triggers
        rec_other, stk, other, raised = R.state(r, V)
        if reference is not None:
            V = np.maximum(0.0, R.c0 + vm * rec_other + stk)
            V[R.gone] = 0.0
        pbar_n = pbar0 + (np.asarray(deb_b @ R.owed_b) if len(bidx) else 0.0)
        margin = tol * (1 + pbar_n / scale)
        cap_all = np.zeros((n, k))
        if len(pidx):
            cap_all[pfirms] = cap
        means = other + cap_all
        test = means < pbar_n - margin
        new = (test | failed) & ~D
        changed = new.any(axis=0)
        if auto and len(bidx):
            brec = np.asarray(cred_b @ (r[st.debtor[bidx]] * R.owed_b))
            short = (means - brec) < pbar_n - margin
            fire = short[np.minimum(st.creditor[bidx], n - 1)] & (st.creditor[bidx] < n)[:, None]
            newb = fire & ~trig
            if newb.any():
                trig = trig | newb
                share_b = np.where(newb, 1.0, share_b)
                fired = newb.any(axis=0)
                # a backstop may rescue the firm it backs: decide defaults next round
                new &= ~fired[None, :]
                changed = new.any(axis=0) | fired
        rounds = np.where(active, rnd, rounds)
        active = changed
        if not changed.any():
            break
        wave = np.where(new, rnd + offset, wave)
        D = D | new
        # Compaction: draws that did not change are settled; when few draws remain, the
        # next rounds run on those alone, warm-started from where they are.
        act = np.flatnonzero(changed)
        if k >= 64 and len(act) <= k // 2 and rnd < p.max_rounds:
            called_now = np.zeros((c, len(act)))
            called_now[bidx] = np.where(trig, share_b, 0.0)[:, act]
            sub_in = Inputs(
                amount=A[:, act], accel=Acc[:, act], e=e[:, act], failed=failed[:, act],
                recovery=recov[:, act], called=called_now, stake_scale=sscale[:, act],
                vest_reference=None if not vest_on else vref[:, act] if vref.shape[1] == k
                else vref)
            sub_ref = None if reference is None else _columns(reference, act, k)
            sub = clear(st, sub_in, p, reference=sub_ref, _warm={
                "D": D[:, act], "wave": wave[:, act], "offset": offset[act],
                "rounds": rounds[act], "r": r[:n, act], "V": V[:, act], "first": rnd + 1})
            D[:, act] = sub.defaulted
            wave[:, act] = sub.wave
            rounds[act] = sub.rounds
            ratio = np.ones_like(sub.pay)
            np.divide(sub.pay, sub.pbar, out=ratio, where=sub.pbar > 0)
            r[:n, act] = ratio
            V[:, act] = sub.market_value
            trig[:, act] = sub.triggered[bidx]
            share_b[:, act] = np.where(sub.triggered[bidx],
                                       np.where(called_now[bidx] > 0, called_now[bidx], 1.0),
                                       0.0)
            iterations += sub.iterations
            converged = converged and sub.converged
            break
    else:  # pragma: no cover
        converged = False

    R = Round(D)
    rec_other, stk, other, raised = R.state(r, V)
    if reference is not None:
        V = np.maximum(0.0, R.c0 + vm * rec_other + stk)
        V[R.gone] = 0.0
    owed, pbar = R.owed(), R.pbar
    paid = R.paid(owed, r, raised)
    rec = rec_other + raised
    pay = np.asarray(deb @ paid)
    nw = e + rec + stk - pbar
    dead = np.where(D, (1 - p.alpha) * (e + raised)
                    + (1 - p.beta) * (rec_other + p.stake_liquidity * stk), 0.0)
    triggered = np.zeros((c, k), bool)
    triggered[bidx] = trig
    return Outcome(owed=owed, paid=paid, pbar=pbar, pay=pay, receipts=rec, stakes=stk, e=e,
                   net_worth=nw, equity=np.maximum(nw, 0.0), defaulted=D, wave=wave,
                   market_value=V, deadweight=dead, triggered=triggered, new_money=raised,
                   rounds=rounds,
                   iterations=iterations, converged=converged)


def _columns(out: Outcome, cols: np.ndarray, k: int) -> Outcome:
    """The draws ``cols`` of a reference outcome (a one-draw reference stays as it is)."""
    if out.net_worth.shape[1] != k:
        return out
    return Outcome(**{f: (getattr(out, f)[..., cols] if isinstance(getattr(out, f), np.ndarray)
                          and getattr(out, f).ndim == 2 else getattr(out, f))
                      for f in Outcome.__dataclass_fields__})


def debt_only(L: np.ndarray, e: np.ndarray, external_liabilities: np.ndarray | None = None
              ) -> tuple[Structure, Inputs]:
    """A pure debt network as engine input: ``L[i, j]`` = what i owes j, outside assets ``e``
    (``(N,)`` or a batch ``(K, N)``), optional external liabilities (pari passu).

    Cleared with :class:`Params` defaults this is Eisenberg--Noe.
    """
    L = np.asarray(L, float)
    e = np.atleast_2d(np.asarray(e, float))
    n = L.shape[0]
    i, j = np.nonzero(L)
    amount = L[i, j]
    debtor, creditor = i, j
    if external_liabilities is not None:
        el = np.asarray(external_liabilities, float)
        m = np.flatnonzero(el > 0)
        debtor = np.concatenate([debtor, m])
        creditor = np.concatenate([creditor, np.full(len(m), n)])
        amount = np.concatenate([amount, el[m]])
    st = Structure(n=n, debtor=debtor.astype(int), creditor=creditor.astype(int),
                   channel=np.full(len(debtor), PRINCIPAL, np.int8))
    k = e.shape[0]
    a = np.repeat(amount[:, None], k, axis=1)
    return st, Inputs(amount=a, accel=a.copy(), e=e.T.copy())
