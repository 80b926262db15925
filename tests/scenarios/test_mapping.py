"""Balance sheets from deals: hand-checked on the five-firm fixture, and traceable lines."""

from __future__ import annotations

import math

import pytest

from dealloop import mapping
from dealloop.mapping import sheets as balance
from dealloop.mapping.sheets import OUTSIDE
from dealloop.scenarios import loads

from .conftest import scenario_text


def claims_of(bs: balance.BalanceSheets, deal: str):
    return bs.claims[bs.claims["deal"] == deal]


def share(bs: balance.BalanceSheets, deal: str) -> float:
    return float(bs.deals.set_index("id").at[deal, "share"])


@pytest.fixture(scope="module")
def bs(mini):
    return balance.build(mini, loads(scenario_text("")))


def test_who_is_inside(bs) -> None:
    assert bs.firms == ("chipco", "labco", "cloudco", "neo")
    assert bs.outside == ("banks",)


def test_contract_apportioned_over_its_term(bs) -> None:
    """M03: 300 over 2027-2031; four of its five years fall in 2026-2030."""
    c = claims_of(bs, "M03").iloc[0]
    assert (c["debtor"], c["creditor"], c["channel"]) == ("labco", "cloudco", "purchase")
    assert c["amount"] == pytest.approx(300 * share(bs, "M03"))
    assert share(bs, "M03") == pytest.approx(4 / 5, abs=0.002)


def test_outside_revenue_nets_out_receipts(bs) -> None:
    """cloudco: revenue 60 a year over the horizon minus what labco pays it (M03)."""
    f = bs.frame.loc["cloudco"]
    booked = claims_of(bs, "M03")["amount"].sum()
    assert f["receipts_booked"] == pytest.approx(booked)
    assert f["outside_revenue"] == pytest.approx(max(0.0, 60 * bs.years - booked))
    # chipco sells chips to cloudco (M04) and neo (M09, derived range midpoint)
    chip = bs.frame.loc["chipco"]
    got = claims_of(bs, "M04")["amount"].sum() + claims_of(bs, "M09")["amount"].sum()
    assert chip["outside_revenue"] == pytest.approx(100 * bs.years - got)


def test_aggregate_counted_once(bs) -> None:
    """M05 (22.4) includes M06 (11.9) and the conditional M07 (6.5): only the remainder 4.0
    of M05 counts next to M06, and M07 not at all."""
    deals = bs.deals.set_index("id")
    assert deals.at["M05", "value"] == pytest.approx(22.4 - 11.9 - 6.5)
    assert deals.at["M07", "base"] == 0
    assert deals.at["M06", "base"] == 1


def test_debt_to_outside_lenders(bs) -> None:
    """neo borrowed 7.5 from banks (M10, due 2029): principal due in the horizon, rolled over
    in normal times, all due on default; its other reported debt (20 - 7.5) is owed to
    outside lenders, half of it maturing in the horizon (debt_maturing_share)."""
    m10 = claims_of(bs, "M10")
    principal = m10[m10["channel"] == "principal"].iloc[0]
    assert (principal["debtor"], principal["creditor"]) == ("neo", OUTSIDE)
    assert principal["maturing"] == pytest.approx(7.5)
    assert principal["accel"] == pytest.approx(7.5)
    assert (m10["channel"] == "funding").sum() == 0  # drawn in 2025, before the horizon
    rest = claims_of(bs, "debt:neo").iloc[0]
    assert rest["accel"] == pytest.approx(20 - 7.5)
    assert rest["maturing"] == pytest.approx((20 - 7.5) * 0.5)


def test_equity_commitment_and_stakes(bs) -> None:
    """M02: chipco pays labco 30 inside the horizon for 3% of it; M11 (2023) is a 7% stake
    already paid; the superseded letter of intent M01 does not count."""
    eq = claims_of(bs, "M02").iloc[0]
    assert (eq["debtor"], eq["creditor"], eq["channel"], eq["amount"]) == \
        ("chipco", "labco", "equity", 30.0)
    st = bs.stakes.set_index("deal")
    assert st.at["M02", "fraction"] == pytest.approx(0.03)
    assert st.at["M02", "prepaid"] == pytest.approx(0.0)
    assert st.at["M11", "prepaid"] == pytest.approx(1.0)
    assert "M01" not in set(bs.deals["id"])  # superseded and not named: not even a candidate


def test_backstop_is_contingent(bs) -> None:
    c = claims_of(bs, "M08").iloc[0]
    assert c["channel"] == "backstop"
    assert c["amount"] == pytest.approx(6.3 * share(bs, "M08"))


def test_plan_gap_closes_the_unshocked_balance_sheet(bs) -> None:
    """labco owes more than it has: its gap, with every leg paid, is the new money its plan
    needs; the plan claim allows 10% headroom."""
    cl = bs.claims[bs.claims["base"] > 0]
    dues = cl[(cl["debtor"] == "labco") & (cl["channel"] != "backstop")]["amount"].sum()
    means = 40 + 20 * bs.years + cl[(cl["creditor"] == "labco")
                                    & (cl["channel"] == "equity")]["amount"].sum()
    gap = bs.frame.at["labco", "new_money"]
    assert gap == pytest.approx(dues - means)
    assert claims_of(bs, "plan:labco")["amount"].iloc[0] == pytest.approx(gap * 1.1)
    assert bs.frame.at["cloudco", "new_money"] == 0.0


def test_every_line_is_traceable(bs, mini) -> None:
    lines = bs.lines
    assert set(lines["firm"]) == set(bs.firms)
    money = lines[lines["item"].isin(["receivable", "obligation", "equity to receive",
                                      "equity to pay in", "debt to repay"])]
    assert len(money) and (money["deals"].str.len() > 0).all()
    known = set(mini.deals["id"])
    for ids in money["deals"]:
        for d in ids.split(";"):
            assert d in known or d.startswith(("debt:", "plan:", "build:", "capex:"))
    # company figures carry the figure (or file) they came from
    cash = lines[(lines["firm"] == "cloudco") & (lines["item"] == "cash")].iloc[0]
    assert cash["amount"] == 10 and cash["figures"] == "entities.csv"
    with pytest.raises(KeyError, match="outside the network"):
        bs.explain("banks")


def test_mapping_is_in_the_scenario(mini) -> None:
    """Users change the mapping in the file: outside kinds, equity commitments, terms,
    revenue years and growth, cash."""
    sc = loads(scenario_text("""mapping:
  outside_kinds: [lender, neocloud]
  equity_commitments: false
  undated_term_years: 2
  revenue_years: 2
  revenue_growth: {cloudco: 0.5}
  cash: false
  new_money: none
"""))
    b = balance.build(mini, sc)
    assert "neo" in b.outside and "neo" not in b.firms
    assert claims_of(b, "M02").empty  # no unpaid-equity obligation
    f = b.frame.loc["cloudco"]
    assert f["cash"] == 0.0
    assert f["revenue_in_horizon"] == pytest.approx(60 * (1 + 1.5))
    assert b.frame["new_money"].eq(0).all()
    assert not any(d.startswith("plan:") for d in b.claims["deal"])


def test_evidence_filter(mini) -> None:
    sc = loads(scenario_text(""))
    only_a = balance.build(mini, sc, evidence=("A",))
    assert "M03" not in set(only_a.deals["id"])  # grade B
    no_derived = balance.build(mini, sc, derived=False)
    assert "M09" not in set(no_derived.deals["id"])
    assert only_a.evidence == ("A",) and not no_derived.derived


def test_bundled_network_builds(net) -> None:
    b = balance.build(net, loads(scenario_text("")))
    assert {"nvidia", "openai", "oracle", "coreweave"} <= set(b.firms)
    assert not math.isnan(b.claims["amount"].sum())
    # the loop NVIDIA -> OpenAI -> Oracle -> NVIDIA is a loop of claims
    cl = b.claims
    pairs = set(zip(cl["debtor"], cl["creditor"], strict=True))
    assert {("nvidia", "openai"), ("openai", "oracle"), ("oracle", "nvidia")} <= pairs


def test_sheets_are_frozen_named_objects_citing_ids(mini) -> None:
    bs = mapping.build(mini, loads(scenario_text("")))
    for firm in bs.firms:
        sheet = bs.sheet(firm)
        assert sheet.firm == firm
        assert sheet.to_frame().equals(bs.explain(firm))
        with pytest.raises(AttributeError):
            sheet.firm = "other"  # type: ignore[misc]
        for item in sheet.items:
            if item.side in ("asset", "liability") and item.item not in ("cash",
                                                                         "outside revenue"):
                assert item.deals, (firm, item)  # every claim line cites its legs


def test_to_layers_match_the_claims(mini) -> None:
    bs = mapping.build(mini, loads(scenario_text("")))
    comp = bs.compile()
    lay = bs.to_layers()
    cl = bs.claims[(bs.claims["base"] > 0) & (bs.claims["channel"] != "backstop")]
    inside = cl[cl["debtor"].isin(bs.firms) & cl["creditor"].isin(bs.firms)
                & (cl["debtor"] != cl["creditor"])]
    amount = comp.inputs(1, shocked=False).amount[:, 0]
    assert lay.L.sum() == pytest.approx(float(amount[inside.index].sum()))
    ext = cl[cl["debtor"].isin(bs.firms) & (cl["creditor"] == OUTSIDE)]
    assert lay.external_liabilities.sum() == pytest.approx(float(amount[ext.index].sum()))
    for (i, j), deals in lay.legs["L"].items():
        assert lay.frame("L").loc[i, j] > 0 and deals


def test_margin_on_a_lost_sale_cites_its_figures() -> None:
    """Oracle's margin is net income over revenue of FY2025 (F036 / F035); the line that
    shows it cites both figures, and the loss weight is margin + (1 - margin) x 0.5."""
    import dealloop as dl

    bs = mapping.build(dl.load(), loads(scenario_text("")))
    line = next(i for i in bs.sheet("oracle").items if i.item == "loss on a lost sale")
    assert set(line.figures) == {"F035", "F036"}
    margin = 12.4 / 57.4
    assert line.amount == pytest.approx(margin + (1 - margin) * 0.5)
    gross = mapping.build(dl.load(), loads(scenario_text("mapping: {contracts: gross}")))
    assert (gross.frame["loss_weight"] == 1.0).all()
