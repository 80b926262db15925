"""Which equity series a drawdown reads: share prices or market values, never mixed."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd

from dealloop.prices.quotes import equity_series

D = dt.date


def _q(rows: list[tuple[str, dt.date, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"id": f"M{i}", "entity": "x", "instrument": inst, "issue": None,
                          "day": day, "date": day.isoformat(), "value": v,
                          "unit": "usd" if inst == "share_price" else "usd_bn",
                          "sources": "s1", "derived": False}
                         for i, (inst, day, v) in enumerate(rows)])


NET = SimpleNamespace(figures=None)
ROWS = [("share_price", D(2025, 6, 30), 10.0), ("share_price", D(2026, 1, 31), 8.0),
        ("market_value", D(2025, 7, 31), 100.0), ("market_value", D(2025, 9, 30), 120.0),
        ("market_value", D(2025, 11, 30), 90.0)]


def test_the_better_covered_series_is_used() -> None:
    s = equity_series(_q(ROWS), NET, "x")
    assert set(s["instrument"]) == {"market_value"}
    assert s["value"].tolist() == [100.0, 120.0, 90.0]


def test_coverage_is_counted_up_to_the_day() -> None:
    # By 2025-08-31 there is one quote of each: the tie goes to share prices.
    s = equity_series(_q(ROWS), NET, "x", D(2025, 8, 31))
    assert set(s["instrument"]) == {"share_price"}


def test_figures_market_caps_count_as_market_values() -> None:
    fig = pd.DataFrame({"id": ["F1", "F2"], "entity": ["x", "x"],
                        "metric": ["market_cap", "market_cap"], "unit": ["usd_bn"] * 2,
                        "value": [50.0, 60.0], "as_of": ["2025-01-31", "2025-02-28"],
                        "sources": ["s2", "s2"]})
    rows = [r for r in ROWS if r[0] == "share_price"] + [ROWS[2]]
    s = equity_series(_q(rows), SimpleNamespace(figures=fig), "x")
    assert s["instrument"].iloc[0] == "market_value"
    assert s["id"].tolist() == ["F1", "F2", "M2"]


def test_no_quote_gives_an_empty_series() -> None:
    s = equity_series(_q(ROWS), NET, "y")
    assert s.empty


def test_a_stale_series_gives_way_to_a_current_one() -> None:
    # Market values are better covered but stop in November 2025; the share price of
    # 2026-01-31 is current on 2026-02-28, so the drawdown reads prices.
    s = equity_series(_q(ROWS), NET, "x", D(2026, 2, 28), max_age_days=62)
    assert set(s["instrument"]) == {"share_price"}
    # Without an age limit coverage decides, as before.
    s = equity_series(_q(ROWS), NET, "x", D(2026, 2, 28))
    assert set(s["instrument"]) == {"market_value"}


def test_when_both_are_current_coverage_decides() -> None:
    rows = [*ROWS, ("market_value", D(2026, 1, 15), 95.0)]
    s = equity_series(_q(rows), NET, "x", D(2026, 2, 28), max_age_days=62)
    assert set(s["instrument"]) == {"market_value"}
