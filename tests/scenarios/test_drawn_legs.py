"""A draw with given leg amounts is the stress run with those amounts: a debt leg of a firm
that reports its total debt (the reported debt beyond the legs is sized again per draw), and
a leg a ``conditional`` shock calls (it happens at the amount the draw gives it)."""

from __future__ import annotations

import numpy as np
import pytest

from dealloop import mapping, scenarios
from dealloop.scenarios.results import HEADLINES

from .test_sponsor_losses import _draws_and_stress, _monte_carlo_path, _same_as_stress


def test_a_drawn_debt_leg_of_a_firm_reporting_its_debt_is_its_stress_run(net) -> None:
    """coreweave-default with CoreWeave's D94a (6.73 of its reported 21.4) drawn at 0, x0.5,
    x1.5 and x2: each draw is the stress run with D94a excluded or at that amount. Below its
    amount the reported total holds (the rest is debt beyond the legs); at x2 the legs drawn
    by the figure's date (21.9) pass the figure and the debt beyond them is 0. The payment
    shortfall was 4.29 off at 0 when the draw dropped the debt."""
    sc = scenarios.load("coreweave-default")
    mults = (0.0, 0.5, 1.0, 1.5, 2.0)
    comp, r, each, system, held, stress = _draws_and_stress(net, sc, "D94a", mults)
    _same_as_stress(net, comp, r, each, system, held, stress, [])
    beyond = []
    for x in mults:
        cl = mapping.build(net, _world(sc, "D94a", 6.73 * x)).claims.set_index("deal")
        beyond.append(float(cl.at["debt:coreweave", "accel"] * cl.at["debt:coreweave", "base"]))
    assert beyond[0] > beyond[1] > beyond[2] > beyond[3] > 0.0 == beyond[4]
    short = system["payment_shortfall"]
    assert short[0] == pytest.approx(short[2], abs=1e-9)   # out of the legs, still owed


def _world(sc, leg: str, amount: float):
    legs = sc.legs.model_copy(update={"exclude": [*sc.legs.exclude, leg]} if amount == 0
                              else {"amounts": {**sc.legs.amounts, leg: amount}})
    return sc.model_copy(update={"legs": legs})


def test_a_leg_a_conditional_shock_calls_keeps_its_drawn_amount(net) -> None:
    """A user scenario calls OpenAI's conditional D13 (CoreWeave compute, drawn in 3-6.5,
    4.75 in the run) and cuts OpenAI's revenue: a draw at 3.5 or 6.0 is the stress run with
    ``legs: {include: [D13], amounts: {D13: ...}}``, the new money OpenAI needs following
    the amount. The shock set the leg's multiplier to exactly 1, so the draw ran at 4.75
    whatever amount it gave."""
    sc = scenarios.loads(
        "name: t\nquestion: q\nmonte_carlo: {ranges: {D13: [3.0, 6.5]}}\n"
        "shocks: [{type: conditional, deal: D13, happens: true},"
        " {type: revenue, entity: openai, fall: 0.5}]\n")
    comp = mapping.build(net, sc).compile()
    d = comp.deal_index["D13"]
    value = float(comp.bs.deals["value"].iloc[d])
    amounts = (3.5, value, 6.0)
    M = np.repeat(comp.base_mult[:, None], len(amounts), axis=1)
    M[d] = [a / value for a in amounts]
    r, each, system, held = _monte_carlo_path(net, comp, M)
    stress = []
    for a in amounts:
        legs = sc.legs.model_copy(update={"include": ["D13"], "amounts": {"D13": a}})
        stress.append(scenarios.run(sc.model_copy(update={"legs": legs}), net, band=False))
    _same_as_stress(net, comp, r, each, system, held, stress, [])
    need = system["new_money_needed"]
    assert need[0] < need[1] < need[2]


def test_a_chip_purchase_switched_on_with_a_loan_reduced_is_its_stress_run(net) -> None:
    """coreweave-default, a draw switching on CoreWeave's conditional chip purchase X02 (23)
    with its revolver D94c at half (review13 N3): the new money CoreWeave's plan needs and
    every headline are the stress run's with ``legs: {include: [X02], amounts: {D94c:
    0.225}}``. New money needed was 0.014 off: the plan's caps were sized with the loan's
    debt gone from the reported total, as if D94c were debt beyond the figure."""
    sc = scenarios.load("coreweave-default")
    comp = mapping.build(net, sc).compile()
    M = np.repeat(comp.base_mult[:, None], 2, axis=1)
    M[comp.deal_index["X02"]] = 1.0
    M[comp.deal_index["D94c"], 1] = 0.5
    r, each, system, held = _monte_carlo_path(net, comp, M)
    stress = []
    for amounts in ({}, {"D94c": 0.225}):
        legs = sc.legs.model_copy(update={"include": [*sc.legs.include, "X02"],
                                          "amounts": {**sc.legs.amounts, **amounts}})
        stress.append(scenarios.run(sc.model_copy(update={"legs": legs}), net, band=False))
    _same_as_stress(net, comp, r, each, system, held, stress, [])
    for m in HEADLINES:
        assert [float(x) for x in system[m]] == pytest.approx(
            [res.system[m] for res in stress], rel=1e-9, abs=1e-9), m


ENTITIES = """\
id,name,kind,country,listed,ticker,parent,revenue_usd_bn,market_cap_usd_bn,cash_usd_bn,\
debt_usd_bn,book_equity_usd_bn,capex_usd_bn,backlog_usd_bn,as_of,sources,notes
neo,Neo,neocloud,US,true,NEO,,3,20,1,5,2,,,2026-01,s1,Reports 5 of debt.
cust,Cust,ai_lab,US,false,,,4,50,2,,10,,,2026-01,s1,Buys compute.
bondholders,Bondholders,lender,,false,,,,,,,,,,2026-01,s1,Lend.
"""
DEALS = """\
id,payer,payee,kind,amount_usd_bn,amount_low,amount_high,basis,status,condition,announced,\
start,end,stake,evidence,supersedes,part_of,sources,notes
B1,bondholders,neo,bond,4,,,reported,committed,,2025-01-01,2025-01-01,2028-12-31,,A,,,s1,In.
B2,bondholders,neo,bond,3,,,reported,committed,,2025-06-01,2025-06-01,2029-12-31,,A,,,s1,In.
C1,cust,neo,compute_contract,6,,,reported,committed,,2025-06-01,2026-01-01,2029-12-31,,A,,,s1,C.
"""


def test_legs_covering_the_reported_debt_give_it_back_when_less_of_them_are_drawn(
        tmp_path) -> None:
    """Neo (failing) reports 5 of debt and has bonds of 4 (B1) and 3 (B2) drawn before the
    figure: the legs cover it and the run counts no debt beyond them. Without B2
    (rank-legs) the stress run with ``legs.exclude`` counts 1 beyond B1; a draw of B1 at 0,
    x0.25, x1 and x1.5 is the stress run with 2, 1, 0 and 0 beyond the legs. Each equals its
    stress run (the removal and the draws counted no debt beyond the legs: there was no
    claim to count)."""
    from .conftest import toy_network

    net = toy_network(tmp_path, ENTITIES, DEALS)
    sc = scenarios.loads("name: t\nquestion: q\nhorizon: [2026, 2030]\n"
                         "shocks: [{type: fail, entity: neo}]\n")
    comp = mapping.build(net, sc).compile()
    assert comp.base_mult[comp.deal_index["debt:neo"]] == 0.0     # covered: not counted
    ref = scenarios.run(sc, net, band=False)
    ranked = scenarios.sensitivity(sc, net, legs=["B2"]).table.set_index("deal")
    without = scenarios.run(_world(sc, "B2", 0.0), net, band=False)
    for m in HEADLINES:
        assert ranked.at["B2", f"delta_{m}"] == pytest.approx(
            without.system[m] - ref.system[m], abs=1e-9), m
    mults = (0.0, 0.25, 1.0, 1.5)
    _, r, each, system, held, stress = _draws_and_stress(net, sc, "B1", mults)
    _same_as_stress(net, comp, r, each, system, held, stress, [])
    beyond = []
    for x in mults:
        cl = mapping.build(net, _world(sc, "B1", 4.0 * x)).claims.set_index("deal")
        beyond.append(float(cl.at["debt:neo", "accel"] * cl.at["debt:neo", "base"]))
    assert beyond == pytest.approx([2.0, 1.0, 0.0, 0.0])
    short = system["payment_shortfall"]     # Neo owes 5, 5, 7 and 9 in all
    assert short[0] == pytest.approx(short[1], abs=1e-9) and short[1] < short[2] < short[3]
