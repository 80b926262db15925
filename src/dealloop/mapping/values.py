"""Small value helpers of the mapping, cheap to import (no numpy or pandas)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["OUTSIDE", "per_entity", "plan_stretch", "point"]

#: The id standing for everyone outside the network (lenders, investors, suppliers).
OUTSIDE = "(outside)"


def per_entity(values: Mapping[str, float], entity: str, fallback: float) -> float:
    """The value of a per-entity setting for ``entity`` (its own key, else ``default``).

    Examples
    --------
    >>> per_entity({"default": 1.0, "oracle": 0.0}, "oracle", 0.5)
    0.0
    >>> per_entity({"default": 1.0}, "nvidia", 0.5)
    1.0
    """
    if entity in values:
        return values[entity]
    return values.get("default", fallback)


def point(value: Any) -> float:
    """The point value of a number or a distribution (its ``mean()``).

    Examples
    --------
    >>> point(0.3)
    0.3
    """
    mean = getattr(value, "mean", None)
    return float(mean()) if callable(mean) else float(value)


def plan_stretch(m: Any) -> float:
    """How far a firm's planned new money can stretch beyond its gap, as a share of the gap:
    ``new_money_headroom`` plus the round's held-back part, ``b / (1 - b)`` for
    ``b = new_money_buffer`` (a round of ``gap / (1 - b)``, of which the gap is drawn).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> plan_stretch(NS(new_money_headroom=0.1, new_money_buffer=0.0))
    0.1
    >>> round(plan_stretch(NS(new_money_headroom=0.1, new_money_buffer=0.25)), 6)  # 0.1 + 1/3
    0.433333
    """
    b = float(getattr(m, "new_money_buffer", 0.0))
    return float(m.new_money_headroom) + b / (1.0 - b)
