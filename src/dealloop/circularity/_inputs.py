"""Inputs of the circularity measures: matrices and per-firm vectors checked, or built from a
DealNetwork's legs; leg selections refused where they would be ignored."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..jsonutil import jsonable
from ..vocabulary import horizon_years, parse_horizon

#: "Not given" for a horizon whose default is not ``None`` (``None`` means every year).
UNSET: Any = object()


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    key = str(frame.index.name or "firm")
    return [{key: str(i), **jsonable(row.to_dict())} for i, row in frame.iterrows()]


def top_text(labels: Sequence[str], values: np.ndarray, n: int = 3, fmt: str = "{:,.1f}") -> str:
    """The ``n`` firms with the largest finite values, ``"A 3.0, B 2.0"`` (``"none"``)."""
    vals = np.where(np.isfinite(values), values, -np.inf)
    order = [i for i in np.argsort(-vals, kind="stable")[:n] if vals[i] > 0]
    return ", ".join(f"{labels[i]} {fmt.format(values[i])}" for i in order) or "none"


def as_matrix(M: Any, name: str, labels: Sequence[Any] | None
            ) -> tuple[np.ndarray, tuple[str, ...]]:
    found = None
    if isinstance(M, pd.DataFrame):
        if list(M.index) != list(M.columns):
            raise ValueError(f"{name}: the DataFrame's index and columns must list the same "
                             "firms in the same order")
        found = tuple(str(x) for x in M.index)
    try:
        A = np.array(M, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a square matrix of numbers") from None
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"{name}: expected a square (n, n) matrix, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    if np.any(A < 0):
        raise ValueError(f"{name}: contains negative values")
    n = A.shape[0]
    if labels is not None:
        if len(labels) != n:
            raise ValueError(f"labels: expected {n} names, got {len(labels)}")
        found = tuple(str(x) for x in labels)
    return A, found or tuple(str(i) for i in range(n))


def as_vector(x: Any, labels: tuple[str, ...], name: str, *, allow_nan: bool = False
            ) -> np.ndarray:
    """A per-firm vector from an array (in ``labels`` order) or a Series/mapping by label."""
    n = len(labels)
    if x is None:
        return np.full(n, np.nan) if allow_nan else np.zeros(n)
    if isinstance(x, dict):
        x = pd.Series(x)
    if isinstance(x, pd.Series):
        x = x.copy()
        x.index = [str(i) for i in x.index]
        v = pd.to_numeric(x.reindex(list(labels)), errors="coerce").to_numpy(dtype=float)
    else:
        try:
            v = np.array(x, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: expected numbers") from None
        if v.shape != (n,):
            raise ValueError(f"{name}: expected {n} values, got {v.shape[0]}")
    if np.any(np.isinf(v)):
        raise ValueError(f"{name}: contains infinite values")
    if not allow_nan and np.any(np.isnan(v)):
        raise ValueError(f"{name}: contains NaN")
    if np.any(v[~np.isnan(v)] < 0):
        raise ValueError(f"{name}: contains negative values")
    return v


def network_only(what: str, **given: tuple[Any, Any]) -> None:
    """``ValueError`` when leg selections (``kinds``, ``statuses``, ``horizon``, ...) differ
    from their defaults for an input that is not a DealNetwork: they select legs of a
    network and would otherwise be ignored. ``given`` maps each name to ``(value, default)``.

    Examples
    --------
    >>> network_only("flows", kinds=(None, None))
    >>> network_only("flows", kinds=(["bond"], None))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: kinds: select legs of a DealNetwork; flows is not one, so select the legs ...
    """
    named = [k for k, (value, default) in given.items() if value is not default]
    if named:
        raise ValueError(f"{', '.join(named)}: select legs of a DealNetwork; {what} is not "
                         "one, so select the legs before building it")


def is_network(obj: Any) -> bool:
    return hasattr(obj, "flow_graph")


def network_matrix(net: Any, *, kinds: Iterable[str] | str | None,
                statuses: Iterable[str] | str | None, horizon: Any,
                labels: Sequence[str] | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    from ._money_graph import money_graph

    g = money_graph(net, kinds=kinds, statuses=statuses, horizon=horizon)
    M = g.matrix()
    names = tuple(str(x) for x in g.labels)
    if labels is None:
        ids = getattr(net, "ids", None)
        labels = list(ids) if ids is not None else list(names)
    pos = {x: i for i, x in enumerate(names)}
    take = [pos.get(str(x), -1) for x in labels]
    out = np.zeros((len(labels), len(labels)))
    idx = [k for k, t in enumerate(take) if t >= 0]
    src = [take[k] for k in idx]
    out[np.ix_(idx, idx)] = M[np.ix_(src, src)]
    return out, tuple(str(x) for x in labels)


def entity_figures(net: Any, column: str) -> pd.Series:
    ent = getattr(net, "entities", None)
    if ent is None or column not in getattr(ent, "columns", ()):
        return pd.Series(dtype=float)
    return pd.Series(pd.to_numeric(ent[column], errors="coerce").to_numpy(dtype=float),
                     index=[str(i) for i in ent["id"]])


def horizon_length(horizon: Any) -> float | None:
    """Length of a horizon ``(start, end)`` in years (whole years count in full)."""
    if horizon is None:
        return None
    t0, t1 = parse_horizon(horizon)
    return horizon_years(t0, t1)
