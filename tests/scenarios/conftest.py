"""Shared fixtures of the scenario tests: the networks and cached stress runs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

import dealloop as dl
from dealloop import scenarios

MINI = Path(__file__).resolve().parents[1] / "data" / "mini"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dvs() -> ModuleType:
    """``scripts/draws_vs_stress.py`` as a module (its Monte Carlo path and a draw's world)."""
    spec = importlib.util.spec_from_file_location("draws_vs_stress_under_test",
                                                  ROOT / "scripts" / "draws_vs_stress.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    return module


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


_TOY_ENTITIES = (
    "id,name,kind,country,listed,ticker,parent,revenue_usd_bn,market_cap_usd_bn,cash_usd_bn,"
    "debt_usd_bn,book_equity_usd_bn,capex_usd_bn,backlog_usd_bn,as_of,sources,notes\n")
_TOY_DEALS = (
    "id,payer,payee,kind,amount_usd_bn,amount_low,amount_high,basis,status,condition,"
    "announced,start,end,stake,evidence,supersedes,part_of,sources,notes\n")
_TOY_SOURCES = "id,url,publisher,title,date\ns1,https://example.com/t,Example,T,2028-06-01\n"


@pytest.fixture(scope="session")
def toy_dataset(tmp_path_factory: pytest.TempPathFactory):
    """``toy_dataset(entities, deals)``: a dataset of the given ``entities.csv`` and
    ``deals.csv`` rows (headers and the one source ``s1`` added), loaded."""

    def make(entities: str, deals: str):
        d: Path = tmp_path_factory.mktemp("toy")
        (d / "entities.csv").write_text(_TOY_ENTITIES + entities)
        (d / "deals.csv").write_text(_TOY_DEALS + deals)
        (d / "sources.csv").write_text(_TOY_SOURCES)
        return dl.load(d)

    return make


@pytest.fixture(scope="session")
def buyer_seller(toy_dataset):
    """The two-firm toy of the market-value, new-money, loss-buffer and stop-paying tests:
    a buyer (an AI lab) owes a seller 10 a year for three years (2029-2031);
    ``buyer_seller(seller_revenue, buyer_cash, seller_book)`` loads it with the seller's
    outside revenue a year, the buyer's cash and the seller's book equity (blank: none)."""

    def make(seller_revenue: float = 0.0, buyer_cash: float = 0.0, seller_book: str = ""):
        return toy_dataset(
            f"buyer,Buyer,ai_lab,US,false,,,0,50,{buyer_cash:g},,,,,2026-01,s1,A lab.\n"
            f"seller,Seller,hyperscaler,US,true,SEL,,{seller_revenue:g},200,100,,"
            f"{seller_book},,,2026-01,s1,A supplier.\n",
            "T1,buyer,seller,compute_contract,30,,,reported,committed,,2028-06-01,"
            "2029-01-01,2031-12-31,,A,,,s1,Three years.\n")

    return make


def toy_network(path: Path, entities: str, deals: str, **extra: str):
    """A toy network written to ``path`` (its ``entities.csv`` and ``deals.csv``, one source
    ``s1``, and any ``extra`` files by name) and loaded."""
    files = {"entities.csv": entities, "deals.csv": deals,
             "sources.csv": "id,url,publisher,title,date\n"
                            "s1,https://example.com/l,Example,L,2026-01-01\n", **extra}
    for name, text in files.items():
        (path / name).write_text(text)
    return dl.load(path)
