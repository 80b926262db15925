"""The parts of the results bundle that run an analysis on the network: a stress scenario
(:func:`stress_part`), each firm failed in turn (:func:`systemic_part`), the early-warning
signals (:func:`signals_part`) and the macro panel (:func:`macro_part`).

:func:`dealloop.report.bundle.results_bundle` joins them with the dataset's own parts; the
dashboard serves them one by one. Each calls one library function and makes its result
JSON-safe; nothing here re-derives a model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..jsonutil import jsonable
from .cells import cell_text

__all__ = ["macro_part", "signals_part", "stress_headlines", "stress_part", "systemic_part"]

if TYPE_CHECKING:

    from ..network import DealNetwork


def stress_part(scenario: Any, net: DealNetwork, *, band: bool = True) -> dict[str, Any]:
    """Run one scenario (a loaded scenario, a shipped name or a file path) on ``net``.

    Returns ``name``, ``question``, ``notes``, ``headlines`` (key, label and unit of each
    headline figure, in display order) and ``result``: the scenario engine's
    ``StressResult.to_dict()`` (as ``dealloop stress --json``) with ``holders`` (where the
    losses land, :func:`dealloop.holders.result_dict`), with the evidence band when ``band``.

    Examples
    --------
    >>> import dealloop as dl
    >>> part = stress_part("coreweave-default", dl.load(), band=False)
    >>> keys = [h["key"] for h in stress_headlines()]
    >>> part["name"], [h["key"] for h in part["headlines"]] == keys
    ('coreweave-default', True)
    """
    from .. import scenarios as sc
    from ..holders import result_dict

    loaded = sc.load(scenario) if isinstance(scenario, str) or hasattr(scenario, "__fspath__") \
        else scenario
    result = sc.run(loaded, net, band=band)
    return {
        "name": cell_text(getattr(loaded, "name", None)) or str(scenario),
        "question": cell_text(getattr(loaded, "question", None)),
        "notes": cell_text(getattr(loaded, "notes", None)),
        "headlines": stress_headlines(),
        "result": jsonable(result_dict(result, net, loaded)),
    }


def stress_headlines() -> list[dict[str, str | bool]]:
    """Key, label and unit of each headline figure of a stress run, in display order.

    Examples
    --------
    >>> stress_headlines()[0]["key"]
    'defaults'
    """
    from ..scenarios.results import HEADLINES

    return [{"key": k, "label": label.strip(), "unit": unit, "indent": label.startswith(" ")}
            for k, (label, unit) in HEADLINES.items()]


def systemic_part(net: DealNetwork, scenario: Any = "baseline") -> dict[str, Any]:
    """Fail each firm in turn (:func:`dealloop.holders.systemic.systemic`): ``scenario``,
    ``firms`` (one row each, ranked by the loss that lands outside the network), ``notes``;
    empty when the network cannot be run (e.g. a dataset without the shipped scenario's
    firms).

    Examples
    --------
    >>> import dealloop as dl
    >>> systemic_part(dl.load())["rank_by"]
    'loss'
    """
    from ..data.problems import DataError
    from ..holders.systemic import systemic

    try:
        res = systemic(scenario, net)
    except (DataError, ValueError):
        return {}
    return jsonable(res.to_dict())


def signals_part(net: DealNetwork) -> dict[str, Any]:
    """Early-warning lights per firm as of the latest market quote, with the monthly series of
    the quoted firms (:func:`dealloop.markets.signals_bundle`, shipped thresholds).

    Examples
    --------
    >>> import dealloop as dl
    >>> part = signals_part(dl.load().as_of("2024-12-31"))     # lights as of the view's date
    >>> part["as_of"], part["headline"].startswith("As of 2024-12-31")
    ('2024-12-31', True)

    It also carries the capital behind each holder sector's line as known then
    (:func:`dealloop.holders.capitals`), NO DATA with the reason where there is none:

    >>> part["sector_capital"]["banks"]["no_data"]
    'the figure (H943) is dated 2025-06-30, after 2024-12-31'
    """
    from ..holders import capitals, layer
    from ..markets import signals_bundle

    out = signals_bundle(net)
    out["sector_capital"] = capitals(layer(net), out.get("as_of"))
    return out


def macro_part(net: DealNetwork) -> dict[str, Any]:
    """The macro panel (:func:`dealloop.macro.macro_panel`) and the default capex pullback
    (30% of 2026 capex through the shipped input-output table), as ``dealloop macro --json``
    prints them; empty when the dataset has no capex figures.

    Examples
    --------
    >>> import dealloop as dl
    >>> {"capex", "pullback", "totals"} <= set(macro_part(dl.load()))
    True
    """
    from ..macro import bundled_io, macro_panel, pullback

    panel = macro_panel(net)
    if panel.capex.empty:
        return {}
    years = list(panel.totals.index)
    year = 2026 if 2026 in years else int(years[-1])
    return {**panel.to_dict(), "pullback": pullback(net, year=year, io=bundled_io()).to_dict()}
