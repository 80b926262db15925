"""A leg the run leaves out does not weigh in its seller's market-value multiple.

Under ``contract_pv`` (and ``price_to_book``, ``earnings`` where they follow it) a firm's
multiple is its contract factor: the present value of its sales contracts over what the run
counts of them, weighted by their amounts. The contracts weighed are those the run counts:
a leg left out (``legs.exclude``, a status not selected, multiplier 0 in a draw or in a
rank-legs run) weighs as if it were not in the data; a leg switched on (``legs.include``,
a draw giving a leg left out a multiplier above 0) weighs its amount times the multiplier,
as if the data listed it as committed at that amount. The references here are those
datasets: the bundled network without the leg's row, or with the leg committed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dealloop import holders, mapping, scenarios
from dealloop.network import DealNetwork
from dealloop.scenarios.results import HEADLINES
from dealloop.scenarios.runner import prepare


def _without(net: Any, leg: str) -> DealNetwork:
    """The network without the row of ``leg``."""
    deals = net.deals[net.deals["id"] != leg].reset_index(drop=True)
    return DealNetwork(net.entities, deals, net.sources, net.figures, net.history,
                       provenance=net.provenance, tables=getattr(net, "tables", None),
                       path=net.path, meta=net.meta)


def _committed(net: Any, leg: str) -> DealNetwork:
    """The network with ``leg`` listed as committed."""
    deals = net.deals.copy()
    deals.loc[deals["id"] == leg, "status"] = "committed"
    return DealNetwork(net.entities, deals, net.sources, net.figures, net.history,
                       provenance=net.provenance, tables=getattr(net, "tables", None),
                       path=net.path, meta=net.meta)


def _multiples(net: Any, sc: Any) -> dict[str, float]:
    frame = mapping.build(net, sc).frame
    return {f: float(frame.at[f, "value_multiple"]) for f in frame.index}


def _with_legs(sc: Any, **update: Any) -> Any:
    return sc.model_copy(update={"legs": sc.legs.model_copy(update=update)})


def _status(net: Any, leg: str) -> str:
    return str(net.deals.set_index("id").at[leg, "status"])


@pytest.mark.parametrize(("name", "leg", "seller"), [
    ("baseline", "D03", "oracle"),            # OpenAI's contract with Oracle, to 2031
    ("coreweave-default", "D19", "coreweave"),  # Meta's with CoreWeave, to 2031
    ("nvidia-loi-never-converts", "D112", "nebius"),  # Meta's with Nebius, to 2031
])
def test_a_leg_excluded_weighs_as_if_not_in_the_data(net, name: str, leg: str,
                                                     seller: str) -> None:
    """``legs.exclude: [leg]`` gives every firm the multiple of the dataset without the leg;
    the seller's multiple moves (the leg runs past the horizon)."""
    sc, _ = prepare(name, net)
    excluded = _multiples(net, _with_legs(sc, exclude=[*sc.legs.exclude, leg]))
    assert excluded == pytest.approx(_multiples(_without(net, leg), sc), rel=1e-12)
    assert excluded[seller] < _multiples(net, sc)[seller]


@pytest.mark.parametrize(("leg", "seller"), [("D22b", "nebius"), ("D44", "nscale"),
                                             ("D66", "amd")])
def test_a_status_not_selected_does_not_weigh_and_include_switches_it_on(
        net, leg: str, seller: str) -> None:
    """A leg whose status the scenario does not select (an option, an announcement) weighs as
    if it were not in the data; ``legs.include`` weighs it as if it were committed. NScale's
    and AMD's only contracts past the horizon are such legs: their multiple is 1."""
    sc = scenarios.load("baseline")
    assert _status(net, leg) not in sc.legs.statuses
    left_out = _multiples(net, sc)
    assert left_out == pytest.approx(_multiples(_without(net, leg), sc), rel=1e-12)
    included = _multiples(net, _with_legs(sc, include=[leg]))
    assert included == pytest.approx(_multiples(_committed(net, leg), sc), rel=1e-12)
    assert left_out[seller] < included[seller]
    if seller in ("nscale", "amd"):
        assert left_out[seller] == 1.0


@pytest.mark.parametrize("rule", ["price_to_book", "earnings"])
def test_the_rules_that_follow_the_contract_factor_leave_out_the_same_legs(net, rule: str
                                                                           ) -> None:
    """Under ``price_to_book`` (every firm) and ``earnings`` (a firm without positive net
    income, such as CoreWeave) the multiple follows the contract factor: excluding D19 gives
    the dataset without it, in the stress run and in a draw leaving D19 out."""
    sc = scenarios.load("baseline")
    sc = sc.model_copy(update={"mapping": sc.mapping.model_copy(
        update={"market_value_rule": rule})})
    excluded = _multiples(net, _with_legs(sc, exclude=["D19"]))
    ref = _multiples(_without(net, "D19"), sc)
    assert excluded == pytest.approx(ref, rel=1e-12)
    assert excluded["coreweave"] < _multiples(net, sc)["coreweave"]
    comp = mapping.build(net, sc).compile()
    M = np.repeat(comp.base_mult[:, None], 1, axis=1)
    M[comp.deal_index["D19"]] = 0.0
    vm = comp.value_multiples(M)
    assert vm is not None
    assert np.allclose(vm[:, 0], [ref[f] for f in comp.bs.firms], rtol=1e-12, atol=0.0)


def test_nvidia_loi_never_converts_multiples_are_those_of_the_legs_counted(net) -> None:
    """nvidia-loi-never-converts excludes D02 (NVIDIA's equity cheque, not a sale: NVIDIA's
    multiple is the same with or without it) and counts neither Microsoft's option with
    Nebius (D22b) nor Meta's AMD chips (D66): Nebius and AMD have the multiples of the
    dataset without those rows."""
    sc, _ = prepare("nvidia-loi-never-converts", net)
    assert "D02" in sc.legs.exclude
    got = _multiples(net, sc)
    kept = _multiples(net, _with_legs(sc, exclude=[d for d in sc.legs.exclude if d != "D02"]))
    assert got["nvidia"] == kept["nvidia"]
    ref = _multiples(_without(_without(net, "D22b"), "D66"), sc)
    assert got["nebius"] == pytest.approx(ref["nebius"], rel=1e-12)
    assert got["amd"] == ref["amd"] == 1.0


def test_rank_legs_removing_a_sales_leg_is_the_data_without_it(net) -> None:
    """Removing D03 (OpenAI -> Oracle) or D19 (Meta -> CoreWeave, to 2031) in a rank-legs run
    changes every headline as the stress run on the dataset without the leg does, market
    value lost included: without D19, CoreWeave's contract factor no longer weighs it, and
    CoreWeave loses its sales to OpenAI at a lower multiple (before, the removal left D19 in
    the factor and changed no headline)."""
    name = "openai-no-new-money"
    res = scenarios.sensitivity(name, net, legs=["D03", "D19"])
    sc = scenarios.load(name)
    ref = scenarios.run(sc, net, band=False)
    table = res.table.set_index("deal")
    for leg in ("D03", "D19"):
        without = scenarios.run(sc, _without(net, leg), band=False)
        for m in HEADLINES:
            assert table.at[leg, f"delta_{m}"] == pytest.approx(
                without.system[m] - ref.system[m], rel=1e-9, abs=1e-9), (leg, m)
    assert table.at["D19", "delta_market_value_lost"] < 0.0


def test_draws_leaving_out_or_switching_on_a_sales_leg_are_those_datasets(net, dvs) -> None:
    """Draws of baseline: D03 (counted) left out, D22b (an option, left out) switched on at
    its amount and at half of it, and a draw moving nothing. Each draw's multiples are those
    of the dataset without D03, with D22b committed (at half its amount: ``legs.amounts``)
    and as it is; each draw's headlines and firms' equity after are its stress run's."""
    sc, _ = prepare("baseline", net)
    comp = mapping.build(net, sc).compile()
    d03, d22b = comp.deal_index["D03"], comp.deal_index["D22b"]
    M = np.repeat(comp.base_mult[:, None], 4, axis=1)
    M[d03, 0] = 0.0
    M[d22b, 1] = 1.0
    M[d22b, 2] = 0.5
    vm = comp.value_multiples(M)
    assert vm is not None
    firms = list(comp.bs.firms)
    amount = float(comp.bs.deals["value"].iloc[d22b])
    refs = [_multiples(_without(net, "D03"), sc), _multiples(_committed(net, "D22b"), sc),
            _multiples(_committed(net, "D22b"), _with_legs(sc, amounts={
                **sc.legs.amounts, "D22b": amount * 0.5})),
            _multiples(net, sc)]
    for k, ref in enumerate(refs):
        assert np.allclose(vm[:, k], [ref[f] for f in firms], rtol=1e-12, atol=0.0), k
    nebius, oracle = firms.index("nebius"), firms.index("oracle")
    assert vm[oracle, 0] < vm[oracle, 3] and vm[nebius, 2] < vm[nebius, 1]
    lay = holders.layer(net)
    mc = dvs.monte_carlo(comp, net, lay, M, {})
    for k in range(M.shape[1]):
        res = scenarios.run(dvs.world(sc, comp, M, {}, k), net, band=False)
        for m in HEADLINES:
            assert mc["heads"][m][k] == pytest.approx(float(res.system[m]), rel=1e-8,
                                                      abs=1e-8), (k, m)
        after = res.firms["equity_after"].reindex(firms).to_numpy(float)
        assert np.allclose(mc["after"][:, k], after, rtol=1e-8, atol=1e-8), k
