"""The sections of a scenario file that say what is mapped (legs, holders, mapping) and the
:class:`Scenario` model that holds every section (the ones that say how it runs, models, Monte
Carlo and markets, are in :mod:`~dealloop.scenarios.runspec`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    field_validator,
)

from ..data.problems import Problem
from ..data.schema import HOLDER_SECTORS, INSTRUMENTS
from ..vocabulary import (
    DEFAULT_HORIZON,
    EVIDENCE,
    FIRM_STATUSES,
    OUTSIDE_KINDS,
    parse_horizon,
)
from .runspec import MarketsSpec, ModelsSpec, MonteCarloSpec
from .shocks import Shock
from .values import (
    FROZEN,
    Dist,
    EntityKind,
    Evidence,
    PerEntityGrowth,
    PerEntityShare,
    Status,
    key_text,
    line_for,
)

# The vocabulary's defaults with their Literal types (values checks the Literals against it).
_FIRM_STATUSES = cast("tuple[Status, ...]", FIRM_STATUSES)
_GRADES = cast("tuple[Evidence, ...]", EVIDENCE)
_OUTSIDE_KINDS = cast("tuple[EntityKind, ...]", OUTSIDE_KINDS)
#: Residual value of data-centre GPUs by whole year of age (an assumption, see MappingSpec).
GPU_CURVE = (1.0, 0.62, 0.43, 0.30, 0.18, 0.12)
#: A campus: a straight line over 30 years.
CAMPUS_CURVE = tuple(round(1 - a / 30, 4) for a in range(31))
_Asset = Literal["gpu", "campus"]


def _curves() -> dict[_Asset, list[float]]:
    return {"gpu": list(GPU_CURVE), "campus": list(CAMPUS_CURVE)}


def _haircuts() -> dict[_Asset, float]:
    return {"gpu": 0.2, "campus": 0.3}


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

    model_config = FROZEN

    statuses: list[Status] = Field(default_factory=lambda: list(_FIRM_STATUSES))
    evidence: list[Evidence] = Field(default_factory=lambda: list(_GRADES))
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


if TYPE_CHECKING:  # text to the type checker; pydantic checks them against the vocabulary
    _Holds = str
    _Sector = str
    _Instrument = str
else:
    _Holds = Literal[INSTRUMENTS + HOLDER_SECTORS]
    _Sector = Literal[HOLDER_SECTORS]
    _Instrument = Literal[INSTRUMENTS]
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

    model_config = FROZEN

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
    inside
        Ids brought *inside* whatever their kind (``[softbank]``): an investor with a balance
        sheet then stands on its own figures (yen converted at the dataset's dated rate), can
        be shocked (``fail``) and its losses are counted.
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
        away. ``sourced``: a firm raises, only as needed and over the whole horizon, at most
        its announced new money: ``new_money_sources`` (``{openai: 40}``, USD bn), else the
        announced rounds and facilities in the data no run counts yet (equity and debt legs
        from outside the network, status conditional); a firm whose gap is larger defaults
        before any shock. ``none``: no such money; shortfalls before any shock are baseline
        defaults.
    new_money_headroom
        How far the plan's new money can stretch when a shock raises a firm's needs, as a
        share of its gap (default 0.1). New money is raised only as needed; it dilutes
        existing shareholders (their market value falls by the extra money raised).
    new_money_buffer
        Share of the plan's new money that investors hold back until conditions are met
        (``new_money: plan``). The plan sizes each firm's round so that what it draws in the
        unshocked run, the gap, is ``1 - new_money_buffer`` of it: the held-back part,
        ``gap x b / (1 - b)``, is raised only when a shock raises the firm's needs (on top of
        ``new_money_headroom``). Default 0, an assumption shown in the assumptions box: the
        plan covers the gap exactly, so a small funding cut is a default (the knife edge).
        Context: OpenAI's $40B round of 2025-03-31 could be cut by $10B (25%) if it did not
        restructure (CNBC, 2025-03-31).
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
    loss_buffer, earnings_retained
        The equity that absorbs a firm's losses: ``book`` (default) its reported book equity
        where the dataset has a figure (the figure's id and grade cited), the model's
        construct (means minus obligations over the horizon, flagged as assumed) where it
        has none. The run's losses are flows over the whole horizon, so the book line is
        measured at the horizon's end: before the shock, book equity plus the share
        ``earnings_retained`` (default 1: payouts to shareholders not modelled, assumed) of
        the earnings the unshocked run brings over the horizon (net margin x the firm's
        revenue in that run, discounted as the run is); after it, that less what the
        firm's net worth loses, with its stakes carried at what it paid for them (written
        down to market value when that is lower) rather than at market value; a defaulter
        ends with 0. ``model``: the construct for every firm.
    market_value_rule, value_multiple
        Market value lost per dollar of net worth lost by a firm that survives (a
        defaulter's equity is wiped out): ``contract_pv`` (default) the present value at the
        discount rate of the margin lost plus stranded costs over the years each contract
        actually runs, its years after the horizon included and never beyond its end;
        ``earnings`` capitalises the loss as lost earnings at the firm's price-earnings
        ratio (market value / latest whole-year net income, per year of the horizon), a
        perpetuity reading and an upper bound; ``price_to_book`` the ``contract_pv`` value
        times market value / latest book equity; ``fixed`` dollar for dollar on what the
        horizon counts. A firm without the figures a rule needs moves as under
        ``contract_pv`` (flagged). ``value_multiple`` scales every firm's multiple (default
        1; see :mod:`dealloop.mapping.earnings`).
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
        Share of each firm's outside revenue that a ``demand`` shock reaches: by default the
        part that depends on AI, from the firm's sourced ``ai_revenue_share`` figure (its AI
        or data-centre segment over its revenue: NVIDIA's Data Center, Azure, Google Cloud,
        AWS, Oracle Cloud Infrastructure, AMD's Data Center, Broadcom's AI semiconductors;
        Meta 0), else all of it (1, flagged as assumed). A firm named here, or ``default``
        for every firm not named, overrides the figure.
    gpu_capex_share, gpu_life_years
        GPU assets of a firm: the larger of its chip purchases in the data and
        capex x revenue years x ``gpu_capex_share`` (default 0.5); their accounting life
        (default 6 years), the base of a ``collateral`` shock.
    timing
        ``years`` (default): the network is cleared year by year over the horizon with cash
        carried forward (:func:`~dealloop.scenarios.years.clear_years`), so each default
        has a year and a firm can pay in 2026-27 and fail in 2028; ``static``: the whole
        horizon in one step (the one-period model).
    discount_rate
        Rate at which the years' flows are discounted to the start of the horizon (and
        cash carried forward earns). Default ``null``: the dataset's 10-year US Treasury
        yield (``ust_10y_yield`` in ``history.csv``), else 0.
    interest_rate, credit_spread, debt_rates
        Interest charged each year on the principal outstanding of every debt (year-by-year
        runs; the static step charges none): a leg's rate in ``debt_rates`` (``{D82:
        0.0658}``, a coupon from an offering document), else the borrower's
        ``interest_rate``, else the discount rate plus ``credit_spread`` (default 0.02, an
        assumption: the spread of an investment-grade bond over Treasuries).
    vehicle_terms
        ``debt_service`` (default): a vehicle's lease with no amount pays its debt service
        over the lease (interest at each debt's rate plus principal falling due in the
        lease), and a residual value guarantee to a vehicle with no amount is capped at the
        vehicle's debt; both flagged as assumed (:mod:`dealloop.mapping.vehicles`).
        ``none``: such legs are left out.
    secured, secured_vehicles
        Debt legs secured on collateral (``{D94a: gpu}``, ``{D88: campus}``;
        ``gpu:POOL`` names a pool that two legs may share), and whether every debt leg of a
        vehicle (kind spv) is secured on its own assets (default true: its GPUs when it
        buys chips, else its campus). A defaulter pays a secured claim from its collateral
        first; the rest ranks with unsecured debt and trade claims (see
        :mod:`dealloop.mapping.collateral`).
    vehicle_equity
        The sponsors' equity of each vehicle (kind spv), first loss before its lenders:
        ``legs`` (default) the vehicle's equity legs with an amount (sourced, cited by deal
        id; an in-kind stake with no amount is not counted); ``none`` no sponsor equity
        (every vehicle as if funded by its debt alone); or ``{vehicle id: USD bn}`` for the
        vehicles named (``default``: every other vehicle), assumed and flagged, the rest
        from their legs. It is the vehicle's equity before the shock (``equity_basis``
        ``sponsor``; a defaulter's sponsors lose it all) and part of what its collateral is
        worth at origination (its funding: debt plus this equity), so the lenders recover
        the collateral and lose only what the equity does not absorb.
    collateral_value, advance_rate
        The collateral's value at origination per leg (USD bn); by default a vehicle's
        funding (its debt legs and its ``vehicle_equity``), else the principal over ``advance_rate``
        (default 0.7, an assumption: lenders advance 60-70% of the hardware price).
    collateral_curves, collateral_haircut
        Share of its value at origination an asset keeps at each whole year of age (linear
        in between, the last value held): ``gpu`` by default 1, 0.62, 0.43, 0.30, 0.18,
        0.12 (secondary-market residuals of data-centre GPUs, weakly sourced: an
        assumption), ``campus`` a straight line over 30 years; and the share lost in a
        forced sale (defaults gpu 0.2, campus 0.3: assumptions).
    """

    model_config = FROZEN

    outside_kinds: list[EntityKind] = Field(default_factory=lambda: list(_OUTSIDE_KINDS))
    outside: list[str] = Field(default_factory=list)
    inside: list[str] = Field(default_factory=list)
    equity_commitments: bool = True
    undated_term_years: Annotated[float, Field(gt=0, le=50)] | None = None
    other_legs: Literal["ignore", "obligation"] = "ignore"
    revenue_years: Annotated[float, Field(ge=0, le=50)] | None = None
    revenue_growth: PerEntityGrowth = Field(default_factory=lambda: {"default": 0.0})
    cash_margin: PerEntityShare = Field(default_factory=lambda: {"default": 1.0})
    cash: bool = True
    new_money: Literal["plan", "sourced", "none"] = "plan"
    new_money_sources: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(
        default_factory=dict)
    new_money_headroom: Annotated[float, Field(ge=0, le=10)] = 0.1
    new_money_buffer: Annotated[float, Field(ge=0, le=0.9)] = 0.0
    reported_debt: bool = True
    debt_maturing_share: PerEntityShare = Field(default_factory=lambda: {"default": 0.5})
    rollover: PerEntityShare = Field(default_factory=lambda: {"default": 1.0})
    backstops: Literal["on_failure", "called_only"] = "on_failure"
    warrant_vesting: Literal["purchases", "full", "none"] = "purchases"
    stake_liquidity: Annotated[float, Field(ge=0, le=1)] = 1.0
    value_multiple: Annotated[float, Field(ge=0, le=100)] = 1.0
    loss_buffer: Literal["book", "model"] = "book"
    earnings_retained: Annotated[float, Field(ge=0, le=1)] = 1.0
    market_value_rule: Literal["contract_pv", "earnings", "price_to_book", "fixed"] = \
        "contract_pv"
    capex_obligation: PerEntityShare = Field(default_factory=lambda: {"default": 0.0})
    contracts: Literal["margin", "gross"] = "margin"
    operating_margin: PerEntityShare = Field(default_factory=dict)
    margin_fallback: Annotated[float, Field(ge=0, le=1)] = 0.2
    stranded_share: PerEntityShare = Field(
        default_factory=lambda: {"default": 0.5})
    terminated_contracts: Literal["replace", "release"] = "replace"
    demand_exposure: PerEntityShare = Field(default_factory=dict)
    gpu_capex_share: Annotated[float, Field(ge=0, le=1)] = 0.5
    gpu_life_years: Annotated[float, Field(gt=0, le=30)] = 6.0
    timing: Literal["years", "static"] = "years"
    discount_rate: Annotated[float, Field(ge=0, le=1)] | None = None
    interest_rate: PerEntityShare = Field(default_factory=dict)
    credit_spread: Annotated[float, Field(ge=0, le=1)] = 0.02
    debt_rates: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict)
    vehicle_terms: Literal["debt_service", "none"] = "debt_service"
    vehicle_equity: Literal["legs", "none"] | dict[
        str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = "legs"
    secured: dict[str, Annotated[str, Field(pattern=r"^(gpu|campus)(:[\w.-]+)?$")]] = Field(
        default_factory=dict)
    secured_vehicles: bool = True
    collateral_value: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(
        default_factory=dict)
    advance_rate: Annotated[float, Field(gt=0, le=1)] = 0.7
    collateral_curves: dict[_Asset, Annotated[
        list[Annotated[float, Field(ge=0, le=1)]], Field(min_length=1)]] = Field(
        default_factory=_curves)
    collateral_haircut: dict[_Asset, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=_haircuts)

    @field_validator("collateral_curves")
    @classmethod
    def _both_curves(cls, v: dict[_Asset, list[float]]) -> dict[_Asset, list[float]]:
        """An asset left out keeps its default curve."""
        return {**_curves(), **v}

    @field_validator("collateral_haircut")
    @classmethod
    def _both_haircuts(cls, v: dict[_Asset, float]) -> dict[_Asset, float]:
        """An asset left out keeps its default haircut."""
        return {**_haircuts(), **v}


Year = int | str


class Scenario(BaseModel):
    """A scenario file, parsed and checked. Build one with :func:`load` or :func:`loads`.

    Examples
    --------
    >>> from dealloop.scenarios.spec import loads
    >>> sc = loads('''
    ... name: demo
    ... question: What if CoreWeave fails?
    ... shocks:
    ...   - {type: fail, entity: coreweave}
    ... ''')
    >>> sc.name, sc.horizon, sc.shocks[0].type
    ('demo', (2026, 2030), 'fail')
    >>> sc.line("shocks", 0, "entity")              # where a key is in the YAML
    5
    >>> str(sc.problem(("shocks", 0, "entity"), "no such firm"))
    '<scenario>:5: shocks[0].entity: no such firm'
    >>> sc.deal_ids()                               # deal ids it names: none
    set()
    >>> sc.raw["shocks"], sc.key_lines[("shocks", 0, "entity")]    # the YAML as read
    ([{'type': 'fail', 'entity': 'coreweave'}], 5)
    >>> built = Scenario(name="x", question="q").locate("x.yaml", {("name",): 1}, {"name": "x"})
    >>> str(built.problem(["name"], "too short"))
    'x.yaml:1: name: too short'
    """

    model_config = FROZEN

    name: Annotated[str, Field(min_length=1, max_length=120)]
    question: Annotated[str, Field(min_length=1)]
    notes: str = ""
    dataset: str | None = None
    horizon: tuple[Year, Year] = DEFAULT_HORIZON
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

    def __repr__(self) -> str:
        h0, h1 = self.horizon
        return f"<Scenario {self.name}: {len(self.shocks)} shock(s), horizon {h0}-{h1}>"

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, v: tuple[Year, Year]) -> tuple[Year, Year]:
        for x in v:
            if isinstance(x, bool):
                raise ValueError("years must be numbers like 2026 or dates like '2026-07'")
        try:
            parse_horizon(v)
        except ValueError as exc:
            raise ValueError(str(exc).removeprefix("horizon: ")) from None
        return v

    # ------------------------------------------------------------------ convenience
    @property
    def source(self) -> str:
        """The file the scenario was read from (``<scenario>`` for text)."""
        return self._source

    @property
    def key_lines(self) -> dict[tuple, int]:
        """The YAML line of each key path, as read (empty for a scenario built in code)."""
        return self._lines

    @property
    def raw(self) -> Any:
        """The parsed YAML as written, before validation (``None`` for a scenario built in
        code)."""
        return self._raw

    def locate(self, source: str, lines: dict[tuple, int], raw: Any) -> Scenario:
        """Record where the scenario was read from: the file, the line of each key path and
        the parsed YAML (what the loader does); returns the scenario itself."""
        self._source = source
        self._lines = lines
        self._raw = raw
        return self

    def line(self, *path: Any) -> int | None:
        """The YAML line of a key path such as ``("shocks", 2, "entity")``, or of its closest
        parent."""
        return line_for(self._lines, path)

    def problem(self, path: Iterable[Any], message: str, severity: str = "error") -> Problem:
        """A :class:`Problem` located at a key path of this scenario."""
        path = tuple(path)
        return Problem(self._source, self.line(*path), key_text(path), message, severity)

    def deal_ids(self) -> set[str]:
        """Every deal id the scenario names."""
        ids = set(self.legs.include) | set(self.legs.exclude) | set(self.legs.amounts) \
            | set(self.mapping.secured) | set(self.mapping.collateral_value)
        for s in self.shocks:
            ids.update(s.deals_named())
        mc = self.monte_carlo
        ids.update(mc.ranges)
        if mc.conditional is not None:
            ids.update(mc.conditional.deals)
        return ids


def uncertain_params(scenario: Scenario) -> list[tuple[int, str, Dist]]:
    """Every shock parameter given as a distribution: ``(shock index, name, dist)``.

    Examples
    --------
    >>> from dealloop.scenarios.spec import loads
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
