"""The one JSON helper: make any result JSON-safe, and write it.

Every ``to_dict()`` in dealloop returns plain Python through :func:`jsonable`, and every JSON
document the CLI, the report and the web API write goes through :func:`dumps`, so NaN and
infinities become ``null`` the same way everywhere and a stray NaN can never produce invalid
JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["dumps", "jsonable"]


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy scalars, arrays, NaN, pandas NA, dates and tuples made JSON-safe.

    NaN and infinities become ``None`` so the result passes ``json.dumps(allow_nan=False)``;
    a DataFrame becomes one record per row (its index first unless it is a plain range); an
    object with a ``to_dict()`` method (every dealloop result) is converted through it.

    Examples
    --------
    >>> import numpy as np
    >>> jsonable({"a": np.float64("nan"), "b": (np.int64(2), 1.5)})
    {'a': None, 'b': [2, 1.5]}

    See Also
    --------
    dumps : the JSON text of ``jsonable(obj)``.
    """
    if obj is None or isinstance(obj, bool | str | int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(obj, pd.DataFrame):  # one record per row
        frame = obj.reset_index() if not isinstance(obj.index, pd.RangeIndex) else obj
        return [jsonable(r) for r in frame.to_dict("records")]
    if pd is not None and isinstance(obj, pd.Series):
        return jsonable(obj.to_dict())
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in obj]
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    if hasattr(obj, "to_dict") and callable(obj.to_dict) and not hasattr(obj, "dtype"):
        return jsonable(obj.to_dict())
    if hasattr(obj, "tolist"):  # numpy arrays and scalars
        return jsonable(obj.tolist())
    if hasattr(obj, "item"):
        return jsonable(obj.item())
    if _is_missing(obj):
        return None
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return str(obj)


def _is_missing(obj: Any) -> bool:
    """Whether ``obj`` is pandas' NA or NaT (without importing pandas when it is not loaded)."""
    pd = sys.modules.get("pandas")
    return pd is not None and (obj is pd.NA or obj is pd.NaT)


def dumps(obj: Any, **kwargs: Any) -> str:
    """JSON text of ``jsonable(obj)`` (``allow_nan=False``; keyword arguments go to
    :func:`json.dumps`).

    Examples
    --------
    >>> dumps({"x": float("inf"), "y": [1, 2]})
    '{"x": null, "y": [1, 2]}'
    """
    return json.dumps(jsonable(obj), allow_nan=False, **kwargs)
