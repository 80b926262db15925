"""Stress runs of the shipped scenarios on the bundled network, with hand-checkable
consequences, and the properties every run must have."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dealloop import scenarios
from dealloop.mapping.arrays import PRINCIPAL
from dealloop.scenarios import loads
from dealloop.scenarios.results import HEADLINES
from dealloop.scenarios.runner import BANDS

from .conftest import scenario_text, toy_network

DELTAS = [m for m in HEADLINES if m != "new_money_needed"]


def deal_value_in_horizon(res, deal: str) -> float:
    d = res.balance.deals.set_index("id")
    return float(d.at[deal, "value"] * d.at[deal, "share"])


def claim(res, deal: str, channel: str):
    cl = res.balance.claims
    return cl[(cl["deal"] == deal) & (cl["channel"] == channel)].iloc[0]


def test_no_shock_changes_nothing(stress) -> None:
    res = stress("baseline")
    for m in DELTAS:
        assert res.system[m] == pytest.approx(0.0, abs=1e-9), m
    assert not res.firms["defaulted"].any()
    np.testing.assert_allclose(res.firms["equity_before"], res.firms["equity_after"], atol=1e-9)
    np.testing.assert_allclose(res.firms["market_value_before"],
                               res.firms["market_value_after"], atol=1e-9)
    assert res.unpaid.empty and res.backstops.empty
    # the plan's gap is a headline of its own: OpenAI needs new money to pay its commitments
    assert res.firms.at["openai", "new_money"] > 0
    assert res.system["new_money_needed"] == pytest.approx(res.firms["new_money"].sum())


@pytest.mark.parametrize("mapping", [
    "new_money: none",
    "rollover: 0.0",
    "backstops: called_only",
    "stake_liquidity: 0.0\n  value_multiple: 3",
    "equity_commitments: false\n  cash_margin: 0.5",
])
def test_no_shock_changes_nothing_whatever_the_mapping(net, mapping: str) -> None:
    res = scenarios.run(loads(scenario_text(f"mapping:\n  {mapping}\n")), net, band=False)
    for m in DELTAS:
        assert res.system[m] == pytest.approx(0.0, abs=1e-9), (mapping, m)
    assert (res.firms["defaulted"] == res.firms["baseline_defaulted"]).all()


def test_coreweave_default(static) -> None:
    """CoreWeave fails in wave 1, NVIDIA's backstop is paid into its estate, and its creditors
    share the backstop plus a 40% liquidation value, pro rata: its lenders take the loss."""
    res = static("coreweave-default")
    f = res.firms
    assert f.at["coreweave", "defaulted"] and f.at["coreweave", "wave"] == 1
    b = res.backstops.set_index("deal")
    assert list(b.index) == ["D14"] and b.at["D14", "backstopper"] == "nvidia"
    backstop = deal_value_in_horizon(res, "D14")
    assert b.at["D14", "paid"] == pytest.approx(backstop)
    owed = f.at["coreweave", "owed"]
    # its customers' contracts end and no new money reaches it: what it pays is the backstop
    # plus the liquidation value, 40% of its accelerated dues
    assert f.at["coreweave", "paid"] == pytest.approx(backstop + 0.4 * owed)
    ratio = f.at["coreweave", "paid"] / owed
    u = res.unpaid[res.unpaid["debtor"] == "coreweave"]
    np.testing.assert_allclose(u["paid"] / u["owed"], ratio)  # pro rata
    lenders = u[u["creditor"].isin(["bond-investors", "private-credit-lenders", "bank-lenders",
                                    "outside lenders (reported debt)"])]
    assert lenders["shortfall"].sum() == pytest.approx(res.system["external_loss"])
    assert res.system["external_loss"] > 0
    assert f.at["core-scientific", "not_received"] > 0  # its supplier goes unpaid too
    # CoreWeave's equity is wiped out: NVIDIA's stakes in it go with it
    assert f.at["coreweave", "market_value_after"] == 0
    assert f.at["nvidia", "stakes_after"] < f.at["nvidia", "stakes_before"]
    assert res.system["defaults"] == 1


def test_openai_raises_no_new_money(static) -> None:
    """OpenAI pays its suppliers pro rata from its cash, outside revenue and what it still
    receives; Oracle goes without its share of the Oracle contract."""
    res = static("openai-no-new-money")
    f = res.firms
    assert f.at["openai", "defaulted"] and f.at["openai", "wave"] == 1
    assert f.at["openai", "new_money_after"] == 0
    means = f.at["openai", "outside_assets_after"] + f.at["openai", "received"] \
        + f.at["openai", "stakes_after"]
    assert f.at["openai", "paid"] == pytest.approx(means)
    ratio = f.at["openai", "paid"] / f.at["openai", "owed"]
    oracle_due = claim(res, "D03", "purchase")["amount"]
    assert f.at["oracle", "not_received"] == pytest.approx(oracle_due * (1 - ratio))
    u = res.unpaid[res.unpaid["debtor"] == "openai"]
    np.testing.assert_allclose(u["paid"] / u["owed"], ratio)
    assert res.system["payment_shortfall"] == pytest.approx(u["shortfall"].sum())
    assert f.at["openai", "market_value_after"] == 0


def test_nvidia_letter_of_intent_never_converts(static) -> None:
    """The reference world counts the $100B letter of intent; only $30B comes. OpenAI's plan
    can stretch by 10% of its gap; the rest of the hole goes unpaid."""
    res = static("nvidia-loi-never-converts")
    hole = deal_value_in_horizon(res, "D01") - deal_value_in_horizon(res, "D02")
    assert hole == pytest.approx(70.0)
    f = res.firms.loc["openai"]
    gap = f["new_money"]
    # its CoreWeave shares (a warrant vesting on its CoreWeave purchases) lose a little too
    stake_loss = f["stakes_before"] - f["stakes_after"]
    assert 0 < stake_loss < 0.1
    assert res.system["payment_shortfall"] == pytest.approx(hole - 0.1 * gap + stake_loss)
    assert res.firms.at["openai", "defaulted"]
    assert res.firms.at["openai", "new_money_after"] == pytest.approx(1.1 * gap)


def test_oracle_cannot_refinance(static) -> None:
    """Oracle's maturing debt falls due and its new bonds stop; Oracle survives and keeps
    paying the rent of its campus vehicles, so the vehicles whose assumed rent covers their
    loans (Frontier, Lighthouse: principal due 2029 inside the lease; Abilene) repay their
    banks in full. The New Mexico vehicle's loan reports no maturity, so its rent covers
    interest only: when the whole loan falls due it has that rent and the campus pledged to
    its banks, who recover exactly what the campus fetches plus the rent and lose the
    rest."""
    res = static("oracle-cannot-refinance")
    comp = res.balance.compile()
    mid = (len(comp.years) - 1) // 2  # one static step: the horizon's middle year
    f = res.firms
    assert not f.at["oracle", "defaulted"]
    maturing = claim(res, "debt:oracle", "principal")["maturing"]
    new_bonds = claim(res, "D86", "funding")["amount"]
    lost = f.at["oracle", "net_worth_before"] - f.at["oracle", "net_worth_after"]
    assert lost == pytest.approx(maturing + new_bonds)
    # its reported book equity (F196) is the loss buffer, at the horizon's end; repaying
    # its debt and drawing no new bonds move its cash and its debt alike: no book loss
    assert f.at["oracle", "book_equity"] == pytest.approx(24.666)
    assert f.at["oracle", "equity_before"] == pytest.approx(
        24.666 + f.at["oracle", "horizon_earnings"])
    assert f.at["oracle", "equity_loss"] == pytest.approx(0.0, abs=1e-9)
    unpaid = res.unpaid.set_index("debtor")
    for dev in ("vantage-frontier", "vantage-lighthouse", "abilene-jv"):
        assert dev not in unpaid.index  # repaid in full from Oracle's rent
    dev, deal = "dona-ana-campus", "D89"
    assert f.at[dev, "defaulted"]
    row = res.unpaid[res.unpaid["debtor"] == dev].iloc[0]
    assert row["priority"] == "secured"
    c = int(np.flatnonzero((comp.structure.channel == PRINCIPAL)
                           & (comp.claim_deal == comp.deal_index[deal]))[0])
    fetch = comp.collateral_years[c, mid]
    rent = claim(res, "D147", "purchase")["amount"]
    assert 0 < fetch + rent < claim(res, deal, "principal")["accel"]
    assert row["paid"] == pytest.approx(fetch + rent)
    assert row["shortfall"] == pytest.approx(
        claim(res, deal, "principal")["accel"] - fetch - rent)


def test_gpu_life_3_years(static) -> None:
    """With a 3-year life instead of 6, a GPU holder loses half its GPU value over the horizon
    and its lenders roll over half as much of its maturing debt. Meta has no other exposure
    that moves, so its net worth over the horizon falls by both; its book equity by the GPU
    value alone (repaying the debt moves its cash and its debt alike)."""
    res = static("gpu-life-3-years")
    gpu = res.balance.frame.at["meta", "gpu"]
    cl = res.balance.claims
    maturing = cl[(cl["debtor"] == "meta") & (cl["channel"] == "principal")]["maturing"].sum()
    f = res.firms.loc["meta"]
    assert maturing > 0
    assert f["net_worth_before"] - f["net_worth_after"] == pytest.approx(
        0.5 * gpu + 0.5 * maturing)
    assert f["equity_loss"] == pytest.approx(0.5 * gpu)
    assert res.system["equity_loss"] > 0


def test_ai_demand_shock(static) -> None:
    """A 30% fall in outside demand (the mean of the uniform 20-40% of the file): AMD sells
    only outside the network, so it loses 30% of its outside revenue times what a lost sale
    costs it: its margin (net income 4.3 over revenue 34.6, FY2025) plus half the rest
    (stranded costs), not the gross price. Amazon's exposure is its AWS segment (F303:
    128.7 of 716.9 of 2025 net sales); AMD's its Data Center segment (F305: 16.6 of 34.6);
    Meta sells advertising (F307: 0), so the shock does not reach it."""
    res = static("ai-demand-shock")
    amd = res.firms.loc["amd"]
    out_rev = res.balance.frame.at["amd", "outside_revenue"]
    margin = 4.3 / 34.6
    weight = margin + (1 - margin) * 0.5
    share = round(16.6 / 34.6, 4)
    fr = res.balance.frame
    assert fr.at["amd", "loss_weight"] == pytest.approx(weight)
    assert fr.at["amd", "demand_exposure"] == share and fr.at["amd", "demand_figures"] == (
        "F305",)
    assert amd["equity_loss"] == pytest.approx(0.3 * share * out_rev * weight)
    assert amd["outside_assets_after"] == pytest.approx(
        amd["outside_assets_before"] - 0.3 * share * out_rev * weight)
    amazon = res.firms.loc["amazon"]
    w_amzn = fr.at["amazon", "loss_weight"]
    lost = amazon["outside_assets_before"] - amazon["outside_assets_after"]
    assert lost == pytest.approx(0.3 * round(128.7 / 716.9, 4) * w_amzn
                                 * fr.at["amazon", "outside_revenue"])
    meta = res.firms.loc["meta"]
    assert fr.at["meta", "demand_exposure"] == 0.0 and fr.at["meta", "outside_revenue"] > 0
    assert meta["outside_assets_after"] == pytest.approx(meta["outside_assets_before"])
    assert any(name.startswith("leontief") for name in res.models)


#: Legs a shipped scenario takes away from their payer (the payer may gain: it no longer pays).
def _released_payers(res, sc) -> set[str]:
    d = res.balance.deals.set_index("id")
    out = set()
    for s in sc.shocks:
        for did in ([s.deal] if getattr(s, "deal", None) else []) + list(
                getattr(s, "deals", []) or []):
            if s.type in ("cancel",) or (s.type == "conditional" and not s.happens):
                if did in d.index:
                    out.add(str(d.at[did, "payer"]))
    return out


@pytest.mark.parametrize("name", scenarios.library.names())
def test_no_firm_gains_from_a_shock_without_a_reason(stress, name: str) -> None:
    """Sign of every firm's change in market value against its exposures: a shock takes
    revenue, funding or assets away, so no firm's value rises (no customer gains when its
    supplier fails, nobody gains in a demand shock) unless the scenario releases it from a
    leg it would have paid."""
    res = stress(name)
    sc = scenarios.load(name)
    f = res.firms
    rise = f["market_value_after"] - f["market_value_before"]
    gainers = set(rise[rise > 1e-6 * (1 + f["market_value_before"])].index)
    assert gainers <= _released_payers(res, sc), (name, rise[list(gainers)].to_dict())
    # a firm that ends with more equity for a leg it no longer pays says so, and why
    richer = set(f.index[f["equity_after"] - f["equity_before"] > 0.05])
    noted = {n.split(" ")[0] for n in res.notes if " more equity than before the shock" in n}
    assert noted == richer & _released_payers(res, sc), (name, noted)
    if name == "coreweave-default":  # its customers lose the service, not gain the saving
        customers = set(res.balance.claims.query(
            "creditor == 'coreweave' and channel == 'purchase'")["debtor"])
        assert customers and all(rise[c] <= 1e-6 for c in customers if c in rise.index)


@pytest.mark.parametrize("name", scenarios.library.names())
def test_every_shipped_scenario(stress, name: str) -> None:
    res = stress(name)
    # the band: one value per evidence selection; all legs equals the central run
    assert [b.metric for b in res.bands] == list(HEADLINES)
    for b in res.bands:
        assert [lab for lab, _ in b.values] == list(BANDS)
        assert b["A+B+C"] == pytest.approx(res.system[b.metric], abs=1e-6)
        assert b.low <= b.high
    # double counting is part of market value lost, and never more
    s = res.system
    assert 0 <= s["double_counted"] <= s["market_value_lost"] + 1e-9
    assert s["market_value_lost_net"] == pytest.approx(s["market_value_lost"]
                                                       - s["double_counted"])
    # the comparison with the dot-com bust carries history ids and sources
    comp = res.comparison.set_index("key")
    assert comp.at["dotcom_value_lost", "id"].startswith("H")
    assert comp.at["dotcom_value_lost", "sources"]
    assert comp.at["dotcom_value_lost", "ours"] == pytest.approx(s["market_value_lost_net"])
    # results are frozen and JSON-safe
    with pytest.raises(TypeError):
        res.system["defaults"] = 0  # type: ignore[index]
    text = json.dumps(res.to_dict(), allow_nan=False)
    assert json.loads(text)["scenario"] == name
    assert res.summary().startswith(name)


def test_models_run_on_the_mapped_layers(stress) -> None:
    res = stress("coreweave-default")
    names = list(res.models)
    assert any(n.startswith("eisenberg_noe") for n in names)
    assert any(n.startswith("debtrank") for n in names)
    assert any(n.startswith("cross_holdings") for n in names)
    dr = next(v for k, v in res.models.items() if k.startswith("debtrank"))
    assert dr.loc["coreweave", "h_initial"] == pytest.approx(1.0)


def test_rogers_veraart_costs_show_as_deadweight(net) -> None:
    text = scenario_text("""shocks:
  - {type: funding, entity: openai}
models:
  clearing: {model: rogers_veraart, alpha: 0.5, beta: 0.5}
""")
    res = scenarios.run(loads(text), net, band=False)
    f = res.firms.loc["openai"]
    assert res.system["deadweight_loss"] > 0
    assert any(k.startswith("rogers_veraart") for k in res.models)
    assert f["defaulted"]


def test_more_shock_no_fewer_defaults(net) -> None:
    """Monotone in the shock: a deeper revenue fall never removes a default."""
    prev, last = None, 0.0
    for fall in (0.0, 0.3, 0.6, 0.9, 1.0):
        res = scenarios.run(loads(scenario_text(
            f"shocks:\n  - {{type: revenue, fall: {fall}}}\n")), net, band=False)
        d = res.firms["defaulted"]
        if prev is not None:
            assert (d | ~prev).all()
            assert res.system["payment_shortfall"] >= last - 1e-9
        prev, last = d, res.system["payment_shortfall"]


@pytest.mark.parametrize("name", scenarios.library.names())
def test_one_year_without_discounting_is_the_static_step(net, name: str) -> None:
    """Cleared year by year over a one-year horizon at a zero rate and charging no interest,
    every shipped scenario gives the one static step exactly (the years add timing and
    interest, nothing else)."""
    sc = scenarios.load(name)
    got = {}
    for timing in ("years", "static"):
        one = sc.model_copy(update={"horizon": (2026, 2026), "mapping": sc.mapping.model_copy(
            update={"timing": timing, "discount_rate": 0.0, "credit_spread": 0.0,
                    "debt_rates": {}, "interest_rate": {}})})
        got[timing] = scenarios.run(one, net, band=False)
    for m in HEADLINES:
        assert got["years"].system[m] == pytest.approx(got["static"].system[m], abs=1e-6), m
    assert got["static"].years is None


@pytest.mark.parametrize("name", scenarios.library.names())
def test_years_add_up_and_date_every_default(stress, name: str) -> None:
    res = stress(name)
    y = res.years
    assert y["year"].tolist() == list(range(2026, 2031))
    assert y["shortfall"].sum() == pytest.approx(res.system["payment_shortfall"], abs=1e-6)
    f = res.firms
    new = f[f["defaulted"] & ~f["baseline_defaulted"]]
    assert new["default_year"].between(2026, 2030).all()
    named = {firm for d in y["defaults"] for firm in d.split(";") if firm}
    assert named == set(new.index)
    assert (f.loc[~f["defaulted"], "default_year"] == 0).all()
    assert y["discount_factor"].iloc[1] == pytest.approx(1 / (1 + res.system["discount_rate"]))


def test_a_firm_pays_two_years_and_fails_in_the_third(stress) -> None:
    """Without the $70B the letter of intent promised, OpenAI pays its dues in full in 2026
    and 2027 (its plan's headroom covers the hole) and fails in 2028, once it is spent."""
    res = stress("nvidia-loi-never-converts")
    assert res.firms.at["openai", "default_year"] == 2028
    y = res.years.set_index("year")
    assert y.loc[[2026, 2027], "shortfall"].abs().max() < 1e-6
    assert y.at[2028, "shortfall"] > 0
    assert y.at[2028, "defaults"] == "openai"


def test_the_discount_rate_is_sourced(stress) -> None:
    res = stress("baseline")
    rate = res.system["discount_rate"]
    assert 0.03 < rate < 0.06  # the 10-year Treasury yield of the dataset's history.csv
    assert any("history.csv H" in n and f"{rate:.2%}" in n for n in res.notes)
    assert res.balance.discount_source.startswith("history.csv H")


def test_meta_exits_hyperion(stress, net) -> None:
    """The Hyperion venture stands on Meta's lease: without the shock it pays its bonds'
    coupons; when Meta walks away its residual value guarantee is called (it flows back to
    Meta) and, once that is spent, the venture defaults and the bondholders take the rest."""
    res = stress("meta-exits-hyperion")
    f = res.firms
    assert f.at["hyperion-jv", "defaulted"] and not f.at["hyperion-jv", "baseline_defaulted"]
    assert 2026 <= f.at["hyperion-jv", "default_year"] <= 2030
    u = res.unpaid.set_index("creditor")
    assert u.at["bond-investors", "deals"] == "D82" and u.at["bond-investors", "shortfall"] > 0
    assert res.system["external_loss"] == pytest.approx(u.at["bond-investors", "shortfall"])
    b = res.backstops.set_index("deal")
    assert b.at["D83b", "backstopper"] == "meta" and b.at["D83b", "paid"] > 0
    # Meta saves the rent but pays the guarantee: it does not come out ahead
    assert f.at["meta", "market_value_after"] < f.at["meta", "market_value_before"]
    # the same legs without the shock: the lease pays the coupons, nobody defaults
    sc = scenarios.load("meta-exits-hyperion").model_copy(update={"shocks": []})
    calm = scenarios.run(sc, net, band=False)
    assert not calm.firms["defaulted"].any() and calm.backstops.empty


WALK_ENTITIES = """\
id,name,kind,country,listed,ticker,parent,revenue_usd_bn,market_cap_usd_bn,cash_usd_bn,\
debt_usd_bn,book_equity_usd_bn,capex_usd_bn,backlog_usd_bn,as_of,sources,notes
tenant,Tenant,hyperscaler,US,true,TEN,,100,500,50,,200,,,2026-01,s1,Rents compute.
tenant2,Tenant two,hyperscaler,US,true,TWO,,50,200,20,,100,,,2026-01,s1,Rents compute too.
cloud,Cloud,neocloud,US,false,,,,,3,,,,,2026-01,s1,Sells compute.
"""
WALK_DEALS = """\
id,payer,payee,kind,amount_usd_bn,amount_low,amount_high,basis,status,condition,announced,\
start,end,stake,evidence,supersedes,part_of,sources,notes
P,tenant,cloud,compute_contract,4,,,reported,committed,,2026-01-01,2026-01-01,2029-12-31,,A,,,\
s1,Joint contract.
P1,tenant2,cloud,compute_contract,1,,,reported,committed,,2026-01-01,2026-01-01,2029-12-31,,A,,P,\
s1,Its part.
"""


def test_a_cancelled_aggregate_notes_the_payers_of_its_parts(tmp_path) -> None:
    """Cancelling the aggregate contract P cancels its part P1 too, paid by another tenant:
    both tenants end richer and both get the walk-away note, tenant2 for P1 (part of P)."""
    net = toy_network(tmp_path, WALK_ENTITIES, WALK_DEALS)
    res = scenarios.run(loads(scenario_text("horizon: [2026, 2030]\n"
                                            "shocks: [{type: cancel, deal: P}]\n")),
                        net, band=False)
    f = res.firms
    richer = set(f.index[f["equity_after"] - f["equity_before"] > 0.05])
    assert richer == {"tenant", "tenant2"}
    noted = {n.split(" ")[0]: n for n in res.notes if " more equity than before" in n}
    assert set(noted) == richer
    assert "it pays P1, which the scenario cancels (part of P)" in noted["tenant2"]


def test_a_small_walk_away_gain_keeps_two_figures_in_its_note(tmp_path) -> None:
    """A quarter of P1 cancelled: tenant2 ends 0.25 richer. Its walk-away note gives the gain
    to two significant figures (0.25, not 0.2 at one decimal), the figure the firms table
    holds; its equity before and after, above 1, at one decimal."""
    net = toy_network(tmp_path, WALK_ENTITIES, WALK_DEALS)
    res = scenarios.run(loads(scenario_text("horizon: [2026, 2030]\n"
                                            "shocks: [{type: cancel, deal: P1, "
                                            "fraction: 0.25}]\n")), net, band=False)
    f = res.firms
    gain = float(f.at["tenant2", "equity_after"] - f.at["tenant2", "equity_before"])
    assert 0.05 < gain < 1
    [note] = [n for n in res.notes if n.startswith("tenant2 ends with ")]
    shown = note.removeprefix("tenant2 ends with ").split(" ")[0]
    assert float(shown) == pytest.approx(gain, abs=5e-3) and shown == "0.25"
    before = f"{f.at['tenant2', 'equity_before']:,.1f}"
    assert f"({before} -> " in note


def test_headline_takes_losses_computed_once() -> None:
    """A Monte Carlo chunk hands ``headline`` the losses it computed: the same figures as
    ``headline`` computing them itself, and the given arrays are the ones used."""
    import dealloop as dl
    from dealloop import mapping
    from dealloop.scenarios._mc_chunks import draw, payload
    from dealloop.scenarios.buffer import equity_losses_both, market_value_losses
    from dealloop.scenarios.runner import clear_runs, headline

    comp = mapping.build(dl.load(), scenarios.load("coreweave-default")).compile()
    M, values, _ = draw(payload(comp, seed=2, chunk=40), 0, 40)
    base, out, _, _ = clear_runs(comp, 40, mult=M, values=values, replan=comp.replan(M))
    _, loss = equity_losses_both(comp, base, out)
    mv = np.maximum(market_value_losses(comp, out), 0.0)
    plain = headline(comp, base, out, M)
    given = headline(comp, base, out, M, losses=(loss, mv))
    assert plain.keys() == given.keys()
    assert all(np.array_equal(plain[k], given[k]) for k in plain)
    assert plain["market_value_lost"].sum() > 0 and plain["equity_loss"].sum() > 0
    twice = headline(comp, base, out, M, losses=(2 * loss, 2 * mv))
    assert np.array_equal(twice["equity_loss"], 2 * plain["equity_loss"])
    assert np.array_equal(twice["market_value_lost"], 2 * plain["market_value_lost"])
