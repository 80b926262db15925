"""Debt by class and priority: secured debt recovers from its collateral first, the rest of
every claim ranks pari passu; hand-computed toys and the shipped Hyperion scenario."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from dealloop import mapping, scenarios
from dealloop.mapping.arrays import PRINCIPAL, PURCHASE, Inputs, Structure
from dealloop.mapping.collateral import residual, values_by_year
from dealloop.scenarios.engine import clear
from dealloop.scenarios.years import clear_years

# firm 0 owes: a secured lender (claim 0), bondholders (claim 1), both outside (index 2),
# and a supplier, firm 1 (claim 2, a trade claim)
ST = Structure(n=2, debtor=np.array([0, 0, 0]), creditor=np.array([2, 2, 1]),
               channel=np.array([PRINCIPAL, PRINCIPAL, PURCHASE], np.int8))


def _run(secured: float, unsecured: float, trade: float, cash: float, pledge: float):
    a = np.array([[secured], [unsecured], [trade]])
    return clear(ST, Inputs(amount=a, accel=a.copy(), e=np.array([[cash], [0.0]]),
                            collateral=np.array([[pledge], [0.0], [0.0]])))


def test_the_secured_lender_recovers_exactly_its_collateral() -> None:
    """Nothing else in the estate: the secured lender gets the collateral (6 of its 10),
    the unsecured and trade creditors nothing."""
    out = _run(10, 8, 8, 0, 6)
    assert out.defaulted[0, 0]
    assert out.paid[:, 0].tolist() == pytest.approx([6.0, 0.0, 0.0])


def test_unsecured_and_trade_claims_share_the_rest_pro_rata() -> None:
    """A secured claim of 6 on collateral of 6 is paid in full from it; the estate of 3
    goes to the bondholders (10) and the supplier (5) pro rata: 2 and 1."""
    out = _run(6, 10, 5, 3, 6)
    assert out.paid[:, 0].tolist() == pytest.approx([6.0, 2.0, 1.0])
    # the defaulter's net worth counts the collateral sold: 3 + 6 - 21
    assert out.net_worth[0, 0] == pytest.approx(-12.0)


def test_the_deficiency_ranks_with_the_rest_and_excess_collateral_joins_the_estate() -> None:
    """Secured 10 on collateral 6: the deficiency 4 shares the estate of 3 with 10 + 5 (pro
    rata, 3/19 each); secured 4 on collateral 6: the excess 2 pays the others."""
    out = _run(10, 10, 5, 3, 6)
    r = 3 / 19
    assert out.paid[:, 0].tolist() == pytest.approx([6 + 4 * r, 10 * r, 5 * r])
    out = _run(4, 10, 5, 0, 6)
    assert out.paid[:, 0].tolist() == pytest.approx([4.0, 2 * 10 / 15, 2 * 5 / 15])


def test_collateral_of_a_solvent_firm_is_not_sold() -> None:
    out = _run(6, 10, 5, 30, 6)
    assert not out.defaulted[0, 0]
    assert out.paid[:, 0].tolist() == pytest.approx([6.0, 10.0, 5.0])
    assert out.net_worth[0, 0] == pytest.approx(9.0)


@settings(max_examples=60, deadline=None)
@given(hs.lists(hs.floats(0, 20), min_size=5, max_size=5))
def test_priority_invariants(x: list[float]) -> None:
    """Whatever the numbers: the secured claim gets at least the smaller of its claim and
    its collateral, nobody gets more than asked, and the defaulter pays out exactly its
    estate plus the collateral sold (nothing created or lost)."""
    secured, unsecured, trade, cash, pledge = x
    out = _run(secured, unsecured, trade, cash, pledge)
    paid, owed = out.paid[:, 0], np.array([secured, unsecured, trade])
    assert (paid <= owed + 1e-9).all()
    if out.defaulted[0, 0]:
        assert paid[0] >= min(secured, pledge) - 1e-9
        assert paid.sum() == pytest.approx(min(owed.sum(), cash + pledge), abs=1e-9)
        # the unsecured claims (and the deficiency) are paid at one rate
        rest = owed - np.array([min(secured, pledge), 0, 0])
        got = paid - np.array([min(secured, pledge), 0, 0])
        rates = got[rest > 1e-9] / rest[rest > 1e-9]
        if len(rates):
            assert float(rates.max() - rates.min()) < 1e-9


def test_a_vehicle_whose_tenant_walks_away_pays_its_bondholders_its_collateral() -> None:
    """A vehicle (firm 0) owes its bondholders 1 of coupon a year and 10 at the end; its
    tenant (firm 1) pays 1.5 of rent a year. The tenant walks away in year 2: the vehicle
    cannot pay its coupon, defaults, its bonds fall due whole, and the bondholders recover
    exactly what the campus fetches that year (7) plus the 0.5 it kept from year 1."""
    st = Structure(n=2, debtor=np.array([0, 1]), creditor=np.array([2, 0]),
                   channel=np.array([PRINCIPAL, PURCHASE], np.int8))

    def year(rent: float, pledge: float) -> Inputs:
        return Inputs(amount=np.array([[1.0], [rent]]), accel=np.array([[11.0], [rent]]),
                      e=np.array([[0.0], [5.0]]), collateral=np.array([[pledge], [0.0]]))

    out = clear_years(st, [year(1.5, 8.0), year(0.0, 7.0)], years=[2026, 2027])
    assert out.default_year[:, 0].tolist() == [2027, 0]
    assert float(out.outcomes[0].paid[0, 0]) == pytest.approx(1.0)
    assert float(out.outcomes[1].paid[0, 0]) == pytest.approx(7.0 + 0.5)


def test_residual_curve_and_sale_values_by_hand() -> None:
    assert residual([1.0, 0.6, 0.4], 0) == 1.0
    assert residual([1.0, 0.6, 0.4], 0.5) == pytest.approx(0.8)
    assert residual([1.0, 0.6, 0.4], 7) == pytest.approx(0.4)
    sc = scenarios.loads("name: x\nquestion: q\nmapping: {collateral_haircut: {campus: 0.5},"
                         " collateral_curves: {campus: [1, 0.9, 0.8]}}")
    f = pd.DataFrame({"asset": ["campus"], "value": [20.0], "pledged": [dt.date(2026, 1, 1)]})
    # mid-2026: age 0.5 -> 0.95; mid-2027: 1.5 -> 0.85; half lost in a forced sale
    got = values_by_year(f, [2026, 2027], sc.mapping)[0]
    assert got[0] == pytest.approx(20 * (1 - 0.1 * 181 / 365.25) * 0.5, rel=1e-4)
    assert got.tolist() == pytest.approx([9.5, 8.5], abs=0.02)


def test_vehicles_are_secured_on_their_own_assets_and_double_pledges_flagged(net) -> None:
    bs = mapping.build(net, scenarios.loads("name: x\nquestion: q"))
    pl = bs.collateral.set_index("deal")
    assert pl.at["D82", "asset"] == "campus" and pl.at["D76", "asset"] == "gpu"
    assert pl.at["D82", "basis"] == "hyperion-jv's funding"
    assert not any("pledged twice" in n for n in bs.notes)
    sc = scenarios.loads("name: x\nquestion: q\nmapping: {secured: {D94a: gpu, D94d: gpu},"
                         " secured_vehicles: false}")
    bs = mapping.build(net, sc)
    assert set(bs.collateral["deal"]) == {"D94a", "D94d"}
    assert any("coreweave:gpu pledged twice" in n for n in bs.notes)
    # the pool is shared pro rata to principal: the two legs' values add up once
    v = bs.collateral.set_index("deal")["value"]
    assert v.sum() == pytest.approx((6.73 + 1.73) / 0.7)
    assert v["D94a"] / v["D94d"] == pytest.approx(6.73 / 1.73)


def test_hyperion_bondholders_recover_the_campus_first(stress, net) -> None:
    """When Meta walks away the Hyperion bondholders are paid at least what the campus
    fetches in the year of default, ahead of everyone else, and lose less than without the
    collateral."""
    res = stress("meta-exits-hyperion")
    u = res.unpaid.set_index("creditor")
    assert u.at["bond-investors", "priority"] == "secured"
    sc = scenarios.load("meta-exits-hyperion")
    comp = mapping.build(net, sc).compile()
    year = int(res.firms.at["hyperion-jv", "default_year"])
    t = comp.years.index(year)
    row = int(np.flatnonzero((comp.structure.channel == PRINCIPAL)
                             & (comp.claim_deal == comp.deal_index["D82"]))[0])
    fetch = comp.collateral_years[row, t] / (1 + comp.bs.discount_rate) ** t
    assert fetch > 0
    assert u.at["bond-investors", "paid"] >= fetch - 1e-9
    bare = sc.model_copy(update={"mapping": sc.mapping.model_copy(
        update={"secured_vehicles": False})})
    worse = scenarios.run(bare, net, band=False).unpaid.set_index("creditor")
    assert worse.at["bond-investors", "shortfall"] > u.at["bond-investors", "shortfall"]


def test_a_loan_cut_pledges_nothing(net) -> None:
    """A loan the markets no longer make is not drawn, so the asset it would have bought is
    not pledged either: its collateral goes with it, in one step and year by year."""
    text = ("name: x\nquestion: q\nmapping: {secured: {D86: campus}}\n"
            "shocks: [{type: funding, entity: oracle, cut: [debt]}]")
    comp = mapping.build(net, scenarios.loads(text)).compile()
    row = int(np.flatnonzero((comp.structure.channel == PRINCIPAL)
                             & (comp.claim_deal == comp.deal_index["D86"]))[0])
    calm = comp.inputs(shocked=False)
    assert calm.collateral is not None and calm.collateral[row, 0] > 0
    cut = comp.inputs()
    assert cut.collateral is not None and cut.collateral[row, 0] == 0
    assert all(y.collateral is None or y.collateral[row, 0] == 0 for y in comp.year_inputs())
    assert any(y.collateral is not None and y.collateral[row, 0] > 0
               for y in comp.year_inputs(shocked=False))
