"""Vehicles on their own assets: undisclosed leases and guarantees sized from the vehicle's
debt (flagged), and a tenant walking away reaching the vehicle's lenders."""

from __future__ import annotations

import datetime as dt

import pytest

from dealloop import mapping, scenarios
from dealloop.mapping.vehicles import rent

from .conftest import toy_network


def test_rent_by_hand() -> None:
    """A 4-year lease from 2026 of a vehicle with a 10 bond at 5% due 2040 and a 4 loan at
    10% due mid-2028: interest 10 x 5% x 4 + 4 x 10% x 2.5 (the loan's years inside the
    lease) + the loan's principal 4, as it falls due inside the lease."""
    lease = {"start": dt.date(2026, 1, 1), "end": dt.date(2029, 12, 31)}
    debts = [{"id": "B", "value": 10.0, "start": dt.date(2025, 1, 1),
              "end": dt.date(2040, 12, 31)},
             {"id": "L", "value": 4.0, "start": None, "end": dt.date(2028, 6, 30)}]
    got = rent(lease, debts, {"B": 0.05, "L": 0.10}, 0.0)
    years_b = 1461 / 365.2425  # 2026-01-01 to 2029-12-31, days included
    years_l = 912 / 365.2425  # 2026-01-01 to 2028-06-30
    assert got == pytest.approx(10 * 0.05 * years_b + 4 * 0.10 * years_l + 4)


def test_hyperion_terms_reproduce_the_scenario_assumption(net) -> None:
    """meta-exits-hyperion states its rent (27 x 6.58% x 4 = 7.1) and guarantee cap (27) by
    hand; the default vehicle terms give the same without legs.amounts, flagged."""
    sc = scenarios.load("meta-exits-hyperion")
    bare = sc.model_copy(update={"legs": sc.legs.model_copy(update={"amounts": {}})})
    d = mapping.build(net, bare).deals.set_index("id")
    assert d.at["D83a", "value"] == pytest.approx(27 * 0.0658 * 4, rel=2e-3)
    assert d.at["D83b", "value"] == pytest.approx(27.0)
    assert d.at["D83a", "assumed"].startswith("rent assumed")
    assert d.at["D83b", "assumed"].startswith("cap assumed")
    stated = mapping.build(net, sc).deals.set_index("id")
    assert stated.at["D83a", "value"] == 7.1 and not stated.at["D83a", "assumed"]
    off = bare.model_copy(update={"mapping": bare.mapping.model_copy(
        update={"vehicle_terms": "none"})})
    bs = mapping.build(net, off)
    assert "D83a" not in set(bs.deals["id"])
    assert any(n.startswith("D83a") and "not disclosed" in n for n in bs.notes)


def test_xai_walking_away_reaches_the_vehicle_lenders(net) -> None:
    """The xAI GPU vehicle lives on xAI's lease (D75c, rent assumed to service D76). When
    xAI stops paying, the vehicle defaults; its lenders recover its GPUs first and lose
    the rest; without the shock nobody defaults."""
    text = "name: x\nquestion: q\nlegs: {statuses: [committed, reported]}\n"
    calm = scenarios.run(scenarios.loads(text), net, band=False)
    assert not calm.firms["defaulted"].any()
    res = scenarios.run(scenarios.loads(
        text + "shocks: [{type: cancel, deal: D75c}]"), net, band=False)
    assert res.firms.at["xai-gpu-spv", "defaulted"]
    u = res.unpaid[res.unpaid["debtor"] == "xai-gpu-spv"].set_index("deals")
    assert u.at["D76", "priority"] == "secured"
    assert 0 < u.at["D76", "paid"] < u.at["D76", "owed"]
    # its trade creditor (NVIDIA, the GPUs it still owes for) ranks below the collateral
    assert u.at["X08", "priority"] == "trade"
    assert u.at["X08", "paid"] / u.at["X08", "owed"] < u.at["D76", "paid"] / u.at["D76", "owed"]


TOY_ENTITIES = """\
id,name,kind,country,listed,ticker,parent,revenue_usd_bn,market_cap_usd_bn,cash_usd_bn,\
debt_usd_bn,book_equity_usd_bn,capex_usd_bn,backlog_usd_bn,as_of,sources,notes
tenant,Tenant,hyperscaler,US,true,TEN,,100,500,50,,,,,2026-01,s1,Rents the campus.
campus,Campus vehicle,spv,US,false,,tenant,,,,,,,,2026-01,s1,Owns the campus.
bondholders,Bondholders,lender,,false,,,,,,,,,,2026-01,s1,Lend to the vehicle.
"""
TOY_DEALS = """\
id,payer,payee,kind,amount_usd_bn,amount_low,amount_high,basis,status,condition,announced,\
start,end,stake,evidence,supersedes,part_of,sources,notes
B,bondholders,campus,bond,10,,,reported,committed,,2025-01-01,2025-01-01,2050-12-31,,A,,,s1,Spent.
L,tenant,campus,lease,,,,reported,committed,,2026-01-01,2026-01-01,,,A,,,s1,No end.
"""


@pytest.fixture(scope="module")
def leased(tmp_path_factory: pytest.TempPathFactory):
    return toy_network(tmp_path_factory.mktemp("lease"), TOY_ENTITIES, TOY_DEALS)


def test_a_lease_without_an_end_gets_15_years_and_its_rent(leased) -> None:
    """A lease with no reported end runs 15 years (2026-01 to 2040-12, flagged): 5 of its
    5,479 days-years fall in a 2026-2030 horizon, and its undisclosed rent is the vehicle's
    interest over the 15 years, 10 x 5% x 5479/365.2425 = 7.50 (the bond falls due in 2050,
    after the lease: no principal). The rent is owed by the tenant to the vehicle."""
    legs = leased.legs(horizon=(2026, 2030)).set_index("id")
    assert bool(legs.at["L", "term_assumed"])
    assert legs.at["L", "horizon_share"] == pytest.approx(1826 / 5479)
    sc = scenarios.loads("name: t\nquestion: q\nhorizon: [2026, 2030]\n"
                         "mapping: {debt_rates: {B: 0.05}}\n")
    d = mapping.build(leased, sc).deals.set_index("id")
    assert d.at["L", "value"] == pytest.approx(10 * 0.05 * 5479 / 365.2425)
    assert "term assumed: 2026-01 to 2040-12" in d.at["L", "assumed"]
    assert (d.at["L", "payer"], d.at["L", "payee"]) == ("tenant", "campus")


def test_the_tenant_walking_away_defaults_the_vehicle(leased) -> None:
    """The bond was drawn (and spent) in 2025. Without the lease the vehicle has no income
    to pay its coupons: it defaults and its bondholders are not paid in full; with the lease
    nobody defaults."""
    text = ("name: t\nquestion: q\nhorizon: [2026, 2030]\n"
            "mapping: {debt_rates: {B: 0.05}}\n")
    calm = scenarios.run(scenarios.loads(text), leased, band=False)
    assert not calm.firms["defaulted"].any()
    res = scenarios.run(scenarios.loads(text + "shocks: [{type: cancel, deal: L}]"),
                        leased, band=False)
    assert res.firms.at["campus", "defaulted"]
    u = res.unpaid[res.unpaid["debtor"] == "campus"]
    assert (u["owed"] - u["paid"]).sum() > 0


# The same vehicle with a sponsor's 5 of equity beside the 10 of bonds (both 2025-01-01):
# the campus is worth its funding, 15, at origination; the tenant walks away in 2026.
SPONSORED = TOY_DEALS + (
    "E,sponsor,campus,equity_investment,5,,,reported,committed,,2025-01-01,2025-01-01,,,A,"
    ",,s1,Sponsor equity.\n")
AGE = (dt.date(2026, 7, 1) - dt.date(2025, 1, 1)).days / 365.2425  # at mid-2026
KEEP = 0.9667 + (AGE - 1) * (0.9333 - 0.9667)  # the 30-year campus line, years 1 to 2
OWED = 10 + 10 * 0.05  # the bond accelerated in 2026, with the year's coupon


@pytest.fixture(scope="module")
def sponsored(tmp_path_factory: pytest.TempPathFactory):
    return toy_network(tmp_path_factory.mktemp("sponsored"), TOY_ENTITIES
                       + "sponsor,Sponsor,investor,,false,,,,,,,,,,2026-01,s1,Equity.\n",
                       SPONSORED)


def _walk(net, extra: str = ""):
    text = ("name: t\nquestion: q\nhorizon: [2026, 2030]\n"
            f"mapping: {{debt_rates: {{B: 0.05}}{extra}}}\n"
            "shocks: [{type: cancel, deal: L}]\n")
    res = scenarios.run(scenarios.loads(text), net, band=False)
    bond = res.unpaid[res.unpaid["deals"] == "B"]
    return res.firms.loc["campus"], bond.iloc[0] if len(bond) else None


def test_sponsor_equity_is_lost_first_and_the_lenders_recover_the_rest(sponsored) -> None:
    """By hand: the campus fetches 15 x KEEP x (1 - 0.3) in 2026; the bondholders, owed 10.5,
    get that (9.98) and lose 0.52: the funders lose 15.5 - 9.98 = 5.52 in all, the sponsor's
    5 first, the lenders what it does not absorb."""
    fetch = 15 * KEEP * 0.7
    v, bond = _walk(sponsored)
    assert v["defaulted"] and v["equity_basis"] == "sponsor"
    assert (v["equity_before"], v["equity_after"]) == (pytest.approx(5.0), 0.0)
    # KEEP reads the campus line linearly between its years: the model's price is 4e-5 off
    # it (so the 0.52 the lenders lose is 8e-4 off), measured; the bounds leave 2-5x room.
    assert bond["paid"] == pytest.approx(fetch, rel=2e-4)
    assert bond["owed"] - bond["paid"] == pytest.approx(OWED - fetch, rel=2e-3)
    assert 5 + (OWED - fetch) == pytest.approx(15 + 0.5 - fetch)
    assert "equity legs E" in v["starting"]


def test_no_sponsor_equity_leaves_the_lenders_the_whole_loss(sponsored) -> None:
    """``vehicle_equity: none``: the campus is worth the bonds alone, 10 x KEEP x 0.7 = 6.65:
    the bondholders lose 10.5 - 6.65 and the vehicle has no equity in front."""
    fetch = 10 * KEEP * 0.7
    v, bond = _walk(sponsored, ", vehicle_equity: none")
    assert v["equity_basis"] == "model"
    assert bond["paid"] == pytest.approx(fetch, rel=2e-4)


def test_a_scenario_sets_the_sponsor_equity(sponsored) -> None:
    """``vehicle_equity: {campus: 2}``: funding 12, the bondholders get 12 x KEEP x 0.7 and
    the sponsor's 2 (flagged as assumed) is lost first."""
    v, bond = _walk(sponsored, ", vehicle_equity: {campus: 2}")
    assert v["equity_before"] == pytest.approx(2.0) and v["equity_after"] == 0.0
    assert bond["paid"] == pytest.approx(12 * KEEP * 0.7, rel=2e-4)
    assert "assumed" in v["starting"]


def test_vehicle_equity_names_known_vehicles(net) -> None:
    """A misspelt vehicle in ``mapping.vehicle_equity`` is reported with its line."""
    from dealloop.scenarios import validate_against

    sc = scenarios.loads("name: t\nquestion: q\nmapping:\n  vehicle_equity: {hyperion: 2.5}\n",
                         source="s.yaml")
    got = [str(p) for p in validate_against(sc, net)]
    assert any(g.startswith("s.yaml:4: mapping.vehicle_equity.hyperion: unknown entity")
               for g in got), got
