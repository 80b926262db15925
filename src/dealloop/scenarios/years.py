"""Years, not one step: clear a network year by year with cash carried forward, and debt
service as a schedule.

:func:`clear_years` clears one :class:`~dealloop.mapping.arrays.Inputs` per year with the
engine (:func:`.engine.clear`): what a firm has in year ``t`` is its outside income of the
year plus the cash it kept at the end of year ``t - 1`` (outside assets plus receipts minus
what it paid, never negative); a firm that defaults stays in default in the later years
(its dues are then accelerated, as the inputs say; collateral pledged to its claims is
sold in the year of default and pays those claims first). So a firm can pay in 2026-27 and fail in
2028, and each default has a date. :meth:`YearsOutcome.discounted` compares values across
years at a stated rate.

:func:`debt_schedule` gives the coupons and principal of a loan or bond year by year
(bullet, linear or annuity repayment), the claims a debt leg puts on its borrower each year.

With one year, :func:`clear_years` is :func:`.engine.clear` (so debt-only runs still equal
Eisenberg--Noe).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from ..mapping.arrays import BACKSTOP, PLAN, Inputs, Params, Structure
from ._round import operating
from .engine import Outcome, clear

__all__ = ["YearsOutcome", "clear_years", "debt_schedule"]


@dataclass(frozen=True, eq=False)
class YearsOutcome:
    """The cleared years: ``outcomes[t]`` is year ``years[t]``; ``default_year`` ``(N, K)``
    is the year a firm first defaults (0 = never); ``cash`` ``(T, N, K)`` what each firm
    carries out of each year; ``income`` ``(T, N, K)`` its outside income of each year (cash
    at the start in the first), without the cash carried in.

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.scenarios.engine import debt_only
    >>> st, inp = debt_only(np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]], float),
    ...                     np.array([10.0, 10, 10]))
    >>> y = clear_years(st, [inp, inp], years=[2026, 2027])
    >>> y.default_year[:, 0].tolist(), y.cash.shape
    ([2026, 2026, 0], (2, 3, 1))
    """

    years: tuple[int, ...]
    outcomes: tuple[Outcome, ...]
    default_year: np.ndarray
    cash: np.ndarray
    income: np.ndarray | None = None
    carried: np.ndarray | None = None
    """``(T, C, K)``: claims whose unpaid balance is carried into year ``t`` (accelerated
    claims of earlier defaulters): their shortfall is the balance left at the end, not the
    sum over the years."""
    debtor: np.ndarray | None = None

    def unpaid(self) -> np.ndarray:
        """``(T, C, K)``: what is left unpaid of each claim by the end of each year, all
        years so far (a carried balance once, the other claims' shortfalls summed).

        Examples
        --------
        >>> from dealloop.scenarios.engine import debt_only
        >>> st, y1 = debt_only(np.array([[0.0, 8.0], [0.0, 0.0]]), np.array([10.0, 0.0]))
        >>> _, y2 = debt_only(np.array([[0.0, 8.0], [0.0, 0.0]]), np.array([0.0, 0.0]))
        >>> clear_years(st, [y1, y2]).unpaid()[:, 0, 0].tolist()
        [0.0, 6.0]
        """
        gaps = np.stack([o.owed - o.paid for o in self.outcomes])
        summed = np.cumsum(gaps, axis=0)
        if self.carried is None:
            return summed
        # a carried row: its debtor paid in full before (gaps 0), so what is left at the end
        # of a year is its balance then, from the year of default on
        now = self.carried | np.concatenate([self.carried[1:], self.carried[-1:]])
        return np.where(now, gaps, summed)

    def _unpaid_last(self) -> np.ndarray:
        """``unpaid()[-1]`` without the years before: ``(C, K)``."""
        outs, last = self.outcomes, self.outcomes[-1]
        summed = outs[0].owed - outs[0].paid
        gap = np.empty_like(summed) if len(outs) > 1 else summed
        for o in outs[1:]:  # added in year order, in place (one temporary for all years)
            summed += np.subtract(o.owed, o.paid, out=gap)
        if self.carried is None:
            return summed
        now = self.carried[-1]
        rows = np.flatnonzero(now.any(axis=1))
        if len(rows):
            summed[rows] = np.where(now[rows], (last.owed - last.paid)[rows], summed[rows])
        return summed

    def discounted(self, field: str, rate: float) -> np.ndarray:
        """``sum_t x_t / (1 + rate)^t`` of an outcome field (``t`` = 0 for the first year),
        the value at the start of the first year.

        Examples
        --------
        >>> from dealloop.scenarios.engine import debt_only
        >>> st, inp = debt_only(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([1.0, 0.0]))
        >>> y = clear_years(st, [inp, inp])
        >>> float(y.discounted("payments", 0.1)[0, 0].round(4))
        1.9091
        """
        return sum(getattr(o, field) / (1 + rate) ** t for t, o in enumerate(self.outcomes))

    def total(self) -> Outcome:
        """The years folded into one :class:`~.engine.Outcome` over the horizon.

        ``paid``, ``payments``, ``received``, ``new_money``, ``deadweight`` and ``e`` (outside
        income, cash carried in not counted again) add up over the years; ``owed`` is what
        was paid plus what is left unpaid at the end (a defaulter's balance carried to the
        last year); ``stakes``, ``stake_values``, ``market_value`` and ``defaulted`` are
        those of the last year, ``waves`` the wave in the year of default; ``net_worth`` =
        income + received + stakes - owed.

        Examples
        --------
        >>> from dealloop.scenarios.engine import debt_only
        >>> st, y1 = debt_only(np.array([[0.0, 8.0], [0.0, 0.0]]), np.array([10.0, 0.0]))
        >>> _, y2 = debt_only(np.array([[0.0, 8.0], [0.0, 0.0]]), np.array([0.0, 0.0]))
        >>> tot = clear_years(st, [y1, y2]).total()
        >>> tot.owed[:, 0].tolist(), tot.paid[:, 0].tolist(), tot.net_worth[:, 0].tolist()
        ([16.0], [10.0], [-6.0, 10.0])
        """
        outs, last = self.outcomes, self.outcomes[-1]

        def total(field: str) -> np.ndarray:
            return _summed(getattr(o, field) for o in outs)

        paid = total("paid")
        owed = paid + self._unpaid_last()
        pay = total("payments")
        if self.debtor is not None:
            n = last.payments.shape[0]
            pbar = pay.copy()
            gap = owed - paid
            for c in np.flatnonzero(self.debtor < n):  # claim order, as np.add.at adds
                pbar[self.debtor[c]] += gap[c]
        else:
            pbar = total("pbar")
        receipts = total("received")
        e = self.income.sum(axis=0) if self.income is not None else outs[0].e
        nw = e + receipts + last.stakes - pbar
        first = self.default_year > 0
        wave = np.zeros_like(last.waves)
        for label, o in zip(self.years, outs, strict=True):
            wave = np.where(first & (self.default_year == label), o.waves, wave)
        return Outcome(
            owed=owed, paid=paid, pbar=pbar, payments=pay, received=receipts, stakes=last.stakes,
            e=e, net_worth=nw, equity=np.maximum(nw, 0.0), defaulted=last.defaulted,
            waves=wave, market_value=last.market_value,
            deadweight=total("deadweight"),
            triggered=np.logical_or.reduce([o.triggered for o in outs]),
            new_money=total("new_money"),
            rounds=np.max([o.rounds for o in outs], axis=0),
            iterations=int(sum(o.iterations for o in outs)),
            converged=all(o.converged for o in outs), stake_values=last.stake_values)


def clear_years(structure: Structure, inputs: Sequence[Inputs], params: Params | None = None,
                *, years: Sequence[int] | None = None,
                reference: YearsOutcome | None = None,
                headroom: np.ndarray | None = None) -> YearsOutcome:
    """Clear ``inputs[t]`` year after year, carrying each firm's cash forward.

    A firm that defaults pays all it has in its year of default against everything it
    owes then (the claims its inputs accelerate, such as debt, fall due whole); what it
    leaves unpaid of an accelerated claim stays owed in the later years, its other claims
    (purchases) ask what the inputs say each year. In the later years it keeps paying out
    all its income and receipts (its estate runs off) and raises no new money; its stakes
    (and its liquidation value) were paid out in its year of default and count no more. A
    solvent firm carries its cash into the next year (never below 0).

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
    reference
        The unshocked years: each year's market values move from the same year of the
        reference, new money raised in earlier years taken out (it dilutes).
    headroom
        ``(N, K)``: new money each firm's plan (claims of channel ``plan``) can raise beyond
        the year's caps, over all the years together: what one year uses is gone for the
        next.

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
    >>> out.default_year[:, 0].tolist(), [float(o.payments[0, 0]) for o in out.outcomes]
    ([2027, 0], [8.0, 2.0])
    """
    labels = tuple(range(1, len(inputs) + 1)) if years is None else tuple(years)
    if len(labels) != len(inputs) or not len(inputs):
        raise ValueError("inputs: expected one Inputs per year, at least one")
    if reference is not None and len(reference.outcomes) != len(inputs):
        raise ValueError("reference: expected the same years")
    n, k = structure.n, inputs[0].k
    carry = np.zeros((n, k))
    failed = np.zeros((n, k), bool)
    first = np.zeros((n, k), np.int64)
    raised = np.zeros((n, k))
    ref_raised = np.zeros((n, k))
    capital = np.zeros((n, k))
    ref_capital = np.zeros((n, 1))
    vm = np.full((n, 1), (params or Params()).value_multiple) \
        if structure.value_multiple is None else \
        np.asarray(structure.value_multiple, float).reshape(n, 1)
    vo = vm if structure.outside_multiple is None else \
        np.asarray(structure.outside_multiple, float).reshape(n, 1)
    op = bool(np.any(vm != 1.0) or np.any(vo != 1.0))
    sales = np.zeros((n, k))  # sales to other firms, summed over the earlier years
    ref_sales = np.zeros((n, 1))
    prev: Outcome | None = None  # the year before
    carried = np.zeros((structure.c, k), bool)  # accelerated claims of earlier defaulters
    budget = None if headroom is None else np.array(headroom, float)
    plan = structure.channel == PLAN
    plan_rows = np.flatnonzero(plan)
    plan_in = np.flatnonzero(plan & (structure.creditor < n))  # new money into a firm
    owes = (structure.debtor < n) & ~plan & (structure.channel != BACKSTOP)
    T = len(inputs)
    outs: list[Outcome] = []
    cash, income = np.empty((T, n, k)), np.empty((T, n, k))  # filled year by year
    carry_in = np.empty((T, structure.c, k), bool)
    for t, (label, inp) in enumerate(zip(labels, inputs, strict=True)):
        e = np.asarray(inp.e, float) + (carry if inp.withhold is None else
                                        np.where(inp.withhold, 0.0, carry))
        f = failed if inp.initial_defaults is None else (np.asarray(inp.initial_defaults, bool)
                                                        | failed)
        A, Acc = np.asarray(inp.amount, float), np.asarray(inp.accel, float)  # never written
        own = False  # A and Acc copied: ours to write
        if prev is not None and failed.any():
            A, Acc, own = A.copy(), Acc.copy(), True
            rows = np.flatnonzero(carried.any(axis=1))  # balances of earlier defaulters
            if len(rows):
                left_unpaid = prev.owed[rows] - prev.paid[rows]
                A[rows] = np.where(carried[rows], left_unpaid, A[rows])
                Acc[rows] = np.where(carried[rows], left_unpaid, Acc[rows])
            stop = failed[structure.creditor[plan_in]]  # no new money reaches a defaulter
            A[plan_in] = np.where(stop, 0.0, A[plan_in])
            Acc[plan_in] = np.where(stop, 0.0, Acc[plan_in])
        carry_in[t] = carried
        if budget is not None and len(plan_rows):
            caps = A[plan_rows]
            A = A if own else A.copy()
            room = budget if inp.withhold is None else np.where(inp.withhold, 0.0, budget)
            A[plan_rows] = caps + room[np.minimum(structure.creditor[plan_rows], n - 1)]
            Acc = np.maximum(Acc, A, out=Acc if own else None)
        ref = None if reference is None else reference.outcomes[t]
        # market value: the cash carried forward moves it at the outside multiple vo, as
        # outside income does; new money raised in earlier years dilutes (taken out),
        # earlier years' capital results count dollar for dollar and their sales to other
        # firms at the firm's multiple vm
        shift = None if reference is None else -vo * (raised - ref_raised) \
            + (1 - vo) * (capital - ref_capital) + (vm - vo) * (sales - ref_sales)
        recovery = None if inp.recovery is None else \
            np.where(failed, 0.0, inp.recovery)  # liquidation value: once, when it fails
        coll = None if inp.collateral is None else np.where(
            failed[np.minimum(structure.debtor, n - 1)] & (structure.debtor < n)[:, None],
            0.0, inp.collateral)  # collateral: sold once, in the year its debtor defaults
        sscale = inp.stake_scale
        if structure.s and failed.any():  # a defaulter's stakes went to its creditors
            sscale = (np.ones((structure.s, k)) if sscale is None else sscale) \
                * ~failed[structure.stake_holder]
        out = clear(structure, replace(inp, amount=A, accel=Acc, e=e, initial_defaults=f,
                                       recovery=recovery, stake_scale=sscale,
                                       collateral=coll,
                                       value_shift=shift), params, reference=ref)
        left = np.where(out.defaulted, 0.0, np.maximum(e + out.received - out.payments, 0.0))
        first = np.where(out.defaulted & (first == 0), label, first)
        newly = out.defaulted & ~failed
        # claims a new defaulter owes, accelerated: their balance is carried from now on
        anew = np.asarray(np.any(newly, axis=1), bool)
        rows = np.flatnonzero(owes & anew[np.minimum(structure.debtor, n - 1)]
                              & (structure.debtor < n))
        if len(rows):
            carried = carried.copy()
            carried[rows] |= newly[structure.debtor[rows]] \
                & (Acc[rows] > A[rows] * (1 + 1e-12) + 1e-12)
        failed = failed | out.defaulted
        prev = out
        raised = raised + out.new_money
        if reference is not None and op:
            capital = capital + _capital(structure, out)
            ref_capital = ref_capital + _capital(structure, reference.outcomes[t])
            sales = sales + operating(structure, out.owed, out.paid)
            ref_sales = ref_sales + operating(structure, reference.outcomes[t].owed,
                                              reference.outcomes[t].paid)
        if budget is not None and len(plan_rows):
            cap_f = np.zeros((n, k))
            for c, row in zip(plan_in, np.searchsorted(plan_rows, plan_in), strict=True):
                cap_f[structure.creditor[c]] += caps[row]  # claim order, as np.add.at adds
            budget = np.maximum(budget - np.maximum(out.new_money - cap_f, 0.0), 0.0)
        if reference is not None:
            ref_raised = ref_raised + reference.outcomes[t].new_money
        np.subtract(e, carry, out=income[t])
        cash[t] = left
        carry = cash[t]  # read only (e of the next year is a new array)
        outs.append(out)
    return YearsOutcome(labels, tuple(outs), first, cash, income, carry_in,
                        np.asarray(structure.debtor))


def _summed(parts: Iterable[np.ndarray]) -> np.ndarray:
    """The sum of ``parts``, added in order (as ``np.cumsum`` over a stacked axis 0 ends,
    without the stacked copy or the running sums: one new array, added to in place, so a
    batch of draws allocates one array instead of one per year)."""
    it = iter(parts)
    out = np.array(next(it), copy=True)
    for x in it:
        out += x
    return out


def _capital(st: Structure, out: Outcome) -> np.ndarray:
    """``(N, K)``: a year's capital result of each firm, the part of its receipts less dues
    that is not operating (:func:`._round.operating`) and not new money."""
    return out.received - out.new_money - out.pbar - operating(st, out.owed, out.paid)


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
