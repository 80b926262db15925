"""Years, not one step: clear a network year by year with cash carried forward, and debt
service as a schedule.

:func:`clear_years` clears one :class:`~dealloop.mapping.arrays.Inputs` per year with the
engine (:func:`.engine.clear`): what a firm has in year ``t`` is its outside income of the
year plus the cash it kept at the end of year ``t - 1`` (outside assets plus receipts minus
what it paid, never negative); a firm that defaults stays in default in the later years
(its dues are then accelerated, as the inputs say). So a firm can pay in 2026-27 and fail in
2028, and each default has a date. :meth:`YearsOutcome.discounted` compares values across
years at a stated rate.

:func:`debt_schedule` gives the coupons and principal of a loan or bond year by year
(bullet, linear or annuity repayment), the claims a debt leg puts on its borrower each year.

With one year, :func:`clear_years` is :func:`.engine.clear` (so debt-only runs still equal
Eisenberg--Noe).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from ..mapping.arrays import Inputs, Params, Structure
from .engine import Outcome, clear

__all__ = ["YearsOutcome", "clear_years", "debt_schedule"]


@dataclass(frozen=True, eq=False)
class YearsOutcome:
    """The cleared years: ``outcomes[t]`` is year ``years[t]``; ``default_year`` ``(N, K)``
    is the year a firm first defaults (0 = never); ``cash`` ``(T, N, K)`` what each firm
    carries out of each year."""

    years: tuple[int, ...]
    outcomes: tuple[Outcome, ...]
    default_year: np.ndarray
    cash: np.ndarray

    def discounted(self, field: str, rate: float) -> np.ndarray:
        """``sum_t x_t / (1 + rate)^t`` of an outcome field (``t`` = 0 for the first year),
        the value at the start of the first year.

        Examples
        --------
        >>> from dealloop.scenarios.engine import debt_only
        >>> st, inp = debt_only(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([1.0, 0.0]))
        >>> y = clear_years(st, [inp, inp])
        >>> float(y.discounted("pay", 0.1)[0, 0].round(4))
        1.9091
        """
        return sum(getattr(o, field) / (1 + rate) ** t for t, o in enumerate(self.outcomes))


def clear_years(structure: Structure, inputs: Sequence[Inputs], params: Params | None = None,
                *, years: Sequence[int] | None = None) -> YearsOutcome:
    """Clear ``inputs[t]`` year after year, carrying each firm's cash forward.

    Parameters
    ----------
    structure
        The network (the same claims every year; a claim not due in a year asks 0).
    inputs
        One :class:`~dealloop.mapping.arrays.Inputs` per year: the dues of the year and the
        outside income ``e`` of the year (cash at the start goes into the first year's).
    params
        Engine parameters.
    years
        Labels of the years (default 1, 2, ...).

    Returns
    -------
    YearsOutcome

    Examples
    --------
    A firm with 10 of cash owes 8 in each of two years and earns nothing: it pays in year 1
    and fails in year 2.

    >>> from dealloop.scenarios.engine import debt_only
    >>> st, y1 = debt_only(np.array([[0.0, 8.0], [0.0, 0.0]]), np.array([10.0, 0.0]))
    >>> _, y2 = debt_only(np.array([[0.0, 8.0], [0.0, 0.0]]), np.array([0.0, 0.0]))
    >>> out = clear_years(st, [y1, y2], years=[2026, 2027])
    >>> out.default_year[:, 0].tolist(), [float(o.pay[0, 0]) for o in out.outcomes]
    ([2027, 0], [8.0, 2.0])
    """
    labels = tuple(range(1, len(inputs) + 1)) if years is None else tuple(years)
    if len(labels) != len(inputs) or not len(inputs):
        raise ValueError("inputs: expected one Inputs per year, at least one")
    n, k = structure.n, inputs[0].k
    carry = np.zeros((n, k))
    failed = np.zeros((n, k), bool)
    first = np.zeros((n, k), np.int64)
    outs, cash = [], []
    for label, inp in zip(labels, inputs, strict=True):
        e = np.asarray(inp.e, float) + carry
        f = failed if inp.failed is None else (np.asarray(inp.failed, bool) | failed)
        out = clear(structure, replace(inp, e=e, failed=f), params)
        left = np.where(out.defaulted, 0.0, np.maximum(e + out.receipts - out.pay, 0.0))
        first = np.where(out.defaulted & (first == 0), label, first)
        failed = failed | out.defaulted
        carry = left
        outs.append(out)
        cash.append(left)
    return YearsOutcome(labels, tuple(outs), first, np.stack(cash))


def debt_schedule(principal: float, rate: float, start: int, maturity: int, *,
                  repayment: Literal["bullet", "linear", "annuity"] = "bullet",
                  years: Sequence[int] | None = None) -> pd.DataFrame:
    """Coupons and principal of a loan or bond, year by year.

    Interest each year is ``rate`` x the principal outstanding at the start of the year;
    principal is repaid at maturity (``bullet``), in equal parts (``linear``) or so that
    every payment is the same (``annuity``). ``years`` restricts the table to a horizon.

    Returns
    -------
    pandas.DataFrame
        ``year, opening, interest, principal, payment, closing``.

    Examples
    --------
    100 at 5% from 2026 to 2029, repaid in equal parts:

    >>> s = debt_schedule(100.0, 0.05, 2026, 2029, repayment="linear")
    >>> s["interest"].tolist(), s["principal"].tolist()
    ([5.0, 3.75, 2.5, 1.25], [25.0, 25.0, 25.0, 25.0])
    """
    if maturity < start:
        raise ValueError("maturity: before the start")
    if principal < 0 or rate < 0:
        raise ValueError("principal, rate: expected values >= 0")
    span = list(range(start, maturity + 1))
    m = len(span)
    if repayment == "annuity" and rate > 0:
        # 1 - (1 + rate)^-m, accurate for tiny rates too (the naive form rounds to 0)
        pay = principal * rate / -math.expm1(-m * math.log1p(rate))
    rows, opening = [], principal
    for t, year in enumerate(span):
        interest = opening * rate
        if repayment == "bullet":
            part = opening if t == m - 1 else 0.0
        elif repayment == "linear" or rate == 0:
            part = principal / m
        else:
            part = pay - interest
        part = min(part, opening) if t < m - 1 else opening
        rows.append({"year": year, "opening": opening, "interest": interest,
                     "principal": part, "payment": interest + part,
                     "closing": opening - part})
        opening -= part
    frame = pd.DataFrame(rows, columns=["year", "opening", "interest", "principal", "payment",
                                        "closing"])
    if years is not None:
        frame = frame[frame["year"].isin(list(years))].reset_index(drop=True)
    return frame
