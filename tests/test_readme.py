"""The README's library section runs on the bundled data and holds what it promises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def library_snippet() -> str:
    """The first ``python`` block under the README's ``## Library`` heading."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Library\n", 1)[1]
    return section.split("```python\n", 1)[1].split("\n```", 1)[0]


@pytest.fixture(scope="module")
def ran() -> dict[str, object]:
    names: dict[str, object] = {}
    exec(compile(library_snippet(), "README.md (## Library)", "exec"), names)
    return names


def test_every_name_the_snippet_uses_is_defined(ran: dict[str, object]) -> None:
    for name in ("net", "problems", "lay", "bs", "layers", "L", "e", "ext", "g", "clearing",
                 "loops", "result", "where", "sig"):
        assert name in ran, name


def test_what_the_comments_promise(ran: dict[str, object]) -> None:
    import numpy as np

    net: object = ran["net"]
    assert ran["problems"] == []                               # the bundled data is clean
    n = len(ran["layers"].index)                               # type: ignore[attr-defined]
    assert ran["L"].shape == (n, n) and ran["e"].shape == (n,)  # type: ignore[attr-defined]
    clearing = ran["clearing"]
    pays = np.asarray(clearing.payments)                       # type: ignore[attr-defined]
    owed = np.asarray(ran["L"]).sum(axis=1) + np.asarray(ran["ext"])
    assert pays.shape == (n,) and (pays <= owed + 1e-9).all()  # nobody pays more than owed
    assert ran["g"].number_of_edges() == len(net.deals)        # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["loops", "result", "where", "sig", "clearing"])
def test_results_have_to_frame(ran: dict[str, object], name: str) -> None:
    frame = ran[name].to_frame()                               # type: ignore[attr-defined]
    assert len(frame.columns)


@pytest.mark.parametrize("name", ["loops", "result", "where", "sig", "clearing"])
def test_results_have_a_json_safe_to_dict(ran: dict[str, object], name: str) -> None:
    from dealloop.jsonutil import jsonable

    json.dumps(ran[name].to_dict(), default=jsonable, allow_nan=False)  # type: ignore[attr-defined]
