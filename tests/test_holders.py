"""The holders layer: splits conserve money, pass-through and bank capital by hand, and a
shipped scenario's household loss against a hand calculation from the documented shares."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dealloop as dl
from dealloop import holders, scenarios
from dealloop.holders import (
    Bank,
    Layer,
    Loss,
    Named,
    SectorCapital,
    Split,
    allocate,
    override,
    summarize,
    terminal,
)

DATA = Path(dl.__file__).parent / "datasets" / "ai2026"


@pytest.fixture(scope="module")
def net():
    return dl.load()


# ------------------------------------------------------------------ conservation (property)
SECTORS = ["banks", "insurers", "rest_of_world", "households", "other"]


@st.composite
def layers_and_losses(draw):
    weights = draw(st.lists(st.floats(0.01, 100), min_size=1, max_size=5))
    splits = {"corporate_bond": tuple(Split(SECTORS[i], w / sum(weights), f"r{i}", "reported")
                                      for i, w in enumerate(weights))}
    mf = draw(st.floats(0.0, 1.0))
    splits["insurers"] = (Split("retirement_db", 1.0, "p", "assumption"),) if mf > 0.5 else ()
    splits = {k: v for k, v in splits.items() if v}
    share = draw(st.floats(0.0, 1.0))
    named = {"D1": (Named("D1", "bankx", "Bank X", "banks", share, "reported", "n1"),)}
    amounts = draw(st.lists(st.floats(0.0, 1e4), min_size=1, max_size=6))
    losses = [Loss(f"f{i}", "bond-investors", a, instrument="corporate_bond",
                   deals=("D1", "D2"), weights=(1.0, 3.0)) for i, a in enumerate(amounts)]
    return Layer(splits, named), losses


@given(layers_and_losses())
@settings(max_examples=60, deadline=None)
def test_sector_split_conserves_money(case) -> None:
    lay, losses = case
    flows = allocate(losses, lay)
    entered = sum(x.amount for x in losses)
    assert terminal(flows)["amount"].sum() == pytest.approx(entered, rel=1e-12, abs=1e-9)
    # every node passes on exactly what it receives
    for name in set(flows["target"]) & set(flows["source"]):
        inn = flows.loc[flows["target"] == name, "amount"].sum()
        out = flows.loc[flows["source"] == name, "amount"].sum()
        assert out == pytest.approx(inn, rel=1e-12, abs=1e-9), name


# ------------------------------------------------------------------ by hand
def test_bank_only_toy_by_hand() -> None:
    """A firm fails on 40 of bank loans: 25% of leg L1 is a named bank with CET1 12% of
    RWA 50 (capital 6, requirement 10%); the rest goes to the bank sector unnamed."""
    lay = Layer({"bank_loan": (Split("banks", 1.0, "r", "assumption"),)},
                named={"L1": (Named("L1", "b1", "B1", "banks", 0.25, "reported", "n"),)},
                banks={"b1": Bank("b1", "B1", 0.12, 50.0, 0.10, "2025")})
    loss = Loss("acme", "bank-lenders", 40.0, instrument="bank_loan", deals=("L1",))
    res = summarize(allocate([loss], lay), lay)
    b = res.banks.loc["b1"]
    assert b["loss"] == pytest.approx(10.0)            # 25% of 40
    assert b["cet1"] == pytest.approx(6.0)             # 0.12 * 50
    assert b["cet1_after"] == pytest.approx(-4.0)
    assert b["ratio_after"] == pytest.approx(-0.08)
    assert bool(b["below_min"])
    assert b["headroom"] == pytest.approx(1.0)         # (0.12 - 0.10) * 50
    assert res.banks.loc["banks (unnamed)", "loss"] == pytest.approx(30.0)
    assert res.sectors.loc["banks", "amount"] == pytest.approx(40.0)
    assert res.households["total"] == 0.0


def test_banking_sector_line_by_hand() -> None:
    """All bank losses, named and not, against the sector's capital: 40 of 2,000 is 2%."""
    lay = Layer({"bank_loan": (Split("banks", 0.8, "r", "reported"),
                               Split("other", 0.2, "r", "reported"))},
                named={"L1": (Named("L1", "b1", "B1", "banks", 0.5, "reported", "n"),)},
                banks={"b1": Bank("b1", "B1", 0.12, 50.0, 0.10, "2025")},
                sector_capital=SectorCapital("us_banks_tangible_common_equity", 2000.0,
                                             "2025-06-30", "H1", ("s1",)))
    loss = Loss("acme", "bank-lenders", 60.0, instrument="bank_loan", deals=("L1",))
    res = summarize(allocate([loss], lay), lay)
    # 30 to the named bank, 80% of the other 30 (24) to banks unnamed: 54 on banks
    assert res.banking["loss"] == pytest.approx(54.0)
    assert res.banking["loss"] == pytest.approx(res.sectors.loc["banks", "amount"])
    assert res.banking["share"] == pytest.approx(54.0 / 2000.0)
    assert res.banking["sources"] == ["s1"]
    assert "2.700% of US banks' aggregate tangible common equity" in res.summary()
    # without a sector figure the line still gives the loss, and no share
    bare = summarize(allocate([loss], Layer(lay.splits, lay.named, lay.banks)),
                     Layer(lay.splits, lay.named, lay.banks))
    assert bare.banking["share"] is None and bare.banking["loss"] == pytest.approx(54.0)


def _line_layer(**caps: float) -> Layer:
    """Bonds 25% insurers / 75% abroad; private credit as Form PF 2021 (pensions 31%,
    insurers 9%, individuals 9%, other 51%); leg P1 half held by a named private-credit
    fund; pension funds pass to DB plans."""
    names = {"banks": "us_banks_tangible_common_equity", "insurers": "us_insurers_capital_surplus",
             "private_credit": "private_credit_fund_investor_capital"}
    return Layer(
        {"corporate_bond": (Split("insurers", .25, "a", "r"),
                            Split("rest_of_world", .75, "b", "r")),
         "private_credit": (Split("pension_funds", .31, "c", "r"),
                            Split("insurers", .09, "d", "r"),
                            Split("households", .09, "e", "r"), Split("other", .51, "f", "r")),
         "bank_loan": (Split("banks", 1.0, "g", "assumption"),),
         "pension_funds": (Split("retirement_db", 1.0, "h", "assumption"),)},
        named={"P1": (Named("P1", "pcf", "PC Fund", "private_credit_funds", 0.5, "reported",
                            "n"),)},
        capitals={k: SectorCapital(names[k], v, "2024-12-31", f"H{k}", ("s",))
                  for k, v in caps.items()})


def _line_losses() -> list[Loss]:
    return [Loss("acme", "bond-investors", 40.0, instrument="corporate_bond"),
            Loss("acme", "private-credit-lenders", 20.0, instrument="private_credit",
                 deals=("P1",)),
            Loss("acme", "bank-lenders", 6.0, instrument="bank_loan")]


def test_insurer_and_private_credit_lines_by_hand() -> None:
    """Bonds 40 and private credit 20 (half of it to a named private-credit fund, the other
    10 through the Form PF split), bank loans 6:
    insurers 0.25 x 40 + 0.09 x 10 = 10.9 of 1,090 = 1%; private-credit funds 10 (named)
    + 10 (the instrument) = 20 of 400 = 5%; banks 6 of 600 = 1%."""
    lay = _line_layer(banks=600.0, insurers=1090.0, private_credit=400.0)
    res = summarize(allocate(_line_losses(), lay), lay)
    cap = res.capital
    assert list(cap) == ["banks", "insurers", "private_credit"]
    assert cap["insurers"]["loss"] == pytest.approx(10.9)
    assert cap["insurers"]["share"] == pytest.approx(0.01)
    assert cap["private_credit"]["loss"] == pytest.approx(20.0)
    assert cap["private_credit"]["share"] == pytest.approx(0.05)
    assert cap["banks"]["loss"] == pytest.approx(6.0) and cap["banks"]["share"] == 0.01
    assert res.banking == cap["banks"]
    assert cap["insurers"]["row"] == "Hinsurers" and cap["insurers"]["sources"] == ["s"]
    # a line's loss is the sum of the losses of the sectors it stands for
    sec = res.sectors["amount"]
    assert cap["insurers"]["loss"] == pytest.approx(sec["insurers"])
    assert cap["banks"]["loss"] == pytest.approx(sec["banks"])
    # private credit: the named fund's sector plus what its split passed on (10)
    assert sec["private_credit_funds"] == pytest.approx(10.0)
    assert cap["private_credit"]["loss"] == pytest.approx(
        sec["private_credit_funds"] + (0.31 + 0.09 + 0.09 + 0.51) * 10)
    text = res.summary()
    assert "Insurers: 10.9 bn, 1.000% of US life and P&C insurers'" in text
    assert "Private-credit funds: 20.0 bn, 5.000% of investors' capital" in text
    assert "NO DATA" not in text


def test_a_sector_without_capital_says_no_data_never_zero() -> None:
    lay = _line_layer(banks=600.0)
    res = summarize(allocate(_line_losses(), lay), lay)
    for name in ("insurers", "private_credit"):
        x = res.capital[name]
        assert x["capital"] is None and x["share"] is None
        assert x["no_data"] and "history.csv metric" in x["no_data"]
        assert x["loss"] > 0  # the loss is still counted
    lines = res.capital_lines()
    assert any(t.startswith("Insurers: 10.9 bn; its capital: NO DATA (no US insurers'")
               for t in lines), lines
    assert any(t.startswith("Private-credit funds: 20.0 bn; its capital: NO DATA")
               for t in lines), lines
    assert res.capital["banks"]["no_data"] is None
    d = res.to_dict()["capital"]
    assert d["insurers"]["share"] is None and d["insurers"]["no_data"]


def test_line_losses_add_up_and_count_an_edge_once() -> None:
    """Moving all private credit to the private-credit funds sector must not count the
    same 10 twice (the edge instrument -> sector is inside the line)."""
    lay = override(_line_layer(private_credit=100.0),
                   {"shares": {"private_credit": {"private_credit_funds": 1}}})
    res = summarize(allocate(_line_losses(), lay), lay)
    assert res.capital["private_credit"]["loss"] == pytest.approx(20.0)
    assert res.sectors.loc["private_credit_funds", "amount"] == pytest.approx(20.0)
    assert holders.line_losses(allocate([], lay)) == {"banks": 0.0, "insurers": 0.0,
                                                      "private_credit": 0.0}


def test_bank_within_headroom_is_not_flagged() -> None:
    lay = Layer({}, named={"L1": (Named("L1", "b1", "B1", "banks", 1.0, "reported", "n"),)},
                banks={"b1": Bank("b1", "B1", 0.12, 50.0, 0.10, "2025")})
    res = summarize(allocate([Loss("a", "bank-lenders", 0.5, instrument="bank_loan",
                                   deals=("L1",))], lay), lay)
    assert not bool(res.banks.loc["b1", "below_min"])
    assert res.banks.loc["b1", "ratio_after"] == pytest.approx((6.0 - 0.5) / 50)


def test_household_pass_through_by_hand() -> None:
    """100 of listed equity: 40 abroad, 25 taxable households, 5 other, 30 retirement split
    IRA 18.9 : DC 13.9 : DB 12.6 : annuities 2.6 (of 48.0); bonds: 20 via mutual funds and
    10 via pension funds."""
    lay = Layer({
        "listed_equity": (Split("rest_of_world", .40, "a", "r"), Split("retirement", .30, "b", "r"),
                          Split("households", .25, "c", "r"), Split("other", .05, "d", "r")),
        "retirement": (Split("retirement_ira", 18.9 / 48, "e", "r"),
                       Split("retirement_dc", 13.9 / 48, "f", "r"),
                       Split("retirement_db", 12.6 / 48, "g", "r"),
                       Split("annuities", 2.6 / 48, "h", "r")),
        "corporate_bond": (Split("mutual_funds", 2 / 3, "i", "r"),
                           Split("pension_funds", 1 / 3, "j", "r")),
        "mutual_funds": (Split("households_via_funds", 1.0, "k", "r"),),
        "pension_funds": (Split("retirement_db", 1.0, "l", "r"),),
    }, households=50e6, retirement_assets={"retirement_ira": 18900, "retirement_dc": 13900,
                                           "retirement_db": 12600, "annuities": 2600})
    res = summarize(allocate([Loss("x", "shareholders", 100.0, instrument="listed_equity"),
                              Loss("x", "bond-investors", 30.0, instrument="corporate_bond")],
                             lay), lay)
    h = res.households
    assert h["ira"] == pytest.approx(30 * 18.9 / 48)
    assert h["dc"] == pytest.approx(30 * 13.9 / 48)
    assert h["db"] == pytest.approx(30 * 12.6 / 48 + 10)
    assert h["annuities"] == pytest.approx(30 * 2.6 / 48)
    assert h["retirement"] == pytest.approx(40.0)
    assert h["total"] == pytest.approx(25 + 30 + 20 + 10)
    assert h["share_of_retirement"] == pytest.approx(40.0 / 48000)
    assert h["per_household"] == pytest.approx(85e9 / 50e6)
    assert res.sectors.loc["rest_of_world", "amount"] == pytest.approx(40.0)


# ------------------------------------------------------------------ shipped data
def test_shipped_layer_reads_and_documents_shares(net) -> None:
    lay = holders.layer(net)
    for name in ("corporate_bond", "bank_loan", "private_credit", "listed_equity",
                 "retirement", "pension_funds", "mutual_funds"):
        assert sum(s.share for s in lay.splits[name]) == pytest.approx(1.0), name
    eq = {s.sector: s.share for s in lay.splits["listed_equity"]}
    assert eq == pytest.approx({"rest_of_world": .40, "retirement": .30, "households": .25,
                                "other": .05})
    assert lay.households == 131_434_000
    assert lay.retirement_assets == {"retirement_ira": 18900, "retirement_dc": 13900,
                                     "retirement_db": 12600, "annuities": 2600}
    jpm = lay.banks["jpmorgan"]
    assert jpm.cet1 == pytest.approx(0.145 * 2000)
    assert {n.holder for n in lay.named["D82"]} == {"pimco", "blackrock"}


def test_openai_household_loss_matches_hand_calculation(net) -> None:
    """openai-no-new-money: no debt reaches outside lenders, so households lose only through
    listed equity: the outside shareholders' fall in market value times 55% (25% taxable +
    30% retirement, Tax Policy Center 2019), the retirement part split by ICI assets."""
    res = scenarios.run("openai-no-new-money", net, band=False)
    where = holders.follow(res, net)
    f = res.firms
    stakes = res.balance.stakes
    counted = set(res.balance.deals.loc[res.balance.deals["base"] > 0, "id"])
    inside = stakes[stakes["deal"].isin(counted) & stakes["holder"].isin(f.index)]
    held = inside.groupby("issuer")["fraction"].sum().reindex(f.index, fill_value=0).clip(0, 1)
    listed = set(net.entities.loc[net.entities["listed"].astype(str).str.lower() == "true",
                                  "id"])
    outside_listed = sum(f.at[i, "market_value_lost"] * (1 - held[i])
                         for i in f.index if i in listed and f.at[i, "market_value_lost"] > 0)
    assert res.system["external_loss"] == 0
    assert where.households["total"] == pytest.approx(0.55 * outside_listed)
    assert where.households["retirement"] == pytest.approx(0.30 * outside_listed)
    assert where.households["ira"] == pytest.approx(0.30 * outside_listed * 18900 / 48000)
    assert where.households["per_household"] == pytest.approx(
        0.55 * outside_listed * 1e9 / 131_434_000)
    # all that entered is what the run says outside shareholders and creditors lost
    assert where.households["entered"] == pytest.approx(
        res.system["market_value_lost_net"] + res.system["external_loss"])


def test_oracle_refinancing_hits_named_bank(net) -> None:
    res = scenarios.run("oracle-cannot-refinance", net, band=False)
    where = holders.follow(res, net)
    smbc = where.banks.loc["smbc"]
    assert smbc["loss"] > 0
    assert smbc["cet1_after"] == pytest.approx(smbc["cet1"] - smbc["loss"])
    assert where.sectors.loc["banks", "amount"] == pytest.approx(
        where.banks["loss"].sum())
    # by hand: the New Mexico campus loan D89 goes partly unpaid; SMBC holds an equal
    # twentieth (NH30) and a seventh of each Vantage facility (NH16, NH46), which Oracle's
    # rent repays; Wells Fargo is only in the Vantage facilities (NH13, NH43),
    # against CET1 = ratio x RWA from banks.csv
    unpaid = res.unpaid_claims.groupby("deal")["shortfall"].sum()
    vantage = unpaid.get("D141", 0.0) + unpaid.get("D142", 0.0)
    assert smbc["loss"] == pytest.approx(unpaid["D89"] * 0.05 + vantage * 0.142857)
    wf = where.banks.loc["wells-fargo"]
    assert wf["loss"] == pytest.approx(vantage * 0.142857)
    assert wf["cet1"] == pytest.approx(0.106 * 1295.3)
    assert wf["ratio_after"] == pytest.approx((0.106 * 1295.3 - wf["loss"]) / 1295.3)
    # the banking-sector line: the whole bank loss against the Fed's aggregate (H943)
    assert where.banking["row"] == "H943"
    assert where.banking["share"] == pytest.approx(where.banks["loss"].sum() / 2200.0)


def test_shipped_sector_capital_rows(net) -> None:
    """The insurers' capital is the sum of life (H990) and P&C (H991); private credit's is
    derived from Form PF (pensions' 307 bn is 31%)."""
    lay = holders.layer(net)
    caps = {k: (c.row, c.value) for k, c in lay.capitals.items()}
    assert caps == {"banks": ("H943", 2200.0), "insurers": ("H992", 1595.3),
                    "private_credit": ("H993", 990.0)}
    h = net.history.set_index("id")["value"]
    assert float(h["H992"]) == pytest.approx(float(h["H990"]) + float(h["H991"]))
    assert float(h["H993"]) == pytest.approx(307 / 0.31, abs=1.0)


def test_coreweave_lines_against_shipped_capital(net) -> None:
    where = holders.follow(scenarios.run("coreweave-default", net, band=False), net)
    ins, pc = where.capital["insurers"], where.capital["private_credit"]
    assert ins["loss"] > 0 and pc["loss"] > 0
    assert ins["share"] == pytest.approx(where.sectors.loc["insurers", "amount"] / 1595.3)
    into = where.flows[(where.flows["target_type"] == "instrument")
                       & (where.flows["target"] == "private_credit")]
    assert pc["share"] == pytest.approx(into["amount"].sum() / 990.0)
    assert any(t.startswith("Insurers: ") for t in where.lines())


def test_scenario_override_changes_shares(net) -> None:
    res = scenarios.run("coreweave-default", net, band=False)
    base = holders.follow(res, net)
    moved = holders.follow(res, net, {"shares": {"corporate_bond": {"banks": 1}}})
    assert moved.sectors.loc["banks", "amount"] > base.sectors.loc["banks", "amount"]
    assert moved.households["entered"] == pytest.approx(base.households["entered"])
    with pytest.raises(ValueError, match="unknown sector 'nobody'"):
        holders.follow(res, net, {"shares": {"corporate_bond": {"nobody": 1}}})
    with pytest.raises(ValueError, match="unknown key"):
        holders.follow(res, net, {"share": {}})


def test_results_are_json_safe(net) -> None:
    import json

    res = scenarios.run("coreweave-default", net, band=False)
    where = holders.follow(res, net)
    d = json.loads(json.dumps(where.to_dict()))
    assert d["households"]["total"] == pytest.approx(where.households["total"])
    assert where.to_frame().equals(where.sectors)
    assert any("US households" in line for line in where.lines())


# ------------------------------------------------------------------ validation
def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "ds"
    shutil.copytree(DATA, dst)
    return dst


def test_holders_file_problems_are_reported(tmp_path: Path) -> None:
    ds = _copy(tmp_path)
    with open(ds / "holders.csv", "a", encoding="utf-8") as fh:
        fh.write("HX1,banks,insurers,1,assumption,,,\n")
        fh.write("HX2,insurers,banks,1,assumption,,,\n")
        fh.write("HX3,private_equity,other,0,assumption,,,\n")
        fh.write("HX4,bank_loan,insurers,1,reported,,,\n")
    msgs = [str(p) for p in dl.validate(ds) if p.severity == "error"]
    assert any("holders.csv" in m and "forms a loop" in m for m in msgs), msgs
    assert any("needs a source" in m for m in msgs), msgs
    with open(ds / "holdings.csv", "a", encoding="utf-8") as fh:
        fh.write("NX1,D82,other,,mutual_funds,0.5,reported,s-a0c0b6288f,\n")
    msgs = [str(p) for p in dl.validate(ds) if p.severity == "error"]
    assert any("more than all of it" in m for m in msgs), msgs


def test_stress_cli_prints_sector_and_household_lines(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from dealloop.cli import app

    r = CliRunner().invoke(app, ["stress", "oracle-cannot-refinance", "--no-band"])
    assert r.exit_code == 0, r.output
    assert "Where the losses land" in r.output and "US households" in r.output
    assert "Bank smbc" in r.output and "Method:" in r.output
    r = CliRunner().invoke(app, ["stress", "oracle-cannot-refinance", "--no-band", "--json"])
    data = json.loads(r.stdout)
    assert data["holders"]["households"]["total"] > 0
    # a scenario file moves the shares: all bank loans to private credit funds' investors
    sc = tmp_path / "s.yaml"
    sc.write_text("name: s\nquestion: q\nshocks: [{type: fail, entity: vantage-frontier}]\n"
                  "holders:\n  shares: {bank_loan: {insurers: 1}}\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["stress", str(sc), "--no-band", "--json"])
    assert r.exit_code == 0, r.output
    sectors = {s["sector"]: s["amount"] for s in json.loads(r.stdout)["holders"]["sectors"]}
    assert sectors.get("insurers", 0) > 0
    bad = tmp_path / "b.yaml"
    bad.write_text("name: s\nquestion: q\nholders:\n  shares: {bank_loan: {nobody: 1}}\n",
                   encoding="utf-8")
    r = CliRunner().invoke(app, ["stress", str(bad), "--no-band"])
    assert r.exit_code == 1 and "b.yaml:4" in r.output and "Traceback" not in r.output


def test_cli_shows_sector_capital_or_no_data_with_the_reason(tmp_path: Path) -> None:
    """``stress`` sets insurers' and private-credit losses against their capital, and
    ``signals`` lists that capital; in a dataset without the figures both say NO DATA and
    why, never a share of 0."""
    from .conftest import clean, cli

    r = cli("stress", "coreweave-default", "--no-band")
    clean(r, 0)
    assert "Insurers: " in r.stdout and "of US life and P&C insurers'" in r.stdout
    # the private-credit figure (Q4 2021) is flagged as older than the others: 1,277 days
    # before the banking sector's (2025-06-30), about 42 months
    assert "Private-credit funds: " in r.stdout and ("(990 bn at 2021-12-31, 42 months before "
                                                     "the newest sector's (2025-06-30), H993)"
                                                     ) in r.stdout
    r = cli("signals")
    clean(r, 0)
    assert "Insurers: 1,595 bn" in r.stdout and "NO DATA (" not in r.stdout.split(
        "Capital behind")[1]
    ds = _copy(tmp_path)
    hist = ds / "history.csv"
    rows = hist.read_text(encoding="utf-8").splitlines(keepends=True)
    hist.write_text("".join(x for x in rows if not x.startswith(("H990,", "H991,", "H992,",
                                                                  "H993,"))),
                    encoding="utf-8")
    r = cli("stress", "coreweave-default", "--no-band", "--data", str(ds))
    clean(r, 0)
    assert "Insurers: " in r.stdout and "its capital: NO DATA (no US insurers' capital" \
        in r.stdout
    assert "Private-credit funds: " in r.stdout and "NO DATA (no private-credit fund" \
        in r.stdout
    r = cli("signals", "--data", str(ds))
    clean(r, 0)
    tail = " ".join(r.stdout.split("Capital behind")[1].split())
    assert "Insurers: NO DATA (no US insurers' capital figure in the data" in tail
    assert "Banking sector: 2,200 bn" in tail


def test_oracle_exits_abilene_costs_blue_owl_its_sponsor_equity(net) -> None:
    """Abilene defaults when Oracle walks away: the 5.0 of sponsor equity it stands on
    (D06a, Blue Owl's row; Crusoe's D06b is marked part of it, the split not reported) is
    lost whole, and lands on Blue Owl, a named investor outside the network, with the leg
    it came from (the most it loses); the CLI says so."""
    from typer.testing import CliRunner

    from dealloop.cli import app

    res = scenarios.run("oracle-exits-abilene", net, band=False)
    v = res.firms.loc["abilene-jv"]
    assert v["defaulted"] and v["equity_basis"] == "sponsor"
    assert v["market_value_lost"] == 0.0 and v["equity_loss"] == pytest.approx(5.0)
    where = holders.follow(res, net)
    named = where.named.set_index("holder")
    assert named.at["blue-owl", "amount"] == pytest.approx(5.0)
    assert named.at["blue-owl", "sector"] == "investors"
    f = where.flows
    owl = f[(f["target_type"] == "holder") & (f["target"] == "blue-owl")]
    assert set(owl["deals"]) == {"D06a"} and set(owl["basis"]) == {"equity"}
    assert set(owl["firm"]) == {"abilene-jv"}
    assert where.households["entered"] == pytest.approx(
        5.0 + res.unpaid_claims["shortfall"].sum())
    r = CliRunner().invoke(app, ["stress", "oracle-exits-abilene", "--no-band",
                                 "--explain", "blue-owl"])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "D06a" in text and "Sponsor equity lost: abilene-jv 5.0 of its 5.0" in text


def test_explain_covers_sector_nodes_and_named_holders(net, tmp_path) -> None:
    from typer.testing import CliRunner

    from dealloop.cli import app

    res = scenarios.run("oracle-cannot-refinance", net, band=False)
    where = holders.follow(res, net)
    bank = where.explain("smbc")
    assert set(bank["direction"]) == {"in", "out"}
    f = where.flows
    into_holder = f[(f["target_type"] == "holder") & (f["target"] == "smbc")]
    assert into_holder["amount"].sum() == pytest.approx(where.banks.loc["smbc", "loss"])
    assert bank.loc[bank["direction"] == "out", "amount"].sum() == pytest.approx(
        f.loc[f["source"] == "smbc", "amount"].sum())
    assert where.explain("retirement_ira")["rows"].str.contains("HD50").all()
    # the campus banks (NH30-NH33) lose more when their loan is not secured on the campus
    text = (scenarios.library.path("oracle-cannot-refinance").read_text(encoding="utf-8")
            .replace("  secured: {D141: campus, D142: campus, D89: campus}\n",
                     "  secured_vehicles: false\n"))
    assert "secured_vehicles: false" in text
    unsecured = tmp_path / "unsecured.yaml"
    unsecured.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(app, ["stress", str(unsecured), "--no-band",
                                 "--explain", "bank-lenders"])
    assert r.exit_code == 0, r.output
    # the banks that lose are named through their holdings.csv rows (NH..), with sources
    assert re.search(r"\bNH\d+\b", r.output) and "holders layer" in r.output


def test_simulate_prints_household_lines() -> None:
    import json

    from typer.testing import CliRunner

    from dealloop.cli import app

    r = CliRunner().invoke(app, ["simulate", "coreweave-default", "--draws", "40", "--seed",
                                 "3", "--workers", "0", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["holders_central"]["households"]["total"] > 0
    fig = out["holders"]["figures"]
    hh = next(x for x in fig if x["figure"] == "households") if isinstance(fig, list) \
        else fig["households"]
    assert hh["mean"] > 0 and hh["q05"] <= hh["q50"] <= hh["q95"]
    assert 0 <= out["holders"]["p_any_bank_below_min"] <= 1
    r = CliRunner().invoke(app, ["simulate", "coreweave-default", "--draws", "40", "--seed",
                                 "3", "--workers", "0"])
    assert "over the draws" in r.output and "US households (total): mean" in r.output
    assert "P(any named bank below its CET1 requirement)" in r.output
    assert "approximation" not in r.output


# ------------------------------------------------------------------ per Monte Carlo draw
def test_per_draw_equals_a_stress_run_with_that_draws_inputs(net) -> None:
    """Draw k's households, retirement, bank-capital and per-sector losses equal
    :func:`holders.follow` on a stress run whose shock takes draw k's value."""
    import numpy as np

    from dealloop.holders import layer as read_layer
    from dealloop.holders.draws import figures, per_draw, routes
    from dealloop.mapping.compiled import compile_scenario
    from dealloop.mapping.sheets import build
    from dealloop.scenarios.buffer import equity_losses
    from dealloop.scenarios.montecarlo import draw, payload
    from dealloop.scenarios.runner import clear_runs
    from dealloop.scenarios.spec import loads

    text = ("name: x\nquestion: q\nhorizon: [2026, 2030]\n"
            "monte_carlo: {amounts: fixed, conditional: null}\n"
            "mapping: {capex_obligation: {oracle: 1.0}}\nshocks:\n"
            "  - {type: revenue, entity: oracle, fall: {uniform: [0.05, 0.95]}}\n"
            "  - {type: refinancing, entities: [vantage-frontier, vantage-lighthouse, abilene-jv, "
            "dona-ana-campus], "
            "rollover: %s}\n")
    sc = loads(text % "{uniform: [0.0, 1.0]}")
    comp = compile_scenario(sc, build(net, sc))
    r = routes(comp, net, read_layer(net))
    p = payload(comp, seed=5, chunk=8, follow=r)
    M, values, _ = draw(p, 0, 8)
    base, out, _, _ = clear_runs(comp, 8, mult=M, values=values, replan=comp.replan(M))
    with pytest.raises(ValueError, match="equity lost"):  # vehicles' sponsors need it
        per_draw(r, comp, out, M)
    losses = per_draw(r, comp, out, M, equity_losses(comp, base, out))
    fig = figures(r, losses)
    assert (M == comp.base_mult[:, None]).all()  # only the shocks are drawn
    assert fig["households"].max() > 0 and fig["banks"].max() > 0
    owl = r.columns.index("holder:blue-owl")   # Abilene's outside sponsor (D06a)
    assert losses[:, owl].max() > 0
    checked = 0
    for k in range(8):
        fall, frac = float(values[(0, "fall")][k]), float(values[(1, "rollover")][k])
        fixed = loads((text % frac).replace("{uniform: [0.05, 0.95]}", repr(fall)))
        where = holders.follow(scenarios.run(fixed, net, band=False), net)
        h = where.households
        assert fig["households"][k] == pytest.approx(h["total"], rel=1e-9, abs=1e-9)
        assert fig["retirement"][k] == pytest.approx(h["retirement"], rel=1e-9, abs=1e-9)
        b = where.banks
        named = b[b["cet1"].notna()]
        assert fig["bank_capital"][k] == pytest.approx(named["loss"].sum(), abs=1e-9)
        assert bool(fig["below_min"][k].any()) == bool(named["below_min"].any())
        # the sector lines, draw by draw
        for line in ("banks", "insurers", "private_credit"):
            assert fig[line][k] == pytest.approx(where.capital[line]["loss"], rel=1e-9,
                                                 abs=1e-9), line
        sec = where.sectors["amount"]
        got = {c: losses[k, j] for j, c in enumerate(r.columns)
               if r.sectors()[j] and abs(losses[k, j]) > 1e-12}
        assert got == pytest.approx({s: v for s, v in sec.items() if abs(v) > 1e-12},
                                    rel=1e-9, abs=1e-9)
        # named holders too: the vehicles' outside sponsors (sponsor equity lost)
        named = where.named.groupby("holder")["amount"].sum()
        got = {c[7:]: losses[k, j] for j, c in enumerate(r.columns)
               if c.startswith("holder:") and abs(losses[k, j]) > 1e-12}
        assert got == pytest.approx({h: v for h, v in named.items() if abs(v) > 1e-12},
                                    rel=1e-9, abs=1e-9)
        checked += 1
    assert checked == 8 and len(set(np.round(fig["households"], 6))) > 1
    assert (losses[:, owl] > 0).all() and (losses[:, owl] <= 5.0 + 1e-9).all()


def test_simulate_reports_household_and_bank_distributions(net) -> None:
    from dealloop.holders.draws import FOLLOW

    res = scenarios.simulate("oracle-cannot-refinance", net, draws=60, seed=2, workers=0,
                             follow=FOLLOW)
    h = res.holders
    fig = h["figures"]
    assert set(fig.index) == {"households", "retirement", "banks", "bank_capital",
                              "insurers", "private_credit"}
    assert (fig["q05"] <= fig["q50"]).all() and (fig["q50"] <= fig["q95"]).all()
    assert 0.0 <= h["p_any_bank_below_min"] <= 1.0
    assert h["banks"].loc["smbc", "loss_mean"] > 0
    # the mean per sector adds up to the mean of the figures built from it
    sec = h["sectors"]
    assert sec.loc[sec["household"], "mean"].sum() == pytest.approx(fig.loc["households",
                                                                            "mean"])
    assert sec.loc["banks", "mean"] == pytest.approx(fig.loc["banks", "mean"])
    bk = h["banking_share"]
    assert bk["row"] == "H943"
    assert bk["mean"] == pytest.approx(fig.loc["banks", "mean"] / bk["capital"])
    for line, cap in (("insurers", 1595.3), ("private_credit", 990.0)):
        x = h["capital"][line]
        assert x["capital"] == cap and x["no_data"] is None
        assert x["share"]["mean"] == pytest.approx(fig.loc[line, "mean"] / cap)
        assert x["share"]["q95"] == pytest.approx(fig.loc[line, "q95"] / cap)


def test_one_draw_monte_carlo_lines_equal_the_single_run(net) -> None:
    """A one-draw Monte Carlo at the central values gives each sector line exactly the
    single run's loss and share."""
    from dealloop.holders.draws import chunk_stats, routes, summarize_draws
    from dealloop.mapping import build
    from dealloop.scenarios.buffer import equity_losses
    from dealloop.scenarios.runner import clear_runs

    comp = build(net, scenarios.load("coreweave-default")).compile()
    r = routes(comp, net, holders.layer(net))
    base, out, _, _ = clear_runs(comp)
    section = summarize_draws(r, [chunk_stats(r, comp, out, comp.base_mult[:, None],
                                              equity_losses(comp, base, out))])
    central = holders.follow(scenarios.run("coreweave-default", net, band=False), net)
    for line in ("banks", "insurers", "private_credit"):
        got, want = section["capital"][line], central.capital[line]
        assert want["loss"] > 0, line
        assert got["loss"]["mean"] == pytest.approx(want["loss"], rel=1e-12), line
        assert got["share"]["mean"] == pytest.approx(want["share"], rel=1e-12), line
        assert got["row"] == want["row"]


# ------------------------------------------------------------------ investors brought inside
def test_softbank_inside_stands_on_converted_figures_and_can_fail(net) -> None:
    """mapping.inside brings SoftBank in: its cash is its yen figure at the dated rate, and
    when it fails its lenders lose pro rata, by hand: each bank claim loses owed x (1 - the
    share SoftBank pays), bank-lenders are all banks (HD10), JPMorgan takes a quarter of
    the bridge loan D71 (NH20)."""
    from dealloop.scenarios.spec import loads

    fig = net.figures.set_index("id")
    rate = float(fig.loc["F195", "value"])  # JPY per USD
    assert fig.loc["F180", "unit"] == "jpy_tn"
    res = scenarios.run("softbank-fails", net, band=False)
    bal = res.explain("softbank")
    cash = float(bal.loc[bal["item"] == "cash", "amount"].iloc[0])
    assert cash == pytest.approx(float(fig.loc["F180", "value"]) * 1000 / rate)
    sb = res.firms.loc["softbank"]
    assert bool(sb["defaulted"]) and int(sb["wave"]) == 1
    lost = 1 - sb["paid"] / sb["owed"]  # share of every due not paid (pro rata)
    bank = res.unpaid_claims[(res.unpaid_claims["debtor"] == "softbank")
                             & (res.unpaid_claims["creditor"] == "bank-lenders")]
    assert set(bank["deal"]) == {"D71", "D73a", "D73b"}
    assert bank["shortfall"].to_numpy() == pytest.approx(bank["owed"].to_numpy() * lost)
    where = holders.follow(res, net)
    d71 = float(bank.loc[bank["deal"] == "D71", "owed"].sum())
    # the whole bridge loan and the year's interest fall due on default (in 2026), at the
    # default rate: the discount rate plus the credit spread
    assert d71 == pytest.approx(40.0 * (1 + res.balance.discount_rate + 0.02))
    assert where.banks.loc["jpmorgan", "loss"] == pytest.approx(0.25 * d71 * lost)
    banks_total = float(where.sectors.loc["banks", "amount"])
    assert banks_total == pytest.approx(float(bank["owed"].sum()) * lost)
    # outside by default: the same shock is refused without mapping.inside
    with pytest.raises(Exception, match="outside the network"):
        scenarios.run(loads("name: x\nquestion: q\nshocks: [{type: fail, entity: softbank}]"),
                      net, band=False)


def test_inside_and_outside_at_once_is_refused(net) -> None:
    from dealloop.data.problems import DataError
    from dealloop.scenarios.spec import loads

    sc = loads("name: x\nquestion: q\nmapping: {inside: [softbank], outside: [softbank]}\n"
               "shocks: [{type: fail, entity: softbank}]")
    with pytest.raises(DataError, match=r"both mapping\.outside and mapping\.inside"):
        scenarios.run(sc, net, band=False)
    with pytest.raises(DataError, match="unknown entity 'softbnk'"):
        scenarios.run(loads("name: x\nquestion: q\nmapping: {inside: [softbnk]}"), net,
                      band=False)
