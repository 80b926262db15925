"""What the contagion result classes share (:mod:`dealloop.contagion.results`).

Read-only arrays, the per-firm frame (long for a batch of scenarios), the JSON form and the
base class that gives every result its firm labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

from ..jsonutil import jsonable
from ..result import Result


def _freeze(obj: object) -> None:
    """Make every ndarray field read-only so that a frozen result is really immutable."""
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray):
            value.setflags(write=False)


def _frame(
    columns: dict[str, np.ndarray], index: Sequence[Any] | None, n: int, batched: bool
) -> pd.DataFrame:
    """One row per firm; for a batch, a long frame with ``scenario`` and ``firm`` columns."""
    if index is None:
        labels = pd.RangeIndex(n, name="firm")
    else:
        if len(index) != n:
            raise ValueError(f"index: expected {n} labels, got {len(index)}")
        labels = pd.Index(list(index), name="firm")
    if not batched:
        return pd.DataFrame({k: np.asarray(v) for k, v in columns.items()}, index=labels)
    k = next(iter(columns.values())).shape[0]
    data: dict[str, Any] = {
        "scenario": np.repeat(np.arange(k), n),
        "firm": np.tile(np.asarray(labels), k),
    }
    for name, value in columns.items():
        arr = np.asarray(value)
        data[name] = arr.reshape(-1) if arr.ndim == 2 else np.repeat(arr, n)
    return pd.DataFrame(data)


def _fmt(x: float) -> str:
    return f"{x:,.6g}"


def _as_dict(obj: Any, **extra: Any) -> dict[str, Any]:
    """Every field shown in the dataclass (arrays as nested lists, ``(K, N)`` for a batch),
    then ``extra``; JSON-safe. Fields declared with ``repr=False`` (operators kept for lazy
    properties) are left out."""
    out = {f.name: getattr(obj, f.name) for f in fields(obj) if f.repr}
    return jsonable({**out, **extra})


class _ContagionResult(Result):
    """What the contagion results share: firm labels for ``to_frame`` and ``to_dict``."""

    __slots__ = ()
    labels: tuple[Any, ...] | None

    def _index(self, index: Sequence[Any] | None) -> Sequence[Any] | None:
        return self.labels if index is None else index

    def to_dict(self) -> dict[str, Any]:
        """Every array (``(N,)``, or ``(K, N)`` for a batch of ``K`` scenarios) as nested
        lists, the settings and ``labels``; JSON-safe (NaN and infinities become None)."""
        return _as_dict(self)
