"""Shared fixtures of the scenario tests: the networks and cached stress runs."""

from __future__ import annotations

from pathlib import Path

import pytest

import dealloop as dl
from dealloop import scenarios

MINI = Path(__file__).resolve().parents[1] / "data" / "mini"


@pytest.fixture(scope="session")
def net():
    """The bundled ai2026 network."""
    return dl.load()


@pytest.fixture(scope="session")
def mini():
    """The five-firm fixture of tests/data/mini."""
    return dl.load(MINI)


@pytest.fixture(scope="session")
def stress(net):
    """Run a shipped scenario once per session (with its evidence band)."""
    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = scenarios.run(name, net)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def static(net):
    """Run a shipped scenario once per session as one static step over the horizon
    (``mapping.timing: static``, the one-period model the hand checks are written for)."""
    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            sc = scenarios.load(name)
            sc = sc.model_copy(update={"mapping": sc.mapping.model_copy(
                update={"timing": "static"})})
            cache[name] = scenarios.run(sc, net)
        return cache[name]

    return get


def scenario_text(body: str, name: str = "t", question: str = "q") -> str:
    """A scenario file's text with a name and question prepended."""
    return f"name: {name}\nquestion: {question}\n" + body
