"""The sections of a scenario file that say how it is run: ``models`` (the engine's clearing
rule and the single-layer models beside it), ``monte_carlo`` (draws, conditional legs, amount
ranges) and ``markets`` (shocks sized by market prices). :class:`~.models.Scenario` holds them
beside the sections that say what is mapped (``legs``, ``mapping``, ``holders``)."""

from __future__ import annotations

from typing import Annotated, Literal, cast

from pydantic import BaseModel, Field, field_validator, model_validator

from .values import FROZEN, MAX_CHUNK, MAX_DRAWS, Evidence

_CHANCE_BY_GRADE: dict[Evidence, float] = {"A": 0.7, "B": 0.5, "C": 0.3}


class ClearingSpec(BaseModel):
    """The clearing rule of the engine: Eisenberg--Noe (a defaulter pays all it has) or
    Rogers--Veraart (it realises ``alpha`` of its outside assets and ``beta`` of its claims)."""

    model_config = FROZEN

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

    model_config = FROZEN
    variant: Literal["battiston", "linear"] = "battiston"


class ModelsSpec(BaseModel):
    """Which models run, with their parameters.

    ``clearing`` is the rule of the multi-layer engine. The single-layer models of
    :mod:`dealloop.contagion` run beside it on the mapped layers, for comparison:
    ``eisenberg_noe`` on the liability layer alone, ``debtrank`` on exposures,
    ``cross_holdings`` on stakes (double counting), ``leontief`` on purchases.
    """

    model_config = FROZEN

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

    model_config = FROZEN
    probability: Annotated[float, Field(ge=0, le=1)] | None = None
    by_evidence: dict[Evidence, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: dict(_CHANCE_BY_GRADE))
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
        return self.by_evidence.get(cast(Evidence, evidence), 0.5)


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

    model_config = FROZEN

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
    """Shocks sized by market prices (:mod:`dealloop.scenarios.marketshocks`).

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

    model_config = FROZEN
    fail_pd_above: Annotated[float, Field(ge=0, le=1)] | None = None
    draw_failures: bool = False
    horizon_years: Annotated[float, Field(gt=0, le=30)] = 1.0
    recovery: Annotated[float, Field(ge=0, lt=1)] = 0.4
    as_of: Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")] | None = None
    max_age_days: Annotated[int, Field(ge=0)] | None = None
