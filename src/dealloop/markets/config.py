"""The signals config: indicator formulas and thresholds, shipped as ``signals.yaml``.

A user file passed with ``--config`` is laid over the shipped one key by key, so it may hold
only the thresholds it changes::

    indicators:
      equity_drawdown: {amber: 0.2, red: 0.4}

Every problem is reported as ``file:line: key: message``.
"""

from __future__ import annotations

import difflib
import math
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..data.problems import DataError, Problem

__all__ = ["INDICATORS", "Indicator", "SignalsConfig", "default_text", "load_config"]

#: Indicators in display order.
INDICATORS = ("spread_widening_3m", "spread_widening_6m", "implied_pd_1y", "payment_coverage",
              "top_customer_share", "in_network_revenue_share", "self_financed_share",
              "supplier_dependence", "debt_due_to_cash", "equity_drawdown")


class Indicator(BaseModel):
    """One indicator: what it measures, how, and where its lights change.

    Examples
    --------
    >>> ind = load_config().indicators.implied_pd_1y
    >>> ind.worse, ind.amber < ind.red
    ('higher', True)
    """

    model_config = ConfigDict(extra="forbid")
    label: str
    formula: str
    unit: Literal["bp", "fraction", "ratio"]
    worse: Literal["higher", "lower"]
    amber: float
    red: float

    @field_validator("amber", "red")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("expected a finite number")
        return v

    @model_validator(mode="after")
    def _order(self) -> Indicator:
        if self.worse == "higher" and self.red < self.amber:
            raise ValueError(f"red ({self.red:g}) must be at or above amber ({self.amber:g}) "
                             "when worse is higher")
        if self.worse == "lower" and self.red > self.amber:
            raise ValueError(f"red ({self.red:g}) must be at or below amber ({self.amber:g}) "
                             "when worse is lower")
        return self

    def light(self, value: float | None) -> str:
        """``red``, ``amber``, ``green``, or ``n/a`` for a missing value.

        Examples
        --------
        >>> ind = Indicator(label="x", formula="x", unit="ratio", worse="lower",
        ...                 amber=1.5, red=1.0)
        >>> [ind.light(v) for v in (2.0, 1.2, 1.0, None)]
        ['green', 'amber', 'red', 'n/a']
        """
        if value is None or not math.isfinite(value):
            return "n/a"
        if self.worse == "higher":
            return "red" if value >= self.red else "amber" if value >= self.amber else "green"
        return "red" if value <= self.red else "amber" if value <= self.amber else "green"


class Indicators(BaseModel):
    """The indicator table (every indicator must be configured).

    Examples
    --------
    >>> names = list(load_config().indicators.model_dump())
    >>> "spread_widening_3m" in names and "equity_drawdown" in names
    True
    """

    model_config = ConfigDict(extra="forbid")
    spread_widening_3m: Indicator
    spread_widening_6m: Indicator
    implied_pd_1y: Indicator
    payment_coverage: Indicator
    top_customer_share: Indicator
    in_network_revenue_share: Indicator
    self_financed_share: Indicator
    supplier_dependence: Indicator
    debt_due_to_cash: Indicator
    equity_drawdown: Indicator


class SignalsConfig(BaseModel):
    """The whole config. Build one with :func:`load_config`.

    Examples
    --------
    >>> cfg = load_config()
    >>> cfg.recovery, cfg.indicators.equity_drawdown.red
    (0.4, 0.5)
    >>> cfg.indicator("equity_drawdown") is cfg.indicators.equity_drawdown
    True
    """

    model_config = ConfigDict(extra="forbid")
    recovery: float = Field(ge=0.0, lt=1.0)
    pd_horizon_years: float = Field(gt=0.0, le=50.0)
    max_age_days: int = Field(ge=0, le=3660)
    window_months: int = Field(ge=1, le=120)
    drawdown_min_span_days: int = Field(ge=0, le=36600)
    figure_max_age_months: int = Field(default=18, ge=1, le=120)
    indicators: Indicators
    source: str = "signals.yaml"

    def indicator(self, name: str) -> Indicator:
        """The configured indicator ``name``."""
        return getattr(self.indicators, name)  # type: ignore[no-any-return]


def default_text() -> str:
    """The shipped ``signals.yaml``.

    Examples
    --------
    >>> default_text().splitlines()[0]
    '# dealloop early-warning signals: formulas and thresholds.'
    """
    return resources.files("dealloop.markets").joinpath("signals.yaml").read_text("utf-8")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) \
            else v
    return out


def _parse(text: str, source: str) -> tuple[Any, dict[tuple, int]]:
    # the scenario files' YAML reader: line numbers kept, nesting and aliases bounded
    from ..scenarios.loading import parse_yaml

    data, lines = parse_yaml(text, source) or (None, {})
    if data is None:  # an empty or null document: the defaults
        return {}, lines
    if not isinstance(data, dict):
        raise DataError([Problem(source, lines.get((), 1), None,
                                 "the config is a mapping of keys (recovery:, indicators:, ...)")])
    return data, lines


def _key(loc: tuple) -> str | None:
    return ".".join(str(p) for p in loc) or None


def _line(lines: dict[tuple, int], loc: tuple) -> int | None:
    for k in range(len(loc), -1, -1):
        if loc[:k] in lines:
            return lines[loc[:k]]
    return None


def _known(loc: tuple) -> list[str]:
    if not loc:
        return [k for k in SignalsConfig.model_fields if k != "source"]
    if loc == ("indicators",):
        return list(INDICATORS)
    if len(loc) == 2 and loc[0] == "indicators":
        return list(Indicator.model_fields)
    return []


def load_config(path: str | Path | None = None) -> SignalsConfig:
    """The shipped config, with the file at ``path`` (if any) laid over it.

    Raises :class:`~dealloop.data.problems.DataError` with every problem located as
    ``file:line: key: message``.

    Examples
    --------
    >>> load_config().indicator("payment_coverage").worse
    'lower'
    """
    import yaml

    base = yaml.safe_load(default_text())
    if path is None:
        return SignalsConfig.model_validate({**base, "source": "signals.yaml"})
    src = str(path)
    p = Path(path)
    if not p.exists():
        raise DataError([Problem(src, None, None, "no such file; expected a signals config "
                                 "(YAML)")])
    from ..scenarios.loading import read_text

    # as scenario files: a regular file (a pipe or device refused unopened), size-capped
    over, lines = _parse(read_text(p, "signals config"), src)
    problems: list[Problem] = []
    if "source" in over:  # set from the file name, never from the file
        problems.append(Problem(src, lines.get(("source",)), "source", "unknown key 'source'"))
        over.pop("source")
    try:
        cfg = SignalsConfig.model_validate({**_merge(base, over), "source": src})
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                known = _known(loc[:-1])
                close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.5)
                msg = f"unknown key {loc[-1]!r}" + (f"; did you mean {close[0]!r}?" if close
                                                    else f"; expected one of "
                                                    f"{', '.join(known)}" if known else "")
            problems.append(Problem(src, _line(lines, loc), _key(loc), msg))
    else:
        if not problems:
            return cfg
    raise DataError(problems)
