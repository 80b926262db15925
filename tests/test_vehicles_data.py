"""The vehicles behind the data centres in the bundled dataset: each stands on a sponsor, a
lease income and debt, all sourced and dated; parts never exceed their aggregate; and a
tenant walking away (``oracle-exits-abilene``) lands on the vehicle's lenders."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import dealloop as dl
from dealloop import mapping, scenarios
from dealloop.sources import undated_items
from dealloop.vocabulary import DAYS_PER_YEAR, DEBT_KINDS, LIVE_STATUSES

#: Data-centre and GPU vehicles: what a vehicle is here (kind spv with debt of its own).
VEHICLES = ("abilene-jv", "hyperion-jv", "xai-gpu-spv", "vantage-frontier",
            "vantage-lighthouse", "dona-ana-campus")


@pytest.fixture(scope="module")
def net() -> dl.DealNetwork:
    return dl.load()


def _legs_into(net: dl.DealNetwork, vehicle: str, kinds: tuple[str, ...]) -> pd.DataFrame:
    d = net.deals
    return d[(d["payee"] == vehicle) & d["kind"].isin(kinds) & d["status"].isin(LIVE_STATUSES)]


def test_the_vehicles_are_exactly_the_spvs_with_debt(net) -> None:
    d, e = net.deals, net.entities
    spv = set(e.loc[e["kind"] == "spv", "id"])
    with_debt = set(d.loc[d["kind"].isin(DEBT_KINDS), "payee"]) & spv
    assert with_debt == set(VEHICLES)


@pytest.mark.parametrize("vehicle", VEHICLES)
def test_every_vehicle_has_a_sponsor_a_lease_and_debt_with_dated_sources(net, vehicle) -> None:
    e = net.entities.set_index("id")
    sponsor = e.at[vehicle, "parent"]
    assert isinstance(sponsor, str) and sponsor in e.index and e.at[sponsor, "kind"] != "spv"
    leases = _legs_into(net, vehicle, ("lease",))
    debt = _legs_into(net, vehicle, DEBT_KINDS)
    assert len(leases) >= 1 and len(debt) >= 1
    assert debt["amount_usd_bn"].fillna(0).sum() > 0  # the debt has a size
    undated = {u.id for u in undated_items(net) if u.file == "deals"}
    known = set(net.sources["id"])
    for rid, refs in zip(pd.concat([leases, debt])["id"], pd.concat([leases, debt])["sources"],
                         strict=True):
        assert refs and set(refs.split(";")) <= known, rid
        assert rid not in undated, rid


def test_leases_run_from_tenant_to_vehicle_and_open_ones_get_15_years(net) -> None:
    """Every lease is paid by a firm that is not a vehicle; one with no reported end (D144,
    D145) is given 15 years and flagged, one with its end (D140, D147) is not."""
    d = net.deals.set_index("id")
    kind = net.entities.set_index("id")["kind"]
    leases = d[d["kind"] == "lease"]
    assert {"D75c", "D83a", "D140", "D144", "D145", "D147"} <= set(leases.index)
    assert (kind[leases["payer"]] != "spv").all()
    legs = net.legs(horizon=(2026, 2030)).set_index("id")
    assert bool(legs.at["D144", "term_assumed"]) and bool(legs.at["D145", "term_assumed"])
    assert not legs.at["D140", "term_assumed"] and not legs.at["D147", "term_assumed"]
    # D145 starts at its announcement (2025-10-22): 15 years to 2040-09-30
    start, end = dt.date(2025, 10, 22), dt.date(2040, 9, 30)
    inside = (dt.date(2030, 12, 31) - dt.date(2026, 1, 1)).days + 1
    assert legs.at["D145", "horizon_share"] == pytest.approx(inside / ((end - start).days + 1))


def test_parts_never_exceed_their_aggregate(net) -> None:
    d = net.deals
    amount = d["amount_usd_bn"].fillna((d["amount_low"] + d["amount_high"]) / 2)
    live = d["status"].isin(LIVE_STATUSES) & d["part_of"].notna()
    sums = amount[live].fillna(0).groupby(d.loc[live, "part_of"]).sum()
    whole = amount.set_axis(d["id"])
    for agg, s in sums.items():
        if pd.notna(whole[agg]):
            assert s <= whole[agg] + 1e-9, (agg, s, whole[agg])
    # the Vantage loans split exactly, and Apollo's two loans sit inside the xAI vehicle debt
    assert sums["D88"] == pytest.approx(23.25 + 14.75) == pytest.approx(whole["D88"])
    assert sums["D76"] == pytest.approx(3.5 + 3.4) and sums["D76"] < whole["D76"]


def test_vantage_aggregate_counts_nothing_twice(net) -> None:
    """D88's $38B is counted once: as its two campus parts, with a remainder of zero."""
    legs = net.legs(statuses=LIVE_STATUSES).set_index("id")
    assert legs.at["D88", "value"] == 0.0
    assert legs.loc[["D141", "D142"], "value"].sum() == pytest.approx(38.0)


def test_undisclosed_leases_are_sized_from_debt_service_and_flagged(net) -> None:
    """Default vehicle terms: Oracle's Frontier lease (no end) pays the interest on the
    Frontier loan (23.25, to 2029-09) for the years they overlap plus its principal,
    which falls due inside the assumed 15 years; flagged with the assumed term."""
    sc = scenarios.load("baseline")
    d = mapping.build(net, sc).deals.set_index("id")
    how = d.at["D144", "assumed"]
    assert how.startswith("rent assumed") and "term assumed: 2026-07 to 2041-06" in how
    assert d.at["D144", "value"] > 23.25  # principal plus interest
    for lease in ("D140", "D145", "D147"):
        assert d.at[lease, "value"] > 0 and d.at[lease, "assumed"].startswith("rent assumed")


def test_oracle_exits_abilene_lands_on_the_lenders(net) -> None:
    """Oracle cancels its Abilene lease (D140). The venture has no other income: it defaults
    in 2026, JPMorgan's loans (D05, 9.4, secured on the campus) fall due with the year's
    interest and are repaid from the campus first. By hand: the campus is worth the
    venture's funding, 9.4 + 5 = 14.4, pledged 2025-01-01; at mid-2026 it is 546 days
    (1.495 years) old, keeps 0.9667 - 0.495 x 0.0334 of its value on the 30-year line and
    loses 30% in a forced sale: 14.4 x 0.95017 x 0.7 = 9.578. The lenders lose the rest."""
    sc = scenarios.load("oracle-exits-abilene")
    res = scenarios.run(sc, net, band=False)
    f = res.firms
    assert f.at["abilene-jv", "defaulted"] and f.at["abilene-jv", "default_year"] == 2026
    assert set(f.index[f["defaulted"]]) == {"abilene-jv"}
    rate = res.system["discount_rate"] + sc.mapping.credit_spread
    u = res.unpaid[res.unpaid["debtor"] == "abilene-jv"].set_index("deals")
    assert u.at["D05", "creditor"] == "jpmorgan" and u.at["D05", "priority"] == "secured"
    assert u.at["D05", "owed"] == pytest.approx(9.4 * (1 + rate), rel=1e-6)
    age = 546 / DAYS_PER_YEAR
    keep = 0.9667 + (age - 1) * (0.9333 - 0.9667)
    assert u.at["D05", "paid"] == pytest.approx(14.4 * keep * 0.7, abs=2e-3)
    assert res.system["external_loss"] == pytest.approx(u.at["D05", "owed"]
                                                          - u.at["D05", "paid"], abs=1e-9)
    # without the shock the venture pays its way
    calm = scenarios.run(sc.model_copy(update={"shocks": []}), net, band=False)
    assert not calm.firms["defaulted"].any()


def test_parts_of_one_loan_share_the_collateral_without_a_double_pledge_flag(net) -> None:
    """Apollo's loan D148 is part of the vehicle's debt D76 (itself part of xAI's round,
    D77): both are secured on the same GPUs, shared pro rata to principal (5.6 : 3.5), and
    the pool is not flagged as pledged twice."""
    bs = mapping.build(net, scenarios.load("baseline"))
    c = bs.collateral.set_index("deal")
    assert c.at["D76", "pool"] == c.at["D148", "pool"] == "xai-gpu-spv:gpu"
    assert c.at["D76", "value"] / c.at["D148", "value"] == pytest.approx(5.6 / 3.5)
    assert not [n for n in bs.notes if "pledged twice" in n and "xai-gpu-spv" in n]
