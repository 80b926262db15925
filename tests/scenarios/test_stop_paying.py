"""A firm that stops paying from a given year (``stop_paying``), checked by hand.

The toy: a buyer with 40 of cash owes a supplier 10 a year for 2029-2031; undiscounted, no
new money. It stops paying from 2030: it pays 10 in 2029, then nothing (it keeps its
remaining 30); the supplier goes without the 20 of 2030-31."""

from __future__ import annotations

import pytest

from dealloop import scenarios


@pytest.fixture(scope="module")
def toy(buyer_seller):
    return buyer_seller(buyer_cash=40)


def _run(net, year: int, timing: str = "years"):
    text = ("name: t\nquestion: q\nhorizon: [2029, 2031]\n"
            f"shocks: [{{type: stop_paying, entity: buyer, year: {year}}}]\n"
            f"mapping: {{discount_rate: 0, new_money: none, timing: {timing}}}\n")
    return scenarios.run(scenarios.loads(text), net, band=False)


def test_pays_until_the_year_then_nothing(toy) -> None:
    res = _run(toy, 2030)
    b = res.firms.loc["buyer"]
    assert b["defaulted"] and b["default_year"] == 2030
    assert b["paid"] == pytest.approx(10.0)
    assert res.system["payment_shortfall"] == pytest.approx(20.0)
    years = res.years.set_index("year")
    assert years["paid"].tolist() == pytest.approx([10.0, 0.0, 0.0])
    assert b["market_value_after"] == 0.0
    assert not res.firms.at["seller", "defaulted"]


def test_from_the_first_year_nothing_is_paid(toy) -> None:
    res = _run(toy, 2029)
    assert res.system["payment_shortfall"] == pytest.approx(30.0)
    assert res.firms.at["buyer", "default_year"] == 2029


def test_without_the_shock_the_buyer_pays_in_full(toy) -> None:
    """The reference: 40 of cash covers 30; nobody defaults."""
    res = _run(toy, 2030)
    assert res.system["baseline_defaults"] == 0
    assert res.firms.at["buyer", "equity_before"] == pytest.approx(10.0)


def test_static_step_stops_from_the_start(toy) -> None:
    res = _run(toy, 2030, "static")
    assert res.system["payment_shortfall"] == pytest.approx(30.0)


def test_shipped_scenario_reaches_the_vehicle_and_nvidia(stress) -> None:
    """xAI walks away in 2026: its GPU vehicle cannot pay its lenders and NVIDIA."""
    res = stress("xai-stops-paying")
    f = res.firms
    assert f.at["xai", "defaulted"] and f.at["xai", "default_year"] == 2026
    assert f.at["xai-gpu-spv", "defaulted"]
    assert f.at["nvidia", "market_value_lost"] > 0 and not f.at["nvidia", "defaulted"]
