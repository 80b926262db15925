"""The main parameters of a scenario as slider specifications, and a copy with some changed.

The dashboard offers these as sliders and checkboxes; :func:`apply_parameters` is the one way
a run changes a scenario without editing its file (every value checked against its bounds).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["apply_parameters", "scenario_parameters"]

#: Scenario fields offered as sliders: (path suffix, label, min, max, step).
_SHOCK_FIELDS = {
    "fall": ("fall", 0.0, 1.0, 0.01),
    "loss": ("loss", 0.0, 1.0, 0.01),
    "assets_lost": ("outside assets lost", 0.0, 1.0, 0.01),
    "recovery": ("recovery rate", 0.0, 1.0, 0.01),
    "fraction": ("fraction", 0.0, 1.0, 0.01),
    "share": ("share called", 0.0, 1.0, 0.01),
    "rollover": ("rollover", 0.0, 1.0, 0.01),
    "life_years": ("GPU life, years", 0.5, 10.0, 0.5),
}


def _dist_mean(v: Any) -> tuple[float, float, float] | None:
    """Mean, low and high of a distribution written as ``{uniform|triangular|beta: [...]}``."""
    if not isinstance(v, dict) or len(v) != 1:
        return None
    (kind, args), = v.items()
    if kind == "uniform" and len(args) == 2:
        return (args[0] + args[1]) / 2, args[0], args[1]
    if kind == "triangular" and len(args) == 3:
        return sum(args) / 3, args[0], args[2]
    if kind == "beta" and len(args) == 2 and args[0] + args[1] > 0:
        return args[0] / (args[0] + args[1]), 0.0, 1.0
    return None


def scenario_parameters(scenario: Any) -> list[dict[str, Any]]:
    """The main parameters of a scenario, as slider (or checkbox) specifications.

    Each: ``key`` (dotted path into the scenario, e.g. ``shocks.0.fall``), ``label``, ``type``
    (``number`` or ``bool``), ``value`` and, for numbers, ``min``, ``max``, ``step``. Shock
    sizes (a distribution is offered at its mean, the value a single run uses; setting it
    replaces the distribution by that number), whether conditional legs happen, the clearing
    model's ``alpha`` and ``beta`` (Rogers–Veraart) and the mapping's default rollover and
    cash margin.

    Examples
    --------
    >>> from dealloop.scenarios import load
    >>> [p["key"] for p in scenario_parameters(load("coreweave-default"))][:2]
    ['shocks.0.assets_lost', 'shocks.0.recovery']

    See Also
    --------
    apply_parameters : a copy of the scenario with some of these values changed.
    """
    data = scenario.model_dump(mode="json")
    out: list[dict[str, Any]] = []
    for i, shock in enumerate(data.get("shocks", [])):
        target = shock.get("entity") or shock.get("deal") or ", ".join(
            shock.get("entities") or shock.get("deals") or shock.get("kinds") or []) or "all firms"
        head = f"{shock['type']} ({target})"
        for name, (label, lo, hi, step) in _SHOCK_FIELDS.items():
            v = shock.get(name)
            note = ""
            dist = _dist_mean(v)
            if dist is not None:
                v = dist[0]
                note = f" (drawn {dist[1]:g}-{dist[2]:g} in Monte Carlo)"
            if isinstance(v, bool) or not isinstance(v, int | float):
                continue
            out.append({"key": f"shocks.{i}.{name}", "label": f"{head}: {label}{note}",
                        "type": "number", "value": round(float(v), 6), "min": lo,
                        "max": max(hi, float(v)), "step": step})
        if isinstance(shock.get("happens"), bool):
            out.append({"key": f"shocks.{i}.happens", "label": f"{head}: the leg happens",
                        "type": "bool", "value": shock["happens"]})
    clearing = data.get("models", {}).get("clearing", {})
    if clearing.get("model") == "rogers_veraart":
        for name in ("alpha", "beta"):
            out.append({"key": f"models.clearing.{name}",
                        "label": f"Rogers-Veraart {name} (share realised)", "type": "number",
                        "value": float(clearing.get(name, 1.0)), "min": 0.0, "max": 1.0,
                        "step": 0.01})
    mapping = data.get("mapping", {})
    for name, label in (("rollover", "debt rolled over (every firm)"),
                        ("cash_margin", "cash margin on outside revenue (every firm)")):
        v = (mapping.get(name) or {}).get("default")
        if isinstance(v, int | float) and not isinstance(v, bool):
            out.append({"key": f"mapping.{name}.default", "label": label, "type": "number",
                        "value": float(v), "min": 0.0, "max": 1.0, "step": 0.01})
    return out


def apply_parameters(scenario: Any, values: dict[str, Any]) -> Any:
    """A copy of ``scenario`` with parameter ``values`` set; ``ValueError`` naming a bad key.

    Examples
    --------
    >>> from dealloop.scenarios import load
    >>> sc = apply_parameters(load("coreweave-default"), {"shocks.0.recovery": 0.5})
    >>> sc.shocks[0].recovery
    0.5
    >>> apply_parameters(sc, {"shocks.0.recovery": 2.0})
    Traceback (most recent call last):
    ...
    ValueError: parameters.shocks.0.recovery: 2.0 is outside [0, 1]
    """
    allowed = {p["key"]: p for p in scenario_parameters(scenario)}
    if not values:
        return scenario
    data = scenario.model_dump(mode="json")
    for key, value in values.items():
        spec = allowed.get(key)
        if spec is None:
            choices = ", ".join(allowed) or "none"
            raise ValueError(f"parameters.{key}: unknown parameter; this scenario has: {choices}")
        if spec["type"] == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"parameters.{key}: expected true or false")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"parameters.{key}: expected a number")
        elif not (math.isfinite(value) and spec["min"] <= value <= spec["max"]):
            raise ValueError(f"parameters.{key}: {value!r} is outside "
                             f"[{spec['min']:g}, {spec['max']:g}]")
        node: Any = data
        parts = key.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[parts[-1]] = value if spec["type"] == "bool" else float(value)
    return type(scenario).model_validate(data)
