"""Cells of the results bundle as JSON values: the conventions every part follows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..jsonutil import jsonable
from ..text import bidi_marked

__all__ = ["cell_text", "cell_value", "horizon_label"]


def cell_value(v: Any) -> Any:
    """A cell as a JSON value: NaN / NA -> None, numpy -> Python.

    Examples
    --------
    >>> import numpy as np
    >>> cell_value(float("nan")), cell_value(np.int64(3)), type(cell_value(np.int64(3)))
    (None, 3, <class 'int'>)
    """
    return jsonable(v) if not (isinstance(v, float) and math.isnan(v)) else None


def cell_text(v: Any) -> str | None:
    """A cell as text, ``None`` when it is missing or empty.

    Examples
    --------
    >>> cell_text(None), cell_text(""), cell_text(1234.5)
    (None, None, '1234.5')
    """
    if v is None or (isinstance(v, float) and math.isnan(v)) or jsonable(v) is None:
        return None
    s = str(v)
    # dataset text is shown to a reader: a bidirectional override would reverse what follows
    return bidi_marked(s) if s else None


def horizon_label(horizon: Sequence[Any] | None) -> dict[str, Any] | None:
    """``{"start": ..., "end": ...}`` of a horizon, ``None`` for none.

    Examples
    --------
    >>> horizon_label(("2026-01-01", "2030-12-31"))
    {'start': '2026-01-01', 'end': '2030-12-31'}
    """
    if horizon is None:
        return None
    return {"start": str(horizon[0]), "end": str(horizon[1])}
