"""Remove a deal and rerun: the batched reruns equal full reruns without the leg."""

from __future__ import annotations

import pytest

from dealloop import scenarios
from dealloop.data.problems import DataError
from dealloop.scenarios import loads
from dealloop.scenarios.results import HEADLINES


@pytest.mark.parametrize(("name", "legs"), [
    ("openai-no-new-money", ["D03", "D02", "D25"]),
    ("coreweave-default", ["D14", "D15", "D10"]),
    ("gpu-life-3-years", ["X08", "D108"]),
])
def test_batched_removal_equals_a_rerun_without_the_leg(net, name: str, legs: list[str]
                                                        ) -> None:
    res = scenarios.sensitivity(name, net, legs=legs)
    sc = scenarios.load(name)
    ref = scenarios.run(sc, net, band=False)
    for m in HEADLINES:
        assert res.reference[m] == pytest.approx(ref.system[m], abs=1e-6)
    table = res.table.set_index("deal")
    for leg in legs:
        data = sc.model_dump(mode="json")
        data["legs"]["exclude"] = [*data["legs"]["exclude"], leg]
        without = scenarios.run(scenarios.Scenario.model_validate(data), net, band=False)
        for m in HEADLINES:
            assert table.at[leg, f"delta_{m}"] == pytest.approx(
                without.system[m] - ref.system[m], abs=1e-6), (leg, m)


def test_ranked_by_size_of_change(net) -> None:
    res = scenarios.sensitivity("openai-no-new-money", net, rank_by="payment_shortfall")
    sizes = res.table["delta_payment_shortfall"].abs().tolist()
    assert sizes == sorted(sizes, reverse=True)
    assert res.table.iloc[0]["payer"] == "openai"  # its biggest contracts carry the risk
    counted = set(res.table["deal"])
    assert "D03" in counted and not any(":" in d for d in counted)
    assert "legs that carry" in res.summary()


def test_unknown_leg_or_figure(net) -> None:
    with pytest.raises(DataError, match="D999"):
        scenarios.sensitivity("coreweave-default", net, legs=["D999"])
    with pytest.raises(ValueError, match="rank_by"):
        scenarios.sensitivity(loads("name: x\nquestion: q"), net, rank_by="nope")


@pytest.mark.parametrize("name", scenarios.library.names())
def test_sizing_again_reproduces_the_balance_sheets(net, name: str) -> None:
    """Outside revenue, GPU assets, build-out dues, the plan's caps and warrant vesting sized
    again from the legs (as Monte Carlo and remove-a-deal do per draw) equal the balance
    sheets built from the data, when no leg is removed."""
    import numpy as np

    from dealloop.mapping.compiled import compile_scenario
    from dealloop.mapping.sheets import build

    sc = scenarios.load(name)
    comp = compile_scenario(sc, build(net, sc))
    plain = comp.inputs(1)
    again = comp.inputs(1, replan=True)
    np.testing.assert_allclose(again.amount, plain.amount, atol=1e-9)
    np.testing.assert_allclose(again.accel, plain.accel, atol=1e-9)
    np.testing.assert_allclose(again.e, plain.e, atol=1e-9)
    rp = comp.replan(comp.base_mult[:, None])
    np.testing.assert_allclose(rp["gpu"][:, 0], comp.gpu, atol=1e-9)


def test_removing_a_debt_leg_keeps_the_firms_reported_debt(net) -> None:
    """coreweave-default: CoreWeave reports 21.4 of debt; D93c (2.25, drawn 2025-12) and D94a
    (6.73) are inside that figure, so the stress run with ``legs.exclude`` puts them in its
    reported debt beyond the legs and its total debt does not change. Ranking the legs
    removes them the same way: every headline's change is the stress run's (it was -1.43 in
    payment shortfall for D93c and -4.29 for D94a when removal dropped the debt). D93e (3.0,
    drawn 2026-01, after the figure's date) is not in the figure: both drop its debt."""
    legs = ["D93c", "D94a", "D93e"]
    res = scenarios.sensitivity("coreweave-default", net, legs=legs)
    sc = scenarios.load("coreweave-default")
    ref = scenarios.run(sc, net, band=False).system
    table = res.table.set_index("deal")
    for leg in legs:
        data = sc.model_dump(mode="json")
        data["legs"]["exclude"] = [*data["legs"]["exclude"], leg]
        without = scenarios.run(scenarios.Scenario.model_validate(data), net, band=False)
        for m in HEADLINES:
            assert table.at[leg, f"delta_{m}"] == pytest.approx(
                without.system[m] - ref[m], abs=1e-9), (leg, m)
    assert table.at["D93e", "delta_payment_shortfall"] < -1.0
