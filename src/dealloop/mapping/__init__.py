"""The mapping stage: how a selection of legs and a scenario's mapping become balance sheets.

One place turns deals into model inputs:

* :func:`build` -- named balance sheets (:class:`BalanceSheets`) for a network under a
  scenario's horizon, leg selection and mapping; every line cites the leg and figure ids
  behind it (:meth:`BalanceSheets.sheet`, :meth:`BalanceSheets.explain`, which
  ``dealloop stress --explain`` prints);
* :meth:`BalanceSheets.compile` -- the engine's arrays (:class:`Compiled`: structure, and the
  scenario's shocks as per-draw :class:`~.arrays.Inputs`);
* :meth:`BalanceSheets.to_layers` -- the matrices for :mod:`dealloop.contagion`
  (:class:`Layers`: ``L``, ``C``, ``F``, contingent, outside assets and dues);
* :func:`layers` -- the leg view of a network with no mapping choices (every entity, every
  selected leg at its value).

Importing this package is cheap: numpy and pandas load on first use.

Examples
--------
>>> import dealloop as dl
>>> from dealloop import mapping
>>> from dealloop.scenarios import loads
>>> bs = mapping.build(dl.load(), loads("name: x\\nquestion: q"))
>>> comp = bs.compile()
>>> comp.structure.n == len(bs.firms) == len(bs.to_layers().index)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .compiled import Compiled, compile_scenario
    from .explain import LineItem, Sheet
    from .legview import Layers, layers
    from .sheets import OUTSIDE, BalanceSheets, build

__all__ = ["OUTSIDE", "BalanceSheets", "Compiled", "Layers", "LineItem", "Sheet", "build",
           "compile_scenario", "layers"]

_LAZY = {
    "OUTSIDE": "sheets", "BalanceSheets": "sheets", "build": "sheets",
    "Compiled": "compiled", "compile_scenario": "compiled",
    "Layers": "legview", "layers": "legview",
    "LineItem": "explain", "Sheet": "explain",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'dealloop.mapping' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
