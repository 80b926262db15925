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
    beyond = [float(res_bs.claims.set_index("deal").at["debt:coreweave", "accel"])
              if "debt:coreweave" in set(res_bs.claims["deal"]) else 0.0
              for res_bs in (mapping.build(net, _world(sc, "D94a", 6.73 * x)) for x in mults)]
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
