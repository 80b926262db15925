"""A demand shock to AI reaches the part of each firm's revenue that depends on AI: its
sourced AI or data-centre segment share (``ai_revenue_share`` figures F300-F307), else all
of its revenue, flagged; the mapping can override either."""

from __future__ import annotations

import pytest

from dealloop import mapping, scenarios
from dealloop.mapping.earnings import ai_shares
from dealloop.scenarios.tornado import assumptions

#: figure id -> (entity, segment revenue, total revenue), as the figures' notes state them
SEGMENTS = {"F300": ("nvidia", 193.7, 215.9), "F301": ("microsoft", 75, 281.7),
            "F302": ("alphabet", 58.705, 402.836), "F303": ("amazon", 128.7, 716.9),
            "F304": ("oracle", 4.9, 17.2), "F305": ("amd", 16.6, 34.6),
            "F306": ("broadcom", 20, 63.887), "F307": ("meta", 0.0, 200.97)}


def test_shares_are_segment_over_revenue_and_sourced(net) -> None:
    shares = ai_shares(net)
    figs = net.figures.set_index("id")
    for fid, (eid, seg, total) in SEGMENTS.items():
        assert shares[eid][1] == fid
        assert shares[eid][0] == pytest.approx(seg / total, abs=5e-5), eid
        row = figs.loc[fid]
        assert row["unit"] == "fraction" and row["evidence"] in {"A", "B", "C"}
        assert str(row["sources"]).strip()


def test_a_firm_without_a_share_takes_the_whole_shock_flagged(net) -> None:
    sc = scenarios.load("ai-demand-shock")
    bs = mapping.build(net, sc)
    fr = bs.frame
    assert fr.at["openai", "demand_exposure"] == 1.0 and fr.at["openai", "demand_assumed"]
    assert fr.at["nvidia", "demand_figures"] == ("F300",) and not fr.at[
        "nvidia", "demand_assumed"]
    box = assumptions(sc, bs)
    flagged = next(a for a in box if a.startswith("demand shock on all revenue"))
    assert "openai" in flagged and "anthropic" in flagged and "nvidia" not in flagged
    assert any("nvidia 0.90 (F300)" in a for a in box)
    note = bs.explain("openai").set_index("item").at["AI share of revenue", "note"]
    assert "no sourced AI share" in note
    row = bs.explain("oracle").set_index("item").loc["AI share of revenue"]
    assert "F304" in row["figures"]
    # a scenario without a demand shock does not list them
    assert not any(a.startswith("demand shock") for a in assumptions(
        scenarios.load("coreweave-default"), mapping.build(net, scenarios.load(
            "coreweave-default"))))


def test_the_mapping_overrides_the_figures(net) -> None:
    named = mapping.build(net, scenarios.loads(
        "name: x\nquestion: q\nmapping: {demand_exposure: {nvidia: 0.5}}")).frame
    assert named.at["nvidia", "demand_exposure"] == 0.5
    assert named.at["amazon", "demand_figures"] == ("F303",)
    every = mapping.build(net, scenarios.loads(
        "name: x\nquestion: q\nmapping: {demand_exposure: 1}")).frame
    assert (every["demand_exposure"] == 1.0).all() and not every["demand_assumed"].any()


def test_the_shock_scales_with_the_share(net) -> None:
    """Halving NVIDIA's share halves the outside revenue it loses (static step)."""
    text = ("name: x\nquestion: q\nshocks: [{type: demand, fall: 0.3}]\n"
            "mapping: {timing: static, demand_exposure: {nvidia: %s}}")
    lost = []
    for share in (0.8, 0.4):
        f = scenarios.run(scenarios.loads(text % share), net, band=False).firms.loc["nvidia"]
        lost.append(f["outside_assets_before"] - f["outside_assets_after"])
    assert lost[0] > 0 and lost[1] == pytest.approx(lost[0] / 2)
