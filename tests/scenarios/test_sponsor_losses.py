"""The sponsor equity a vehicle loses reaches its sponsors: an outside sponsor in the holders
layer (a named holder's equity loss, with the leg it came from), an inside sponsor on its own
book line; split by what each put in; the Monte Carlo per-draw path gives the same figures.

A toy campus vehicle (3 of cash, a 10 bond, a lease from its tenant) with 8 of sponsor
equity: 6 from an outside investor (E1) and 2 from its tenant (E2), inside the network with a
reported book equity.
"""

from __future__ import annotations

import numpy as np
import pytest

from dealloop import holders, mapping, scenarios
from dealloop.holders.exposures import sponsor_losses
from dealloop.scenarios import buffer
from dealloop.scenarios.runner import clear_runs

from .conftest import toy_network

ENTITIES = """\
id,name,kind,country,listed,ticker,parent,revenue_usd_bn,market_cap_usd_bn,cash_usd_bn,\
debt_usd_bn,book_equity_usd_bn,capex_usd_bn,backlog_usd_bn,as_of,sources,notes
tenant,Tenant,hyperscaler,US,true,TEN,,100,500,50,,200,,,2026-01,s1,Rents the campus.
campus,Campus vehicle,spv,US,false,,tenant,,,3,,,,,2026-01,s1,Owns the campus.
bondholders,Bondholders,lender,,false,,,,,,,,,,2026-01,s1,Lend to the vehicle.
owl,Owl,investor,,false,,,,,,,,,,2026-01,s1,Outside sponsor.
"""
DEALS = """\
id,payer,payee,kind,amount_usd_bn,amount_low,amount_high,basis,status,condition,announced,\
start,end,stake,evidence,supersedes,part_of,sources,notes
B,bondholders,campus,bond,10,,,reported,committed,,2025-01-01,2025-01-01,2050-12-31,,A,,,s1,Spent.
L,tenant,campus,lease,,,,reported,committed,,2026-01-01,2026-01-01,,,A,,,s1,No end.
E1,owl,campus,equity_investment,6,,,reported,committed,,2025-01-01,2025-01-01,,,A,,,s1,Out.
E2,tenant,campus,equity_investment,2,,,reported,committed,,2025-01-01,2025-01-01,,,A,,,s1,In.
"""
#: A conditional second bond of the campus (6), not counted in the run.
B2 = ("B2,bondholders,campus,bond,6,,,reported,conditional,,2025-01-01,2025-01-01,2050-12-31,,"
      "A,,,s1,If.\n")
HEAD = "name: t\nquestion: q\nhorizon: [2026, 2030]\nmapping: {debt_rates: {B: 0.05}}\n"


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory):
    return toy_network(tmp_path_factory.mktemp("sponsors"), ENTITIES, DEALS)


def _run(net, shock: str):
    sc = scenarios.loads(HEAD + f"shocks: [{shock}]\n")
    comp = mapping.build(net, sc).compile()
    base, out, _, _ = clear_runs(comp)
    moved = buffer.book_change(comp, base, out)[comp.bs.firms.index("tenant"), 0]
    return scenarios.run(sc, net, band=False), moved


def _owl(where) -> float:
    named = where.named
    return float(named.loc[named["holder"] == "owl", "amount"].sum())


def test_a_defaulting_vehicle_costs_each_sponsor_its_contribution(toy) -> None:
    """The campus fails: its 8 of sponsor equity is lost whole. The outside investor loses
    its 6 in the holders layer (a named investor, leg E1, equity channel); the tenant writes
    its 2 off its book line: its equity after is its book before plus its net worth's change
    (stakes at cost, :func:`buffer.book_change`) less 2."""
    res, moved = _run(toy, "{type: fail, entity: campus}")
    f = res.firms
    assert f.at["campus", "defaulted"] and f.at["campus", "equity_basis"] == "sponsor"
    assert f.at["campus", "equity_loss"] == pytest.approx(8.0)
    assert f.at["tenant", "equity_basis"] == "book" and not f.at["tenant", "defaulted"]
    assert f.at["tenant", "equity_after"] == pytest.approx(
        f.at["tenant", "equity_before"] + moved - 2.0, abs=1e-9)
    lay = holders.layer(toy)
    [loss] = sponsor_losses(res, toy, lay)
    assert (loss.firm, loss.holder, loss.sector, loss.channel, loss.deals) == (
        "campus", "owl", "investors", "equity", ("E1",))
    assert loss.amount == pytest.approx(6.0)
    where = holders.follow(res, toy)
    assert _owl(where) == pytest.approx(6.0)
    assert where.sectors["amount"].sum() == pytest.approx(where.households["entered"])
    [note] = where.notes
    assert note.startswith("sponsor equity lost: campus 8.0 of its 8.0 (it defaults")
    assert "owl 6.0 (E1: 8.0 x 75%" in note and "tenant 2.0 (E2: 8.0 x 25%" in note


def test_a_partly_hit_vehicle_splits_its_loss_by_contribution(toy) -> None:
    """Half the lease is cancelled: the campus survives on its cash and loses part of its
    equity, x; the outside investor bears 6/8 of x, the tenant 2/8 of x on its book."""
    res, moved = _run(toy, "{type: cancel, deal: L, fraction: 0.5}")
    f = res.firms
    assert not f.at["campus", "defaulted"]
    x = f.at["campus", "equity_before"] - f.at["campus", "equity_after"]
    assert 0.1 < x < 8.0 and f.at["campus", "equity_loss"] == pytest.approx(x)
    assert _owl(holders.follow(res, toy)) == pytest.approx(0.75 * x, rel=1e-12)
    assert f.at["tenant", "equity_after"] == pytest.approx(
        f.at["tenant", "equity_before"] + moved - 0.25 * x, abs=1e-9)


def test_no_loss_no_sponsor_loss(toy) -> None:
    """Without a shock the vehicle loses nothing and no sponsor loss enters the layer."""
    res = scenarios.run(scenarios.loads(HEAD), toy, band=False)
    assert res.firms.at["campus", "equity_loss"] == 0.0
    assert sponsor_losses(res, toy, holders.layer(toy)) == []
    assert holders.follow(res, toy).notes == ()


def test_per_draw_gives_the_stress_figures_for_a_vehicle(toy) -> None:
    """The Monte Carlo path (:func:`holders.draws.per_draw` on a batch of draws, each with
    a different cut of the lease) gives, draw by draw, the named investor's loss a stress run
    with that cut gives (the stress path: :func:`holders.follow`)."""
    from dealloop.holders.draws import per_draw, routes
    from dealloop.mapping.compiled import compile_scenario
    from dealloop.scenarios.runner import clear_stacked

    cuts = (0.2, 0.5, 0.8, 1.0)

    def scenario(c: float):
        return scenarios.loads(HEAD + f"shocks: [{{type: cancel, deal: L, fraction: {c}}}]\n")

    bs = mapping.build(toy, scenario(0.5))
    comp = bs.compile()
    r = routes(comp, toy, holders.layer(toy))
    assert list(r.sponsor_share) == [0.75]     # the outside sponsor's leg only
    # one compiled run per cut, stacked as the draws of one engine call
    parts = [compile_scenario(scenario(c), bs) for c in cuts]
    base, out = clear_stacked(comp, parts)
    loss = per_draw(r, comp, out, np.repeat(comp.base_mult[:, None], len(cuts), axis=1),
                    buffer.equity_losses(comp, base, out))
    owl = r.columns.index("holder:owl")
    for k, c in enumerate(cuts):
        where = holders.follow(scenarios.run(scenario(c), toy, band=False), toy)
        assert loss[k, owl] == pytest.approx(_owl(where), rel=1e-9, abs=1e-12), c
        got = {col: loss[k, j] for j, col in enumerate(r.columns)
               if r.sectors()[j] and abs(loss[k, j]) > 1e-12}
        sec = where.sectors["amount"]
        assert got == pytest.approx({s: v for s, v in sec.items() if abs(v) > 1e-12},
                                    rel=1e-9, abs=1e-9), c
    assert len(set(np.round(loss[:, owl], 9))) == len(cuts)   # a different loss per cut


def test_an_assumed_amount_is_split_by_the_legs_with_an_amount(toy) -> None:
    """``vehicle_equity: {campus: 4}`` (assumed) is still borne by the sponsors in proportion
    to what their legs put in: the outside investor 3, the tenant 1, when the campus fails."""
    sc = scenarios.loads(HEAD.replace("{debt_rates: {B: 0.05}}",
                                      "{debt_rates: {B: 0.05}, vehicle_equity: {campus: 4}}")
                         + "shocks: [{type: fail, entity: campus}]\n")
    res = scenarios.run(sc, toy, band=False)
    assert res.firms.at["campus", "equity_loss"] == pytest.approx(4.0)
    assert _owl(holders.follow(res, toy)) == pytest.approx(3.0)
    assert "tenant 1.0 (E2: 4.0 x 25%" in holders.follow(res, toy).notes[0]


def test_a_small_sponsor_loss_keeps_two_figures_in_the_note(toy) -> None:
    """``vehicle_equity: {campus: 1}``: the campus fails and loses its 1 of sponsor equity,
    the outside investor 3/4 of it, the tenant 1/4. The note gives each part as the holders
    layer books it, to two significant figures (0.75 and 0.25, not 0.8 and 0.2 at one
    decimal): the figure a reader checks against the named holder's loss."""
    import re

    sc = scenarios.loads(HEAD.replace("{debt_rates: {B: 0.05}}",
                                      "{debt_rates: {B: 0.05}, vehicle_equity: {campus: 1}}")
                         + "shocks: [{type: fail, entity: campus}]\n")
    res = scenarios.run(sc, toy, band=False)
    lost = float(res.firms.at["campus", "equity_loss"])
    assert lost == pytest.approx(1.0)
    where = holders.follow(res, toy)
    [note] = where.notes
    owl, tenant = (re.search(rf"{who} ([0-9.]+) \({leg}: ", note) for who, leg in
                   (("owl", "E1"), ("tenant", "E2")))
    assert owl is not None and tenant is not None, note
    assert float(owl.group(1)) == pytest.approx(_owl(where), abs=5e-3)
    assert float(tenant.group(1)) == pytest.approx(lost - _owl(where), abs=5e-3)
    assert (owl.group(1), tenant.group(1)) == ("0.75", "0.25")


def test_an_inside_sponsor_on_the_construct_writes_nothing_off(toy, tmp_path) -> None:
    """Without a reported book equity the tenant's equity is the model's construct, which
    never counted its stake in the campus (a vehicle has no market value): nothing is written
    off it, and the note says why; the outside investor still loses its 6."""
    net = toy_network(tmp_path, ENTITIES.replace(",100,500,50,,200,", ",100,500,50,,,"), DEALS)
    res, _ = _run(net, "{type: fail, entity: campus}")
    f = res.firms
    assert f.at["tenant", "equity_basis"] == "model"
    sc = scenarios.loads(HEAD + "shocks: [{type: fail, entity: campus}]\n")
    comp = mapping.build(net, sc).compile()
    _, out, _, _ = clear_runs(comp)
    i = comp.bs.firms.index("tenant")
    assert f.at["tenant", "equity_after"] == pytest.approx(float(out.equity[i, 0]), abs=1e-9)
    where = holders.follow(res, net)
    assert _owl(where) == pytest.approx(6.0)
    assert "tenant 2.0 (E2: 8.0 x 25%; inside the network, its equity the model's construct: " \
           "not booked" in where.notes[0]


def test_a_bank_sponsor_loses_against_its_capital(net) -> None:
    """A sponsor that is a bank with a capital figure takes its part in the ``banks`` sector,
    as a named holder: it counts against its CET1."""
    from dealloop.holders import allocate, summarize
    from dealloop.holders.exposures import sponsor_loss

    lay = holders.layer(net)
    loss = sponsor_loss("abilene-jv", "jpmorgan", "D06a", 2.0, net, lay)
    assert (loss.sector, loss.holder, loss.channel) == ("banks", "jpmorgan", "equity")
    banks = summarize(allocate([loss], lay), lay).banks
    assert banks.at["jpmorgan", "loss"] == pytest.approx(2.0)


def test_the_system_counts_a_vehicles_sponsor_equity_once(toy) -> None:
    """The campus fails: the system's equity lost is the campus's 8 (and whatever the tenant
    loses of its own), not 8 + the tenant's 2 written off, which is part of the same 8."""
    res, moved = _run(toy, "{type: fail, entity: campus}")
    f = res.firms
    assert f["equity_loss"].sum() == pytest.approx(8.0 + 2.0 + max(-moved, 0.0), abs=1e-9)
    assert res.system["equity_loss"] == pytest.approx(8.0 + max(-moved, 0.0), abs=1e-9)


def test_a_monte_carlo_chunk_counts_it_once_too(toy) -> None:
    """A Monte Carlo chunk computes each firm's losses and the system's in one pass
    (:func:`buffer.equity_losses_both`): the firm figures keep the tenant's 2 written off,
    the system's equity lost is the stress run's (8 plus the tenant's own), not 2 more."""
    from dealloop.scenarios._mc_chunks import payload, run_chunk

    res, _ = _run(toy, "{type: fail, entity: campus}")
    sc = scenarios.loads(HEAD + "shocks: [{type: fail, entity: campus}]\n")
    comp = mapping.build(toy, sc).compile()
    base, out, _, _ = clear_runs(comp)
    each, once = buffer.equity_losses_both(comp, base, out)
    assert np.array_equal(each, buffer.equity_losses(comp, base, out))
    assert np.array_equal(once, buffer.equity_losses(comp, base, out, sponsors=False))
    assert each.sum() - once.sum() == pytest.approx(2.0, abs=1e-9)
    stats = run_chunk(payload(comp, seed=1, chunk=3), 0, 3)
    assert stats.system["equity_loss"] == pytest.approx(
        np.full(3, res.system["equity_loss"]), abs=1e-9)
    assert stats.loss_sum.sum() == pytest.approx(3 * each.sum(), abs=1e-9)


RACK = ("rack,Rack vehicle,spv,US,false,,tenant,,,1,,,,,2026-01,s1,Owns racks.\n",
        "B2,bondholders,rack,bond,5,,,reported,committed,,2025-01-01,2025-01-01,2050-12-31,,A,,,"
        "s1,Spent.\n"
        "L2,tenant,rack,lease,,,,reported,committed,,2026-01-01,2026-01-01,,,A,,,s1,No end.\n"
        "E3,campus,rack,equity_investment,1,,,reported,committed,,2025-01-01,2025-01-01,,,A,,,"
        "s1,In.\n"
        "E4,owl,rack,equity_investment,3,,,reported,committed,,2025-01-01,2025-01-01,,,A,,,s1,"
        "Out.\n")


def test_a_vehicle_that_sponsors_another_passes_its_write_off_on(tmp_path) -> None:
    """A rack vehicle (4 of sponsor equity: 1 from the campus, 3 from the outside investor)
    fails. The campus writes off its 1, and passes it on to its own sponsors by what they
    put in: the outside investor 0.75 (on top of its 3 in the rack, in the holders layer)
    and the tenant 0.25 on its book, as the note says. The system's equity lost is the
    rack's 4, once."""
    net = toy_network(tmp_path, ENTITIES + RACK[0], DEALS + RACK[1])
    sc = scenarios.loads(HEAD.replace("{B: 0.05}", "{B: 0.05, B2: 0.05}")
                         + "shocks: [{type: fail, entity: rack}]\n")
    comp = mapping.build(net, sc).compile()
    base, out, _, _ = clear_runs(comp)
    moved = dict(zip(comp.bs.firms, buffer.book_change(comp, base, out)[:, 0], strict=True))
    res = scenarios.run(sc, net, band=False)
    f = res.firms
    assert f.at["rack", "equity_loss"] == pytest.approx(4.0)
    assert f.at["campus", "equity_loss"] == pytest.approx(1.0 - moved["campus"], abs=1e-9)
    assert f.at["tenant", "equity_after"] == pytest.approx(
        f.at["tenant", "equity_before"] + moved["tenant"] - 0.25 * f.at["campus", "equity_loss"],
        abs=1e-9)
    where = holders.follow(res, net)
    assert _owl(where) == pytest.approx(3.0 + 0.75 * f.at["campus", "equity_loss"], abs=1e-9)
    own = max(-moved["tenant"], 0.0) + max(-moved["campus"], 0.0)
    assert res.system["equity_loss"] == pytest.approx(4.0 + own, abs=1e-9)


def test_a_joint_amount_is_booked_on_its_sponsor_as_the_most_it_loses(net) -> None:
    """Blue Owl and Crusoe put Abilene's 5.0 in together (D06a; Crusoe's D06b is marked part
    of it, with no amount: the split is not reported). The 5.0 lands on Blue Owl, whose row
    it is; the notes say it is joint with Crusoe, so the most Blue Owl loses, and
    ``--explain crusoe`` shows it."""
    from typer.testing import CliRunner

    from dealloop.cli import app

    d = net.deals.set_index("id")
    assert d.at["D06b", "part_of"] == "D06a" and d.at["D06b", "payer"] == "crusoe"
    assert d.at["D06b", "amount_usd_bn"] != d.at["D06b", "amount_usd_bn"]   # no amount
    res = scenarios.run("oracle-exits-abilene", net, band=False)
    [note] = holders.follow(res, net).notes
    assert "jointly with crusoe (D06b), marked part of D06a" in note
    assert "5.0 is the most blue-owl loses" in note
    r = CliRunner().invoke(app, ["stress", "oracle-exits-abilene", "--no-band",
                                 "--explain", "crusoe"])
    assert r.exit_code == 0, r.output
    assert "jointly with crusoe (D06b)" in " ".join(r.output.split())


def test_sponsors_without_amounts_are_named_and_nothing_is_allocated(tmp_path) -> None:
    """The sponsors' legs carry no amount and the scenario assumes 4 of sponsor equity: the
    campus loses 4, which cannot be split by what each put in; the note names the sponsors
    and their legs and says it is not allocated (nothing enters the holders layer)."""
    unsized = DEALS.replace("equity_investment,6,", "equity_investment,,").replace(
        "equity_investment,2,", "equity_investment,,")
    net = toy_network(tmp_path, ENTITIES, unsized)
    sc = scenarios.loads(HEAD.replace("{debt_rates: {B: 0.05}}",
                                      "{debt_rates: {B: 0.05}, vehicle_equity: {campus: 4}}")
                         + "shocks: [{type: fail, entity: campus}]\n")
    res = scenarios.run(sc, net, band=False)
    assert res.firms.at["campus", "equity_loss"] == pytest.approx(4.0)
    assert sponsor_losses(res, net, holders.layer(net)) == []
    [note] = holders.follow(res, net).notes
    assert note.endswith("its sponsors' legs carry no amount to split it by (owl: E1; "
                         "tenant: E2), not allocated")


def test_a_bank_sponsor_of_a_user_dataset_counts_against_its_cet1(tmp_path) -> None:
    """The outside sponsor is a lender with a CET1 figure (banks.csv: 10% of 100 of RWA):
    when the campus fails its 6 lands in the banks sector as the named bank's loss, which
    takes its CET1 ratio from 10% to 4%, below its 4.5% requirement."""
    net = toy_network(tmp_path, ENTITIES.replace("owl,Owl,investor", "owl,Owl Bank,lender"), DEALS,
               **{"banks.csv": "id,name,cet1_ratio,rwa_usd_bn,min_cet1_ratio,period,as_of,"
                               "sources,notes\nowl,Owl Bank,0.10,100,0.045,4Q25,2025-12-31,s1,"
                               "Toy.\n"})
    res = scenarios.run(scenarios.loads(HEAD + "shocks: [{type: fail, entity: campus}]\n"),
                        net, band=False)
    where = holders.follow(res, net)
    named = where.named.set_index("holder")
    assert named.at["owl", "sector"] == "banks"
    assert named.at["owl", "amount"] == pytest.approx(6.0)
    bank = where.banks.loc["owl"]
    assert bank["loss"] == pytest.approx(6.0) and bool(bank["below_min"])
    assert (bank["ratio"], bank["ratio_after"]) == pytest.approx((0.10, 0.04))
    assert where.sectors.at["banks", "amount"] == pytest.approx(6.0)



def _draws_and_stress(net, sc, leg: str, mults: tuple[float, ...]):
    """The Monte Carlo path of one batch of draws of scenario ``sc`` with multipliers
    ``mults`` on the sponsor leg ``leg``, as a chunk runs it (:func:`clear_runs` with the
    draws' multipliers; the firms' equity lost, the system's, the holders' per draw), and
    the stress run of each draw's world: the leg excluded at 0, else its amount set
    (``legs.exclude`` / ``legs.amounts``)."""
    comp = mapping.build(net, sc).compile()
    M = np.repeat(comp.base_mult[:, None], len(mults), axis=1)
    d = comp.deal_index[leg]
    M[d] = mults
    r, each, system, held = _monte_carlo_path(net, comp, M)
    amount = float(comp.bs.deals["value"].iloc[d])
    stress = []
    for x in mults:
        legs = sc.legs.model_copy(update={"exclude": [*sc.legs.exclude, leg]} if x == 0 else
                                  {"amounts": {**sc.legs.amounts, leg: amount * x}})
        stress.append(scenarios.run(sc.model_copy(update={"legs": legs}), net, band=False))
    return comp, r, each, system, held, stress


def _monte_carlo_path(net, comp, M: np.ndarray):
    """What a chunk computes for draws with deal multipliers ``M``: the holders' routes,
    each firm's equity lost with its equity before and after, the system's headlines and
    the holders' losses per draw."""
    from dealloop.holders.draws import per_draw, routes
    from dealloop.scenarios.runner import headline

    base, out, _, _ = clear_runs(comp, M.shape[1], mult=M, replan=comp.replan(M))
    each, once = buffer.equity_losses_both(comp, base, out, mult=M)
    paths = buffer.equity_paths(comp, base, out, mult=M)
    mv = np.maximum(buffer.market_value_losses(comp, out), 0.0)
    system = headline(comp, base, out, M, losses=(once, mv))
    r = routes(comp, net, holders.layer(net))
    return r, (each, paths), system, per_draw(r, comp, out, M, each)


def _named(where, holder: str) -> float:
    named = where.named
    return float(named.loc[named["holder"] == holder, "amount"].sum())


def _same_as_stress(net, comp, r, each, system, held, stress, holders_named) -> None:
    """Draw ``k`` of the Monte Carlo path gives stress run ``k``'s figures: every firm's
    equity before and after and its equity lost (the firms table's, a gain counted as no
    loss), the system's equity lost and payment shortfall (``system``: the draws'
    headlines), and the named holders' losses."""
    firms = comp.bs.firms
    each, (before, after) = each
    for k, res in enumerate(stress):
        for col, path in (("equity_before", before), ("equity_after", after)):
            assert dict(zip(firms, path[:, k], strict=True)) == pytest.approx(
                res.firms[col].to_dict(), rel=1e-9, abs=1e-9), (k, col)
        got = dict(zip(firms, each[:, k], strict=True))
        want = res.firms["equity_loss"].clip(lower=0.0).to_dict()   # a gain: no loss
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9), k
        for m in ("equity_loss", "payment_shortfall"):
            assert system[m][k] == pytest.approx(res.system[m], rel=1e-9, abs=1e-9), (k, m)
        where = holders.follow(res, net)
        for h in holders_named:
            assert held[k, r.columns.index(f"holder:{h}")] == pytest.approx(
                _named(where, h), rel=1e-9, abs=1e-9), (k, h)


def test_the_draws_sponsor_equity_follows_its_sponsor_leg(toy) -> None:
    """Four draws drop, halve, keep and raise by half the outside investor's leg E1 (6 of the
    campus's 8) while half the lease is cancelled: each draw gives the firms' equity lost
    (the campus's, the tenant's with its write-off), the system's, and the named investor's
    loss the stress run with E1 excluded or its amount set gives (2, 5, 8 and 11 of sponsor
    equity, split 0:1, 3:2, 3:1 and 9:2)."""
    mults = (0.0, 0.5, 1.0, 1.5)
    sc = scenarios.loads(HEAD + "shocks: [{type: cancel, deal: L, fraction: 0.5}]\n")
    comp, r, each, system, held, stress = _draws_and_stress(toy, sc, "E1", mults)
    for k, res in enumerate(stress):
        assert res.firms.at["campus", "equity_before"] == pytest.approx(2.0 + 6.0 * mults[k])
    _same_as_stress(toy, comp, r, each, system, held, stress, ["owl"])
    owl = held[:, r.columns.index("holder:owl")]
    assert owl[0] == 0.0 and len(set(np.round(owl, 9))) == len(mults)
    tenant = each[1][1][comp.bs.firms.index("tenant")]   # equity after: its write-off moves
    assert len(set(np.round(tenant, 9))) == len(mults)    # with its share of the campus


def test_a_dropped_sponsor_leg_in_a_draw_is_the_stress_run_without_it(net) -> None:
    """oracle-exits-abilene: a draw without Blue Owl's D06a (Abilene's only sponsor leg with
    an amount) is the stress run with ``legs: {exclude: [D06a]}``: Blue Owl loses 0, not
    5.0; the venture has no sponsor equity left (it stands on the construct, as in that
    run), and JPMorgan, whose collateral was funded with 5.0 less, loses ~3.7, not 0.4. A
    draw at half the amount is the stress run with D06a at 2.5."""
    sc = scenarios.load("oracle-exits-abilene")
    comp, r, each, system, held, stress = _draws_and_stress(net, sc, "D06a", (0.0, 0.5, 1.0))
    _same_as_stress(net, comp, r, each, system, held, stress, ["blue-owl", "jpmorgan"])
    owl, jpm = (held[:, r.columns.index(f"holder:{h}")] for h in ("blue-owl", "jpmorgan"))
    assert owl.tolist() == pytest.approx([0.0, 2.5, 5.0])
    assert jpm[0] == pytest.approx(3.73, abs=0.01) and jpm[2] == pytest.approx(0.41, abs=0.01)
    assert stress[0].firms.at["abilene-jv", "equity_basis"] == "model"


def test_rank_legs_counts_the_sponsor_equity_a_removed_leg_takes(net) -> None:
    """``rank-legs`` removes one leg per draw: without D06a Abilene's 5.0 of sponsor equity is
    not there to lose, so the system's equity lost falls by what the stress run without it
    says (not by 0, as when the vehicle kept its 5.0), and the payment shortfall rises by
    what its lenders' smaller collateral leaves unpaid."""
    sc = scenarios.load("oracle-exits-abilene")
    res = scenarios.sensitivity(sc, net, legs=["D06a"])
    without = sc.model_copy(update={"legs": sc.legs.model_copy(update={"exclude": ["D06a"]})})
    a, b = (scenarios.run(x, net, band=False).system for x in (without, sc))
    assert a["equity_loss"] - b["equity_loss"] == pytest.approx(-5.0, abs=0.01)
    assert a["payment_shortfall"] - b["payment_shortfall"] == pytest.approx(3.3, abs=0.1)
    for m in ("equity_loss", "payment_shortfall"):
        assert res.table.at[0, f"delta_{m}"] == pytest.approx(a[m] - b[m], rel=1e-9,
                                                              abs=1e-9), m


def test_a_chunk_follows_a_drawn_sponsor_amount(toy) -> None:
    """``monte_carlo.ranges`` draws E1 between 3 and 9 and the campus fails: each draw of a
    chunk gives the system's equity lost of the stress run with E1 at the amount drawn (the
    campus's 2 + E1, not 8 whatever the draw)."""
    from dealloop.scenarios._mc_chunks import draw, payload, run_chunk

    sc = scenarios.loads(HEAD + "shocks: [{type: fail, entity: campus}]\n"
                         "monte_carlo: {ranges: {E1: [3, 9]}, amounts: uniform}\n")
    comp = mapping.build(toy, sc).compile()
    p = payload(comp, seed=3, chunk=3)
    stats = run_chunk(p, 0, 3)
    M, _, _ = draw(p, 0, 3)
    v = float(comp.bs.deals["value"].iloc[comp.deal_index["E1"]])
    for k in range(3):
        legs = sc.legs.model_copy(update={"amounts": {"E1": v * M[comp.deal_index["E1"], k]}})
        res = scenarios.run(sc.model_copy(update={"legs": legs}), toy, band=False)
        assert stats.system["equity_loss"][k] == pytest.approx(res.system["equity_loss"],
                                                               rel=1e-9, abs=1e-9), k
    assert len(set(np.round(stats.system["equity_loss"], 9))) == 3


def test_a_vehicle_that_sponsors_another_follows_the_draw_too(tmp_path) -> None:
    """The rack vehicle fails; draws move the legs into it and into the campus that sponsors
    it: E3 (the campus's 1 in the rack) dropped; E3 halved and E4 (the investor's 3) doubled;
    both the campus's own legs dropped (the campus then stands on the construct, writes
    nothing off and passes nothing on, as in its stress run); E4 dropped; nothing moved.
    Each draw gives every firm's equity before and after, the system's equity lost and the
    investor's loss of the stress run with those legs excluded or their amounts set."""
    net = toy_network(tmp_path, ENTITIES + RACK[0], DEALS + RACK[1])
    sc = scenarios.loads(HEAD.replace("{B: 0.05}", "{B: 0.05, B2: 0.05}")
                         + "shocks: [{type: fail, entity: rack}]\n")
    from dealloop.holders.draws import per_draw, routes
    from dealloop.scenarios.runner import headline

    comp = mapping.build(net, sc).compile()
    draws = ({"E3": 0.0}, {"E3": 0.5, "E4": 2.0}, {"E1": 0.0, "E2": 0.0}, {"E4": 0.0}, {})
    M = np.repeat(comp.base_mult[:, None], len(draws), axis=1)
    for k, c in enumerate(draws):
        for d, x in c.items():
            M[comp.deal_index[d], k] = x
    base, out, _, _ = clear_runs(comp, len(draws), mult=M, replan=comp.replan(M))
    each, once = buffer.equity_losses_both(comp, base, out, mult=M)
    before, after = buffer.equity_paths(comp, base, out, mult=M)
    mv = np.maximum(buffer.market_value_losses(comp, out), 0.0)
    system = headline(comp, base, out, M, losses=(once, mv))["equity_loss"]
    r = routes(comp, net, holders.layer(net))
    owl = per_draw(r, comp, out, M, each)[:, r.columns.index("holder:owl")]
    value = comp.bs.deals.set_index("id")["value"]
    firms = comp.bs.firms
    for k, c in enumerate(draws):
        legs = sc.legs.model_copy(update={
            "exclude": [d for d, x in c.items() if x == 0],
            "amounts": {d: float(value[d]) * x for d, x in c.items() if x != 0}})
        res = scenarios.run(sc.model_copy(update={"legs": legs}), net, band=False)
        f = res.firms
        assert dict(zip(firms, before[:, k], strict=True)) == pytest.approx(
            f["equity_before"].to_dict(), abs=1e-9), c
        assert dict(zip(firms, after[:, k], strict=True)) == pytest.approx(
            f["equity_after"].to_dict(), abs=1e-9), c
        assert system[k] == pytest.approx(res.system["equity_loss"], abs=1e-9), c
        assert owl[k] == pytest.approx(_owl(holders.follow(res, net)), abs=1e-9), c
        assert f.at["campus", "equity_basis"] == ("model" if k == 2 else "sponsor")


def test_the_draws_debt_leg_values_the_vehicles_collateral_as_the_stress_run(toy) -> None:
    """The campus fails; four draws drop, halve, keep and raise by half its bond B (10): each
    gives every firm's equity before, after and lost, the system's equity lost and the
    outside investor's loss of the stress run with B excluded or its amount set. That run
    values the bondholders' collateral at what the campus was funded with, its 8 of sponsor
    equity + B as drawn (8 + 5 for a half, not half of 18), and sizes the lease's assumed
    rent from B as drawn (its debt service)."""
    mults = (0.0, 0.5, 1.0, 1.5)
    sc = scenarios.loads(HEAD + "shocks: [{type: fail, entity: campus}]\n")
    comp, r, each, system, held, stress = _draws_and_stress(toy, sc, "B", mults)
    _same_as_stress(toy, comp, r, each, system, held, stress, ["owl"])
    assert [res.firms.at["campus", "equity_before"] for res in stress] == pytest.approx(
        [8.0] * len(mults))
    short = system["payment_shortfall"]   # the bondholders: 23 of collateral at 1.5, not 27
    assert short[:3].tolist() == [0.0, 0.0, 0.0] and short[3] > 0.0


def test_the_draws_debt_leg_sizes_the_lease_rent_assumed_from_it(toy) -> None:
    """Half the lease L is cancelled (the campus does not fail): L's rent is assumed from
    B's debt service, so a draw of B sizes it again as the stress run does (the tenant's
    and the campus's equity follow B)."""
    mults = (0.5, 1.0, 1.5)
    sc = scenarios.loads(HEAD + "shocks: [{type: cancel, deal: L, fraction: 0.5}]\n")
    comp, r, each, system, held, stress = _draws_and_stress(toy, sc, "B", mults)
    _same_as_stress(toy, comp, r, each, system, held, stress, ["owl"])
    campus = each[1][1][comp.bs.firms.index("campus")]   # equity after: the rent it keeps
    assert len(set(np.round(campus, 9))) == len(mults)


def test_a_drawn_debt_leg_of_abilene_is_the_stress_run_at_that_amount(net) -> None:
    """oracle-exits-abilene draws JPMorgan's D05 in its range (9.4 to 9.6): a draw at 9.6 is
    the stress run with ``legs: {amounts: {D05: 9.6}}`` (collateral 5.0 + 9.6, Oracle's
    assumed rent sized from 9.6), one without D05 the run with it excluded, for every
    firm's equity lost, the system's, and Blue Owl's and JPMorgan's losses."""
    sc = scenarios.load("oracle-exits-abilene")
    mults = (0.0, 1.0, 9.6 / 9.4)
    comp, r, each, system, held, stress = _draws_and_stress(net, sc, "D05", mults)
    _same_as_stress(net, comp, r, each, system, held, stress, ["blue-owl", "jpmorgan"])
    jpm = held[:, r.columns.index("holder:jpmorgan")]
    assert jpm[2] > jpm[1] > 0.0    # more lent against the same lease: more lost


def test_a_drawn_stake_is_carried_at_the_cost_the_draw_gives_it(net) -> None:
    """ai-demand-shock with Amazon's equity leg D30a (15 in OpenAI) drawn at 13.5, 15 and
    16.5: Amazon carries its OpenAI stake at the cost the draw gives the leg, as the stress
    run with ``legs: {amounts: {D30a: ...}}`` does, for every firm's equity before, after and
    lost and the system's (Amazon's equity after was 0.21 off at 16.5: the compiled cost
    of 15 capped the stake's book value)."""
    sc = scenarios.load("ai-demand-shock")
    comp, r, each, system, held, stress = _draws_and_stress(net, sc, "D30a", (0.9, 1.0, 1.1))
    _same_as_stress(net, comp, r, each, system, held, stress, [])


def test_a_stake_a_shock_calls_keeps_its_cost_in_every_draw(net) -> None:
    """nvidia-loi-never-converts leaves NVIDIA's D02 (30 in OpenAI) out of the legs and has a
    shock call it: its stake is carried at its cost of 30 in a draw too, as in the stress
    run. A draw that switches on OpenAI's conditional D09 (at x0.85) and D13 brings OpenAI's
    value below it: NVIDIA's equity after was 27.8 off when the cost followed D02's
    multiplier in the draw (0); a draw's cost follows only the amounts the draw gives."""
    sc = scenarios.load("nvidia-loi-never-converts")
    comp = mapping.build(net, sc).compile()
    M = comp.base_mult[:, None].copy()
    M[comp.deal_index["D09"], 0], M[comp.deal_index["D13"], 0] = 0.85, 1.0
    r, each, system, held = _monte_carlo_path(net, comp, M)
    value = float(comp.bs.deals.set_index("id").at["D09", "value"])
    legs = sc.legs.model_copy(update={"include": [*sc.legs.include, "D09", "D13"],
                                      "amounts": {**sc.legs.amounts, "D09": value * 0.85}})
    stress = [scenarios.run(sc.model_copy(update={"legs": legs}), net, band=False)]
    _same_as_stress(net, comp, r, each, system, held, stress, [])


def test_a_stake_from_a_drawn_amount_leaves_outside_shareholders_their_part(net) -> None:
    """ai-demand-shock with Google's conditional D111 (30 in Anthropic, no stake reported:
    its stake is the amount over Anthropic's market value) switched on at 15: the holders'
    losses per draw are those of the stress run with ``legs: {include: [D111], amounts:
    {D111: 15}}``, sector by sector (Anthropic's outside shareholders bore 15 less: the draw
    held the stake of 30; Meta's reported 49% of Scale AI, D99, is held whole at any
    amount, as that run holds it)."""
    sc = scenarios.load("ai-demand-shock")
    comp = mapping.build(net, sc).compile()
    M = np.repeat(comp.base_mult[:, None], 2, axis=1)
    M[comp.deal_index["D111"], 1] = 0.5
    M[comp.deal_index["D99"], 1] = 14.9 / float(comp.bs.deals.set_index("id").at["D99", "value"])
    r, _, _, held = _monte_carlo_path(net, comp, M)
    legs = sc.legs.model_copy(update={"include": ["D111"], "amounts": {"D111": 15.0,
                                                                       "D99": 14.9}})
    res = scenarios.run(sc.model_copy(update={"legs": legs}), net, band=False)
    sectors = holders.follow(res, net).sectors["amount"]
    for j, col in enumerate(r.columns):
        if not col.startswith(("holder:", "line:")):
            assert held[1, j] == pytest.approx(float(sectors.get(col, 0.0)), rel=1e-9,
                                               abs=1e-9), col


def test_a_reported_stake_is_held_whole_at_any_amount_drawn(net) -> None:
    """coreweave-default with Microsoft's D26 in OpenAI (13.8 for a reported 27%) drawn at
    x0.6 and x1.2: Microsoft holds its 27% as the stress run with ``legs: {amounts: {D26:
    ...}}`` does (the draws scaled the stake with the amount: market value lost and its
    double-counted part 0.19 off at x0.6), for the system's figures, every firm's equity and
    the holders' losses sector by sector."""
    sc = scenarios.load("coreweave-default")
    comp, r, each, system, held, stress = _draws_and_stress(net, sc, "D26", (0.6, 1.0, 1.2))
    _same_as_stress(net, comp, r, each, system, held, stress, [])
    for k, res in enumerate(stress):
        for m in ("market_value_lost", "double_counted", "market_value_lost_net"):
            assert system[m][k] == pytest.approx(res.system[m], rel=1e-9, abs=1e-9), (k, m)
        sectors = holders.follow(res, net).sectors["amount"]
        for j, col in enumerate(r.columns):
            if not col.startswith(("holder:", "line:")):
                assert held[k, j] == pytest.approx(float(sectors.get(col, 0.0)), rel=1e-9,
                                                   abs=1e-9), (k, col)


def test_a_chunk_of_abilene_follows_the_drawn_d05(net) -> None:
    """A Monte Carlo chunk of oracle-exits-abilene (amounts drawn in their ranges, D05 in
    9.4-9.6): each draw gives the system's equity lost and payment shortfall of the stress
    run with the legs at the amounts drawn, D05's among them."""
    from dealloop.scenarios._mc_chunks import draw, payload, run_chunk

    sc = scenarios.load("oracle-exits-abilene")
    comp = mapping.build(net, sc).compile()
    p = payload(comp, seed=5, chunk=3)
    stats = run_chunk(p, 0, 3)
    M, _, _ = draw(p, 0, 3)
    value = comp.bs.deals.set_index("id")["value"]
    moved = [d for d in comp.deal_ids if (M[comp.deal_index[d]] != comp.base_mult[
        comp.deal_index[d]]).any()]
    assert "D05" in moved
    for k in range(3):
        amounts = {d: float(value[d]) * M[comp.deal_index[d], k] for d in moved
                   if M[comp.deal_index[d], k] != 0}
        legs = sc.legs.model_copy(update={
            "amounts": {**sc.legs.amounts, **amounts},
            "exclude": [*sc.legs.exclude, *(d for d in moved if M[comp.deal_index[d], k] == 0)]})
        res = scenarios.run(sc.model_copy(update={"legs": legs}), net, band=False)
        for m in ("equity_loss", "payment_shortfall"):
            assert stats.system[m][k] == pytest.approx(res.system[m], rel=1e-9, abs=1e-9), (k, m)


def test_rank_legs_without_d05_is_the_stress_run_without_it(net) -> None:
    """``rank-legs`` removing JPMorgan's D05 from oracle-exits-abilene moves the system's
    figures as the stress run with ``legs: {exclude: [D05]}`` does (its collateral, and
    Oracle's rent assumed from D05's debt service, gone with it)."""
    sc = scenarios.load("oracle-exits-abilene")
    res = scenarios.sensitivity(sc, net, legs=["D05"])
    without = sc.model_copy(update={"legs": sc.legs.model_copy(update={"exclude": ["D05"]})})
    a, b = (scenarios.run(x, net, band=False).system for x in (without, sc))
    for m in ("equity_loss", "payment_shortfall", "new_money_needed"):
        assert res.table.at[0, f"delta_{m}"] == pytest.approx(a[m] - b[m], rel=1e-9,
                                                              abs=1e-9), m


def _on_and_stress(net, sc, leg: str):
    """Two draws of scenario ``sc``: ``leg`` (not counted in the run) left off, and
    switched on at its amount; and the stress runs of each: ``sc``, and ``sc`` with
    ``legs: {include: [leg]}``."""
    comp = mapping.build(net, sc).compile()
    d = comp.deal_index[leg]
    assert comp.base_mult[d] == 0.0
    M = np.repeat(comp.base_mult[:, None], 2, axis=1)
    M[d, 1] = 1.0
    r, each, system, held = _monte_carlo_path(net, comp, M)
    on = sc.model_copy(update={"legs": sc.legs.model_copy(
        update={"include": [*sc.legs.include, leg]})})
    stress = [scenarios.run(x, net, band=False) for x in (sc, on)]
    return comp, r, each, system, held, stress


def test_a_sponsor_leg_a_draw_switches_on_joins_the_vehicle(tmp_path) -> None:
    """A conditional equity leg E3 (hawk's 4 in the campus) is not counted in the run; a
    draw that switches it on gives the campus 12 of sponsor equity (8 + 4), split 6:2:4,
    and the bondholders' collateral the 4 more, as the stress run with ``legs: {include:
    [E3]}``: every firm's equity before, after and lost, the system's equity lost and
    payment shortfall, and owl's and hawk's losses; the draw with it off is the run."""
    ents = ENTITIES + "hawk,Hawk,investor,,false,,,,,,,,,,2026-01,s1,Conditional sponsor.\n"
    deals = DEALS + ("E3,hawk,campus,equity_investment,4,,,reported,conditional,,2025-01-01,"
                     "2025-01-01,,,A,,,s1,If.\n")
    net = toy_network(tmp_path, ents, deals)
    sc = scenarios.loads(HEAD + "shocks: [{type: fail, entity: campus}]\n")
    comp, r, each, system, held, stress = _on_and_stress(net, sc, "E3")
    assert [res.firms.at["campus", "equity_before"] for res in stress] == [8.0, 12.0]
    _same_as_stress(net, comp, r, each, system, held, stress, ["owl", "hawk"])
    assert held[:, r.columns.index("holder:hawk")].tolist() == pytest.approx([0.0, 4.0])


def test_a_draw_with_xais_conditional_d75a_is_the_stress_run_including_it(net) -> None:
    """xai-stops-paying: Nvidia's conditional 2.0 in the xAI GPU vehicle (D75a) is not
    counted in the run; a draw that switches it on is the stress run with ``legs:
    {include: [D75a]}`` (the vehicle's 7.5 of sponsor equity, Nvidia's write-off of its
    part, the lenders' collateral), firm by firm and for the system."""
    sc = scenarios.load("xai-stops-paying")
    comp, r, each, system, held, stress = _on_and_stress(net, sc, "D75a")
    _same_as_stress(net, comp, r, each, system, held, stress, [])
    assert stress[1].firms.at["xai-gpu-spv", "equity_before"] == pytest.approx(7.5)


def test_a_debt_leg_a_draw_switches_on_is_pledged_as_the_stress_run_pledges_it(
        tmp_path) -> None:
    """A conditional second bond B2 (6) of the campus is not counted in the run; a draw
    that switches it on is the stress run with ``legs: {include: [B2]}``: the campus funded
    with 8 + 10 + 6, its pool shared 10:6 between the bonds, the lease's rent assumed from
    both bonds' debt service; the draw with it off is the run."""
    net = toy_network(tmp_path, ENTITIES, DEALS + B2)
    sc = scenarios.loads(HEAD.replace("{B: 0.05}", "{B: 0.05, B2: 0.05}")
                         + "shocks: [{type: fail, entity: campus}]\n")
    comp, r, each, system, held, stress = _on_and_stress(net, sc, "B2")
    _same_as_stress(net, comp, r, each, system, held, stress, ["owl"])
    assert system["payment_shortfall"][1] != system["payment_shortfall"][0]


def test_a_draw_with_xais_conditional_d149_is_the_stress_run_including_it(net) -> None:
    """xai-stops-paying: Apollo's conditional 3.4 to the xAI GPU vehicle (D149) is not
    counted in the run; a draw that switches it on is the stress run with ``legs:
    {include: [D149]}`` (pledged in the vehicle's GPU pool with D76 and D148, the lease's
    assumed rent with its debt service), firm by firm and for the system."""
    sc = scenarios.load("xai-stops-paying")
    comp, r, each, system, held, stress = _on_and_stress(net, sc, "D149")
    _same_as_stress(net, comp, r, each, system, held, stress, [])
    assert system["payment_shortfall"][1] != system["payment_shortfall"][0]


def test_a_debt_leg_the_stress_run_leaves_unsecured_stays_unsecured_in_the_draw(net) -> None:
    """xai-stops-paying written with ``secured_vehicles: false`` and the vehicle's two
    loans secured by name (``secured: {D76: gpu, D148: gpu}``): Apollo's conditional D149
    that a draw switches on is unsecured in the stress run with ``legs: {include: [D149]}``,
    and part of the vehicle's funding that the two loans' collateral is worth. The draw
    gives that run's figures (it pledged D149 in their pool before: payment shortfall 0.23
    off)."""
    sc = scenarios.load("xai-stops-paying")
    sc = sc.model_copy(update={"mapping": sc.mapping.model_copy(update={
        "secured_vehicles": False, "secured": {"D76": "gpu", "D148": "gpu"}})})
    comp, r, each, system, held, stress = _on_and_stress(net, sc, "D149")
    assert "D149" not in set(stress[1].balance.collateral["deal"])
    _same_as_stress(net, comp, r, each, system, held, stress, [])
    assert comp.uncounted_debt == {"D149": "unsecured"}


def test_a_vehicles_funding_is_pledged_once_across_its_pools(tmp_path) -> None:
    """B's pool is named (``secured: {B: 'campus:site'}``): a stress run including the
    conditional B2 secures it on the campus's default pool. The campus's funding (8 + 10 +
    6) is worth once, shared by both pools pro rata (each was worth all 24: collateral
    counted twice), and a draw that switches B2 on is that run (it pledged B2 in B's pool,
    which left B2's pool out: payment shortfall off)."""
    net = toy_network(tmp_path, ENTITIES, DEALS + B2)
    sc = scenarios.loads(HEAD.replace(
        "{debt_rates: {B: 0.05}}", "{debt_rates: {B: 0.05, B2: 0.05}, "
        "secured: {B: 'campus:site'}, collateral_haircut: {campus: 0.6}}")
        + "shocks: [{type: fail, entity: campus}]\n")
    comp, r, each, system, held, stress = _on_and_stress(net, sc, "B2")
    pl = stress[1].balance.collateral.set_index("deal")
    assert pl["pool"].to_dict() == {"B": "campus:site", "B2": "campus:campus"}
    assert pl["value"].to_dict() == pytest.approx({"B": 15.0, "B2": 9.0})
    _same_as_stress(net, comp, r, each, system, held, stress, ["owl"])


def test_a_debt_leg_the_draws_cannot_pledge_is_named_in_the_notes(tmp_path) -> None:
    """The conditional B2 has its own collateral value (``collateral_value: {B2: 3}``): a
    stress run including it pledges 3 in the campus's pool beside B's funding, which the
    draws do not follow; the Monte Carlo notes name B2, and the draw is indeed not that
    run."""
    from dealloop.scenarios._mc_chunks import payload
    from dealloop.scenarios.montecarlo import vehicle_legs_drawn_in

    net = toy_network(tmp_path, ENTITIES, DEALS + B2)
    sc = scenarios.loads(HEAD.replace(
        "{debt_rates: {B: 0.05}}", "{debt_rates: {B: 0.05, B2: 0.05}, "
        "collateral_value: {B2: 3}}") + "monte_carlo: {conditional: {probability: 0.5}}\n"
        "shocks: [{type: fail, entity: campus}]\n")
    comp, _, _, system, _, stress = _on_and_stress(net, sc, "B2")
    note = vehicle_legs_drawn_in(comp, payload(comp, seed=1, chunk=4))
    assert "B2 (debt of campus" in note
    assert system["payment_shortfall"][1] != pytest.approx(stress[1].system["payment_shortfall"])
