"""``--horizon`` on the scenario commands: it replaces the scenario's horizon, the default is
the shared one, and a reversed horizon is a usage error."""

from __future__ import annotations

import json

import pytest

from .conftest import clean, cli


def _stress(*extra: str) -> dict[str, object]:
    res = cli("stress", "coreweave-default", "--json", *extra)
    clean(res, 0)
    return json.loads(res.stdout)


def test_stress_horizon_replaces_the_scenarios() -> None:
    default = _stress()
    same = _stress("--horizon", "2026", "2030")
    short = _stress("--horizon", "2026", "2028")
    assert default == same
    assert short["horizon"] == ["2026-01-01", "2028-12-31"]
    assert default["horizon"] == ["2026-01-01", "2030-12-31"]
    assert short != default


@pytest.mark.parametrize("command", [["stress", "coreweave-default"],
                                     ["simulate", "coreweave-default", "--draws", "10"],
                                     ["systemic"]])
def test_reversed_horizon_is_a_usage_error(command: list[str]) -> None:
    res = cli(*command, "--horizon", "2030", "2026")
    err = clean(res, 2)
    assert "--horizon: end 2026 is before start 2030" in err
