"""A Monte Carlo draw gives the figures of the stress run of its world (the draw's leg amounts,
legs left out and switched on, and shock values), as ``scripts/draws_vs_stress.py`` checks
at length: here on a few draws of every shipped scenario, in a batch large enough for the
engine to compact the draws still changing.

The market value a firm loses moves with its sales contracts' value multiple, which weighs
the contracts by their amounts (``contract_pv``): a draw that gives a purchase leg another
amount weighs it by that amount, as the stress run with ``legs.amounts`` does.
"""

from __future__ import annotations

import numpy as np
import pytest

from dealloop import holders, mapping, scenarios
from dealloop.scenarios import library
from dealloop.scenarios._mc_chunks import draw, payload
from dealloop.scenarios.results import HEADLINES
from dealloop.scenarios.runner import prepare


@pytest.fixture(scope="module")
def lay(net):
    return holders.layer(net)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-8 * max(1.0, abs(b))


def test_market_value_follows_drawn_purchase_amounts(net, lay, dvs) -> None:
    """ai-demand-shock draws Anthropic's and Meta's TPU purchases (D53, D64), OpenAI's AMD and
    Broadcom purchases (D08, D09) and Microsoft's from Lambda (D40): each draw's market value
    lost (with and without the double count) and the holders' sectors are the stress run's
    with those amounts. Before the multiples followed the draws, they were off by up to
    about 1 (market value lost) and 0.5 (a sector)."""
    sc, _ = prepare("ai-demand-shock", net)
    comp = mapping.build(net, sc).compile()
    M, values, _ = draw(payload(comp, seed=5, chunk=6), 0, 6)
    moved = [comp.deal_index[d] for d in ("D08", "D09", "D40", "D53", "D64")]
    assert (M[moved] != comp.base_mult[moved, None]).any(axis=1).all()  # each one moves
    vm = comp.value_multiples(M)
    assert vm is not None and not np.allclose(vm, comp.structure.value_multiple[:, None])
    mc = dvs.monte_carlo(comp, net, lay, M, values)
    sectors = [c for c in mc["routes"].columns if not c.startswith(("line:", "holder:"))]
    assert "households" in sectors
    for k in range(M.shape[1]):
        res = scenarios.run(dvs.world(sc, comp, M, values, k), net, band=False)
        for m in ("market_value_lost", "market_value_lost_net", "double_counted"):
            assert _close(float(mc["heads"][m][k]), float(res.system[m])), (k, m)
        got = holders.follow(res, net).sectors["amount"]
        for c, col in enumerate(mc["routes"].columns):
            if col in sectors:
                assert _close(float(mc["held"][k, c]), float(got.get(col, 0.0))), (k, col)


def test_value_multiples_weigh_contracts_by_drawn_amounts(net) -> None:
    """The per-draw multiple is the sheets' multiple of a stress run with the leg's amount
    set; a leg left out (multiplier 0) does not weigh, as ``legs.exclude`` leaves it out."""
    sc = scenarios.load("baseline")
    comp = mapping.build(net, sc).compile()
    d = comp.deal_index["D03"]
    amount = float(comp.bs.deals["value"].iloc[d])
    M = np.repeat(comp.base_mult[:, None], 3, axis=1)
    M[d] = [0.5, 0.0, 1.7]
    vm = comp.value_multiples(M)
    assert vm is not None
    for k, x in enumerate(M[d]):
        legs = sc.legs.model_copy(update={"exclude": [*sc.legs.exclude, "D03"]} if x == 0
                                  else {"amounts": {**sc.legs.amounts, "D03": amount * x}})
        want = mapping.build(net, sc.model_copy(update={"legs": legs})).frame[
            "value_multiple"].to_numpy(float)
        assert np.allclose(vm[:, k], want, rtol=1e-12, atol=0.0), k
    oracle = comp.bs.firms.index("oracle")
    # D03 runs past the horizon: the more of it, the higher; left out, it does not weigh
    assert vm[oracle, 1] < vm[oracle, 0] < vm[oracle, 2]
    # a shock that cancels the leg leaves the sheets' multiples (the stress run's)
    cut = scenarios.loads("name: x\nquestion: q\nshocks: [{type: cancel, deal: D03, "
                          "fraction: 0.5}]")
    comp = mapping.build(net, cut).compile()
    assert comp.inputs(2).value_multiple is None


@pytest.mark.parametrize("name", library.names())
def test_draws_are_their_stress_runs(name: str, net, lay, dvs) -> None:
    """Three draws of a 64-draw batch (the engine compacts at 64 or more) give their stress
    runs' headlines and every firm's equity after: the first, the one moving the most legs
    and the last. Debt legs of firms that report their total debt move too (the firm keeps
    its reported total, as the stress run with ``legs.amounts`` does)."""
    sc, _ = prepare(name, net)
    comp = mapping.build(net, sc).compile()
    M, values, _ = draw(payload(comp, seed=3, chunk=64), 0, 64)
    mc = dvs.monte_carlo(comp, net, lay, M, values)
    busy = int(np.argmax((M != comp.base_mult[:, None]).sum(axis=0)))
    for k in dict.fromkeys((0, busy, 63)):
        res = scenarios.run(dvs.world(sc, comp, M, values, k), net, band=False)
        for m in HEADLINES:
            assert _close(float(mc["heads"][m][k]), float(res.system[m])), (k, m)
        after = res.firms["equity_after"].reindex(list(comp.bs.firms)).to_numpy(float)
        assert np.allclose(mc["after"][:, k], after, rtol=1e-8, atol=1e-8), k


def test_stack_keeps_per_draw_multiples() -> None:
    """Inputs stacked along the draws keep their per-draw multiples, and refuse to mix them
    with inputs that leave the structure's (not known to ``stack``)."""
    from dealloop.mapping.arrays import Inputs, stack

    one = np.ones((1, 1))
    a = Inputs(amount=one, accel=one, e=np.zeros((2, 1)), value_multiple=np.full((2, 1), 2.0))
    b = Inputs(amount=one, accel=one, e=np.zeros((2, 1)), value_multiple=np.full((2, 1), 3.0))
    assert stack([a, b]).value_multiple.tolist() == [[2.0, 3.0], [2.0, 3.0]]
    with pytest.raises(ValueError, match="value_multiple"):
        stack([a, Inputs(amount=one, accel=one, e=np.zeros((2, 1)))])
