"""Implied default probabilities against the closed form, and their properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealloop.markets import default_probability, hazard_rate, survival

spreads = st.floats(min_value=0.0, max_value=20_000.0, allow_nan=False)
recoveries = st.floats(min_value=0.0, max_value=0.95, allow_nan=False)
horizons = st.floats(min_value=0.0, max_value=30.0, allow_nan=False)


def test_flat_spread_matches_closed_form() -> None:
    # 300bp with 40% recovery: lambda = 0.03 / 0.6 = 0.05 a year.
    assert hazard_rate(300, recovery=0.4) == pytest.approx(0.05)
    for t in (0.5, 1.0, 5.0, 10.0):
        assert default_probability(300, recovery=0.4, horizon=t) == \
            pytest.approx(1 - math.exp(-0.05 * t), rel=1e-12)
        assert survival(0.05, t) == pytest.approx(math.exp(-0.05 * t), rel=1e-12)


def test_published_rule_of_thumb() -> None:
    # The "credit triangle" worked by hand on a stored HN thread: 125bp, 40% recovery, 5 years
    # gives about 10% (1 - e^(-0.0125*5/0.6) = 9.9%).
    assert default_probability(125, recovery=0.4, horizon=5) == pytest.approx(0.0989, abs=5e-4)


def test_vectorised_matches_scalars() -> None:
    s = np.array([0.0, 100.0, 643.0])
    out = default_probability(s, recovery=0.35, horizon=5)
    assert out.shape == (3,)
    for k, x in enumerate(s):
        assert out[k] == pytest.approx(default_probability(float(x), recovery=0.35, horizon=5))


@settings(deadline=None)
@given(spreads, spreads, recoveries, horizons)
def test_monotone_in_spread(a: float, b: float, r: float, t: float) -> None:
    lo, hi = sorted((a, b))
    assert default_probability(lo, recovery=r, horizon=t) <= \
        default_probability(hi, recovery=r, horizon=t) + 1e-15


@settings(deadline=None)
@given(spreads, recoveries, recoveries, horizons)
def test_monotone_in_recovery(s: float, r1: float, r2: float, t: float) -> None:
    # For a fixed spread, a higher recovery means less is lost per default, so more defaults
    # are needed to explain the same spread: PD rises with R. (For a fixed PD, the fair spread
    # falls as R rises.)
    lo, hi = sorted((r1, r2))
    assert default_probability(s, recovery=lo, horizon=t) <= \
        default_probability(s, recovery=hi, horizon=t) + 1e-15


@settings(deadline=None)
@given(spreads, recoveries, horizons)
def test_probability_in_unit_interval_and_survival_complements(s: float, r: float,
                                                               t: float) -> None:
    p = default_probability(s, recovery=r, horizon=t)
    assert 0.0 <= p <= 1.0
    assert p + survival(hazard_rate(s, recovery=r), t) == pytest.approx(1.0, abs=1e-12)


@settings(deadline=None)
@given(spreads, recoveries, horizons, horizons)
def test_monotone_in_horizon(s: float, r: float, t1: float, t2: float) -> None:
    lo, hi = sorted((t1, t2))
    assert default_probability(s, recovery=r, horizon=lo) <= \
        default_probability(s, recovery=r, horizon=hi) + 1e-15


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"spread_bp": -1.0}, "spread_bp"),
    ({"spread_bp": float("nan")}, "spread_bp"),
    ({"spread_bp": 100.0, "recovery": 1.0}, "recovery"),
    ({"spread_bp": 100.0, "recovery": -0.1}, "recovery"),
    ({"spread_bp": 100.0, "horizon": -1.0}, "horizon"),
])
def test_bad_input_names_the_argument(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        default_probability(**kwargs)
