"""The results protocol, checked on every result class of the package (scikit-learn style).

Every module of ``dealloop`` is imported and every dataclass with a ``summary`` or a
``to_frame`` (what a user reads a result through) is collected. Each must subclass
:class:`dealloop.result.Result` and have a builder in ``BUILDERS`` below, so a new result
class fails here until it follows the protocol and is tested like the others.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import pkgutil
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import dealloop
import dealloop as dl
from dealloop.jsonutil import jsonable
from dealloop.result import Result, Summary

MINI = Path(__file__).resolve().parent / "data" / "mini"
SKIP_MODULES = {"dealloop.__main__"}  # runs the command line on import


def _result_classes() -> list[type]:
    found: dict[str, type] = {}
    for mod in pkgutil.walk_packages(dealloop.__path__, "dealloop."):
        if mod.name in SKIP_MODULES:
            continue
        module = importlib.import_module(mod.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not dataclasses.is_dataclass(cls):
                continue
            if issubclass(cls, Result) or hasattr(cls, "summary") or hasattr(cls, "to_frame"):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[k] for k in sorted(found)]


CLASSES = _result_classes()


# ------------------------------------------------------------------------------ builders
@cache
def _net() -> Any:
    return dl.load()


@cache
def _mini() -> Any:
    return dl.load(MINI)


@cache
def _stress() -> Any:
    return dl.scenarios.run("coreweave-default", _net(), band=False)


def _liabilities() -> tuple[pd.DataFrame, np.ndarray]:
    firms = ["a", "b", "c"]
    L = pd.DataFrame([[0, 2.0, 1.0], [1.0, 0, 0.5], [0.5, 1.0, 0]], index=firms,
                     columns=firms)
    return L, np.array([0.5, 1.0, 2.0])


def _clearing() -> Any:
    from dealloop.contagion import rogers_veraart

    L, e = _liabilities()
    return rogers_veraart(L.to_numpy(), e, alpha=0.5, beta=0.5)


def _furfine() -> Any:
    from dealloop.contagion import furfine

    L, e = _liabilities()
    return furfine(L.to_numpy(), e, recovery=0.4)


def _debtrank() -> Any:
    from dealloop.contagion import debtrank

    L, e = _liabilities()
    return debtrank(L.to_numpy(), e, np.array([[0.5, 0, 0], [0, 0, 1.0]]))


def _stakes() -> np.ndarray:
    return np.array([[0, 0.2, 0.1], [0.3, 0, 0], [0, 0.1, 0]])


def _cross_holdings() -> Any:
    from dealloop.contagion import cross_holdings

    return cross_holdings(_stakes(), np.array([1.0, 2.0, 3.0]))


def _egj() -> Any:
    from dealloop.contagion import egj_cascade

    return egj_cascade(_stakes(), np.array([1.0, 2.0, 3.0]), thresholds=[2.0, 0.5, 0.5],
                       failure_costs=[0.5, 0.5, 0.5])


def _input_output() -> Any:
    from dealloop.contagion import input_output

    return input_output(np.array([[0, 1.0, 0.5], [0.2, 0, 1.0], [0.3, 0.1, 0]]),
                    np.array([5.0, 4.0, 3.0]))


def _signals() -> Any:
    from dealloop.markets import signals

    return signals(_net())


def _sheet() -> Any:
    return _stress().balance.sheet("coreweave")


BUILDERS: dict[str, Callable[[], Any]] = {
    "dealloop.contagion.results.Clearing": _clearing,
    "dealloop.contagion.results.FurfineResult": _furfine,
    "dealloop.contagion.results.DebtRankResult": _debtrank,
    "dealloop.contagion.results.CrossHoldings": _cross_holdings,
    "dealloop.contagion.results.EGJCascade": _egj,
    "dealloop.contagion.results.InputOutput": _input_output,
    "dealloop.scenarios.results.StressResult": _stress,
    "dealloop.scenarios.results.SimulationResult": lambda: dl.scenarios.simulate(
        "coreweave-default", _net(), draws=200, seed=1, chunk=100, workers=0),
    "dealloop.scenarios.results.SensitivityResult": lambda: dl.scenarios.sensitivity(
        "openai-no-new-money", _net(), legs=["D03"]),
    "dealloop.holders.results.HoldersResult": lambda: dl.holders.follow(_stress(), _net()),
    "dealloop.holders.systemic.SystemicResult": lambda: dl.holders.systemic.systemic(
        "baseline", _net(), firms=["coreweave", "vantage"]),
    "dealloop.circularity.cycles.LoopSet": lambda: dl.circularity.cycles(_mini()),
    "dealloop.circularity.ena.ENA": lambda: dl.circularity.ena(_mini()),
    "dealloop.circularity.ena.Ascendency": lambda: dl.circularity.ascendency(
        np.array([[0, 2.0], [1.0, 0]]), np.array([1.0, 0.5])),
    "dealloop.circularity.null_model.CycleSignificance": lambda: (
        dl.circularity.cycle_significance(_mini(), 4, n_samples=5, seed=1)),
    "dealloop.circularity.overview.Circularity": lambda: dl.circularity.circularity(_mini()),
    "dealloop.circularity.timeline.Timeline": lambda: dl.circularity.timeline.timeline(_mini()),
    "dealloop.scenarios.calendar.PaymentCalendar": lambda: (
        dl.scenarios.calendar.payment_calendar(_net(), "openai")),
    "dealloop.circularity.self_financed.SelfFinancedRevenue": lambda: (
        dl.circularity.self_financed_revenue(_mini())),
    "dealloop.circularity.measures.CustomerConcentration": lambda: (
        dl.circularity.customer_concentration(_mini())),
    "dealloop.circularity.measures.CommitmentCoverage": lambda: (
        dl.circularity.commitment_coverage(_mini())),
    "dealloop.circularity.measures.DoubleCounting": lambda: dl.circularity.double_counting(
        _stakes(), np.array([1.0, 2.0, 3.0]), labels=["a", "b", "c"]),
    "dealloop.markets.signals.Signals": _signals,
    "dealloop.mapping.explain.Sheet": _sheet,
    "dealloop.macro.panel.MacroPanel": lambda: __import__(
        "dealloop.macro", fromlist=["macro_panel"]).macro_panel(_net()),
    "dealloop.macro.pullback.Pullback": lambda: __import__(
        "dealloop.macro", fromlist=["pullback"]).pullback(_net()),
}


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


@cache
def _build(name: str) -> Any:
    return BUILDERS[name]()


# ------------------------------------------------------------------------------ the checks
def test_every_result_class_is_found_and_has_a_builder() -> None:
    names = {_name(c) for c in CLASSES}
    assert names == set(BUILDERS), (
        f"result classes without a builder: {sorted(names - set(BUILDERS))}; builders of "
        f"classes that no longer exist: {sorted(set(BUILDERS) - names)}")


@pytest.mark.parametrize("cls", CLASSES, ids=_name)
def test_is_a_frozen_result_dataclass(cls: type) -> None:
    assert issubclass(cls, Result), f"{_name(cls)} does not subclass dealloop.result.Result"
    assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert "__repr__" not in vars(cls), "declare it with @dataclass(..., repr=False)"
    for method in ("to_dict", "summary"):
        assert getattr(cls, method) is not getattr(Result, method), f"no {method}()"


@pytest.mark.parametrize("cls", CLASSES, ids=_name)
def test_protocol(cls: type) -> None:
    res = _build(_name(cls))
    assert type(res) is cls
    # to_dict: plain JSON-safe Python, unchanged by the JSON helper, valid strict JSON
    d = res.to_dict()
    assert isinstance(d, dict) and d
    json.dumps(d, allow_nan=False)
    assert jsonable(d) == d
    assert jsonable(res) == d  # the JSON helper converts a result through to_dict()
    # summary: readable text, first line non-empty
    text = res.summary()
    assert isinstance(text, Summary) and text.strip()  # text, and HTML for a notebook
    assert text.html.startswith("<pre") and text.text == str(text)
    assert not re.search(r"\bnan\b", text, re.IGNORECASE), text
    assert text.splitlines()[0].strip()
    # repr: one short line naming the class
    r = repr(res)
    assert r.startswith(f"<{cls.__name__}: ") and "\n" not in r and len(r) <= 140
    # notebooks: the summary, HTML-escaped, and the table when there is one
    page = res._repr_html_()
    assert cls.__name__ in page and page.startswith("<div")
    if hasattr(res, "to_frame"):
        frame = res.to_frame()
        assert isinstance(frame, pd.DataFrame)
        if len(frame):
            assert "<table" in page
    # frozen: fields cannot be reassigned
    first = dataclasses.fields(res)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(res, first, None)


def test_repr_html_escapes_the_summary() -> None:
    from dealloop.mapping.explain import LineItem, Sheet

    page = Sheet("<b>x</b>", (LineItem("asset", "cash", None, 1.0),))._repr_html_()
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
