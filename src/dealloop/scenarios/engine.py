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

Orientation: the engine's arrays are firms first, ``(N, K)`` per firm and ``(C, K)`` per
claim (its sparse maps multiply from the left), as are those of
:mod:`dealloop.mapping.arrays` and :mod:`.years` that feed it. That orientation stays
inside: what a user gets is scenarios first, ``(K, N)``, as from :mod:`dealloop.contagion`
(:meth:`Outcome.to_clearing` turns round), or tables by firm (:func:`dealloop.scenarios.run`,
:func:`dealloop.scenarios.simulate`).

Examples
--------
A three-firm debt network (case R1 of the reference cases), which is Eisenberg--Noe:

>>> import numpy as np
>>> L = np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]], float)
>>> out = clear(debt_only(L, np.array([10.0, 10, 10])))
>>> out.payments[:, 0].round(4)
array([24.5455, 26.3636, 10.    ])
>>> out.waves[:, 0]
array([1, 2, 0])
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..mapping.arrays import PRINCIPAL, Inputs, Params, Structure
from ..mapping.fused import csr_times, plus_times, short_of, worth
from ._round import Round, Setup

if TYPE_CHECKING:  # pragma: no cover
    from ..contagion.results import Clearing

__all__ = ["Inputs", "Outcome", "Params", "Structure", "clear", "debt_only"]

@dataclass(frozen=True, eq=False)
class Outcome:
    """Cleared state of ``K`` scenarios; per-firm arrays ``(N, K)``, per-claim ``(C, K)``.

    ``owed``/``paid``: what each claim asked and got; ``pbar``/``payments``: per debtor;
    ``received``: what each firm received; ``stakes``: market value of its stakes;
    ``net_worth`` = ``e + received + stakes - pbar`` (negative for a defaulter), ``equity`` =
    its positive part; ``defaulted``, ``waves`` (0 = never); ``market_value``; ``deadweight``
    (Rogers--Veraart default costs); ``triggered`` (backstops, ``(C, K)``); ``new_money``
    (the plan's new money raised, ``(N, K)``); ``stake_values`` ``(S, K)`` (each stake's
    market value, as ``stakes`` sums them per holder; None when not recorded); ``rounds``
    ``(K,)``
    (rounds of the outer loop until nothing changed, the last one included: 1 when the
    first round finds no new default); ``iterations`` (Picard steps in all).

    Examples
    --------
    >>> import numpy as np
    >>> out = clear(*debt_only(np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]], float),
    ...                        np.array([10.0, 10, 10])))
    >>> out.defaulted[:, 0].tolist(), out.net_worth[:, 0].round(4).tolist()
    ([True, True, False], [-5.4545, -2.6364, 30.0])
    """

    owed: np.ndarray
    paid: np.ndarray
    pbar: np.ndarray
    payments: np.ndarray
    received: np.ndarray
    stakes: np.ndarray
    e: np.ndarray
    net_worth: np.ndarray
    equity: np.ndarray
    defaulted: np.ndarray
    waves: np.ndarray
    market_value: np.ndarray
    deadweight: np.ndarray
    triggered: np.ndarray
    new_money: np.ndarray
    rounds: np.ndarray
    iterations: int
    converged: bool
    stake_values: np.ndarray | None = None

    def to_clearing(self, structure: Structure, params: Params | None = None,
                    labels: tuple[str, ...] | None = None) -> Clearing:
        """The same outcome as a :class:`dealloop.contagion.Clearing`: scenarios first,
        ``(K, N)`` (``(N,)`` for one scenario), under the contagion models' field names
        (``payments``, ``net_worth``, ``equity``, ``defaulted``, ``waves``, ``pbar``,
        ``received``, ``paid_external``, ``deadweight_loss``; ``iterations`` the rounds of
        each scenario and ``residual`` 0, ``(K,)`` as the models give them), so batched
        engine runs and :func:`~dealloop.contagion.eisenberg_noe` read alike. ``received``
        is what the engine counts a firm to receive (a supplier's unpaid sales at its loss
        weight; new money raised).

        Examples
        --------
        >>> import numpy as np
        >>> from dealloop.contagion import eisenberg_noe
        >>> L = np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]], float)
        >>> st, inp = debt_only(L, np.array([10.0, 10, 10]))
        >>> c = clear(st, inp).to_clearing(st)
        >>> bool(np.allclose(c.payments, eisenberg_noe(L, [10, 10, 10]).payments))
        True
        """
        from ..contagion.results import Clearing

        p = params or Params()

        def view(a: np.ndarray) -> np.ndarray:
            a = np.asarray(a).T
            return a[0] if a.shape[0] == 1 else a

        rv = p.alpha != 1.0 or p.beta != 1.0
        n = structure.n
        ext = np.zeros_like(self.payments)
        out = np.flatnonzero((structure.creditor == n) & (structure.debtor < n))
        np.add.at(ext, structure.debtor[out], self.paid[out])
        return Clearing(
            payments=view(self.payments), net_worth=view(self.net_worth), equity=view(self.equity),
            defaulted=view(self.defaulted), waves=view(self.waves), pbar=view(self.pbar),
            received=view(self.received), paid_external=view(ext),
            deadweight_loss=view(self.deadweight),
            iterations=self.rounds.copy() if self.rounds.size > 1 else int(self.rounds[0]),
            residual=np.zeros(self.rounds.size) if self.rounds.size > 1 else 0.0,
            model="rogers_veraart" if rv else "eisenberg_noe", method="multi_layer_engine",
            alpha=p.alpha, beta=p.beta, labels=labels)


@dataclass
class _State:
    """What the outer loop moves: default sets and waves, payment ratios ``r`` (row ``N``:
    outside, always 1), market values, triggered backstops and the counters."""

    D: np.ndarray
    waves: np.ndarray
    offset: np.ndarray
    rounds: np.ndarray
    active: np.ndarray
    r: np.ndarray
    V: np.ndarray
    trig: np.ndarray
    share_b: np.ndarray
    first: int = 1
    iterations: int = 0
    converged: bool = True


def clear(structure: Structure | tuple[Structure, Inputs], inputs: Inputs | None = None,
          params: Params | None = None, *, reference: Outcome | None = None) -> Outcome:
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

    Returns
    -------
    Outcome

    Examples
    --------
    >>> import numpy as np
    >>> out = clear(debt_only(np.array([[0.0, 2.0], [0.0, 0.0]]), np.array([1.0, 0.0])))
    >>> out.payments[:, 0].tolist(), out.defaulted[:, 0].tolist()
    ([1.0, 0.0], [True, False])
    """
    if inputs is None:
        structure, inputs = structure  # type: ignore[misc]
    g = Setup(structure, inputs, params or Params(), reference)  # type: ignore[arg-type]
    return _clear(g, _start(g, None))[0]


def _clear(g: Setup, s: _State) -> tuple[Outcome, _State]:
    """The rounds from state ``s`` to the cleared outcome, and the state they end in."""
    last: Round | None = None  # the last round, when its default set and triggers held
    for rnd in range(s.first, g.p.max_rounds + 1):
        R = Round(g, s.D, s.share_b)
        _settle(g, R, s)
        new, changed = _decide(g, R, s)
        s.rounds = np.where(s.active, rnd, s.rounds)
        s.active = changed
        if not changed.any():
            last = R
            break
        s.waves = np.where(new, rnd + s.offset, s.waves)
        s.D = s.D | new
        act = np.flatnonzero(changed)
        if g.k >= 64 and len(act) <= g.k // 2 and rnd < g.p.max_rounds:
            _compact(g, s, act, rnd)
            break
    else:  # pragma: no cover
        s.converged = False
    return _finish(g, s, last), s


def _start(g: Setup, warm: dict | None) -> _State:
    """The state before the first round: the failed firms in default (wave 1), everyone
    paying in full, market values as before, backstops triggered as the scenario calls them
    (or continue from ``warm``)."""
    n, k = g.n, g.k
    trig = g.called > 0
    first = g.initial_defaults
    s = _State(D=first.copy(), waves=np.where(first, 1, 0).astype(np.int64),
               offset=np.asarray(first.any(axis=0), dtype=np.int64),
               rounds=np.zeros(k, np.int64),
               active=np.ones(k, bool), r=np.ones((n + 1, k)),
               V=np.broadcast_to(g.mv0c, (n, k)).copy(), trig=trig,
               share_b=np.where(trig, g.called, 0.0))
    if warm is not None:  # continue from a state above the fixed point (see compaction)
        s.D, s.waves, s.offset, s.rounds = warm["D"], warm["waves"], warm["offset"], warm["rounds"]
        s.r[:n], s.V, s.first = warm["r"], warm["V"], warm["first"]
    return s


def _settle(g: Setup, R: Round, s: _State) -> None:
    """Inner loop: hold the default set and triggers fixed and iterate the defaulters'
    payments (a Newton step, then Picard) and the focus rows' market values to convergence."""
    p, r, V = g.p, s.r, s.V
    ds, dsF, F = R.dset, R.ds_F, R.F
    for _ in range(p.max_iterations):
        s.iterations += 1
        rec_F, stk_F, _, raised_F = R.focus(r, V)
        dr = 0.0
        if len(ds):
            pb = R.pbar_F[dsF]
            avail = p.alpha * (R.e_F[dsF] + raised_F[dsF]) \
                + p.beta * (rec_F[dsF] + p.stake_liquidity * stk_F[dsF]) \
                + g.recov[ds] * R.pbar_gross_F[dsF]
            r_d = R.step(r[ds], np.minimum(avail, pb))
            dr = float(np.abs(r_d - r[ds]).max(initial=0))
            r[ds] = r_d
        dv = 0.0
        if g.reference is not None and len(F):
            V_F = R.value_F(r, rec_F, stk_F)
            dv = float(np.abs(V_F - V[F]).max(initial=0)) / g.scale
            V[F] = V_F
        if dr < p.tol and dv < p.tol:
            return
    s.converged = False  # pragma: no cover - guarded by the contraction of the maps


def _decide(g: Setup, R: Round, s: _State) -> tuple[np.ndarray, np.ndarray]:
    """Defaults and triggers after a round: the firms newly short of their dues (new money
    counted up to its cap), and the backstops whose beneficiary would default without them
    (a draw where one fires decides its defaults next round, so the backstop can rescue)."""
    st, n = g.st, g.n
    rec_other, stk, other, _raised = R.state(s.r, s.V)
    if g.reference is not None:
        s.V = R.market_value(rec_other, stk, s.r)
    pbar_n = plus_times(g.pbar0, g.deb_b, R.owed_b) if len(g.bidx) else g.pbar0 + 0.0
    means = other  # a new array (R.state), not kept: new money counted up to its cap
    if len(g.pidx):
        means[g.pfirms] += g.cap
    need, new = short_of(means, pbar_n, g.tol, g.scale, g.initial_defaults, s.D)
    changed = np.asarray(new.any(axis=0))
    bidx = g.bidx
    if g.auto and len(bidx):
        # only the backed firms' rows: what each would receive without its backstops
        cb = g.backed
        brec = csr_times(g.cred_bb, s.r[st.debtor[bidx]] * R.owed_b)
        fire = ((means[cb] - brec) < need[cb]) & (st.creditor[bidx] < n)[:, None]
        newb = fire & ~s.trig
        if newb.any():
            s.trig = s.trig | newb
            s.share_b = np.where(newb, 1.0, s.share_b)
            fired = newb.any(axis=0)
            new &= ~fired[None, :]
            changed = np.asarray(new.any(axis=0) | fired)
    return new, changed


def _compact(g: Setup, s: _State, act: np.ndarray, rnd: int) -> None:
    """Draws that did not change are settled; the next rounds run on the draws ``act``
    alone, warm-started from where they are (valid: the iteration is monotone from above)."""
    st, c, k, bidx = g.st, g.c, g.k, g.bidx
    called_now = np.zeros((c, len(act)))
    called_now[bidx] = np.where(s.trig, s.share_b, 0.0)[:, act]
    vref = g.vref
    sub_in = Inputs(
        amount=g.A[:, act], accel=g.Acc[:, act], e=g.e[:, act],
        initial_defaults=g.initial_defaults[:, act], recovery=g.recov[:, act],
        called=called_now, stake_scale=g.sscale[:, act],
        vest_reference=None if vref is None else vref[:, act] if vref.shape[1] == k
        else vref, value_shift=None if g.value_shift is None else g.value_shift[:, act],
        collateral=None if g.coll is None else g.coll[:, act],
        value_multiple=g.vm[:, act] if g.vm_drawn else None)
    sub_ref = None if g.reference is None else _columns(g.reference, act, k, g.op)
    gs = Setup(st, sub_in, g.p, sub_ref)
    sub, ss = _clear(gs, _start(gs, {
        "D": s.D[:, act], "waves": s.waves[:, act], "offset": s.offset[act],
        "rounds": s.rounds[act], "r": s.r[:g.n, act], "V": s.V[:, act], "first": rnd + 1}))
    s.D[:, act] = sub.defaulted
    s.waves[:, act] = sub.waves
    s.rounds[act] = sub.rounds
    # the sub-run's own payment ratios: a defaulter's ratio is of the dues shared pro rata
    # (net of what its collateral pays its secured claims), not of all its dues, so it is
    # not payments / pbar once collateral is sold
    s.r[:g.n, act] = ss.r[:g.n]
    s.V[:, act] = sub.market_value
    s.trig[:, act] = sub.triggered[bidx]
    s.share_b[:, act] = np.where(sub.triggered[bidx],
                                 np.where(called_now[bidx] > 0, called_now[bidx], 1.0), 0.0)
    s.iterations += sub.iterations
    s.converged = s.converged and sub.converged


def _finish(g: Setup, s: _State, R: Round | None = None) -> Outcome:
    """The cleared state as an :class:`Outcome` (``R``: the round of the final default set
    and triggers, if there is one)."""
    p, D = g.p, s.D
    R = Round(g, D, s.share_b) if R is None else R
    (rec_other, stk, _other, raised), sv = R.state_values(s.r, s.V)
    V = R.market_value(rec_other, stk, s.r) if g.reference is not None else s.V
    pbar = R.pbar_gross
    owed, paid = R.owed_and_paid(s.r, raised)
    payments = csr_times(g.deb, paid)
    e = g.e if R.realised is None else g.e + R.realised  # collateral sold counts as assets
    rec, nw, equity = worth(e, rec_other, raised, stk, pbar)
    if p.alpha == 1.0 and p.beta == 1.0:  # no default costs: 0 * (means >= 0) is 0
        dead = np.zeros_like(nw)
    else:
        dead = np.where(D, (1 - p.alpha) * (g.e + raised)
                        + (1 - p.beta) * (rec_other + p.stake_liquidity * stk), 0.0)
    triggered = np.zeros((g.c, g.k), bool)
    triggered[g.bidx] = s.trig
    return Outcome(owed=owed, paid=paid, pbar=pbar, payments=payments, received=rec, stakes=stk,
                   e=e, net_worth=nw, equity=equity, defaulted=D, waves=s.waves,
                   market_value=V, deadweight=dead, triggered=triggered, new_money=raised,
                   rounds=s.rounds, iterations=s.iterations, converged=s.converged,
                   stake_values=sv)


#: The fields of a reference outcome the engine reads (:class:`._round.Setup`); ``owed`` and
#: ``paid`` only with value multiples other than 1.
_READ = ("net_worth", "stakes", "new_money", "defaulted", "e", "owed", "paid")


def _columns(out: Outcome, cols: np.ndarray, k: int, op: bool = True) -> Outcome:
    """The draws ``cols`` of a reference outcome, as far as the engine reads it (``op``:
    ``owed`` and ``paid`` too); other fields are left whole (a one-draw reference stays as
    it is)."""
    if out.net_worth.shape[1] != k:
        return out
    return replace(out, **{f: getattr(out, f)[..., cols] for f in _READ[:7 if op else 5]})


def debt_only(L: np.ndarray, e: np.ndarray, external_liabilities: np.ndarray | None = None
              ) -> tuple[Structure, Inputs]:
    """A pure debt network as engine input: ``L[i, j]`` = what i owes j, outside assets ``e``
    (``(N,)`` or a batch ``(K, N)``), optional external liabilities (pari passu).

    Cleared with :class:`Params` defaults this is Eisenberg--Noe.

    Examples
    --------
    Reference case R1 (docs/reference-cases.md), cleared by the engine:

    >>> import numpy as np
    >>> L = np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]], float)
    >>> structure, inputs = debt_only(L, np.array([10.0, 10, 10]))
    >>> out = clear(structure, inputs)
    >>> out.payments[:, 0].round(4).tolist(), out.waves[:, 0].tolist()
    ([24.5455, 26.3636, 10.0], [1, 2, 0])
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
