"""Numbers in scenario files: distributions, bounded numbers, per-entity settings and the
literal vocabularies the models check against.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    model_validator,
)

from ..vocabulary import (
    DEAL_KINDS,
    ENTITY_KINDS,
    EVIDENCE,
    STATUSES,
)

__all__ = ["FROZEN", "MAX_CHUNK", "MAX_DRAWS", "Dist", "first_message", "key_text", "line_for"]

FROZEN = ConfigDict(extra="forbid", frozen=True)
MAX_DRAWS = 100_000_000
"""Most Monte Carlo draws a run may ask for (scenario file or command line)."""
MAX_CHUNK = 1_000_000
"""Most draws in one batched engine call."""


# ------------------------------------------------------------------------------ distributions
class Dist(BaseModel):
    """A distribution for an uncertain number: exactly one of ``uniform``, ``triangular``,
    ``beta``.

    Examples
    --------
    >>> d = Dist(uniform=(0.2, 0.4))
    >>> round(d.mean(), 6), d.support()
    (0.3, (0.2, 0.4))
    >>> Dist(triangular=(0, 0.3, 0.6)).mean()
    0.3
    """

    model_config = FROZEN

    uniform: tuple[float, float] | None = None
    triangular: tuple[float, float, float] | None = None
    beta: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _one(self) -> Dist:
        given = [k for k in ("uniform", "triangular", "beta") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of uniform: [low, high], "
                             "triangular: [low, mode, high], beta: [a, b]")
        if self.uniform is not None and not self.uniform[0] <= self.uniform[1]:
            raise ValueError("uniform: low must not exceed high")
        if self.triangular is not None:
            lo, mode, hi = self.triangular
            if not lo <= mode <= hi:
                raise ValueError("triangular: need low <= mode <= high")
        if self.beta is not None and not (self.beta[0] > 0 and self.beta[1] > 0):
            raise ValueError("beta: both shape parameters must be > 0")
        for v in self.uniform or self.triangular or self.beta or ():
            if not math.isfinite(v):
                raise ValueError("distribution parameters must be finite numbers")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("uniform", "triangular", "beta") if getattr(self, k) is not None)

    def support(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can take."""
        if self.uniform is not None:
            return self.uniform
        if self.triangular is not None:
            return self.triangular[0], self.triangular[2]
        return 0.0, 1.0

    def mean(self) -> float:
        """The mean (used as the point value in a single stress run)."""
        if self.uniform is not None:
            return (self.uniform[0] + self.uniform[1]) / 2
        if self.triangular is not None:
            return sum(self.triangular) / 3
        a, b = self.beta  # type: ignore[misc]
        return a / (a + b)

    def sample(self, rng: Any, size: int) -> Any:
        """``size`` draws from ``rng`` (a :class:`numpy.random.Generator`)."""
        if self.uniform is not None:
            lo, hi = self.uniform
            return rng.uniform(lo, hi, size) if hi > lo else rng.random(size) * 0 + lo
        if self.triangular is not None:
            lo, mode, hi = self.triangular
            if hi == lo:
                return rng.random(size) * 0 + lo
            return rng.triangular(lo, mode, hi, size)
        a, b = self.beta  # type: ignore[misc]
        return rng.beta(a, b, size)


Number = float | Dist


def _number(lo: float | None = None, hi: float | None = None, *, allow_dist: bool = True
            ) -> Callable[[Any], Number]:
    def check(v: Any) -> Number:
        if isinstance(v, bool):
            raise ValueError("expected a number, not true/false")
        if isinstance(v, int | float):
            x = float(v)
            if not math.isfinite(x):
                raise ValueError("expected a finite number")
            if (lo is not None and x < lo) or (hi is not None and x > hi):
                raise ValueError(f"{x:g} is out of range; expected a value in "
                                 f"{_range_text(lo, hi)}")
            return x
        if isinstance(v, Dist) and allow_dist:
            d = v
        elif isinstance(v, Mapping) and allow_dist:
            try:
                d = Dist.model_validate(dict(v))
            except ValidationError as exc:
                raise ValueError(first_message(exc)) from None
        else:
            what = "a number or a distribution such as {uniform: [0.2, 0.4]}" if allow_dist \
                else "a number"
            raise ValueError(f"expected {what}, got {type(v).__name__} {v!r}")
        if d.beta is not None and (lo is None or lo > 0 or hi is None or hi < 1):
            raise ValueError("beta distributions are only allowed for fractions in [0, 1]")
        s0, s1 = d.support()
        if (lo is not None and s0 < lo) or (hi is not None and s1 > hi):
            raise ValueError(f"the distribution's range [{s0:g}, {s1:g}] is out of range; "
                             f"expected values in {_range_text(lo, hi)}")
        return d

    return check


def _range_text(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"[{lo:g}, {hi:g}]"
    if lo is not None:
        return f"[{lo:g}, inf)"
    return f"(-inf, {hi:g}]"


def _ser(v: Number) -> Any:
    return v.model_dump(exclude_none=True) if isinstance(v, Dist) else v


def _num(lo: float | None = None, hi: float | None = None) -> Any:
    return Annotated[Number, PlainValidator(_number(lo, hi)), PlainSerializer(_ser)]


Fraction = _num(0.0, 1.0)
PositiveNumber = _num(1e-9, None)


def _per_entity(lo: float, hi: float | None) -> Callable[[Any], dict[str, float]]:
    scalar = _number(lo, hi, allow_dist=False)

    def plain(v: Any) -> float:
        x = scalar(v)
        assert isinstance(x, float)  # allow_dist=False: a number or a ValueError
        return x

    def check(v: Any) -> dict[str, float]:
        if isinstance(v, Mapping):
            out = {}
            for k, x in v.items():
                if not isinstance(k, str):
                    raise ValueError(f"keys must be entity ids or 'default', not {k!r}")
                try:
                    out[k] = plain(x)
                except ValueError as exc:
                    raise ValueError(f"{k}: {exc}") from None
            return out
        return {"default": plain(v)}

    return check


#: ``{entity id or "default": share in [0, 1]}``.
PerEntityShare = Annotated[dict[str, float], PlainValidator(_per_entity(0.0, 1.0))]
#: ``{entity id or "default": growth rate in [-1, 10]}``.
PerEntityGrowth = Annotated[dict[str, float], PlainValidator(_per_entity(-1.0, 10.0))]


Status = Literal["committed", "conditional", "superseded", "cancelled", "reported"]
Evidence = Literal["A", "B", "C"]
EntityKind = Literal[
    "chip_vendor", "ai_lab", "hyperscaler", "neocloud", "cloud", "investor", "lender",
    "developer", "spv", "other",
]



def _assert_vocab() -> None:  # pragma: no cover - import-time consistency check
    assert set(typing.get_args(Status)) == set(STATUSES)
    assert set(typing.get_args(Evidence)) == set(EVIDENCE)
    assert set(typing.get_args(EntityKind)) == set(ENTITY_KINDS)
    assert set(DEAL_KINDS)


_assert_vocab()


def key_text(path: Iterable[Any]) -> str | None:
    """A key path as a scenario problem names it: ``shocks[0].entity``.

    Examples
    --------
    >>> key_text(("shocks", 0, "entity"))
    'shocks[0].entity'
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or None


def line_for(lines: Mapping[tuple, int], path: tuple) -> int | None:
    """The YAML line of ``path`` in ``lines`` (key path -> line), else of its closest
    parent that has one; ``None`` when none has.

    Examples
    --------
    >>> line_for({("shocks",): 3, ("shocks", 0): 4}, ("shocks", 0, "entity"))
    4
    """
    for k in range(len(path), -1, -1):
        if path[:k] in lines:
            return lines[path[:k]]
    return None


def first_message(exc: ValidationError) -> str:
    """The first error of a pydantic ``ValidationError`` as one line: ``field: message``.

    Examples
    --------
    >>> from pydantic import BaseModel, ValidationError
    >>> class Share(BaseModel):
    ...     value: float
    >>> try:
    ...     Share(value="half")
    ... except ValidationError as exc:
    ...     print(first_message(exc))
    value: Input should be a valid number, unable to parse string as a number
    """
    err = exc.errors()[0]
    loc = key_text(err["loc"])
    return f"{loc}: {err['msg']}" if loc else str(err["msg"]).removeprefix("Value error, ")
