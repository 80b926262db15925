"""Scenarios: stress tests and Monte Carlo runs on a deal network.

A scenario (a YAML file, :mod:`.spec`) names the shocks, which legs count, how deals become
balance sheets (:mod:`dealloop.mapping`) and which models run. :func:`run` clears every layer of the
network together (:mod:`.engine`: obligations, purchases, stakes, backstops, warrants) before
and after the shocks, and reports per firm and for the system, as a band across evidence
grades. :func:`simulate` draws uncertain inputs (Monte Carlo, on Dask) and :func:`sensitivity`
ranks the deals that carry the systemic risk (remove a leg and rerun).

Importing this package is cheap: numpy, pandas and dask load on first use.

Examples
--------
>>> import dealloop as dl
>>> from dealloop import scenarios
>>> sc = scenarios.load("coreweave-default")
>>> res = scenarios.run(sc, dl.load(), band=False)
>>> bool(res.firms.loc["coreweave", "defaulted"])
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .results import Band, SensitivityResult, SimulationResult, StressResult
    from .spec import Scenario

__all__ = [
    "Band",
    "Scenario",
    "SensitivityResult",
    "SimulationResult",
    "StressResult",
    "balance_sheets",
    "library",
    "load",
    "loads",
    "run",
    "sensitivity",
    "simulate",
    "validate_against",
]

_LAZY = {
    "load": ("spec", "load"),
    "loads": ("spec", "loads"),
    "validate_against": ("spec", "validate_against"),
    "Scenario": ("spec", "Scenario"),
    "run": ("runner", "run"),
    "balance_sheets": ("..mapping.sheets", "build"),
    "simulate": ("montecarlo", "simulate"),
    "sensitivity": ("removal", "sensitivity"),
    "Band": ("results", "Band"),
    "StressResult": ("results", "StressResult"),
    "SimulationResult": ("results", "SimulationResult"),
    "SensitivityResult": ("results", "SensitivityResult"),
}


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module if module.startswith("..") else
                                               f".{module}", __name__), attr)
    if name in ("library", "spec", "engine", "runner", "montecarlo", "results", "removal",
                "compare"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'dealloop.scenarios' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
