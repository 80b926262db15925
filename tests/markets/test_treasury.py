"""Bond yields become spreads over the Treasury curve of ``history.csv`` (topic ``rates``)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealloop.markets import implied_pds
from dealloop.prices.quotes import quotes, treasury_curve, treasury_yield

from .conftest import TOY

HISTORY = """id,topic,metric,value,unit,date,sources,notes
R1,rates,ust_10y_yield,4.0,pct,2025-10-29,s1,
R2,rates,ust_30y_yield,5.0,pct,2025-10-29,s1,
R3,rates,ust_2y_yield,3.5,pct,2025-10-29,s1,
R4,dotcom,nasdaq_drawdown,-0.78,fraction,2002-10-09,s1,not a rate
"""

#: Gamma has no CDS: its only credit quote is a bond yield. Alpha has a quoted spread too.
EXTRA = """M8,c,bond_yield,Gamma 6% notes due 2045,2025-10,6.5,pct,s1,month only
M9,c,bond_yield,Gamma perpetual notes,2025-10-30,7.0,pct,s1,no maturity stated
M10,a,bond_yield,Alpha 4% notes due 2035,2025-10-30,4.9,pct,s1,
M11,c,bond_yield,Gamma 6% notes due 2045,2025-12-15,6.0,pct,s1,no curve within a week
"""


@pytest.fixture
def rated(tmp_path: Path):
    import dealloop as dl

    data = tmp_path / "toy"
    shutil.copytree(TOY, data)
    (data / "history.csv").write_text(HISTORY, encoding="utf-8")
    with (data / "market.csv").open("a", encoding="utf-8") as fh:
        fh.write(EXTRA)
    return dl.load(data)


def test_curve_reads_only_treasury_rates(rated) -> None:
    c = treasury_curve(rated)
    assert c["tenor"].tolist() == [2.0, 10.0, 30.0]
    assert set(c["id"]) == {"R1", "R2", "R3"}


def test_yield_minus_treasury_at_the_bond_term(rated) -> None:
    q = quotes(rated)
    d = q[q["derived"].astype(bool)].set_index("id")
    # 2045 notes quoted for October 2025 (counts from 2025-10-31): 20 years, halfway between
    # the 10-year (4.0%) and 30-year (5.0%) yields of 2025-10-29 -> 4.5%; 6.5 - 4.5 = 200 bp.
    assert d.loc["M8~ust", "value"] == pytest.approx(200.0)
    assert d.loc["M8~ust", "instrument"] == "bond_spread"
    assert d.loc["M8~ust", "unit"] == "bp"
    # 2035 notes on 2025-10-30: 10 years -> 4.0%; 4.9 - 4.0 = 90 bp
    assert d.loc["M10~ust", "value"] == pytest.approx(90.0)
    # no stated maturity, or no curve within a week: no spread is made up
    assert "M9~ust" not in d.index and "M11~ust" not in d.index
    # every derived spread cites its quote and the Treasury points
    assert all("s1" in s for s in d["sources"])


def test_implied_pd_uses_derived_spread_only_without_a_quoted_one(rated) -> None:
    t = implied_pds(rated, as_of="2025-11-05", recovery=0.4, horizon=1)
    assert t.loc["c", "spread_bp"] == pytest.approx(200.0)
    assert t.loc["c", "issue"] == "Gamma 6% notes due 2045"
    t2 = implied_pds(rated, as_of="2026-01-31", recovery=0.4, horizon=1)
    # Alpha's quoted 90 bp spread of 2026-01-15 is used, not the yield-derived one
    assert t2.loc["a", "issue"] == "Alpha 5% 2035"


def test_bundled_dataset_has_a_treasury_curve() -> None:
    import dealloop as dl

    net = dl.load()
    c = treasury_curve(net)
    assert len(c) >= 6 and (c["value"] > 0).all() and (c["value"] < 10).all()
    q = quotes(net)
    d = q[q["derived"].astype(bool)]
    # every bundled bond yield with a stated maturity and a curve within a week gets a spread
    assert len(d) >= 1
    assert d["sources"].str.len().gt(0).all()


@given(st.floats(0.0, 40.0), st.floats(0.0, 10.0), st.floats(0.0, 10.0))
def test_interpolation_stays_between_the_neighbouring_points(tenor: float, y10: float,
                                                              y30: float) -> None:
    import pandas as pd

    day = dt.date(2025, 10, 29)
    c = pd.DataFrame({"day": [day, day], "tenor": [10.0, 30.0], "value": [y10, y30],
                      "id": ["a", "b"], "sources": ["s", "s"]})
    got = treasury_yield(c, day, tenor)
    assert got is not None
    assert min(y10, y30) - 1e-12 <= got[0] <= max(y10, y30) + 1e-12
