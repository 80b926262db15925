"""DealNetwork: which legs count, aggregates, horizon apportioning and layer orientation."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import dealloop as dl
from dealloop import mapping

MINI = Path(__file__).parent / "data" / "mini"


@pytest.fixture(scope="module")
def net() -> dl.DealNetwork:
    return dl.load(MINI)


def test_superseded_never_counted_unless_asked(net: dl.DealNetwork) -> None:
    live = net.legs()
    assert "M01" not in set(live["id"])
    assert "M01" in set(net.legs(statuses=["superseded"])["id"])
    pair = live[(live["payer"] == "chipco") & (live["payee"] == "labco")]
    assert pair["value"].sum() == pytest.approx(30.0)


def test_aggregate_counts_only_its_remainder(net: dl.DealNetwork) -> None:
    legs = net.legs()
    pair = legs[(legs["payer"] == "labco") & (legs["payee"] == "neo")]
    # 22.4 in all: 11.9 + 6.5 in parts, 4.0 left in the aggregate itself.
    assert pair["value"].sum() == pytest.approx(22.4)
    agg = legs.set_index("id").loc["M05"]
    assert agg["value"] == pytest.approx(22.4 - 11.9 - 6.5)
    assert agg["value_note"] == "aggregate remainder"
    firm = net.legs(statuses=["committed", "reported"])
    firm_pair = firm[(firm["payer"] == "labco") & (firm["payee"] == "neo")]
    assert firm_pair["value"].sum() == pytest.approx(22.4 - 6.5)


def test_undisclosed_is_nan_not_zero(net: dl.DealNetwork) -> None:
    leg = net.legs().set_index("id").loc["M12"]
    assert np.isnan(leg["value"]) and leg["value_note"] == "undisclosed"


def test_range_midpoint(net: dl.DealNetwork) -> None:
    leg = net.legs().set_index("id").loc["M09"]
    assert (leg["value_low"], leg["value"], leg["value_high"]) == (8.0, 10.0, 12.0)
    assert leg["value_note"] == "range midpoint"


def test_horizon_apportions_linearly(net: dl.DealNetwork) -> None:
    legs = net.legs(horizon=(2026, 2030)).set_index("id")
    # M03: 2027-01-01 .. 2031-12-31, so 4 of 5 years fall inside 2026-2030.
    assert legs.loc["M03", "horizon_share"] == pytest.approx(4 / 5, abs=2e-3)
    assert legs.loc["M11", "horizon_share"] == 0.0  # paid in 2023
    whole = net.legs(horizon=(2020, 2040)).set_index("id")
    assert whole.loc["M03", "value_in_horizon"] == pytest.approx(300.0)


def test_layer_orientation(net: dl.DealNetwork) -> None:
    layers = mapping.layers(net, horizon=(2020, 2040))
    L, C = layers.frame("L"), layers.frame("C")
    assert L.loc["labco", "cloudco"] == pytest.approx(300.0)  # customer owes supplier
    assert L.loc["neo", "banks"] == pytest.approx(7.5)  # borrower owes lender
    assert L.loc["banks", "neo"] == 0.0
    assert C.loc["chipco", "labco"] == pytest.approx(0.03)  # investor holds investee
    assert layers.frame("contingent").loc["chipco", "neo"] == pytest.approx(6.3)
    assert "M08" not in layers.legs["L"].get(("chipco", "neo"), ())  # backstop off by default
    assert layers.legs["L"][("labco", "cloudco")] == ("M03",)
    assert np.all(np.diag(layers.L) == 0)


def test_selection_by_evidence_and_derived(net: dl.DealNetwork) -> None:
    a_only = net.legs(evidence=["A"])
    assert set(a_only["evidence"]) == {"A"}
    assert "M09" not in set(net.legs(include_derived=False)["id"])
    with pytest.raises(ValueError, match="statuses"):
        net.legs(statuses=["firm"])


def test_flow_graph_merges_parallel_legs(net: dl.DealNetwork) -> None:
    g = net.flow_graph()
    assert isinstance(g, nx.DiGraph)
    edge = g.edges["labco", "neo"]
    assert sorted(edge["legs"]) == ["M05", "M06", "M07"]
    assert edge["amount"] == pytest.approx(22.4)
    assert not g.has_edge("chipco", "neo") or "M08" not in g.edges["chipco", "neo"]["legs"]


def test_to_networkx_one_edge_per_leg(net: dl.DealNetwork) -> None:
    g = net.to_networkx()
    assert g.number_of_edges() == len(net.deals)
    assert g.edges["chipco", "labco", "M02"]["amount_usd_bn"] == 30.0
    assert g.nodes["labco"]["kind"] == "ai_lab"


def test_unknown_entity_suggests(net: dl.DealNetwork) -> None:
    with pytest.raises(KeyError, match="labco"):
        net.entity("labko")


def test_contract_without_end_gets_an_assumed_term(tmp_path: Path) -> None:
    import shutil

    target = tmp_path / "noend"
    shutil.copytree(MINI, target)
    deals = (target / "deals.csv").read_text().replace("2025-09-10,2027,2031,", "2025-09-10,2027,,")
    (target / "deals.csv").write_text(deals)
    leg = dl.load(target).legs(horizon=(2026, 2030)).set_index("id").loc["M03"]
    # 2027-01 plus the assumed 5 years: 4 of 5 years inside 2026-2030.
    assert bool(leg["term_assumed"]) and leg["horizon_share"] == pytest.approx(0.8, abs=2e-3)
    other = dl.load(MINI).legs(horizon=(2026, 2030)).set_index("id").loc["M02"]
    assert not other["term_assumed"]  # an equity payment stays a one-off
