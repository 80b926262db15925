"""Monte Carlo: reproducible draws, the same numbers on any number of Dask workers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dealloop import scenarios
from dealloop.scenarios import loads, montecarlo

from .conftest import scenario_text


def assert_same(a, b) -> None:
    pd.testing.assert_frame_equal(a.firms, b.firms, check_exact=True)
    pd.testing.assert_frame_equal(a.system, b.system, check_exact=True)
    pd.testing.assert_frame_equal(a.drivers, b.drivers, check_exact=True)


def test_same_seed_same_numbers_different_seed_different(net) -> None:
    a = scenarios.simulate("openai-no-new-money", net, draws=600, seed=5, chunk=200, workers=0)
    b = scenarios.simulate("openai-no-new-money", net, draws=600, seed=5, chunk=200, workers=0)
    assert_same(a, b)
    c = scenarios.simulate("openai-no-new-money", net, draws=600, seed=6, chunk=200, workers=0)
    assert not a.system.equals(c.system)


def test_chunks_have_their_own_streams(net) -> None:
    """The draws of chunk i depend on (seed, i) only: chunk 1 of a run is the same whether
    chunk 0 ran before it in this process or not."""
    sc, _ = scenarios.runner.prepare("gpu-life-3-years", net)
    comp = montecarlo.compile_scenario(sc, scenarios.balance_sheets(net, sc))
    p = montecarlo.payload(comp, seed=3, chunk=50)
    m1, _, x1 = montecarlo.draw(p, 1, 50)
    montecarlo.draw(p, 0, 50)
    m2, _, x2 = montecarlo.draw(p, 1, 50)
    np.testing.assert_array_equal(m1, m2)
    np.testing.assert_array_equal(x1, x2)


def test_two_dask_workers_give_the_numbers_of_one_process(net) -> None:
    """A real 2-worker LocalCluster, started by simulate() and then reused as an existing
    cluster through its scheduler address: identical figures to the in-process run."""
    from distributed import LocalCluster

    kw = dict(draws=2_000, seed=42, chunk=500)
    local = scenarios.simulate("coreweave-default", net, workers=0, **kw)
    two = scenarios.simulate("coreweave-default", net, workers=2, **kw)
    assert two.workers == 2 and two.scheduler.startswith("LocalCluster(2")
    assert_same(local, two)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        remote = scenarios.simulate("coreweave-default", net,
                                    scheduler=cluster.scheduler_address, **kw)
    assert remote.scheduler == cluster.scheduler_address
    assert_same(local, remote)


def test_nothing_uncertain_gives_the_stress_run(net) -> None:
    """Without uncertain inputs every draw is the stress run."""
    text = scenario_text("""shocks:
  - {type: funding, entity: openai}
monte_carlo: {conditional: null, amounts: fixed}
""")
    sc = loads(text)
    res = scenarios.simulate(sc, net, draws=300, seed=1, workers=0)
    stress = scenarios.run(sc, net, band=False)
    for m in ("defaults", "payment_shortfall", "market_value_lost_net"):
        assert res.system.at[m, "std"] == pytest.approx(0.0, abs=1e-9)
        assert res.system.at[m, "mean"] == pytest.approx(stress.system[m])
    assert res.drivers.empty
    assert res.notes


def test_distributions_and_drivers(net) -> None:
    res = scenarios.simulate("gpu-life-3-years", net, draws=2_000, seed=9, chunk=1_000,
                             workers=0)
    assert res.draws == 2_000 and res.seed == 9
    s = res.system
    assert (s["q05"] <= s["q50"]).all() and (s["q50"] <= s["q95"]).all()
    assert (s["min"] <= s["mean"]).all() and (s["mean"] <= s["max"] + 1e-9).all()
    f = res.firms
    assert ((f["pd"] >= 0) & (f["pd"] <= 1)).all()
    assert (f["pd_new"] <= f["pd"] + 1e-12).all()
    assert (f["loss_q50"] <= f["loss_q95"] * 1.02 + 1e-9).all()
    # the GPU life, drawn between 2 and 4 years, drives the book equity lost
    d = res.drivers[(res.drivers["target"] == "equity_loss")
                    & (res.drivers["input"] == "shocks[0].life_years")].iloc[0]
    assert d["correlation"] < -0.1  # a longer life, a smaller loss
    assert d["share"] == pytest.approx(d["correlation"] ** 2)
    json.dumps(res.to_dict(), allow_nan=False)
    assert "draws" in res.summary()


def test_failed_firm_always_defaults_and_progress_is_reported(net) -> None:
    seen = []
    res = scenarios.simulate("coreweave-default", net, draws=300, seed=1, chunk=100,
                             workers=0, progress=lambda done, total: seen.append((done, total)))
    assert res.firms.at["coreweave", "pd"] == 1.0
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_histogram_quantiles() -> None:
    h = np.zeros(len(montecarlo._EDGES), np.int64)
    h[0] = 50  # half the draws lose nothing
    b = int(np.searchsorted(montecarlo._EDGES, 10.0, side="right") - 1)
    h[b] = 50  # the other half lose about 10
    assert montecarlo._quantile_from_hist(h, 0.25) == 0.0
    assert montecarlo._quantile_from_hist(h, 0.9) == pytest.approx(10.0, rel=0.011)


def test_bad_arguments(net) -> None:
    with pytest.raises(ValueError, match="draws"):
        scenarios.simulate("coreweave-default", net, draws=0, workers=0)


def _happens(net, text: str, size: int = 20_000):
    sc = loads(scenario_text(text))
    comp = montecarlo.compile_scenario(sc, scenarios.balance_sheets(net, sc))
    p = montecarlo.payload(comp, seed=11, chunk=size)
    _, _, X = montecarlo.draw(p, 0, size)
    cols = {name: j for j, (name, kind, _) in enumerate(p.inputs) if kind == "happens"}
    ev = dict(zip(comp.bs.deals["id"], comp.bs.deals["evidence"], strict=True))
    payer = dict(zip(comp.bs.deals["id"], comp.bs.deals["payer"], strict=True))
    return X, cols, ev, payer


def test_conditional_legs_happen_by_evidence_grade(net) -> None:
    """Without a single probability, a conditional leg of grade A happens 70% of the time,
    B 50%, C 30% (the documented defaults); a per-leg value overrides its grade."""
    X, cols, ev, _ = _happens(net, "")
    assert cols
    want = {"A": 0.7, "B": 0.5, "C": 0.3}
    for name, j in cols.items():
        assert X[:, j].mean() == pytest.approx(want[ev[name.split()[0]]], abs=0.02), name
    first = next(iter(cols)).split()[0]
    X2, cols2, _, _ = _happens(net, f"monte_carlo: {{conditional: {{deals: {{{first}: 0.1}}}}}}")
    assert X2[:, cols2[f"{first} happens"]].mean() == pytest.approx(0.1, abs=0.02)


def test_legs_of_one_firm_fail_together(net) -> None:
    """Through the firm factor, two conditional legs of the same payer happen together more
    often than independent coin flips would; with no factor loadings they are independent."""
    X, cols, _, payer = _happens(net, "")
    by_payer: dict[str, list[int]] = {}
    for name, j in cols.items():
        by_payer.setdefault(payer[name.split()[0]], []).append(j)
    a, b = next(js for js in by_payer.values() if len(js) >= 2)[:2]
    joint, pa, pb = (X[:, a] * X[:, b]).mean(), X[:, a].mean(), X[:, b].mean()
    assert joint > pa * pb + 0.05
    X0, _, _, _ = _happens(net, "monte_carlo: {conditional: {market: 0, firm: 0}}")
    joint0, pa0, pb0 = (X0[:, a] * X0[:, b]).mean(), X0[:, a].mean(), X0[:, b].mean()
    assert joint0 == pytest.approx(pa0 * pb0, abs=0.015)


def test_modes_of_a_two_cluster_sample() -> None:
    rng = np.random.default_rng(0)
    y = np.r_[rng.normal(10, 0.5, 6000), rng.normal(40, 0.5, 4000)]
    found = montecarlo.modes(y)
    assert [round(m) for m, _ in found] == [10, 40]
    assert [round(w, 2) for _, w in found] == [0.6, 0.4]
    assert len(montecarlo.modes(rng.normal(0, 1, 10_000))) == 1


@pytest.mark.parametrize("draws, inputs, figures", [(10_000, 45, 10), (20_000, 30, 10),
                                                    (4_000, 45, 10)])
def test_drivers_sums_do_not_depend_on_blas_threads(draws, inputs, figures) -> None:
    """The drivers' cross sums are the same bits whether BLAS runs on one thread (a Dask
    worker) or several (in process): with ``X.T @ Y`` the 10,000 x 45 case differed by 1e-6
    here, and the drivers' correlations of ``--workers 0`` and ``--workers 2`` by 2e-13."""
    from threadpoolctl import threadpool_limits

    from dealloop.scenarios._mc_chunks import cross

    rng = np.random.default_rng(7)
    X = (rng.random((draws, inputs)) < 0.5).astype(float)
    Y = rng.lognormal(size=(draws, figures)) * 1e3
    with threadpool_limits(1):
        one = cross(X, Y)
    with threadpool_limits(2):
        two = cross(X, Y)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(one, X.T @ Y, rtol=1e-12)
