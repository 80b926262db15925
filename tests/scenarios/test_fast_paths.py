"""The Monte Carlo fast paths of the engine (#18) give the same numbers, bit for bit, as the
plain code they replaced.

The plain versions are kept here as the reference (``_plain_*``, the code before #18's
in-place and row-restricted versions): the engine is run once as shipped and once with the
plain versions patched in, on shipped scenarios (Monte Carlo draws, year by year) and on
random multi-layer networks (hypothesis), and every array of the outcomes must be equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import dealloop as dl
from dealloop.mapping.arrays import (
    BACKSTOP,
    EQUITY,
    PLAN,
    PRINCIPAL,
    PURCHASE,
    Inputs,
    Params,
    Structure,
)
from dealloop.scenarios import _round, engine, library, years
from dealloop.scenarios._mc_chunks import draw, payload
from dealloop.scenarios.engine import Outcome, clear
from dealloop.scenarios.montecarlo import compile_scenario
from dealloop.scenarios.runner import clear_runs, prepare
from dealloop.scenarios.years import YearsOutcome, clear_years

# --- the plain versions (reference) ---------------------------------------------------------


def _plain_decide(g: _round.Setup, R: _round.Round, s: engine._State
                  ) -> tuple[np.ndarray, np.ndarray]:
    st, n = g.st, g.n
    rec_other, stk, other, _raised = R.state(s.r, s.V)
    if g.reference is not None:
        s.V = R.market_value(rec_other, stk, s.r)
    pbar_n = g.pbar0 + (np.asarray(g.deb_b @ R.owed_b) if len(g.bidx) else 0.0)
    margin = g.tol * (1 + pbar_n / g.scale)
    cap_all = np.zeros((g.n, g.k))
    if len(g.pidx):
        cap_all[g.pfirms] = g.cap
    means = other + cap_all
    new = ((means < pbar_n - margin) | g.initial_defaults) & ~s.D
    changed = new.any(axis=0)
    bidx = g.bidx
    if g.auto and len(bidx):
        brec = np.asarray(g.cred_b @ (s.r[st.debtor[bidx]] * R.owed_b))
        short = (means - brec) < pbar_n - margin
        fire = short[np.minimum(st.creditor[bidx], n - 1)] & (st.creditor[bidx] < n)[:, None]
        newb = fire & ~s.trig
        if newb.any():
            s.trig = s.trig | newb
            s.share_b = np.where(newb, 1.0, s.share_b)
            fired = newb.any(axis=0)
            new &= ~fired[None, :]
            changed = new.any(axis=0) | fired
    return new, changed


def _plain_paid(self: _round.Round, owed: np.ndarray, r: np.ndarray, raised: np.ndarray
                ) -> np.ndarray:
    g = self.g
    st = g.st
    paid = r[st.debtor] * owed
    if self.sec_rows is not None:
        rows = self.rows
        paid[rows] = self.sec_rows + r[st.debtor[rows]] * self.pool_rows
    paid[np.flatnonzero(st.channel == PLAN)] = 0.0
    if len(g.pidx):
        cap = g.cap
        ratio = np.zeros((g.n, g.k))
        ratio[g.pfirms] = np.divide(raised[g.pfirms], cap, out=np.zeros_like(cap),
                                    where=cap > 0)
        paid[g.pidx] = owed[g.pidx] * ratio[st.creditor[g.pidx]]
    return paid


def _plain_stakes(self: _round.Round, r: np.ndarray, V: np.ndarray,
                  short: np.ndarray | None) -> np.ndarray | None:
    g = self.g
    st = g.st
    if not st.s:
        return None
    w = self.w
    if len(self.ps_rows):
        w = w.copy()
        pr = self.ps_rows
        pre = st.stake_prepaid[pr, None]
        w[pr] = g.w0[pr] * (pre + (1 - pre) * r[st.stake_holder[pr]])
    if g.vest_on:
        vref = g.vref
        assert vref is not None
        # the shortfalls from r (the shipped code passes None when its kernels make them)
        short = (1.0 - r[self.deb_rows]) * self.pool_rows if len(self.rows) else None
        vpaid = self.vfull if short is None else \
            self.vfull - np.asarray(self.vest_rows @ short)
        w = w * np.where(vref > 0,
                         np.minimum(vpaid / np.where(vref > 0, vref, 1), 1.0), 1.0)
    return w * V[st.stake_issuer]


def _plain_finish(g: _round.Setup, s: engine._State, R: _round.Round | None = None
                  ) -> Outcome:
    p, D = g.p, s.D
    R = _round.Round(g, D, s.share_b) if R is None else R
    rec_other, stk, _other, raised = R.state(s.r, s.V)
    sv = R.stake_values(s.r, s.V)
    V = R.market_value(rec_other, stk, s.r) if g.reference is not None else s.V
    owed, pbar = R.owed(), R.pbar_gross
    paid = R.paid(owed, s.r, raised)
    rec = rec_other + raised
    payments = np.asarray(g.deb @ paid)
    e = g.e if R.realised is None else g.e + R.realised
    nw = e + rec + stk - pbar
    dead = np.where(D, (1 - p.alpha) * (g.e + raised)
                    + (1 - p.beta) * (rec_other + p.stake_liquidity * stk), 0.0)
    triggered = np.zeros((g.c, g.k), bool)
    triggered[g.bidx] = s.trig
    return Outcome(owed=owed, paid=paid, pbar=pbar, payments=payments, received=rec, stakes=stk,
                   e=e, net_worth=nw, equity=np.maximum(nw, 0.0), defaulted=D, waves=s.waves,
                   market_value=V, deadweight=dead, triggered=triggered, new_money=raised,
                   rounds=s.rounds, iterations=s.iterations, converged=s.converged,
                   stake_values=sv)


def _plain_running(parts: list[np.ndarray]) -> list[np.ndarray]:
    out = [parts[0].copy()] if len(parts) == 1 else [parts[0]]
    for x in parts[1:]:
        out.append(out[-1] + x)
    return out


def _plain_total(y: YearsOutcome) -> Outcome:
    """:meth:`YearsOutcome.total` by its definition: stacked years, running sums, the
    unpaid balances of :meth:`YearsOutcome.unpaid`."""
    outs, last = y.outcomes, y.outcomes[-1]

    def total(field: str) -> np.ndarray:
        return _plain_running([getattr(o, field) for o in outs])[-1]

    paid = total("paid")
    owed = paid + y.unpaid()[-1]
    pay = total("payments")
    assert y.debtor is not None
    pbar = pay.copy()
    gap = owed - paid
    for c in np.flatnonzero(y.debtor < last.payments.shape[0]):
        pbar[y.debtor[c]] += gap[c]
    e = y.income.sum(axis=0) if y.income is not None else outs[0].e
    nw = e + total("received") + last.stakes - pbar
    wave = np.zeros_like(last.waves)
    for label, o in zip(y.years, outs, strict=True):
        wave = np.where((y.default_year > 0) & (y.default_year == label), o.waves, wave)
    return Outcome(
        owed=owed, paid=paid, pbar=pbar, payments=pay, received=total("received"),
        stakes=last.stakes, e=e, net_worth=nw, equity=np.maximum(nw, 0.0),
        defaulted=last.defaulted, waves=wave, market_value=last.market_value,
        deadweight=total("deadweight"),
        triggered=np.logical_or.reduce([o.triggered for o in outs]),
        new_money=total("new_money"), rounds=np.max([o.rounds for o in outs], axis=0),
        iterations=int(sum(o.iterations for o in outs)),
        converged=all(o.converged for o in outs), stake_values=last.stake_values)


@contextmanager
def plain() -> Iterator[None]:
    """The engine with the plain versions patched in."""
    with mock.patch.object(engine, "_decide", _plain_decide), \
            mock.patch.object(_round.Round, "paid", _plain_paid), \
            mock.patch.object(_round.Round, "_stakes", _plain_stakes), \
            mock.patch.object(engine, "_finish", _plain_finish), \
            mock.patch.object(years.YearsOutcome, "total", _plain_total):
        yield


def _assert_same(a: object, b: object, where: str = "") -> None:
    """Every array field equal (``-0.0 == 0.0``), dtype and shape too."""
    if isinstance(a, Outcome | YearsOutcome):
        assert type(a) is type(b)
        for f in type(a).__dataclass_fields__:
            _assert_same(getattr(a, f), getattr(b, f), f"{where}.{f}")
    elif isinstance(a, tuple) and a and isinstance(a[0], Outcome):
        assert isinstance(b, tuple) and len(a) == len(b)
        for t, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{t}]")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), where
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b), f"{where}: max diff {np.abs(a - b).max()}"
    else:
        assert a == b, where


# --- shipped scenarios -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def network() -> object:
    return dl.load()


@pytest.mark.parametrize("name", ["openai-no-new-money", "coreweave-default",
                                  "gpu-life-3-years", "oracle-cannot-refinance"])
def test_monte_carlo_draws_match_the_plain_engine(name: str, network: object) -> None:
    """Monte Carlo draws of a shipped scenario (years, plan, backstops, stakes, warrants,
    collateral; enough draws for the engine to compact the draws still changing)."""
    sc, net = prepare(name, network)
    from dealloop.mapping.sheets import build

    comp = compile_scenario(sc, build(net, sc))
    k = 96
    M, values, _ = draw(payload(comp, seed=5, chunk=k), 0, k)

    def run() -> tuple:
        return clear_runs(comp, k, mult=M, values=values, replan=comp.replan(M))

    fast = run()
    with plain():
        ref = run()
    for label, a, b in zip(("base", "out", "years_base", "years_out"), fast, ref, strict=True):
        _assert_same(a, b, label)


@pytest.mark.parametrize("name", library.names())
def test_a_draw_gives_the_same_figures_alone_as_in_a_batch(name: str, network: object) -> None:
    """A draw's figures do not depend on the draws beside it: in a batch large enough for
    the engine to compact the draws still changing, each draw equals its own one-draw run
    (what a stress run computes) to 1e-9 of the largest dues. Compaction used to carry a
    defaulter's payment ratio back as payments / all its dues, which is wrong once its
    collateral is sold (the ratio is of the dues shared pro rata): xai-stops-paying's draws
    were up to 3.3 off."""
    sc, net = prepare(name, network)
    from dealloop.mapping.sheets import build

    comp = compile_scenario(sc, build(net, sc))
    k = 96
    M, values, _ = draw(payload(comp, seed=5, chunk=k), 0, k)
    with mock.patch.object(engine, "_compact", wraps=engine._compact) as spy:
        batch = clear_runs(comp, k, mult=M, values=values, replan=comp.replan(M))[1]
    if name == "xai-stops-paying":  # the case that was wrong: the path must run
        assert spy.called
    scale = max(1.0, float(batch.pbar.max()))
    for j in range(0, k, 6):
        m = M[:, j:j + 1]
        one = clear_runs(comp, 1, mult=m, values={key: v[j:j + 1] for key, v in values.items()},
                         replan=comp.replan(m))[1]
        assert np.array_equal(one.defaulted[:, 0], batch.defaulted[:, j]), (name, j)
        for field in ("payments", "paid", "net_worth", "market_value"):
            a, b = getattr(one, field)[:, 0], getattr(batch, field)[:, j]
            assert np.abs(a - b).max() <= 1e-9 * scale, (name, j, field)


# --- random multi-layer networks --------------------------------------------------------------


def _money(hi: int) -> st.SearchStrategy[float]:
    return st.integers(0, hi * 1000).map(lambda x: x / 1000)


@st.composite
def layered(draw_: st.DrawFn) -> tuple[Structure, list[Inputs], np.ndarray]:
    """A small network with every layer: purchases, debt (accelerated), equity with
    stakes, backstops, a plan's new money; ``T`` years of inputs, ``K`` draws."""
    n = draw_(st.integers(2, 6))
    k = draw_(st.integers(1, 4))
    t = draw_(st.integers(1, 3))
    claims: list[tuple[int, int, int]] = []
    for _ in range(draw_(st.integers(1, 12))):
        d = draw_(st.integers(0, n - 1))
        c = draw_(st.integers(0, n))
        ch = draw_(st.sampled_from([PURCHASE, PRINCIPAL, EQUITY, BACKSTOP]))
        if c != d and not (ch == BACKSTOP and c == n):
            claims.append((d, c, ch))
    for f in range(n):
        if draw_(st.booleans()):
            claims.append((n, f, PLAN))  # new money from outside into firm f
    if not claims:
        claims.append((0, n, PRINCIPAL))
    debtor, creditor, channel = (np.array(x, int) for x in zip(*claims, strict=True))
    s = draw_(st.integers(0, 3))
    holder = draw_(arrays(np.int64, (s,), elements=st.integers(0, n - 1)))
    issuer = draw_(arrays(np.int64, (s,), elements=st.integers(0, n - 1)))
    c = len(claims)
    links = [(i, draw_(st.integers(0, c - 1))) for i in range(s) if draw_(st.booleans())]
    vest = sp.csr_array((np.ones(len(links)), ([i for i, _ in links], [j for _, j in links])),
                        shape=(s, c))  # warrants vesting on a claim (purchases, in the data)
    structure = Structure(
        n=n, debtor=debtor, creditor=creditor, channel=channel.astype(np.int8),
        stake_holder=holder, stake_issuer=issuer,
        stake_fraction=draw_(arrays(np.float64, (s,), elements=st.floats(0, 0.5))),
        stake_prepaid=draw_(arrays(np.float64, (s,), elements=st.sampled_from([0.0, 1.0]))),
        market_value=draw_(arrays(np.float64, (n,), elements=_money(50))),
        loss_weight=draw_(arrays(np.float64, (len(claims),), elements=st.floats(0.2, 1))),
        vest=vest, vest_reference=draw_(arrays(np.float64, (c,), elements=_money(10))))
    inputs = []
    for _ in range(t):
        a = draw_(arrays(np.float64, (c, k), elements=_money(10)))
        extra = draw_(arrays(np.float64, (c, k), elements=_money(10)))
        acc = a + extra * (channel == PRINCIPAL)[:, None]
        vref = draw_(st.one_of(st.none(), arrays(np.float64, (s, k), elements=_money(10))))
        inputs.append(Inputs(amount=a, accel=acc, vest_reference=vref,
                             e=draw_(arrays(np.float64, (n, k), elements=_money(10)))))
    headroom = draw_(arrays(np.float64, (n, k), elements=_money(5)))
    return structure, inputs, headroom


@settings(max_examples=120, deadline=None)
@given(layered(), st.sampled_from([1.0, 0.5]), st.sampled_from(["on_failure", "called_only"]))
def test_random_layered_networks_match_the_plain_engine(
        net: tuple[Structure, list[Inputs], np.ndarray], beta: float, backstops: str) -> None:
    structure, inputs, headroom = net
    params = Params(beta=beta, backstops=backstops)

    def run() -> tuple[Outcome, YearsOutcome, Outcome, YearsOutcome, Outcome]:
        one = clear(structure, inputs[0], params)
        yb = clear_years(structure, inputs, params)
        shocked = [Inputs(amount=i.amount, accel=i.accel, e=i.e * 0.5,
                          vest_reference=i.vest_reference) for i in inputs]
        yo = clear_years(structure, shocked, params, reference=yb, headroom=headroom)
        return one, yb, yb.total(), yo, yo.total()

    fast = run()
    with plain():
        ref = run()
    for label, a, b in zip(("one", "years_base", "total_base", "years_out", "total_out"),
                           fast, ref, strict=True):
        _assert_same(a, b, label)


@settings(max_examples=40, deadline=None)
@given(layered(), st.integers(0, 2**32 - 1), st.sampled_from([1.0, 0.5]))
def test_a_draw_is_the_same_alone_as_in_a_batch(
        net: tuple[Structure, list[Inputs], np.ndarray], seed: int, beta: float) -> None:
    """72 draws of a random network, each with its own shock and half the claims secured:
    the batch (large enough for the engine to compact the draws still changing) gives each
    draw what it gives alone, to 1e-9 of the largest dues."""
    structure, inputs, _ = net
    params = Params(beta=beta)
    rng = np.random.default_rng(seed)
    inp = inputs[0]
    c, k = inp.amount.shape
    big = 72
    cols = np.arange(big) % k
    e = inp.e[:, cols] * rng.uniform(0.0, 1.5, (1, big))
    owes = structure.debtor < structure.n
    coll = rng.uniform(0.0, 8.0, (c, 1)) * (owes & (rng.random(c) < 0.5))[:, None]

    def inputs_of(j: np.ndarray) -> Inputs:
        vref = inp.vest_reference
        return Inputs(amount=inp.amount[:, cols[j]], accel=inp.accel[:, cols[j]], e=e[:, j],
                      collateral=np.repeat(coll, len(j), axis=1),
                      vest_reference=None if vref is None else vref[:, cols[j]])

    batch = clear(structure, inputs_of(np.arange(big)), params)
    scale = max(1.0, float(batch.pbar.max()))
    for j in range(big):
        one = clear(structure, inputs_of(np.array([j])), params)
        assert np.array_equal(one.defaulted[:, 0], batch.defaulted[:, j]), j
        for field in ("payments", "paid", "net_worth"):
            a, b = getattr(one, field)[:, 0], getattr(batch, field)[:, j]
            assert np.abs(a - b).max() <= 1e-9 * scale, (j, field)


@pytest.mark.parametrize("coll", [[[np.nan], [0.0]], [[-1.0], [0.0]], [[np.inf], [0.0]],
                                  [[1.0, 1.0], [0.0, 0.0]]])
def test_bad_collateral_is_refused(coll: list[list[float]]) -> None:
    """The collateral check reads two reductions (min, max) instead of four passes: a NaN,
    an infinity, a negative value or a wrong shape is still refused."""
    structure = Structure(n=2, debtor=np.array([0, 1]), creditor=np.array([1, 2]),
                          channel=np.array([PRINCIPAL, PRINCIPAL], np.int8))
    one = np.ones((2, 1))
    with pytest.raises(ValueError, match="collateral must be"):
        clear(structure, Inputs(amount=one, accel=one, e=one, collateral=np.array(coll)))
    ok = clear(structure, Inputs(amount=one, accel=one, e=one, collateral=np.zeros((2, 1))))
    assert ok.paid[:, 0].tolist() == [1.0, 1.0]
