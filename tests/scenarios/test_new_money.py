"""New money as a lever: the plan's gap (a plug) or announced sources only."""

from __future__ import annotations

import pytest

from dealloop import mapping, scenarios


def _run(net, body: str):
    return scenarios.run(scenarios.loads("name: x\nquestion: q\n" + body), net, band=False)


def test_announced_money_only_leaves_openai_short_before_any_shock(net) -> None:
    """With only the money announced in the data, OpenAI cannot cover its contracts: it
    defaults in the reference run itself, and its budget traces to the legs behind it."""
    bs = mapping.build(net, scenarios.loads("name: x\nquestion: q\n"
                                            "mapping: {new_money: sourced}"))
    fr = bs.frame
    assert "D95" in fr.at["openai", "new_money_sources"]
    assert fr.at["openai", "new_money"] == pytest.approx(
        float(bs.deals.set_index("id").at["D95", "value"]))
    res = _run(net, "mapping: {new_money: sourced}")
    assert res.firms.at["openai", "baseline_defaulted"]
    assert 2026 <= res.firms.at["openai", "default_year"] <= 2030
    assert res.system["defaults"] == 0  # no shock: nothing new, the shortfall is the reference


def test_ample_announced_money_raises_only_what_is_needed(net) -> None:
    """Given more announced money than it needs, each firm raises only its gap: the same new
    money as the plan without headroom, and nobody defaults."""
    firms = mapping.build(net, scenarios.loads("name: x\nquestion: q")).firms
    ample = "{" + ", ".join(f"{f}: 10000" for f in firms) + "}"
    sourced = _run(net, f"mapping: {{new_money: sourced, new_money_sources: {ample}}}")
    plan = _run(net, "mapping: {new_money_headroom: 0}")
    assert not sourced.firms["baseline_defaulted"].any()
    assert sourced.system["new_money_needed"] == pytest.approx(
        plan.system["new_money_needed"], rel=1e-6)
