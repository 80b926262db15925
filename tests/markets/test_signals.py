"""Early-warning indicators on a toy dataset, worked out by hand, and their config."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dealloop.data.problems import DataError
from dealloop.markets import implied_pds, load_config, signal_history, signals
from dealloop.vocabulary import DAYS_PER_YEAR

AS_OF = "2026-01-31"
YEARS = 365 / DAYS_PER_YEAR  # the window 2026-02-01..2027-01-31, in years


def test_market_indicators_by_hand(toy) -> None:
    s = signals(toy, as_of=AS_OF, firms=["a", "b", "c"])
    v = s.values
    assert v.at["b", "spread_widening_3m"] == pytest.approx(400 - 200)
    assert v.at["b", "spread_widening_6m"] == pytest.approx(400 - 100)
    assert v.at["b", "implied_pd_1y"] == pytest.approx(1 - math.exp(-0.04 / 0.6))
    assert v.at["b", "equity_drawdown"] == pytest.approx(1 - 30 / 80)
    # Alpha has only a bond spread, one quote: a PD but no widening.
    assert v.at["a", "implied_pd_1y"] == pytest.approx(1 - math.exp(-0.009 / 0.6))
    assert math.isnan(v.at["a", "spread_widening_3m"])
    # Gamma has no quote at all.
    assert math.isnan(v.at["c", "implied_pd_1y"])
    assert math.isnan(v.at["c", "equity_drawdown"])


def test_network_indicators_by_hand(toy) -> None:
    s = signals(toy, as_of=AS_OF, firms=["a", "b", "c"])
    v = s.values
    # Beta reports 80% of its revenue from Alpha (F1): a share of its revenue, not of its
    # in-network sales (which Alpha's 4 of D5 alone would make 100%).
    assert v.at["b", "top_customer_share"] == pytest.approx(0.8)
    assert s.details["b"]["top_customer_share"]["figure"] == "F1"
    # Beta's revenue (10, no period given) covers the 12 months to the as-of date, in which
    # only D5 (4) falls: D1 and D2 start after it.
    assert v.at["b", "in_network_revenue_share"] == pytest.approx(4 / 10)
    # Alpha's 4 over that period is that share of Beta's revenue.
    assert v.at["a", "supplier_dependence"] == pytest.approx(4 / 10)
    # Alpha pays 12 in the window; it has 20 of cash and 100 a year of revenue.
    assert v.at["a", "payment_coverage"] == pytest.approx((20 + 100 * YEARS) / 12)
    # Beta's loan of 8 ends 2026-06, inside the window; its cash is 5.
    assert v.at["b", "debt_due_to_cash"] == pytest.approx(8 / 5)
    # Beta put no money into its customers: nothing of its revenue is self-financed.
    assert v.at["b", "self_financed_share"] == pytest.approx(0.0)
    # Alpha and Gamma sell nothing in the network and report no customer: no data, not OK.
    assert math.isnan(v.at["a", "top_customer_share"])
    assert math.isnan(v.at["c", "top_customer_share"])
    assert s.lights().at["a", "top_customer_share"] == "n/a"


def test_shares_of_revenue_never_exceed_one(toy) -> None:
    # A year on, Alpha's revenue period holds all 40 of D4 (Gamma): in-network 40 of 100.
    # As a top-customer share that is a lower bound below the thresholds: shown in the
    # details, not lit.
    s = signals(toy, as_of="2027-03-31", firms=["a", "b"])
    assert s.values.at["a", "in_network_revenue_share"] == pytest.approx(0.4)
    assert math.isnan(s.values.at["a", "top_customer_share"])
    assert s.details["a"]["top_customer_share"]["lower_bound"] == pytest.approx(0.4)
    # Beta's period 2026-02..2027-01 books D1 and D2, 18 against 10 of revenue: not a
    # share, so no data (with the reason), never 180%.
    s = signals(toy, as_of="2027-01-31", firms=["a", "b"])
    assert math.isnan(s.values.at["b", "in_network_revenue_share"])
    assert "exceed the reported revenue" in s.details["b"]["in_network_revenue_share"]["note"]
    assert math.isnan(s.values.at["a", "supplier_dependence"])
    assert s.details["a"]["supplier_dependence"]["skipped"]
    # The reported 80% (FY2025) is still at most 18 months old.
    assert s.values.at["b", "top_customer_share"] == pytest.approx(0.8)


def test_bundled_shares_of_revenue_are_fractions() -> None:
    import dealloop as dl

    v = signals(dl.load()).values
    for name in ("top_customer_share", "in_network_revenue_share", "supplier_dependence"):
        col = v[name].dropna()
        assert ((col >= 0) & (col <= 1)).all(), col[col > 1]


def test_lights_and_crossed_thresholds(toy) -> None:
    s = signals(toy, as_of=AS_OF, firms=["a", "b", "c"])
    lights = s.lights()
    assert lights.at["b", "spread_widening_3m"] == "red"       # 200 >= 150
    assert lights.at["b", "top_customer_share"] == "red"       # 0.8 >= 0.75
    assert lights.at["b", "in_network_revenue_share"] == "amber"  # 0.4 in [0.25, 0.5)
    assert lights.at["c", "implied_pd_1y"] == "n/a"            # no quote: never green
    assert lights.at["a", "implied_pd_1y"] == "green"
    crossed = s.crossed()
    row = crossed[(crossed["firm"] == "b") & (crossed["indicator"] == "debt_due_to_cash")]
    assert row[["light", "label", "threshold"]].values.tolist() == [["red", "ALERT", 1.0]]
    assert crossed["light"].iloc[0] == "red"
    d = s.to_dict()
    assert d["firms"][1]["indicators"]["top_customer_share"]["label"] == "ALERT"


def test_changed_threshold_changes_the_light(toy, tmp_path: Path) -> None:
    cfg_file = tmp_path / "signals.yaml"
    cfg_file.write_text("indicators:\n  top_customer_share: {amber: 0.85, red: 0.9}\n")
    cfg = load_config(cfg_file)
    assert cfg.indicator("top_customer_share").amber == 0.85
    assert cfg.indicator("equity_drawdown").red == 0.5          # untouched keys kept
    s = signals(toy, as_of=AS_OF, firms=["b"], config=cfg)
    assert s.lights().at["b", "top_customer_share"] == "green"
    cfg_file.write_text("recovery: 0.2\n")
    s = signals(toy, as_of=AS_OF, firms=["b"], config=load_config(cfg_file))
    assert s.values.at["b", "implied_pd_1y"] == pytest.approx(1 - math.exp(-0.04 / 0.8))


@pytest.mark.parametrize(("text", "expected"), [
    ("indicators:\n  equity_drawdown:\n    red: 0.1\n",
     ":2: indicators.equity_drawdown: red (0.1) must be at or above amber (0.25)"),
    ("recovery: 1.5\n", ":1: recovery: Input should be less than 1"),
    ("indicators:\n  equity_drawdwn: {red: 0.4}\n",
     ":2: indicators.equity_drawdwn: unknown key 'equity_drawdwn'; did you mean "
     "'equity_drawdown'?"),
    ("indicators:\n  payment_coverage:\n    worse: up\n",
     ":3: indicators.payment_coverage.worse: Input should be 'higher' or 'lower'"),
    ("recovery: [1\n", ":2: -: not valid YAML"),
    ("- 1\n- 2\n", ":1: -: the config is a mapping"),
])
def test_bad_config_is_located(tmp_path: Path, text: str, expected: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(DataError) as info:
        load_config(f)
    assert any(expected in str(p) for p in info.value.problems), info.value.problems
    assert all(str(p).startswith(str(f) + ":") for p in info.value.problems)


def test_history_has_one_row_per_month_and_firm(toy) -> None:
    h = signal_history(toy, firms=["b"], start="2025-10", end=AS_OF)
    assert h["date"].tolist() == ["2025-10-31", "2025-11-30", "2025-12-31", "2026-01-31"]
    # 2025-11-30: the October quote is 30 days old; three months before, July's is stale.
    assert h["implied_pd_1y_light"].tolist()[0] != "n/a"
    assert h.loc[3, "spread_widening_3m"] == pytest.approx(200)


def test_implied_pd_table(toy) -> None:
    t = implied_pds(toy, as_of=AS_OF, recovery=0.4, horizon=5)
    assert t.loc["b", "spread_bp"] == 400
    assert t.loc["b", "pd_horizon"] == pytest.approx(1 - math.exp(-0.04 / 0.6 * 5))
    assert t.loc["a", "instrument"] == "bond_spread"
    assert t.loc["a", "issue"] == "Alpha 5% 2035"


def test_unknown_firm_is_refused(toy) -> None:
    with pytest.raises(ValueError, match="firm: unknown entity 'zeta'"):
        signals(toy, as_of=AS_OF, firms=["zeta"])


def test_bundled_dataset_market_file_is_valid() -> None:
    import dealloop as dl
    from dealloop.markets import quotes

    q = quotes(dl.load())
    assert len(q) >= 25
    assert q["sources"].notna().all()
    assert set(q["instrument"]) <= {"cds_5y", "bond_spread", "bond_yield", "share_price",
                                    "market_value"}


def test_bundled_signals_are_json_safe() -> None:
    import json

    import dealloop as dl

    d = signals(dl.load()).to_dict()
    text = json.dumps(d, allow_nan=False)
    assert '"implied"' in text and d["headline"].startswith("As of ")
    assert "the latest market quote" in d["headline"]
    d = signals(dl.load(), as_of="2025-12-31").to_dict()
    json.dumps(d, allow_nan=False)
    firms = {r["firm"] for r in d["implied"]}
    assert {"oracle", "coreweave"} <= firms
