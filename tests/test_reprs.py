"""Every object a user meets in a notebook prints in one short line, not its arrays."""

from __future__ import annotations

from typing import Any

import pytest

import dealloop as dl

LIMIT = 200


@pytest.fixture(scope="module")
def objects() -> dict[str, Any]:
    from dealloop import circularity, mapping, scenarios

    net = dl.load()
    sc = scenarios.load("coreweave-default")
    return {"network": net, "scenario": sc, "money graph": circularity.money_graph(net),
            "layers": mapping.layers(net), "sheet layers": mapping.build(net, sc).to_layers()}


@pytest.mark.parametrize("name", ["network", "scenario", "money graph", "layers",
                                  "sheet layers"])
def test_repr_is_one_short_line(objects: dict[str, Any], name: str) -> None:
    text = repr(objects[name])
    assert len(text) <= LIMIT and "\n" not in text, text[:300]
    assert type(objects[name]).__name__ in text
