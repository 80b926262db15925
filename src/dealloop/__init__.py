"""dealloop: map, measure and stress-test circular financing networks.

Heavy modules (pandas, scipy, networkx, dask) are imported on first use, so the command
line starts fast.

Examples
--------
>>> import dealloop as dl
>>> net = dl.load()                      # the bundled 2025-26 AI deals network
>>> problems = dl.validate(dl.datasets.path())
>>> [p for p in problems if p.severity == "error"]
[]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from .data.problems import DataError, Problem
    from .network import DealNetwork, Selection

__all__ = [
    "DataError",
    "DealNetwork",
    "Problem",
    "Selection",
    "__version__",
    "datasets",
    "load",
    "validate",
]


def load(path: Any = None, *, as_of: Any = None) -> DealNetwork:
    """Load a dataset folder (default: the bundled ``ai2026`` dataset) as a DealNetwork.

    ``as_of`` (a date, ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) gives the network as it was
    known on that date (:meth:`DealNetwork.as_of`). Raises :class:`dealloop.DataError`
    listing every problem when the data are invalid.

    Examples
    --------
    >>> import dealloop as dl
    >>> net = dl.load()                              # the bundled ai2026 dataset
    >>> earlier = dl.load(as_of="2025-06-30")        # as it was known then
    >>> len(earlier.deals) < len(net.deals)
    True
    """
    from .network import load as _load

    return _load(path, as_of=as_of)


def validate(path: Any) -> list[Problem]:
    """Every problem in a dataset folder (errors and warnings); empty when clean.

    Examples
    --------
    >>> import dealloop as dl
    >>> problems = dl.validate(dl.datasets.path())
    >>> [p for p in problems if p.severity == "error"]
    []
    """
    from .data.validate import validate as _validate

    return _validate(path)


def __getattr__(name: str) -> Any:
    if name in ("DataError", "Problem"):
        from .data import problems

        return getattr(problems, name)
    if name in ("DealNetwork", "Selection"):
        from . import network

        return getattr(network, name)
    if name in ("datasets", "contagion", "circularity", "scenarios", "network", "data"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'dealloop' has no attribute {name!r}")
