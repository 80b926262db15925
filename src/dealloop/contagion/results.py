"""Result objects of the contagion models.

Every result is a frozen dataclass of read-only numpy arrays and follows the results
protocol (:class:`dealloop.result.Result`). Per-firm arrays have shape ``(N,)`` for one
scenario and ``(K, N)`` for a batch of ``K`` scenarios (scenarios x firms). ``labels`` holds
the firm labels when the model was given a labelled DataFrame. ``to_frame()`` gives a pandas
DataFrame with one row per firm, indexed by the labels (a long frame with ``scenario`` and
``firm`` columns for a batch), ``to_dict()`` the arrays as JSON-safe lists and ``summary()``
a short human-readable description.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ._result_base import _as_dict, _ContagionResult, _fmt, _frame, _freeze

__all__ = [
    "Clearing",
    "CrossHoldings",
    "DebtRankResult",
    "EGJCascade",
    "FurfineResult",
    "InputOutput",
]


@dataclass(frozen=True, eq=False, repr=False)
class Clearing(_ContagionResult):
    """Clearing of a liability network (Eisenberg--Noe or Rogers--Veraart).

    Attributes
    ----------
    payments
        Clearing payments ``p`` (what each firm pays in total, to the network and to outside
        creditors pari passu), ``0 <= p <= pbar``.
    net_worth
        Book net worth against nominal liabilities, ``e + Pi' p - pbar``; negative for a
        defaulter.
    equity
        Limited-liability equity, ``max(net_worth, 0)``.
    defaulted
        ``True`` where ``e + Pi' p < pbar`` (strictly: exactly zero equity is solvent).
    waves
        Round in which the firm defaulted: 1 = fundamental default (short even when everyone
        pays in full), 2, 3, ... = contagion; 0 = solvent.
    pbar
        Nominal liabilities ``L.sum(1) + external_liabilities``, shape ``(N,)``; ``(K, N)``
        when they differ by scenario (the stress engine's accelerated dues,
        :meth:`dealloop.scenarios.engine.Outcome.to_clearing`).
    received
        Payments received from the network, ``Pi' p``.
    paid_external
        Payments to creditors outside the network, ``p * external / pbar``.
    deadweight_loss
        Value destroyed by default costs, ``(1 - alpha) e+ + (1 - beta) Pi' p`` for
        defaulters (zero for Eisenberg--Noe).
    iterations
        Rounds (fictitious default) or sweeps (Picard) used, per scenario: a diagnostic
        of the path taken, not a property of the network. The compiled (numba) and numpy
        backends reach the same payments by different steps and can count differently on
        the same input (e.g. 7 against 4 rounds, payments equal to 2e-13).
    residual
        Largest change of a payment in the last round or sweep, per scenario.

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.contagion import eisenberg_noe
    >>> c = eisenberg_noe(np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]]), [10, 10, 10])
    >>> c.defaulted.tolist(), c.waves.tolist()
    ([True, True, False], [1, 2, 0])
    """

    payments: np.ndarray
    net_worth: np.ndarray
    equity: np.ndarray
    defaulted: np.ndarray
    waves: np.ndarray
    pbar: np.ndarray
    received: np.ndarray
    paid_external: np.ndarray
    deadweight_loss: np.ndarray
    iterations: int | np.ndarray
    residual: float | np.ndarray
    model: str = "eisenberg_noe"
    which: str = "greatest"
    method: str = "fictitious_default"
    alpha: float = 1.0
    beta: float = 1.0
    labels: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        _freeze(self)

    @property
    def batched(self) -> bool:
        """Whether this result holds a batch of scenarios."""
        return self.payments.ndim == 2

    @property
    def n_defaults(self) -> int | np.ndarray:
        """Number of defaulting firms (per scenario for a batch)."""
        count = self.defaulted.sum(axis=-1)
        return count if self.batched else int(count)

    @property
    def shortfall(self) -> np.ndarray:
        """Unpaid nominal liabilities, ``pbar - p``."""
        return self.pbar - self.payments

    def to_dict(self) -> dict[str, Any]:
        """The arrays (``(K, N)`` for a batch), settings, labels and ``n_defaults``."""
        return _as_dict(self, n_defaults=self.n_defaults)

    def to_frame(self, index: Sequence[Any] | None = None) -> pd.DataFrame:
        """Per-firm table: pbar, payments, received, net worth, equity, default flag, wave."""
        n = self.payments.shape[-1]
        pbar = np.broadcast_to(self.pbar, self.payments.shape)
        cols = {
            "pbar": pbar,
            "payments": self.payments,
            "received": self.received,
            "paid_external": self.paid_external,
            "net_worth": self.net_worth,
            "equity": self.equity,
            "defaulted": self.defaulted,
            "wave": self.waves,
            "deadweight_loss": self.deadweight_loss,
        }
        return _frame(cols, self._index(index), n, self.batched)

    def summary(self) -> str:
        """A few lines: the model, the defaults by wave, what was paid and what was lost."""
        name = {"eisenberg_noe": "Eisenberg-Noe", "rogers_veraart": "Rogers-Veraart"}.get(
            self.model, self.model
        )
        if self.model == "rogers_veraart":
            name += f" (alpha={self.alpha:g}, beta={self.beta:g})"
        n = self.payments.shape[-1]
        head = f"{name} clearing, {self.which} vector, {n} firms, method {self.method}"
        if self.batched and self.payments.shape[0] == 0:
            return f"{head}; 0 scenarios"
        if self.batched:
            d = self.defaulted.sum(axis=1)
            k = d.shape[0]
            owed = np.broadcast_to(self.pbar, self.payments.shape).sum(axis=1)
            paid = self.payments.sum(axis=1) / np.maximum(owed, 1e-300)
            return "\n".join(
                [
                    f"{head}; {k} scenarios",
                    f"defaults per scenario: mean {d.mean():.3g}, median {np.median(d):g}, "
                    f"max {d.max()} (any default in {np.mean(d > 0):.1%} of scenarios)",
                    f"share of nominal liabilities paid: mean {paid.mean():.2%}, "
                    f"min {paid.min():.2%}",
                    f"iterations: max {np.max(self.iterations)}",
                ]
            )
        waves = np.bincount(self.waves[self.defaulted], minlength=2)[1:]
        by_wave = ", ".join(f"wave {w + 1}: {c}" for w, c in enumerate(waves) if c)
        owed = float(self.pbar.sum())
        paid = float(self.payments.sum())
        lines = [
            f"{head}, {self.iterations} iterations",
            f"defaults: {self.n_defaults} of {n}" + (f" ({by_wave})" if by_wave else ""),
            f"paid {_fmt(paid)} of {_fmt(owed)} owed"
            + (f" ({paid / owed:.1%})" if owed > 0 else "")
            + f"; equity {_fmt(float(self.equity.sum()))}; "
            f"paid to outside creditors {_fmt(float(self.paid_external.sum()))}",
        ]
        if self.model == "rogers_veraart":
            lines.append(f"deadweight loss {_fmt(float(self.deadweight_loss.sum()))}")
        return "\n".join(lines)


@dataclass(frozen=True, eq=False, repr=False)
class FurfineResult(_ContagionResult):
    """Sequential (Furfine) default cascade.

    Attributes
    ----------
    defaulted
        Firms that failed, initial failures included.
    waves
        Round of failure: 1 = initial (fundamentally insolvent or forced), 2, 3, ... =
        failed on losses from earlier failures; 0 = survived.
    losses
        Credit losses, ``(1 - recovery) * sum of claims on failed firms``.
    net_worth
        ``e + received - pbar`` after the cascade, with failed firms paying ``recovery``
        of their liabilities.
    payments
        What each firm pays: ``pbar`` for survivors, ``recovery * pbar`` for failed firms.
    iterations
        Number of rounds.

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.contagion import furfine
    >>> f = furfine(np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]]), [10, 10, 10], recovery=0.0)
    >>> f.waves.tolist()
    [1, 2, 0]
    """

    defaulted: np.ndarray
    waves: np.ndarray
    losses: np.ndarray
    net_worth: np.ndarray
    payments: np.ndarray
    iterations: int | np.ndarray
    recovery: float
    labels: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        _freeze(self)

    @property
    def batched(self) -> bool:
        """Whether this result holds a batch of scenarios."""
        return self.defaulted.ndim == 2

    def to_frame(self, index: Sequence[Any] | None = None) -> pd.DataFrame:
        """Per-firm table: default flag, round, losses, net worth, payments."""
        cols = {
            "defaulted": self.defaulted,
            "wave": self.waves,
            "losses": self.losses,
            "net_worth": self.net_worth,
            "payments": self.payments,
        }
        return _frame(cols, self._index(index), self.defaulted.shape[-1], self.batched)

    def summary(self) -> str:
        n = self.defaulted.shape[-1]
        head = f"Furfine cascade (recovery {self.recovery:g}), {n} firms"
        if self.batched and self.defaulted.shape[0] == 0:
            return f"{head}, 0 scenarios"
        if self.batched:
            d = self.defaulted.sum(axis=1)
            return f"{head}, {d.shape[0]} scenarios: failures mean {d.mean():.3g}, max {d.max()}"
        rounds = np.bincount(self.waves[self.defaulted], minlength=2)[1:]
        by = ", ".join(f"round {w + 1}: {c}" for w, c in enumerate(rounds) if c)
        return (
            f"{head}: {int(self.defaulted.sum())} failed"
            + (f" ({by})" if by else "")
            + f"; credit losses {_fmt(float(self.losses.sum()))}"
        )


@dataclass(frozen=True, eq=False, repr=False)
class DebtRankResult(_ContagionResult):
    """DebtRank distress propagation.

    Attributes
    ----------
    h
        Final relative equity loss of each firm, in ``[0, 1]``.
    h_initial
        The shock, ``h(1)``.
    debtrank
        ``sum((h - h_initial) * weights)``: the loss caused by propagation, as a share of
        total weight (per scenario for a batch).
    weights
        Economic weights ``v`` (default ``equity / equity.sum()``).
    iterations, residual
        Rounds used and the largest change of ``h`` in the last one.
    variant
        ``"battiston"`` (single hit, capped impacts) or ``"linear"`` (Bardoscia et al.).

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.contagion import debtrank
    >>> r = debtrank(np.array([[0, 5], [5, 0]]), [10, 10], [0.5, 0.0])
    >>> r.h.tolist(), round(float(r.debtrank), 4)
    ([0.625, 0.25], 0.1875)
    """

    h: np.ndarray
    h_initial: np.ndarray
    debtrank: float | np.ndarray
    weights: np.ndarray
    iterations: int | np.ndarray
    residual: float | np.ndarray
    variant: str
    impact: Any = field(repr=False, default=None)
    labels: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        _freeze(self)

    @property
    def batched(self) -> bool:
        """Whether this result holds a batch of scenarios."""
        return self.h.ndim == 2

    @property
    def total_loss(self) -> float | np.ndarray:
        """``sum(h * weights)``: initial plus induced loss."""
        out = (self.h * self.weights).sum(axis=-1)
        return out if self.batched else float(out)

    def to_dict(self) -> dict[str, Any]:
        """The arrays (``(K, N)`` for a batch), the variant, labels and ``total_loss``."""
        return _as_dict(self, total_loss=self.total_loss)

    @cached_property
    def spectral_radius(self) -> float:
        """Spectral radius of the impact matrix used (computed on first access).

        Above 1, distress is amplified around loops (Bardoscia et al. 2017).
        """
        from .debtrank import spectral_radius

        impact = self.impact() if callable(self.impact) else self.impact
        return spectral_radius(impact)

    def to_frame(self, index: Sequence[Any] | None = None) -> pd.DataFrame:
        """Per-firm table: initial and final relative loss, weight, induced weighted loss."""
        cols = {
            "h_initial": self.h_initial,
            "h": self.h,
            "weight": np.broadcast_to(self.weights, self.h.shape),
            "induced_loss": (self.h - self.h_initial) * self.weights,
        }
        return _frame(cols, self._index(index), self.h.shape[-1], self.batched)

    def summary(self) -> str:
        n = self.h.shape[-1]
        head = f"DebtRank ({self.variant}), {n} firms"
        if self.batched and self.h.shape[0] == 0:
            return f"{head}, 0 scenarios"
        if self.batched:
            dr = np.asarray(self.debtrank)
            return (
                f"{head}, {dr.shape[0]} scenarios: DebtRank mean {dr.mean():.4g}, "
                f"max {dr.max():.4g}"
            )
        return (
            f"{head}, {self.iterations} rounds: DebtRank {float(self.debtrank):.4g} "
            f"(total loss {float(self.total_loss):.4g}); "
            f"{int((self.h >= 1).sum())} firms lose all equity"
        )


@dataclass(frozen=True, eq=False, repr=False)
class CrossHoldings(_ContagionResult):
    """Book and market values under equity cross-holdings (Brioschi et al.; EGJ 2014).

    Attributes
    ----------
    book_value
        ``V = (I - C)^-1 primitive``: primitive value plus the value of stakes in others.
    market_value
        ``v = diag(1 - 1'C) V``: value to outside shareholders. Sums to total primitive value.
    double_count
        ``1'C V = sum(book_value) - sum(primitive)``: value counted twice when book values
        (or market caps priced off them) are added up.
    outside_share
        ``1 - C.sum(0)``: fraction of each firm held outside the network.

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.contagion import cross_holdings
    >>> x = cross_holdings(np.array([[0, 0.5], [0.5, 0]]), [1.0, 1.0])
    >>> x.book_value.tolist(), x.market_value.tolist(), float(x.double_count)
    ([2.0, 2.0], [1.0, 1.0], 2.0)
    """

    book_value: np.ndarray
    market_value: np.ndarray
    double_count: float | np.ndarray
    outside_share: np.ndarray
    primitive: np.ndarray
    stakes: Any = field(repr=False, default=None)
    labels: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        _freeze(self)

    @property
    def batched(self) -> bool:
        """Whether this result holds a batch of scenarios."""
        return self.book_value.ndim == 2

    @cached_property
    def dependency(self) -> np.ndarray:
        """The dependency matrix ``A = diag(1 - 1'C) (I - C)^-1`` (dense, computed on demand).

        ``A[i, j]`` is the share of firm j's primitive value that ends up with i's outside
        shareholders; every column sums to 1 when all firms have outside shareholders.
        """
        from .cross_holdings import dependency_matrix

        out = dependency_matrix(self.stakes)
        out.setflags(write=False)
        return out

    def to_frame(self, index: Sequence[Any] | None = None) -> pd.DataFrame:
        """Per-firm table: primitive, book and market value, outside share."""
        cols = {
            "primitive": self.primitive,
            "book_value": self.book_value,
            "market_value": self.market_value,
            "outside_share": np.broadcast_to(self.outside_share, self.book_value.shape),
        }
        return _frame(cols, self._index(index), self.book_value.shape[-1], self.batched)

    def summary(self) -> str:
        n = self.book_value.shape[-1]
        if self.batched:
            dc = np.asarray(self.double_count)
            return f"Cross-holdings, {n} firms, {dc.shape[0]} scenarios: double count mean " + (
                f"{dc.mean():.4g}"
            )
        prim = float(self.primitive.sum())
        book = float(self.book_value.sum())
        share = f" ({float(self.double_count) / prim:.1%} of primitive value)" if prim else ""
        return (
            f"Cross-holdings, {n} firms: primitive value {_fmt(prim)}, sum of book values "
            f"{_fmt(book)}, double counted {_fmt(float(self.double_count))}{share}; "
            f"market values sum to {_fmt(float(self.market_value.sum()))}"
        )


@dataclass(frozen=True, eq=False, repr=False)
class EGJCascade(_ContagionResult):
    """Elliott--Golub--Jackson failure cascade, round by round.

    Attributes
    ----------
    market_value
        Final market values ``v = A (primitive - b)`` with failure costs ``b`` of failed firms.
    book_value
        Final book values ``(I - C)^-1 (primitive - b)``.
    defaulted
        Firms whose market value is below their threshold in the final round.
    waves
        Round of failure (1 = fails with no failure costs anywhere), 0 = never fails.
    failure_costs_paid
        ``b``: the failure cost charged to each failed firm.
    iterations
        Rounds until the failure set stopped changing.

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.contagion import egj_cascade
    >>> r = egj_cascade(np.array([[0, 0.5], [0, 0]]), [1.0, 0.2], thresholds=[0.95, 0.5],
    ...                 failure_costs=[0.5, 0.4])
    >>> r.defaulted.tolist(), r.waves.tolist()
    ([True, True], [2, 1])
    """

    market_value: np.ndarray
    book_value: np.ndarray
    defaulted: np.ndarray
    waves: np.ndarray
    failure_costs_paid: np.ndarray
    iterations: int | np.ndarray
    labels: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        _freeze(self)

    @property
    def batched(self) -> bool:
        """Whether this result holds a batch of scenarios."""
        return self.defaulted.ndim == 2

    def to_frame(self, index: Sequence[Any] | None = None) -> pd.DataFrame:
        """Per-firm table: market and book value, default flag, round, failure cost."""
        cols = {
            "market_value": self.market_value,
            "book_value": self.book_value,
            "defaulted": self.defaulted,
            "wave": self.waves,
            "failure_cost": self.failure_costs_paid,
        }
        return _frame(cols, self._index(index), self.defaulted.shape[-1], self.batched)

    def summary(self) -> str:
        n = self.defaulted.shape[-1]
        if self.batched:
            f = self.defaulted.sum(axis=1)
            return f"EGJ cascade, {n} firms, {f.shape[0]} scenarios: failures mean {f.mean():.3g}"
        rounds = np.bincount(self.waves[self.defaulted], minlength=2)[1:]
        by = ", ".join(f"round {w + 1}: {c}" for w, c in enumerate(rounds) if c)
        return (
            f"EGJ cascade, {n} firms, {self.iterations} rounds: {int(self.defaulted.sum())} "
            f"failed" + (f" ({by})" if by else "") + f"; failure costs "
            f"{_fmt(float(self.failure_costs_paid.sum()))}"
        )


@dataclass(frozen=True, eq=False, repr=False)
class InputOutput(_ContagionResult):
    """Leontief (demand-side) and Ghosh (supply-side) analysis of a purchase layer.

    Attributes
    ----------
    technical
        Input coefficients ``A = Z diag(x)^-1`` (``A[i, j]`` = i's sales per unit of j's output).
    leontief_inverse
        ``(I - A)^-1``: output of i needed per unit of final demand for j.
    output_multipliers
        Column sums of the Leontief inverse (backward linkages, demand side).
    allocation
        Output coefficients ``B = diag(x)^-1 Z`` (``B[i, j]`` = share of i's output sold to j).
    ghosh_inverse
        ``(I - B)^-1``.
    forward_linkages
        Row sums of the Ghosh inverse (supply side).
    output, final_demand, value_added
        ``x``, ``f = x - Z 1`` and ``v = x - 1'Z``.

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.contagion import input_output
    >>> io = input_output(np.array([[150, 500], [200, 100]]), [1000, 2000])
    >>> io.new_output([600, 1500]).round(2).tolist()
    [1247.52, 1841.58]
    >>> io.output_change([-100, 0]).round(2).tolist()    # sector 0's final demand falls 100
    [-125.41, -26.4]
    """

    technical: np.ndarray
    leontief_inverse: np.ndarray
    output_multipliers: np.ndarray
    allocation: np.ndarray
    ghosh_inverse: np.ndarray
    forward_linkages: np.ndarray
    output: np.ndarray
    final_demand: np.ndarray
    value_added: np.ndarray
    labels: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        _freeze(self)

    def new_output(self, final_demand: ArrayLike) -> np.ndarray:
        """Total output ``x = (I - A)^-1 f`` for final demand ``f`` ((N,) or (K, N))."""
        from ._validation import check_vector

        f = check_vector(final_demand, "final_demand", self.output.shape[0], allow_batch=True)
        return f @ self.leontief_inverse.T

    def output_change(self, delta_final_demand: ArrayLike) -> np.ndarray:
        """Change in each sector's output (= revenue) for a change in final demand."""
        return self.new_output(delta_final_demand)

    def to_frame(self, index: Sequence[Any] | None = None) -> pd.DataFrame:
        """Per-sector table: output, final demand, value added, multiplier, forward linkage."""
        cols = {
            "output": self.output,
            "final_demand": self.final_demand,
            "value_added": self.value_added,
            "output_multiplier": self.output_multipliers,
            "forward_linkage": self.forward_linkages,
        }
        return _frame(cols, self._index(index), self.output.shape[0], False)

    def summary(self) -> str:
        n = self.output.shape[0]
        j = int(np.argmax(self.output_multipliers))
        i = int(np.argmax(self.forward_linkages))
        return (
            f"Input-output, {n} sectors: output multipliers {self.output_multipliers.min():.4g}"
            f" to {self.output_multipliers.max():.4g} (largest: sector {j}); forward linkages "
            f"{self.forward_linkages.min():.4g} to {self.forward_linkages.max():.4g} "
            f"(largest: sector {i})"
        )
