"""The shocks a scenario may apply (``shocks:``), one model per ``type``."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import (
    BaseModel,
    Field,
    model_validator,
)

from .values import FROZEN, EntityKind, Fraction, PositiveNumber


# ------------------------------------------------------------------------------------- shocks
class _Shock(BaseModel):
    model_config = FROZEN
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


FundingSource = Literal["plan", "equity", "debt"]
_FUNDING_SOURCES: tuple[FundingSource, ...] = ("plan", "equity", "debt")


class FundingShock(_Shock):
    """An entity raises no new money: the listed sources of funding stop (by ``fraction``).

    ``cut`` names them: ``plan`` (the new money the plan needs, see the mapping), ``equity``
    and ``debt`` (committed but unpaid equity and loans into the entity inside the horizon).
    """

    type: Literal["funding"]
    entity: str
    cut: list[FundingSource] = Field(default_factory=lambda: list(_FUNDING_SOURCES))
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


class StopPayingShock(_Shock):
    """An entity stops paying what it owes from ``year`` on (default: the horizon's first
    year), whatever its balance sheet says: a walk-away, not a default by the engine's rule.

    Before ``year`` it pays as usual. From ``year`` it pays nothing from its own cash and
    outside income (it keeps them), raises no new money, and is in default: its creditors
    accelerate their claims and share only what still reaches it from other firms in the
    network; its market value goes to zero. The static step has no years: it stops from the
    start.
    """

    type: Literal["stop_paying"]
    entity: str
    year: Annotated[int, Field(ge=1900, le=2200)] | None = None


Shock = Annotated[
    Union[  # noqa: UP007 (pydantic needs the Union form for a discriminated union)
        RevenueShock, AssetShock, DemandShock, FailShock, CancelShock, ConditionalShock,
        BackstopShock, FundingShock, RefinancingShock, CollateralShock, StopPayingShock,
    ],
    Field(discriminator="type"),
]
SHOCK_TYPES: dict[str, type[_Shock]] = {
    "revenue": RevenueShock, "assets": AssetShock, "demand": DemandShock, "fail": FailShock,
    "cancel": CancelShock, "conditional": ConditionalShock, "backstop": BackstopShock,
    "funding": FundingShock, "refinancing": RefinancingShock, "collateral": CollateralShock,
    "stop_paying": StopPayingShock,
}


