"""The payment calendar: years sum to the horizon totals; debt service from the schedule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import dealloop as dl
from dealloop.cli import app
from dealloop.scenarios.calendar import payment_calendar
from dealloop.scenarios.years import debt_schedule
from dealloop.vocabulary import DEBT_KINDS, EQUITY_KINDS, PURCHASE_KINDS

MINI = Path(__file__).parent.parent / "data" / "mini"


@pytest.fixture(scope="module")
def net() -> dl.DealNetwork:
    return dl.load()


def _horizon_total(net: dl.DealNetwork, firm: str | None, kinds: tuple[str, ...],
                   horizon: tuple[int, int]) -> float:
    legs = net.legs(selection=dl.Selection(kinds=kinds), horizon=horizon)
    legs = legs[legs["money"] == "cash_flow"]
    if firm is not None:
        legs = legs[legs["payer"] == firm]
    return float(legs["value_in_horizon"].fillna(0).sum())


@pytest.mark.parametrize("firm", ["openai", "oracle", "coreweave", None])
def test_calendar_sums_to_the_horizon_totals(net: dl.DealNetwork, firm: str | None) -> None:
    cal = payment_calendar(net, firm, horizon=(2026, 2030))
    frame = cal.to_frame()
    assert frame["contracts"].sum() == pytest.approx(
        _horizon_total(net, firm, PURCHASE_KINDS, (2026, 2030)), abs=1e-9)
    assert frame["equity"].sum() == pytest.approx(
        _horizon_total(net, firm, EQUITY_KINDS, (2026, 2030)), abs=1e-9)
    parts = ["contracts", "equity", "debt_interest", "debt_principal"]
    assert (frame[parts].sum(axis=1) - frame["total"]).abs().max() < 1e-9
    assert frame["cumulative_due"].iloc[-1] == pytest.approx(frame["total"].sum())
    for column in parts:
        assert cal.horizon_totals[column] == pytest.approx(frame[column].sum())


def test_openai_faces_a_cliff(net: dl.DealNetwork) -> None:
    frame = payment_calendar(net, "openai").to_frame()
    # Contracts ramp up: later years owe far more than the first.
    assert frame["contracts"].max() > 1.5 * frame["contracts"].iloc[0]
    assert (frame["cumulative_gap"].diff().dropna() >= -1e-9).all() or \
        frame["cumulative_gap"].iloc[-1] >= 0


def test_system_is_the_sum_of_the_payers(net: dl.DealNetwork) -> None:
    system = payment_calendar(net, None).to_frame()
    payers = set(net.legs(selection=dl.Selection())["payer"]) | \
        set(net.legs(selection=dl.Selection())["payee"])
    total = sum(payment_calendar(net, f).to_frame()["contracts"] for f in sorted(payers))
    assert (system["contracts"] - total).abs().max() < 1e-6


@settings(max_examples=25, deadline=None)
@given(st.integers(2024, 2032), st.integers(0, 6),
       st.sampled_from(["bullet", "linear", "annuity"]), st.floats(0, 0.2))
def test_any_horizon_sums_and_debt_follows_its_schedule(start: int, span: int,
                                                        repayment: str, rate: float) -> None:
    net = dl.load(MINI)
    horizon = (start, start + span)
    cal = payment_calendar(net, "neo", horizon=horizon, debt_rate=rate,
                           repayment=repayment)  # type: ignore[arg-type]
    frame = cal.to_frame()
    assert frame["contracts"].sum() == pytest.approx(
        _horizon_total(net, "neo", PURCHASE_KINDS, horizon), abs=1e-9)
    # M10: 7.5 borrowed by neo from 2025 to 2029.
    plan = debt_schedule(7.5, rate, 2025, 2029, repayment=repayment,  # type: ignore[arg-type]
                         years=range(horizon[0], horizon[1] + 1))
    assert frame["debt_principal"].sum() == pytest.approx(plan["principal"].sum(), abs=1e-9)
    assert frame["debt_interest"].sum() == pytest.approx(plan["interest"].sum(), abs=1e-9)
    assert cal.legs["debt"] == ("M10",)
    assert set(DEBT_KINDS) >= {"loan"}


def test_unknown_firm_and_bad_rate(net: dl.DealNetwork) -> None:
    with pytest.raises(KeyError, match="did you mean"):
        payment_calendar(net, "opnai")
    with pytest.raises(ValueError, match="debt_rate"):
        payment_calendar(net, "openai", debt_rate=-0.1)


runner = CliRunner()


def test_calendar_command(net: dl.DealNetwork) -> None:
    out = runner.invoke(app, ["calendar", "openai", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert [r["year"] for r in doc["rows"]] == [2026, 2027, 2028, 2029, 2030]
    text = runner.invoke(app, ["calendar", "openai"], terminal_width=120)
    assert text.exit_code == 0 and "Payment calendar of openai" in text.output
    bad = runner.invoke(app, ["calendar", "opnai"])
    assert bad.exit_code == 2 and "did you mean" in bad.output
    then = runner.invoke(app, ["calendar", "openai", "--as-of", "2025-06", "--json"])
    assert then.exit_code == 0
    assert json.loads(then.output)["rows"][0]["contracts"] <= doc["rows"][0]["contracts"]
