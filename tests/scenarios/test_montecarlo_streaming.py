"""Monte Carlo with bounded memory: chunk results are folded as they arrive, draws beyond
the kept ones go into binned sketches, and the time limit is estimated before the work."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealloop import scenarios
from dealloop.scenarios import montecarlo
from dealloop.scenarios.sketch import MANTISSA_BITS, Sketch

from .test_montecarlo import assert_same

REL = 2.0**-MANTISSA_BITS


def _streamed(monkeypatch: pytest.MonkeyPatch, *args, **kwargs):
    """The run of ``args`` with no draw kept: every system figure goes through a sketch."""
    monkeypatch.setattr(montecarlo, "MAX_EXACT_MEMORY", 0)
    assert montecarlo.exact_draws() == 0
    return scenarios.simulate(*args, **kwargs)


def test_streamed_run_equals_the_kept_run_where_exactness_is_claimed(
        net, monkeypatch: pytest.MonkeyPatch) -> None:
    kw = dict(draws=1_200, seed=9, chunk=300, workers=0)
    kept = scenarios.simulate("gpu-life-3-years", net, **kw)
    streamed = _streamed(monkeypatch, "gpu-life-3-years", net, **kw)
    # per firm and drivers: the same sums in the same (chunk) order
    pd.testing.assert_frame_equal(kept.firms, streamed.firms, check_exact=True)
    pd.testing.assert_frame_equal(kept.drivers, streamed.drivers, check_exact=True)
    a, b = kept.system, streamed.system
    for col in ("min", "max", "p_positive"):
        pd.testing.assert_series_equal(a[col], b[col], check_exact=True)
    np.testing.assert_allclose(b["mean"], a["mean"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b["std"], a["std"], rtol=1e-9, atol=1e-9)
    assert (a["std"] > 0).any()  # the run has spread: the comparison means something
    for q in ("q05", "q50", "q95", "q99"):
        np.testing.assert_allclose(b[q], a[q], rtol=REL, atol=1e-300)
    # a count (defaults) sits in bins of one value: its quantiles are exact
    for q in ("q05", "q50", "q95", "q99"):
        assert b.at["defaults", q] == a.at["defaults", q]
    assert any("kept for exact quantiles" in n for n in streamed.notes)
    assert not any("kept for exact quantiles" in n for n in kept.notes)


def test_streamed_run_is_the_same_on_dask_workers(net, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks finishing out of order on two workers are folded in chunk order: identical."""
    kw = dict(draws=1_500, seed=4, chunk=250)
    local = _streamed(monkeypatch, "openai-no-new-money", net, workers=0, **kw)
    two = scenarios.simulate("openai-no-new-money", net, workers=2, **kw)
    assert two.scheduler.startswith("LocalCluster(2")
    assert_same(local, two)


def _peak(net, draws: int) -> int:
    tracemalloc.start()
    try:
        scenarios.simulate("gpu-life-3-years", net, draws=draws, seed=1, chunk=200, workers=0)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_draws(net, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(montecarlo, "MAX_EXACT_MEMORY", 0)
    _peak(net, 400)  # warm caches (compiled kernels, scenario library)
    small, large = _peak(net, 400), _peak(net, 8_000)  # 2 chunks against 40
    assert large < 1.5 * small, (small, large)


def test_kept_draws_stay_below_the_memory_limit() -> None:
    n = montecarlo.exact_draws()
    assert montecarlo.draws_memory(n) <= montecarlo.MAX_EXACT_MEMORY
    assert montecarlo.draws_memory(n + 1) > montecarlo.MAX_EXACT_MEMORY - montecarlo.draws_memory(1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e12, 1e12, allow_nan=False), min_size=1, max_size=400),
       st.integers(1, 7), st.sampled_from([0.0, 0.05, 0.5, 0.95, 0.99, 1.0]))
def test_sketch_quantiles_are_within_a_bin_of_numpy(values, parts, q) -> None:
    y = np.array(values)
    s = Sketch()
    for part in np.array_split(y, parts):
        s.add(part)
    assert s.n == len(y) and s.min == y.min() and s.max == y.max()
    assert s.positive == int((y > 1e-9).sum())
    srt = np.sort(y)
    h = (len(y) - 1) * q
    k = int(np.floor(h))
    bound = REL * max(abs(srt[k]), abs(srt[min(k + 1, len(y) - 1)]))
    assert abs(s.quantile(q) - np.quantile(y, q)) <= bound
    assert s.min <= s.quantile(q) <= s.max
    pts, w = s.points()
    assert w.sum() == len(y)
    assert np.isclose((pts * w).sum(), y.sum(), rtol=1e-9, atol=1e-6 * np.abs(y).sum())
    assert s.mean == pytest.approx(y.mean(), rel=1e-9, abs=1e-6 * (np.abs(y).max() + 1))
    assert s.std == pytest.approx(y.std(), rel=1e-6, abs=1e-6 * (np.abs(y).max() + 1))


def test_sketch_bins_are_bounded() -> None:
    """However many draws, a sketch holds at most one entry per occupied bin."""
    s = Sketch()
    rng = np.random.default_rng(0)
    for _ in range(20):
        s.add(rng.uniform(1.0, 2.0, 50_000))  # one binade: 2**MANTISSA_BITS bins
    assert s.n == 1_000_000 and len(s.keys) <= 2**MANTISSA_BITS


def test_modes_from_sketch_bins_match_the_draws() -> None:
    rng = np.random.default_rng(1)
    y = np.r_[rng.normal(10, 0.5, 6000), rng.normal(40, 0.5, 4000)]
    s = Sketch()
    s.add(y)
    want, got = montecarlo.modes(y), montecarlo.modes(*s.points())
    assert [round(m, 6) for m, _ in got] == [round(m, 6) for m, _ in want]
    assert [w for _, w in got] == pytest.approx([w for _, w in want], abs=1e-9)


def _counting(monkeypatch: pytest.MonkeyPatch, elapsed: float | None = None) -> list[int]:
    """Count the chunks run (and optionally report each as taking ``elapsed`` seconds)."""
    real, ran = montecarlo.run_chunk, []

    def run_chunk(p, index, size):
        ran.append(index)
        r = real(p, index, size)
        if elapsed is not None:
            r.elapsed = elapsed
        return r

    monkeypatch.setattr(montecarlo, "run_chunk", run_chunk)
    return ran


def test_time_limit_refuses_from_the_first_chunk(net, monkeypatch: pytest.MonkeyPatch) -> None:
    ran = _counting(monkeypatch, elapsed=0.5)  # fixed chunk time: the same on a busy machine
    with pytest.raises(montecarlo.TimeLimitError, match=r"would take about .* more than the "
                       r"time limit of .*; use about [0-9,]+ draws or fewer"):
        scenarios.simulate("gpu-life-3-years", net, draws=100_000_000, chunk=100, workers=0,
                           max_seconds=60.0)
    assert ran == [0]


def test_time_limit_before_a_local_cluster_starts(net, monkeypatch: pytest.MonkeyPatch) -> None:
    import distributed

    def no_cluster(*args, **kwargs):
        raise AssertionError("started a cluster before refusing")

    monkeypatch.setattr(distributed, "LocalCluster", no_cluster)
    ran = _counting(monkeypatch, elapsed=0.5)  # the first chunk's time, fixed: no race
    with pytest.raises(montecarlo.TimeLimitError, match="on 2 workers"):
        scenarios.simulate("gpu-life-3-years", net, draws=100_000_000, chunk=100, workers=2,
                           max_seconds=60.0)
    assert ran == [0]


def test_time_limit_stops_a_run_that_passes_it(net, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first chunk that looked free (reported as 0 s) passes the estimate; the run is
    stopped as soon as the time actually spent passes the limit."""
    ran = _counting(monkeypatch, elapsed=0.0)
    with pytest.raises(montecarlo.TimeLimitError, match=r"stopped after .* of 5,000 draws"):
        scenarios.simulate("gpu-life-3-years", net, draws=5_000, chunk=100, workers=0,
                           max_seconds=1e-9)
    assert ran == [0]


def test_no_time_limit_without_max_seconds(net, monkeypatch: pytest.MonkeyPatch) -> None:
    ran = _counting(monkeypatch)
    scenarios.simulate("gpu-life-3-years", net, draws=300, chunk=100, workers=0)
    assert ran == [0, 1, 2]
    with pytest.raises(ValueError, match="max_seconds must be positive"):
        scenarios.simulate("gpu-life-3-years", net, draws=300, workers=0, max_seconds=0)


def test_streamed_follow_equals_the_kept_follow(net, monkeypatch: pytest.MonkeyPatch) -> None:
    """The holders layer's per-draw figures are folded chunk by chunk too: streamed, their
    sums, extremes and probabilities are the kept run's, their quantiles within a bin."""
    from dealloop.holders.draws import FOLLOW

    kw = dict(draws=600, seed=3, chunk=150, workers=0, follow=FOLLOW)
    kept = scenarios.simulate("oracle-cannot-refinance", net, **kw).holders
    streamed = _streamed(monkeypatch, "oracle-cannot-refinance", net, **kw).holders
    assert kept["draws"] == streamed["draws"] == 600
    a, b = kept["figures"], streamed["figures"]
    assert (a["std"] > 0).any()  # the figures vary across draws: the comparison means something
    for col in ("min", "max", "p_positive"):
        pd.testing.assert_series_equal(a[col], b[col], check_exact=True)
    np.testing.assert_allclose(b["mean"], a["mean"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b["std"], a["std"], rtol=1e-9, atol=1e-9)
    for q in ("q05", "q50", "q95", "q99"):
        np.testing.assert_allclose(b[q], a[q], rtol=REL, atol=1e-300)
    pd.testing.assert_frame_equal(kept["sectors"], streamed["sectors"], check_exact=True)
    pd.testing.assert_frame_equal(kept["banks"], streamed["banks"], check_exact=True)
    assert kept["p_any_bank_below_min"] == streamed["p_any_bank_below_min"]
    for m in a.index:
        assert [x["weight"] for x in streamed["modes"][m]] == pytest.approx(
            [x["weight"] for x in kept["modes"][m]], abs=0.01)


def test_kept_follow_equals_all_chunks_summarised_at_once(net) -> None:
    """Folding chunk by chunk gives exactly what summarising every chunk's part at once
    gives (:func:`dealloop.holders.draws.summarize_draws`)."""
    from dealloop.holders.draws import FOLLOW, summarize_draws

    sc, _ = scenarios.runner.prepare("oracle-cannot-refinance", net)
    comp = montecarlo.compile_scenario(sc, scenarios.balance_sheets(net, sc))
    r = FOLLOW.prepare(comp, sc, net)
    p = montecarlo.payload(comp, seed=3, chunk=150, follow=r)
    parts = [montecarlo.run_chunk(p, i, 150).extra["follow"] for i in range(4)]
    res = scenarios.simulate("oracle-cannot-refinance", net, draws=600, seed=3, chunk=150,
                             workers=0, follow=FOLLOW).holders
    once = summarize_draws(r, parts)
    pd.testing.assert_frame_equal(res["figures"], once["figures"], check_exact=True)
    pd.testing.assert_frame_equal(res["banks"], once["banks"], check_exact=True)
    assert res["modes"] == once["modes"]
