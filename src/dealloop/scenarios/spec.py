"""Scenario files: the YAML format, its pydantic models, and loading with located problems.

A scenario is a YAML file that says which network and horizon to use, which legs count, how
deals become balance sheets (``mapping``), what breaks (``shocks``), which models run and with
which parameters (``models``), and for Monte Carlo which inputs are uncertain
(``monte_carlo``). Every key is optional except ``name`` and ``question``; a missing key takes
the default documented on its model below.

.. code-block:: yaml

    name: coreweave-default
    question: If CoreWeave defaults and NVIDIA's backstop is called, who loses and how much?
    horizon: [2026, 2030]
    legs: {statuses: [committed, reported], evidence: [A, B, C], derived: true}
    mapping: {new_money: plan, rollover: 1.0}
    shocks:
      - {type: fail, entity: coreweave, recovery: 0.4}
      - {type: backstop, deal: D14}
    models:
      clearing: {model: rogers_veraart, alpha: 0.9, beta: 0.9}
    monte_carlo: {seed: 7, conditional: {probability: 0.5}}

Numbers that a Monte Carlo run may draw (shock sizes, GPU lives) accept either a number or a
distribution: ``{uniform: [low, high]}``, ``{triangular: [low, mode, high]}`` or, for
fractions, ``{beta: [a, b]}``. A single stress run uses the distribution's mean.

Problems are reported as :class:`~dealloop.data.problems.Problem` objects located by file,
line and key (``shocks[2].entity``), all at once; an unknown key gets a "did you mean" hint.
:func:`load` checks the file on its own; :func:`validate_against` checks the entity and deal
ids it names against a network.
"""

from __future__ import annotations

import difflib
import math
import stat
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from ..data.problems import DataError, Problem
from ..data.schema import (
    DEAL_KINDS,
    ENTITY_KINDS,
    EVIDENCE,
    HOLDER_SECTORS,
    INSTRUMENTS,
    OUTSIDE_KINDS,
    STATUSES,
)

__all__ = [
    "Dist",
    "Scenario",
    "check_ids",
    "load",
    "loads",
    "validate_against",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True)
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

    model_config = _FROZEN

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
                raise ValueError(_first_message(exc)) from None
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

    def check(v: Any) -> dict[str, float]:
        if isinstance(v, Mapping):
            out = {}
            for k, x in v.items():
                if not isinstance(k, str):
                    raise ValueError(f"keys must be entity ids or 'default', not {k!r}")
                try:
                    out[k] = float(scalar(x))
                except ValueError as exc:
                    raise ValueError(f"{k}: {exc}") from None
            return out
        return {"default": float(scalar(v))}

    return check


def _per(lo: float, hi: float | None) -> Any:
    return Annotated[dict[str, float], PlainValidator(_per_entity(lo, hi))]


Status = Literal["committed", "conditional", "superseded", "cancelled", "reported"]
Evidence = Literal["A", "B", "C"]
EntityKind = Literal[
    "chip_vendor", "ai_lab", "hyperscaler", "neocloud", "cloud", "investor", "lender",
    "developer", "spv", "other",
]


# ------------------------------------------------------------------------------------ sections
class Legs(BaseModel):
    """Which legs count.

    ``statuses`` and ``evidence`` filter the deal table (defaults: firm legs, every grade);
    ``derived: false`` drops legs whose basis is ``derived``; ``estimates: true`` counts legs
    whose basis is ``estimate`` (a third party's estimate; off by default, so no guess is
    counted silently). ``include`` counts the named legs
    whatever their status (e.g. a superseded letter of intent, to model the world where it
    converts); ``exclude`` drops legs. ``amounts`` sets the amount (USD bn, whole term) of a
    leg, e.g. an undisclosed one. Capacity backstops are contingent: they count whenever they
    are live (committed, reported or conditional), and pay only when triggered.
    """

    model_config = _FROZEN

    statuses: list[Status] = Field(default_factory=lambda: ["committed", "reported"])
    evidence: list[Evidence] = Field(default_factory=lambda: ["A", "B", "C"])
    derived: bool = True
    estimates: bool = False
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    amounts: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)

    @field_validator("statuses", "evidence")
    @classmethod
    def _nonempty(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("must name at least one value")
        return list(dict.fromkeys(v))


_Holds = Literal[INSTRUMENTS + HOLDER_SECTORS]  # type: ignore[valid-type]
_Sector = Literal[HOLDER_SECTORS]  # type: ignore[valid-type]
_Instrument = Literal[INSTRUMENTS]  # type: ignore[valid-type]
_Weight = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class HoldersSpec(BaseModel):
    """Changes to the holders layer (:mod:`dealloop.holders`): who holds what.

    shares
        ``{instrument or sector: {sector: weight}}`` replaces that whole split of the
        dataset's ``holders.csv``; weights are normalised to shares.
    nodes
        ``{outside node: instrument}``: how a creditor node holds its claims (default:
        ``bond-investors`` corporate bonds, ``bank-lenders`` bank loans,
        ``private-credit-lenders`` private credit, else by the leg's kind).
    """

    model_config = _FROZEN

    shares: dict[_Holds, dict[_Sector, _Weight]] = Field(default_factory=dict)
    nodes: dict[str, _Instrument] = Field(default_factory=dict)

    @field_validator("shares")
    @classmethod
    def _positive(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for holds, weights in v.items():
            if not weights or sum(weights.values()) <= 0:
                raise ValueError(f"the weights of {holds} must add up to more than 0")
        return v


class MappingSpec(BaseModel):
    """How deals and company figures become balance sheets (see :mod:`.balance`).

    Every default below is a modelling choice; change it here, not in code.

    outside_kinds, outside
        Entity kinds (default investor, lender) and ids treated as *outside* the network:
        their claims are external liabilities, their payments outside funding.
    equity_commitments
        Whether committed but unpaid equity inside the horizon counts as an obligation of the
        investor to the investee (default true). False drops those legs on both sides.
    undated_term_years
        A contract (compute, chips, revenue share) with no end date is spread over this many
        years from its start or announcement. Default ``null``: the dataset's assumed terms
        (:data:`dealloop.network.DEFAULT_TERM_YEARS`, flagged ``term_assumed``).
    other_legs
        Legs of kind ``other`` (licences, distributions, all-stock mergers: their cash nature
        varies) are ignored by default (``ignore``); ``obligation`` counts them as purchases.
    revenue_years
        Years of revenue counted as outside assets (default: the horizon's length).
    revenue_growth
        Annual revenue growth over the horizon, per entity (``{default: 0, openai: 0.5}``).
    cash_margin
        Share of outside revenue left to pay network obligations and debt after costs paid
        outside the network (default 1 for every firm).
    cash
        Count reported cash and short-term investments (default true).
    new_money
        ``plan`` (default): a firm whose obligations exceed its means before any shock is
        assumed to raise the gap as new outside money (shown per firm as "new money the plan
        needs"), so a scenario with no shock changes nothing; a ``funding`` shock takes it
        away. ``none``: no such money; shortfalls before any shock are baseline defaults.
    new_money_headroom
        How far the plan's new money can stretch when a shock raises a firm's needs, as a
        share of its gap (default 0.1). New money is raised only as needed; it dilutes
        existing shareholders (their market value falls by the extra money raised).
    reported_debt
        Count reported debt beyond the debt legs in the data as debt to outside lenders.
    debt_maturing_share
        Share of debt with no maturity date (and of reported debt) falling due inside the
        horizon (default 0.5).
    rollover
        Share of maturing debt that lenders refinance in normal times (default 1). Debt is
        accelerated (the whole principal falls due) when the borrower defaults.
    backstops
        ``on_failure`` (default): a backstop turns into a liability of the backstopper when
        the firm it backs would fail without it; ``called_only``: only when a shock calls it.
    warrant_vesting
        ``purchases`` (default): a warrant vests in proportion to what its holder actually
        pays the issuer under their purchase legs; ``full`` or ``none``.
    stake_liquidity
        Share of the market value of stakes in other network firms that a firm can use to pay
        its obligations (default 1).
    value_multiple
        Market value lost per dollar of net worth lost by a firm that survives (default 1;
        a defaulter's equity is wiped out).
    capex_obligation
        Share of each firm's capex x ``revenue_years`` (beyond its chip purchases in the
        data) counted as an obligation to outside suppliers: the build-out a firm must pay
        for to deliver its contracts (default 0: capex is discretionary).
    contracts
        ``margin`` (default): an unpaid purchase or a lost sale costs the supplier its
        ``loss_weight`` share of it, margin + (1 - margin) x ``stranded_share``, not the
        gross price (it no longer has to deliver); ``gross``: the whole price (0.1 rule).
    operating_margin
        Margin on a lost sale per firm (``{oracle: 0.3}``); firms not named take net income
        over revenue of their latest whole year in the figures (net loss: 0), else
        ``margin_fallback`` (default 0.2, flagged as assumed). Vehicles (kind spv): 1.
    stranded_share
        Share of the cost of delivering a lost sale already sunk in capacity built for it
        (default 0.5), per firm.
    terminated_contracts
        ``replace`` (default): when a failed supplier's contracts end, its customers buy the
        service elsewhere at the same price (they lose the service, not gain the saving);
        ``release``: customers keep the money (0.1 rule).
    demand_exposure
        Share of each firm's outside revenue that a ``demand`` shock reaches: the part that
        depends on AI where a source splits it (default 1 for every firm).
    gpu_capex_share, gpu_life_years
        GPU assets of a firm: the larger of its chip purchases in the data and
        capex x revenue years x ``gpu_capex_share`` (default 0.5); their accounting life
        (default 6 years), the base of a ``collateral`` shock.
    """

    model_config = _FROZEN

    outside_kinds: list[EntityKind] = Field(default_factory=lambda: list(OUTSIDE_KINDS))
    outside: list[str] = Field(default_factory=list)
    equity_commitments: bool = True
    undated_term_years: Annotated[float, Field(gt=0, le=50)] | None = None
    other_legs: Literal["ignore", "obligation"] = "ignore"
    revenue_years: Annotated[float, Field(ge=0, le=50)] | None = None
    revenue_growth: _per(-1.0, 10.0) = Field(default_factory=lambda: {"default": 0.0})
    cash_margin: _per(0.0, 1.0) = Field(default_factory=lambda: {"default": 1.0})
    cash: bool = True
    new_money: Literal["plan", "none"] = "plan"
    new_money_headroom: Annotated[float, Field(ge=0, le=10)] = 0.1
    reported_debt: bool = True
    debt_maturing_share: _per(0.0, 1.0) = Field(default_factory=lambda: {"default": 0.5})
    rollover: _per(0.0, 1.0) = Field(default_factory=lambda: {"default": 1.0})
    backstops: Literal["on_failure", "called_only"] = "on_failure"
    warrant_vesting: Literal["purchases", "full", "none"] = "purchases"
    stake_liquidity: Annotated[float, Field(ge=0, le=1)] = 1.0
    value_multiple: Annotated[float, Field(ge=0, le=100)] = 1.0
    capex_obligation: _per(0.0, 1.0) = Field(default_factory=lambda: {"default": 0.0})
    contracts: Literal["margin", "gross"] = "margin"
    operating_margin: _per(0.0, 1.0) = Field(default_factory=dict)
    margin_fallback: Annotated[float, Field(ge=0, le=1)] = 0.2
    stranded_share: _per(0.0, 1.0) = Field(default_factory=lambda: {"default": 0.5})
    terminated_contracts: Literal["replace", "release"] = "replace"
    demand_exposure: _per(0.0, 1.0) = Field(default_factory=lambda: {"default": 1.0})
    gpu_capex_share: Annotated[float, Field(ge=0, le=1)] = 0.5
    gpu_life_years: Annotated[float, Field(gt=0, le=30)] = 6.0


# ------------------------------------------------------------------------------------- shocks
class _Shock(BaseModel):
    model_config = _FROZEN
    note: str = ""

    def entities_named(self) -> list[str]:
        return [e for e in (getattr(self, "entity", None),) if e] + list(
            getattr(self, "entities", None) or [])

    def deals_named(self) -> list[str]:
        return [d for d in (getattr(self, "deal", None),) if d] + list(
            getattr(self, "deals", None) or [])


class _Targets(_Shock):
    entity: str | None = None
    entities: list[str] = Field(default_factory=list)
    kinds: list[EntityKind] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_target(self) -> _Targets:
        n = sum(bool(x) for x in (self.entity, self.entities, self.kinds))
        if n > 1:
            raise ValueError("give at most one of entity, entities, kinds (none = every firm)")
        return self


class RevenueShock(_Targets):
    """An entity's outside revenue over the horizon falls by ``fall`` (a fraction)."""

    type: Literal["revenue"]
    fall: Fraction


class AssetShock(_Targets):
    """An entity loses ``loss`` (a fraction) of its outside assets (cash, outside revenue,
    new money)."""

    type: Literal["assets"]
    loss: Fraction


class DemandShock(_Targets):
    """Final demand (outside revenue) of the targeted firms (default: all) falls by ``fall``.

    With ``purchases: fixed`` (default) contracts stay as signed and only unpaid bills
    propagate. With ``purchases: scale`` buyers walk away from part of their contracts as in
    the Leontief quantity model: every firm's purchases from the network shrink with its
    output, ``x' = (I - A)^-1 f'`` (the buyer keeps the saving: say why in the scenario).
    Each firm loses ``fall`` x its ``demand_exposure`` of its outside revenue.
    """

    type: Literal["demand"]
    fall: Fraction
    purchases: Literal["scale", "fixed"] = "fixed"


class FailShock(_Shock):
    """An entity fails: it defaults in wave 1 whatever its balance sheet says.

    It loses ``assets_lost`` of its outside assets and gets no new money (the plan's, unpaid
    equity, undrawn loans); with ``contracts: terminate`` (default)
    its customers stop paying it and are released from their contracts; creditors share
    what it still receives plus ``recovery`` x its (accelerated) liabilities, the liquidation
    value of its own assets.
    """

    type: Literal["fail"]
    entity: str
    assets_lost: Fraction = 1.0
    contracts: Literal["terminate", "keep"] = "terminate"
    recovery: Fraction = 0.0
    #: Chance the failure happens in a Monte Carlo draw (below 1: drawn per draw; a single
    #: stress run applies only certain failures). Set by ``markets: {draw_failures: true}``.
    probability: Annotated[float, Field(ge=0, le=1)] = 1.0


class CancelShock(_Shock):
    """A deal is cancelled (``fraction: 1``) or cut by ``fraction``; cancelling an aggregate
    leg also cancels its parts."""

    type: Literal["cancel"]
    deal: str | None = None
    deals: list[str] = Field(default_factory=list)
    fraction: Fraction = 1.0

    @model_validator(mode="after")
    def _some(self) -> CancelShock:
        if not self.deal and not self.deals:
            raise ValueError("name the deal (deal: D03) or deals (deals: [D03, D25])")
        return self


class ConditionalShock(_Shock):
    """A conditional (or superseded) leg never happens (``happens: false``) or does."""

    type: Literal["conditional"]
    deal: str
    happens: bool = False


class BackstopShock(_Shock):
    """A capacity backstop is called: its backstopper pays ``share`` of it inside the horizon."""

    type: Literal["backstop"]
    deal: str
    share: Fraction = 1.0


class FundingShock(_Shock):
    """An entity raises no new money: the listed sources of funding stop (by ``fraction``).

    ``cut`` names them: ``plan`` (the new money the plan needs, see the mapping), ``equity``
    and ``debt`` (committed but unpaid equity and loans into the entity inside the horizon).
    """

    type: Literal["funding"]
    entity: str
    cut: list[Literal["plan", "equity", "debt"]] = Field(
        default_factory=lambda: ["plan", "equity", "debt"])
    fraction: Fraction = 1.0


class RefinancingShock(_Shock):
    """An entity cannot refinance: lenders roll over only ``rollover`` of its maturing debt,
    and its new debt and the plan's new money stop (by ``fraction``)."""

    type: Literal["refinancing"]
    entity: str | None = None
    entities: list[str] = Field(default_factory=list)
    rollover: Fraction = 0.0
    fraction: Fraction = 1.0

    @model_validator(mode="after")
    def _some(self) -> RefinancingShock:
        if not self.entity and not self.entities:
            raise ValueError("name the entity (entity: oracle) or entities")
        return self


class CollateralShock(_Targets):
    """GPUs lose value faster: economic life ``life_years`` instead of the mapping's
    ``gpu_life_years``.

    A firm holding GPU assets G loses ``d = 1 - life/base_life`` of their value over the
    horizon, which it must spend again to keep the capacity its revenue needs (earnings marked
    down by ``d x G``); with ``refinancing: true`` (default) lenders secured on the GPUs also
    roll over ``d`` less of its maturing debt (collateral marked down).
    """

    type: Literal["collateral"]
    asset: Literal["gpu"] = "gpu"
    life_years: PositiveNumber
    base_life_years: Annotated[float, Field(gt=0, le=30)] | None = None
    refinancing: bool = True


Shock = Annotated[
    Union[  # noqa: UP007 (pydantic needs the Union form for a discriminated union)
        RevenueShock, AssetShock, DemandShock, FailShock, CancelShock, ConditionalShock,
        BackstopShock, FundingShock, RefinancingShock, CollateralShock,
    ],
    Field(discriminator="type"),
]
SHOCK_TYPES: dict[str, type[_Shock]] = {
    "revenue": RevenueShock, "assets": AssetShock, "demand": DemandShock, "fail": FailShock,
    "cancel": CancelShock, "conditional": ConditionalShock, "backstop": BackstopShock,
    "funding": FundingShock, "refinancing": RefinancingShock, "collateral": CollateralShock,
}


# ------------------------------------------------------------------------------------- models
class ClearingSpec(BaseModel):
    """The clearing rule of the engine: Eisenberg--Noe (a defaulter pays all it has) or
    Rogers--Veraart (it realises ``alpha`` of its outside assets and ``beta`` of its claims)."""

    model_config = _FROZEN

    model: Literal["eisenberg_noe", "rogers_veraart"] = "eisenberg_noe"
    alpha: Annotated[float, Field(ge=0, le=1)] = 1.0
    beta: Annotated[float, Field(ge=0, le=1)] = 1.0

    @model_validator(mode="after")
    def _en(self) -> ClearingSpec:
        if self.model == "eisenberg_noe" and (self.alpha != 1.0 or self.beta != 1.0):
            raise ValueError("alpha and beta are Rogers-Veraart parameters; "
                             "use model: rogers_veraart")
        return self


class DebtRankSpec(BaseModel):
    """DebtRank on the exposure layer ``A = L^T``, shocked by the scenario's first-round
    equity losses."""

    model_config = _FROZEN
    variant: Literal["battiston", "linear"] = "battiston"


class ModelsSpec(BaseModel):
    """Which models run, with their parameters.

    ``clearing`` is the rule of the multi-layer engine. The single-layer models of
    :mod:`dealloop.contagion` run beside it on the mapped layers, for comparison:
    ``eisenberg_noe`` on the liability layer alone, ``debtrank`` on exposures,
    ``cross_holdings`` on stakes (double counting), ``leontief`` on purchases.
    """

    model_config = _FROZEN

    clearing: ClearingSpec = Field(default_factory=ClearingSpec)
    eisenberg_noe: bool = True
    debtrank: DebtRankSpec | None = Field(default_factory=DebtRankSpec)
    cross_holdings: bool = True
    leontief: bool = True
    max_rounds: Annotated[int, Field(ge=1, le=1000)] = 200
    tolerance: Annotated[float, Field(gt=0, le=1e-3)] = 1e-10


class ConditionalSpec(BaseModel):
    """How conditional legs are drawn.

    probability
        One probability for every conditional leg; default ``null``: by evidence grade.
    by_evidence
        Probability that a conditional leg happens, by its evidence grade (default A 0.7,
        B 0.5, C 0.3: a letter of intent or "up to" amount reported in a filing or by two
        outlets converts more often than one reported by a single weak source; a
        modelling choice, change it here).
    deals
        Per-leg overrides.
    market, firm
        Correlation of the draws (a Gaussian copula with a common factor): every leg loads
        ``market`` on one market factor and ``firm`` on a factor of its payer, so the legs of
        one firm (and of one loop through it) happen or fail together (defaults 0.2 and
        0.4; 0 and 0 draw them independently).
    """

    model_config = _FROZEN
    probability: Annotated[float, Field(ge=0, le=1)] | None = None
    by_evidence: dict[Evidence, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: {"A": 0.7, "B": 0.5, "C": 0.3})
    deals: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict)
    market: Annotated[float, Field(ge=0, le=1)] = 0.2
    firm: Annotated[float, Field(ge=0, le=1)] = 0.4

    @model_validator(mode="after")
    def _loadings(self) -> ConditionalSpec:
        if self.market + self.firm > 1:
            raise ValueError("market + firm: the factor loadings add up to more than 1")
        return self

    def chance(self, deal: str, evidence: str) -> float:
        """The probability that conditional leg ``deal`` (of grade ``evidence``) happens."""
        if deal in self.deals:
            return self.deals[deal]
        if self.probability is not None:
            return self.probability
        return self.by_evidence.get(evidence, 0.5)  # type: ignore[call-overload]


class MonteCarloSpec(BaseModel):
    """Uncertain inputs of a Monte Carlo run.

    seed, draws
        Default seed and number of draws (the command line can override both).
    chunk
        Draws per batched engine call (and per Dask task). Results do not depend on the
        number of workers, only on ``seed`` and ``chunk``.
    conditional
        How live conditional legs (status ``conditional``) are drawn: probabilities by
        evidence grade and correlated through a market and a firm factor (see
        :class:`ConditionalSpec`); ``null`` keeps them as the ``legs`` section says.
    amounts
        How a leg with an amount range is drawn: ``uniform`` (default), ``triangular`` (mode
        at the midpoint) or ``fixed`` (the midpoint).
    ranges
        Priors for legs the dataset gives no amount or range (undisclosed amounts):
        ``{D09: [350, 500]}``, USD bn over the whole term. The dataset holds only amounts a
        source states; a guess at an undisclosed amount lives here, in the scenario, with
        its reasoning in a comment. A range also replaces a leg's own range.
    """

    model_config = _FROZEN

    seed: Annotated[int, Field(ge=0)] = 0
    draws: Annotated[int, Field(ge=1, le=MAX_DRAWS)] = 10_000
    chunk: Annotated[int, Field(ge=1, le=MAX_CHUNK)] = 10_000
    conditional: ConditionalSpec | None = Field(default_factory=ConditionalSpec)
    amounts: Literal["uniform", "triangular", "fixed"] = "uniform"
    ranges: dict[str, tuple[Annotated[float, Field(ge=0)], Annotated[float, Field(ge=0)]]] = \
        Field(default_factory=dict)

    @field_validator("ranges")
    @classmethod
    def _ordered(cls, v: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for k, (lo, hi) in v.items():
            if lo > hi:
                raise ValueError(f"{k}: low {lo:g} exceeds high {hi:g}")
        return v


class MarketsSpec(BaseModel):
    """Shocks sized by market prices (:mod:`dealloop.markets.scenario`).

    fail_pd_above
        Every firm whose market-implied default probability over ``horizon_years`` exceeds
        this fails, in a stress run and in every Monte Carlo draw.
    draw_failures
        Monte Carlo: each other quoted firm fails in a draw with its implied probability (a
        single stress run applies none of these).
    horizon_years, recovery
        ``PD = 1 - exp(-horizon_years * spread / (1 - recovery))``; recovery 40% is the CDS
        market's convention for senior unsecured debt.
    as_of, max_age_days
        The spread used is each firm's latest quote on or before ``as_of`` (default: the
        latest quote in the dataset), no older than ``max_age_days`` when given.
    """

    model_config = _FROZEN
    fail_pd_above: Annotated[float, Field(ge=0, le=1)] | None = None
    draw_failures: bool = False
    horizon_years: Annotated[float, Field(gt=0, le=30)] = 1.0
    recovery: Annotated[float, Field(ge=0, lt=1)] = 0.4
    as_of: Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")] | None = None
    max_age_days: Annotated[int, Field(ge=0)] | None = None


Year = int | str


class Scenario(BaseModel):
    """A scenario file, parsed and checked. Build one with :func:`load` or :func:`loads`.

    Examples
    --------
    >>> sc = loads('''
    ... name: demo
    ... question: What if CoreWeave fails?
    ... shocks:
    ...   - {type: fail, entity: coreweave}
    ... ''')
    >>> sc.name, sc.horizon, sc.shocks[0].type
    ('demo', (2026, 2030), 'fail')
    """

    model_config = _FROZEN

    name: Annotated[str, Field(min_length=1, max_length=120)]
    question: Annotated[str, Field(min_length=1)]
    notes: str = ""
    dataset: str | None = None
    horizon: tuple[Year, Year] = (2026, 2030)
    legs: Legs = Field(default_factory=Legs)
    mapping: MappingSpec = Field(default_factory=MappingSpec)
    holders: HoldersSpec = Field(default_factory=HoldersSpec)
    shocks: list[Shock] = Field(default_factory=list)
    models: ModelsSpec = Field(default_factory=ModelsSpec)
    monte_carlo: MonteCarloSpec = Field(default_factory=MonteCarloSpec)
    compare: list[str] = Field(default_factory=list)
    markets: MarketsSpec | None = None

    _source: str = PrivateAttr("<scenario>")
    _lines: dict[tuple, int] = PrivateAttr(default_factory=dict)
    _raw: Any = PrivateAttr(None)

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, v: tuple[Year, Year]) -> tuple[Year, Year]:
        from ..network import _horizon

        for x in v:
            if isinstance(x, bool):
                raise ValueError("years must be numbers like 2026 or dates like '2026-07'")
        try:
            _horizon(v)
        except ValueError as exc:
            raise ValueError(str(exc).removeprefix("horizon: ")) from None
        return v

    # ------------------------------------------------------------------ convenience
    @property
    def source(self) -> str:
        """The file the scenario was read from (``<scenario>`` for text)."""
        return self._source

    def line(self, *path: Any) -> int | None:
        """The YAML line of a key path such as ``("shocks", 2, "entity")``, or of its closest
        parent."""
        return _line_for(self._lines, path)

    def problem(self, path: Iterable[Any], message: str, severity: str = "error") -> Problem:
        """A :class:`Problem` located at a key path of this scenario."""
        path = tuple(path)
        return Problem(self._source, self.line(*path), _key_text(path), message, severity)

    def deal_ids(self) -> set[str]:
        """Every deal id the scenario names."""
        ids = set(self.legs.include) | set(self.legs.exclude) | set(self.legs.amounts)
        for s in self.shocks:
            ids.update(s.deals_named())
        mc = self.monte_carlo
        ids.update(mc.ranges)
        if mc.conditional is not None:
            ids.update(mc.conditional.deals)
        return ids


# ---------------------------------------------------------------------------------- loading
def uncertain_params(scenario: Scenario) -> list[tuple[int, str, Dist]]:
    """Every shock parameter given as a distribution: ``(shock index, name, dist)``.

    Examples
    --------
    >>> sc = loads("name: x\\nquestion: q\\nshocks: [{type: revenue, entity: openai, "
    ...            "fall: {uniform: [0.1, 0.5]}}]")
    >>> [(i, name) for i, name, _ in uncertain_params(sc)]
    [(0, 'fall')]
    """
    out = []
    for i, s in enumerate(scenario.shocks):
        for name in type(s).model_fields:
            v = getattr(s, name)
            if isinstance(v, Dist):
                out.append((i, name, v))
    return out


#: Largest scenario file read, in bytes (the shipped ones are a few KB).
MAX_SCENARIO_BYTES = 2**20
#: Deepest nesting of mappings and lists (the shipped scenarios use four levels).
MAX_DEPTH = 32
#: Most aliases (``*name``) a scenario may use, and most values it may expand to through them.
MAX_ALIASES = 200
MAX_VALUES = 100_000


class _TooBig(Exception):
    """A scenario over one of the limits above; ``line`` is where it was noticed."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe composer with a nesting limit and an alias budget, checked while the
    document is read (composing is linear in the text; the budgets keep what follows so)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        line = self.peek_event().start_mark.line + 1
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _TooBig(line, f"more than {MAX_ALIASES} aliases (*name); write the "
                                    "values out")
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooBig(line, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def read_text(p: Path) -> str:
    """The text of scenario file ``p``, read like a dataset file: a regular file only (a
    folder, a pipe or a device is refused before it is opened), at most
    :data:`MAX_SCENARIO_BYTES`, UTF-8.

    Examples
    --------
    >>> read_text(Path("/dev/zero"))
    Traceback (most recent call last):
    ...
    dealloop.data.problems.DataError: 1 problem:
    /dev/zero: is not a regular file (a pipe or a device); give a YAML file
    """
    source = str(p)

    def fail(message: str, line: int | None = None) -> DataError:
        return DataError([Problem(source, line, None, message)])

    try:
        st = p.stat()
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise fail("is a directory, not a scenario file")
    if not stat.S_ISREG(st.st_mode):
        raise fail("is not a regular file (a pipe or a device); give a YAML file")
    too_big = (f"file is larger than the {MAX_SCENARIO_BYTES // 1024:,} KiB a scenario may "
               "have; refusing to read it")
    if st.st_size > MAX_SCENARIO_BYTES:
        raise fail(too_big)
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_SCENARIO_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_SCENARIO_BYTES:  # it grew since stat()
        raise fail(too_big)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw:
        raise fail("file is UTF-16 text or binary, not UTF-8; save it as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"bytes that are not UTF-8 (0x{raw[exc.start:exc.start + 1].hex()}); save "
                   "the file as UTF-8", raw[:exc.start].count(b"\n") + 1) from None


def load(path_or_name: str | Path) -> Scenario:
    """Read and check a scenario file, or a shipped scenario by name.

    Raises :class:`~dealloop.data.problems.DataError` listing every problem (file, line, key)
    when the file cannot be used.

    Examples
    --------
    >>> sc = load("coreweave-default")          # a shipped scenario, by name
    >>> sc.shocks[0].entity
    'coreweave'
    """
    from . import library

    if not str(path_or_name).strip():
        raise DataError([Problem("<scenario>", None, None, "no scenario given; name a YAML file "
                                 f"or a shipped scenario ({', '.join(library.names())})")])
    p = Path(path_or_name)
    if not p.exists() and isinstance(path_or_name, str) and path_or_name in library.names():
        p = library.path(path_or_name)
    if not p.exists():
        close = difflib.get_close_matches(str(path_or_name), library.names(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else \
            f"; shipped scenarios: {', '.join(library.names())}"
        raise DataError([Problem(str(path_or_name), None, None,
                                 f"no such scenario file or shipped scenario{hint}")])
    return loads(read_text(p), source=str(p))


def loads(text: str, *, source: str = "<scenario>") -> Scenario:
    """Parse and check scenario text (YAML); see :func:`load`."""
    problems: list[Problem] = []
    lines: dict[tuple, int] = {}
    if len(text) > MAX_SCENARIO_BYTES:
        raise DataError([Problem(source, None, None, f"more than {MAX_SCENARIO_BYTES:,} "
                                 "characters; refusing to read it")])
    try:
        loader = _BoundedLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except _TooBig as exc:
        raise DataError([Problem(source, exc.line, None, str(exc))]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        msg = " ".join(str(x) for x in (getattr(exc, "context", None),
                                        getattr(exc, "problem", None)) if x) or str(exc)
        raise DataError([Problem(source, line, None, f"not valid YAML: {msg}")]) from None
    if node is None:
        raise DataError([Problem(source, None, None, "empty scenario file")])
    try:
        data = _construct(node, (), lines, problems, source, _Budget())
    except _TooBig as exc:
        raise DataError([Problem(source, exc.line, None, str(exc))]) from None
    if problems:
        raise DataError(problems)
    if not isinstance(data, dict):
        raise DataError([Problem(source, lines.get((), 1), None,
                                 "a scenario is a mapping of keys (name:, question:, ...)")])
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        err = DataError(_problems(exc, data, lines, source))
        err.raw = (data, lines, source)  # type: ignore[attr-defined]
        raise err from None
    sc._source = source
    sc._lines = lines
    sc._raw = data
    problems = _check_internal(sc)
    if [p for p in problems if p.severity == "error"]:
        raise DataError(problems)
    return sc


class _Budget:
    """What constructing one document may still do: values left, and the nodes being built
    (a node met again inside itself is a recursive alias)."""

    def __init__(self) -> None:
        self.values = MAX_VALUES
        self.active: set[int] = set()


_PLAIN_TAGS = {yaml.MappingNode: "tag:yaml.org,2002:map",
               yaml.SequenceNode: "tag:yaml.org,2002:seq"}


def _construct(node: yaml.Node, path: tuple, lines: dict[tuple, int], problems: list[Problem],
               source: str, budget: _Budget | None = None) -> Any:
    budget = budget if budget is not None else _Budget()
    line = node.start_mark.line + 1
    budget.values -= 1
    if budget.values < 0:
        raise _TooBig(line, f"expands to more than {MAX_VALUES:,} values (through aliases); "
                            "write the values out")
    if len(path) > MAX_DEPTH:
        raise _TooBig(line, f"nested more than {MAX_DEPTH} levels deep (through aliases)")
    lines.setdefault(path, line)
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        if node.tag != _PLAIN_TAGS[type(node)]:
            problems.append(Problem(source, line, _key_text(path), f"YAML tag {node.tag!r} is "
                                    "not allowed; write a plain mapping or list"))
            return None
        if id(node) in budget.active:
            problems.append(Problem(source, line, _key_text(path), "recursive alias: the "
                                    "value contains itself"))
            return None
        budget.active.add(id(node))
        try:
            return _collection(node, path, lines, problems, source, budget)
        finally:
            budget.active.discard(id(node))
    try:
        return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        why = getattr(exc, "problem", None) or str(exc).splitlines()[0]  # not the snippet
        problems.append(Problem(source, line, _key_text(path), f"cannot read value: {why}"))
        return None


def _collection(node: yaml.MappingNode | yaml.SequenceNode, path: tuple,
                lines: dict[tuple, int], problems: list[Problem], source: str,
                budget: _Budget) -> Any:
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, (*path, i), lines, problems, source, budget)
                for i, v in enumerate(node.value)]
    out: dict[Any, Any] = {}
    for knode, vnode in node.value:
        key = _construct(knode, (*path, "<key>"), {}, problems, source, budget)
        if isinstance(key, list | dict):
            problems.append(Problem(source, knode.start_mark.line + 1, _key_text(path),
                                    "keys must be plain words"))
            continue
        if key in out:
            problems.append(Problem(source, knode.start_mark.line + 1,
                                    _key_text((*path, key)), "duplicate key"))
            continue
        lines[(*path, key)] = knode.start_mark.line + 1
        out[key] = _construct(vnode, (*path, key), lines, problems, source, budget)
    return out


def _key_text(path: Iterable[Any]) -> str | None:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or None


def _line_for(lines: Mapping[tuple, int], path: tuple) -> int | None:
    for k in range(len(path), -1, -1):
        if path[:k] in lines:
            return lines[path[:k]]
    return None


def _first_message(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = _key_text(err["loc"])
    return f"{loc}: {err['msg']}" if loc else str(err["msg"]).removeprefix("Value error, ")


def _clean_loc(loc: tuple, data: Any) -> tuple:
    """Drop the discriminator tag pydantic inserts after a shock's index."""
    out: list[Any] = []
    k = 0
    while k < len(loc):
        part = loc[k]
        out.append(part)
        if (len(out) == 2 and out[0] == "shocks" and isinstance(part, int)
                and k + 1 < len(loc) and loc[k + 1] in SHOCK_TYPES):
            k += 1  # skip the tag
        k += 1
    return tuple(out)


def _problems(exc: ValidationError, data: Any, lines: dict[tuple, int], source: str
              ) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = _clean_loc(tuple(err["loc"]), data)
        msg = str(err["msg"]).removeprefix("Value error, ")
        kind = err["type"]
        if kind == "extra_forbidden":
            known = _known_keys(loc[:-1], data)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else \
                (f"; expected one of {', '.join(sorted(known))}" if known else "")
            msg = f"unknown key {loc[-1]!r}{hint}"
        elif kind == "union_tag_invalid":
            tag = err.get("ctx", {}).get("tag")
            close = difflib.get_close_matches(str(tag), list(SHOCK_TYPES), n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            msg = f"unknown shock type {tag!r}; {hint}expected one of {', '.join(SHOCK_TYPES)}"
            loc = (*loc, "type")
        elif kind == "union_tag_not_found":
            msg = f"each shock needs a type: one of {', '.join(SHOCK_TYPES)}"
        elif kind == "missing":
            msg = f"missing required key {loc[-1]!r}"
        elif kind == "literal_error":
            got = err.get("input")
            expected = str(err.get("ctx", {}).get("expected", ""))
            options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",")]
            close = difflib.get_close_matches(str(got), options, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            msg = f"{got!r} is not allowed; expected {expected}{hint}"
        problems.append(Problem(source, _line_for(lines, loc), _key_text(loc), msg))
    return sorted(problems, key=lambda p: (p.row or 0, p.field or ""))


def _unwrap(ann: Any) -> Any:
    """The model class inside an annotation (through Optional, list, dict, Annotated)."""
    origin = typing.get_origin(ann)
    if origin is Annotated:
        return _unwrap(typing.get_args(ann)[0])
    if origin in (Union, types.UnionType):
        for a in typing.get_args(ann):
            m = _unwrap(a)
            if isinstance(m, type) and issubclass(m, BaseModel):
                return m
        return None
    if origin in (list, tuple):
        return _unwrap(typing.get_args(ann)[0])
    if origin is dict:
        return _unwrap(typing.get_args(ann)[1])
    return ann


def _known_keys(loc: tuple, data: Any) -> list[str]:
    cls: Any = Scenario
    node = data
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if loc[0] == "shocks" and isinstance(node, dict):
                cls = SHOCK_TYPES.get(node.get("type"), cls)
            continue
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            return []
        f = cls.model_fields.get(part)
        if f is None:
            return []
        cls = _unwrap(f.annotation)
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return list(cls.model_fields)
    return []


def _check_internal(sc: Scenario) -> list[Problem]:
    """Checks that need the whole file but no network."""
    problems = []
    overlap = set(sc.legs.include) & set(sc.legs.exclude)
    for d in sorted(overlap):
        problems.append(sc.problem(("legs", "exclude"), f"{d} is both included and excluded"))
    kinds = set(ENTITY_KINDS)
    for k in sc.mapping.outside_kinds:
        if k not in kinds:  # pragma: no cover - guarded by the Literal
            problems.append(sc.problem(("mapping", "outside_kinds"), f"unknown kind {k!r}"))
    return problems


# --------------------------------------------------------------------- checks against the data
def validate_against(scenario: Scenario, net: Any) -> list[Problem]:
    """Every problem with the ids a scenario names, checked against a network.

    Entity ids (shocks, per-entity mapping keys, ``mapping.outside``), deal ids (legs,
    shocks, Monte Carlo settings) and history ids (``compare``) must exist; shocks must fit the
    deal they name (``backstop`` needs a capacity backstop, ``fail`` an in-network firm...).
    Returns an empty list when everything is known.

    Examples
    --------
    >>> import dealloop as dl
    >>> sc = loads("name: x\\nquestion: q\\nshocks: [{type: fail, entity: corewave}]")
    >>> [str(p) for p in validate_against(sc, dl.load())]
    ["<scenario>:3: shocks[0].entity: unknown entity 'corewave'; did you mean 'coreweave'?"]
    """
    raw = scenario._raw if scenario._raw is not None else scenario.model_dump(mode="python")
    return check_ids(raw, scenario._lines, scenario._source, net)


def check_ids(data: Any, lines: Mapping[tuple, int], source: str, net: Any) -> list[Problem]:
    """The checks of :func:`validate_against` on a scenario's raw YAML data, which need not
    be a valid scenario (so a file with schema problems gets its id problems too)."""
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        return problems
    ents = dict(zip(net.entities["id"], net.entities["kind"], strict=True))
    deals = net.deals.set_index("id")

    def get(obj: Any, *keys: Any) -> Any:
        for key in keys:
            if isinstance(obj, Mapping):
                obj = obj.get(key)
            elif isinstance(obj, list) and isinstance(key, int) and key < len(obj):
                obj = obj[key]
            else:
                return None
        return obj

    def items(obj: Any) -> list[tuple[Any, Any]]:
        if isinstance(obj, Mapping):
            return list(obj.items())
        if isinstance(obj, list):
            return list(enumerate(obj))
        return []

    def problem(path: tuple, msg: str, severity: str = "error") -> None:
        problems.append(Problem(source, _line_for(lines, path), _key_text(path), msg, severity))

    kinds = get(data, "mapping", "outside_kinds")
    kinds = set(kinds) if isinstance(kinds, list) else set(OUTSIDE_KINDS)
    extra = get(data, "mapping", "outside")
    extra = {x for x in extra if isinstance(x, str)} if isinstance(extra, list) else set()
    outside = {e for e, k in ents.items() if k in kinds} | extra

    def entity(path: tuple, eid: Any, *, inside: bool = False) -> None:
        if not isinstance(eid, str):
            return
        if eid not in ents:
            close = difflib.get_close_matches(eid, list(ents), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(path, f"unknown entity {eid!r}{hint}")
        elif inside and eid in outside:
            problem(path, f"{eid!r} is outside the network (kind {ents[eid]}); shock a firm "
                    "inside it, or remove it from the mapping's outside set")

    def deal(path: tuple, did: Any) -> bool:
        if not isinstance(did, str):
            return False
        if did not in deals.index:
            close = difflib.get_close_matches(did, list(deals.index), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(path, f"unknown deal {did!r}{hint}")
            return False
        return True

    for k, eid in items(get(data, "mapping", "outside")):
        entity(("mapping", "outside", k), eid)
    for field in ("revenue_growth", "cash_margin", "debt_maturing_share", "rollover",
                  "capex_obligation", "operating_margin", "stranded_share", "demand_exposure"):
        obj = get(data, "mapping", field)
        if isinstance(obj, Mapping):
            for key in obj:
                if key != "default":
                    entity(("mapping", field, key), key)
    for field in ("include", "exclude"):
        for k, did in items(get(data, "legs", field)):
            deal(("legs", field, k), did)
    amounts = get(data, "legs", "amounts")
    for did in amounts if isinstance(amounts, Mapping) else ():
        deal(("legs", "amounts", did), did)
    include = set(x for _, x in items(get(data, "legs", "include")) if isinstance(x, str))
    include |= set(x for _, x in items(get(data, "legs", "exclude")) if isinstance(x, str))
    for i, shock in items(data.get("shocks")):
        if not isinstance(shock, Mapping):
            continue
        base = ("shocks", i)
        entity((*base, "entity"), shock.get("entity"), inside=True)
        for k, eid in items(shock.get("entities")):
            entity((*base, "entities", k), eid, inside=True)
        did = shock.get("deal")
        if deal((*base, "deal"), did):
            row = deals.loc[did]
            kind, status = row["kind"], row["status"]
            if shock.get("type") == "backstop" and kind != "capacity_backstop":
                problem((*base, "deal"), f"{did} is a {kind}, not a capacity_backstop")
            if shock.get("type") == "conditional" and \
                    status not in ("conditional", "superseded") and did not in include:
                problem((*base, "deal"), f"{did} has status {status!r}; a conditional shock "
                        "needs a conditional or superseded leg (or one listed in legs.include "
                        "or legs.exclude)", "warning")
        for k, d in items(shock.get("deals")):
            deal((*base, "deals", k), d)
    ranges = get(data, "monte_carlo", "ranges")
    for did in ranges if isinstance(ranges, Mapping) else ():
        deal(("monte_carlo", "ranges", did), did)
    cond = get(data, "monte_carlo", "conditional", "deals")
    for did in cond if isinstance(cond, Mapping) else ():
        deal(("monte_carlo", "conditional", "deals", did), did)
    hist = getattr(net, "history", None)
    known = set(hist["id"]) if hist is not None and len(hist) else set()
    for k, hid in items(data.get("compare")):
        if isinstance(hid, str) and hid not in known:
            close = difflib.get_close_matches(hid, sorted(known), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(("compare", k), f"unknown history figure {hid!r}{hint}")
    return problems


def _assert_vocab() -> None:  # pragma: no cover - import-time consistency check
    assert set(typing.get_args(Status)) == set(STATUSES)
    assert set(typing.get_args(Evidence)) == set(EVIDENCE)
    assert set(typing.get_args(EntityKind)) == set(ENTITY_KINDS)
    assert set(DEAL_KINDS)


_assert_vocab()
