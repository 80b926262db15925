"""The engine's arrays: what :func:`dealloop.scenarios.engine.clear` reads.

The mapping stage compiles balance sheets into these (:meth:`~.compiled.Compiled.inputs`);
the engine clears them. They live here, below both, so that the mapping does not depend on
the engine and the engine does not depend on the mapping.

Channels (``Structure.channel``): ``PURCHASE`` customer -> supplier, ``EQUITY`` investor ->
investee (unpaid commitments), ``FUNDING`` lender -> borrower (drawn inside the horizon),
``PRINCIPAL`` borrower -> lender, ``BACKSTOP`` contingent, ``PLAN`` new money from outside,
``CAPEX`` extra GPU replacement capex owed outside, ``REPLACE`` what a customer pays outside
suppliers to replace a service its failed supplier no longer delivers.

Batch orientation: claim and firm arrays hold draws on the last axis (``(C, K)``,
``(N, K)``), which keeps the sparse products of the engine cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["BACKSTOP", "CAPEX", "CHANNELS", "EQUITY", "FUNDING", "PLAN", "PRINCIPAL",
           "PURCHASE", "REPLACE", "Inputs", "Params", "Structure", "stack"]

PURCHASE, EQUITY, FUNDING, PRINCIPAL, BACKSTOP, PLAN, CAPEX, REPLACE = range(8)
#: Channel names in the order of their codes.
CHANNELS = ("purchase", "equity", "funding", "principal", "backstop", "plan", "capex",
            "replacement")


@dataclass(frozen=True, eq=False, repr=False)
class Structure:
    """The static part of a compiled network: who owes whom under which claim.

    ``N`` firms are ``0..N-1``; index ``N`` stands for everyone outside the network (who
    always pays). Arrays over claims have length ``C``, over stakes length ``S``.

    Built from them (for the engine): ``debtor_map``/``creditor_map`` ``(N, C)`` (1 where a
    firm is a claim's debtor / creditor), ``creditor_loss_map`` (the creditor's share of a
    shortfall it loses, ``loss_weights``), ``holder_map`` ``(N, S)``, ``backstop_claims``
    (indices) and ``slice_cache`` (sparse slices by default set, filled by the engine).

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.scenarios.engine import debt_only
    >>> st, _ = debt_only(np.array([[0, 2.0], [1.0, 0]]), np.array([1.0, 1.0]))
    >>> st.n, st.debtor.tolist(), st.creditor.tolist()
    (2, [0, 1], [1, 0])
    """

    n: int
    debtor: np.ndarray
    creditor: np.ndarray
    channel: np.ndarray
    stake_holder: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    stake_issuer: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    stake_fraction: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stake_prepaid: np.ndarray = field(default_factory=lambda: np.zeros(0))
    vest: sp.csr_array | None = None
    """``(S, C)``: the purchase claims a warrant vests on (row of zeros: always vested)."""
    vest_reference: np.ndarray | None = None
    """``(C,)``: the claim amounts at which a warrant is fully vested."""
    market_value: np.ndarray | None = None
    """``(N,)``: market value before the shock (reference for stakes and value lost)."""
    value_multiple: np.ndarray | None = None
    """``(N,)``: market value a surviving firm loses per dollar of net worth it loses
    (default: the parameters' ``value_multiple`` for every firm): on its sales to other
    firms in the network."""
    outside_multiple: np.ndarray | None = None
    """``(N,)``: market value a surviving firm loses per dollar of outside income (revenue
    from outside the network) it loses (default: :attr:`value_multiple`)."""
    loss_weight: np.ndarray | None = None
    """``(C,)``: share of a claim's shortfall its creditor loses (default 1: a debt). An
    unpaid purchase costs the supplier its lost margin plus its stranded costs, not the
    gross price: it no longer has to deliver."""
    debtor_map: sp.csr_array = field(init=False)
    creditor_map: sp.csr_array = field(init=False)
    creditor_loss_map: sp.csr_array = field(init=False)
    loss_weights: np.ndarray = field(init=False)
    holder_map: sp.csr_array = field(init=False)
    backstop_claims: np.ndarray = field(init=False)
    slice_cache: dict[Any, Any] = field(init=False)

    def __post_init__(self) -> None:
        n, c = self.n, len(self.debtor)
        for name in ("debtor", "creditor"):
            a = getattr(self, name)
            if a.shape != (c,) or (len(a) and (a.min() < 0 or a.max() > n)):
                raise ValueError(f"{name}: expected {c} indices in 0..{n}")
        inside_d = self.debtor < n
        inside_c = self.creditor < n
        rows = np.arange(c)
        cred = sp.csr_array(
            (np.ones(inside_c.sum()), (self.creditor[inside_c], rows[inside_c])), shape=(n, c))
        object.__setattr__(self, "debtor_map", sp.csr_array(
            (np.ones(inside_d.sum()), (self.debtor[inside_d], rows[inside_d])), shape=(n, c)))
        object.__setattr__(self, "creditor_map", cred)
        lw = np.ones(c) if self.loss_weight is None else np.asarray(self.loss_weight, float)
        if lw.shape != (c,) or (c and (lw.min() < 0 or lw.max() > 1)):
            raise ValueError(f"loss_weight: expected {c} values in [0, 1]")
        object.__setattr__(self, "loss_weights", lw)
        object.__setattr__(self, "creditor_loss_map", cred if self.loss_weight is None else
                           sp.csr_array((lw[inside_c], (self.creditor[inside_c],
                                                        rows[inside_c])), shape=(n, c)))
        s = len(self.stake_holder)
        object.__setattr__(self, "holder_map", sp.csr_array(
            (np.ones(s), (self.stake_holder, np.arange(s))), shape=(n, s)))
        object.__setattr__(self, "backstop_claims", np.flatnonzero(self.channel == BACKSTOP))
        object.__setattr__(self, "slice_cache", {})  # sparse slices by default set (see clear)

    def __repr__(self) -> str:
        return f"<Structure: {self.n:,} firms, {self.c:,} claims, {self.s:,} stakes>"

    @property
    def c(self) -> int:
        return len(self.debtor)

    @property
    def s(self) -> int:
        return len(self.stake_holder)


@dataclass(frozen=True, eq=False)
class Inputs:
    """The per-draw inputs of ``K`` scenarios, draws on the last axis.

    ``amount`` ``(C, K)``: what each claim asks in normal times (backstops: what it pays when
    triggered); ``accel`` ``(C, K)``: what it asks once its debtor defaults; ``e`` ``(N, K)``:
    outside assets; ``initial_defaults`` ``(N, K)``: firms failing whatever their balance sheet;
    ``recovery`` ``(N, K)``: liquidation value of a failed firm's own assets, as a share of
    its dues; ``called`` ``(C, K)``: share of each backstop called by the scenario;
    ``stake_scale`` ``(S, K)``: multiplies each stake (a cancelled investment holds nothing).

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.scenarios.engine import debt_only
    >>> _, inp = debt_only(np.array([[0, 2.0], [1.0, 0]]), np.array([[1.0, 1.0], [0.5, 3.0]]))
    >>> inp.e.shape, inp.amount[:, 1].tolist()        # 2 firms x 2 draws; claims in draw 1
    ((2, 2), [2.0, 1.0])
    """

    amount: np.ndarray
    accel: np.ndarray
    e: np.ndarray
    initial_defaults: np.ndarray | None = None
    recovery: np.ndarray | None = None
    called: np.ndarray | None = None
    stake_scale: np.ndarray | None = None
    vest_reference: np.ndarray | None = None
    """``(S, K)``: what each warrant's linked purchases ask in the unshocked draw (full
    vesting); default: the structure's reference."""
    value_shift: np.ndarray | None = None
    """``(N, K)``: added to each firm's change in net worth before it moves market value
    (year-by-year runs: new money raised in earlier years, which dilutes rather than adds
    value, is taken out of the cash carried forward)."""
    collateral: np.ndarray | None = None
    """``(C, K)``: what the collateral pledged to each claim fetches when its debtor
    defaults (0: unsecured). A secured claim of a defaulter is paid from its collateral
    first, up to what it asks; the rest of the claim ranks with the debtor's other claims
    and collateral beyond the claim joins the debtor's estate."""

    replaced: np.ndarray | None = None
    """``(R, T, K)``: the share of each replacement claim (channel ``replacement``, in claim
    order) falling due in each year of the horizon: the year schedule of the contracts it
    replaces (default: evenly). Used when the inputs are split into years."""

    stop_from: np.ndarray | None = None
    """``(N, K)``: the index of the year from which each firm stops paying (``stop_paying``
    shocks; -1: never). Used when the inputs are split into years."""
    withhold: np.ndarray | None = None
    """``(N, K)``: firms that keep the cash they carry into the year (they stopped paying);
    year-by-year runs only."""
    value_multiple: np.ndarray | None = None
    """``(N, K)``: each firm's market value lost per dollar of sales to other firms lost, per
    draw (default: the structure's :attr:`Structure.value_multiple` in every draw). Monte
    Carlo draws that give sales contracts other amounts weigh them by those amounts
    (:meth:`.compiled.Compiled.value_multiples`)."""

    @property
    def k(self) -> int:
        return self.e.shape[1]



@dataclass(frozen=True)
class Params:
    """Engine parameters (see the module docstring).

    Examples
    --------
    >>> p = Params()
    >>> p.alpha, p.beta, p.backstops          # Eisenberg-Noe recovery, backstops on failure
    (1.0, 1.0, 'on_failure')
    """

    alpha: float = 1.0
    beta: float = 1.0
    stake_liquidity: float = 1.0
    value_multiple: float = 1.0
    backstops: str = "on_failure"
    max_rounds: int = 200
    max_iterations: int = 100_000
    tol: float = 1e-10


def stack(parts: list[Inputs]) -> Inputs:
    """Inputs of one structure stacked along the draw axis (a field missing in some parts
    takes its default there).

    Examples
    --------
    >>> a = Inputs(amount=np.ones((1, 1)), accel=np.ones((1, 1)), e=np.zeros((2, 1)))
    >>> b = Inputs(amount=np.ones((1, 2)), accel=np.ones((1, 2)), e=np.ones((2, 2)),
    ...            initial_defaults=np.ones((2, 2), bool))
    >>> s = stack([a, b])
    >>> s.k, s.initial_defaults[:, 0].tolist(), s.initial_defaults[:, 1].tolist()
    (3, [False, False], [True, True])
    """
    fills = {"initial_defaults": False, "recovery": 0.0, "called": 0.0, "value_shift": 0.0,
             "collateral": 0.0, "withhold": False}
    fields: dict[str, np.ndarray | None] = {}
    for name in ("amount", "accel", "e", "initial_defaults", "recovery", "called", "stake_scale",
                 "vest_reference", "value_shift", "collateral", "withhold", "value_multiple"):
        vals = [getattr(p, name) for p in parts]
        if name == "value_multiple" and any(v is None for v in vals) \
                and not all(v is None for v in vals):
            raise ValueError("value_multiple: given in some parts only (the structure's "
                             "multiples are not known here)")
        if all(v is None for v in vals) or (name == "vest_reference"
                                           and any(v is None for v in vals)):
            fields[name] = None
            continue
        rows = next(v for v in vals if v is not None).shape[0]
        fill = fills.get(name, 1.0)
        fields[name] = np.concatenate(
            [np.full((rows, p.k), fill) if v is None else np.asarray(v)
             for p, v in zip(parts, vals, strict=True)], axis=1)
    return Inputs(**fields)  # type: ignore[arg-type]
