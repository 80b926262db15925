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
from ..mapping.fused import chain, years_total
from ..mapping.fused_years import cash_left, year_dues
from ._round import operating, operating_of
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

        # paid over the years, and paid plus what is left unpaid at the end (unpaid()[-1])
        paid, owed = years_total([o.owed for o in outs], [o.paid for o in outs],
                                 None if self.carried is None else self.carried[-1])
        payments = total("payments")
        if self.debtor is not None:
            n = last.payments.shape[0]
            pbar = payments.copy()
            gap = owed - paid
            for c in np.flatnonzero(self.debtor < n):  # claim order, as np.add.at adds
                pbar[self.debtor[c]] += gap[c]
        else:
            pbar = total("pbar")
        received = total("received")
        e = self.income.sum(axis=0) if self.income is not None else outs[0].e
        nw = e + received + last.stakes - pbar
        first = self.default_year > 0
        waves = np.zeros_like(last.waves)
        for label, o in zip(self.years, outs, strict=True):
            waves = np.where(first & (self.default_year == label), o.waves, waves)
        return Outcome(
            owed=owed, paid=paid, pbar=pbar, payments=payments, received=received,
            stakes=last.stakes, e=e, net_worth=nw, equity=np.maximum(nw, 0.0),
            defaulted=last.defaulted, waves=waves, market_value=last.market_value,
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
    state = _Carry(structure, inputs[0].k, params, headroom, inputs[0].value_multiple)
    T, n, k = len(inputs), structure.n, inputs[0].k
    outs: list[Outcome] = []
    cash, income = np.empty((T, n, k)), np.empty((T, n, k))  # filled year by year
    carry_in = np.empty((T, structure.c, k), bool)
    for t, (label, inp) in enumerate(zip(labels, inputs, strict=True)):
        ref = None if reference is None else reference.outcomes[t]
        e = state.cash_in(inp)
        A, Acc, caps = state.dues(inp)
        carry_in[t] = state.carried
        out = clear(structure, state.year_inputs(inp, A, Acc, e, ref is not None), params,
                    reference=ref)
        cash_left(cash[t], out.defaulted, e, out.received, out.payments)
        state.close(label, out, A, Acc, caps, ref)
        np.subtract(e, state.carry, out=income[t])
        state.carry = cash[t]  # read only (e of the next year is a new array)
        outs.append(out)
    return YearsOutcome(labels, tuple(outs), state.first, cash, income, carry_in,
                        np.asarray(structure.debtor))


class _Carry:
    """What :func:`clear_years` carries from one year into the next, ``(N, K)`` per firm
    unless said: cash, defaults (and their first year), accelerated balances, the plan's
    headroom left, and the running sums that move market values against the reference.

    One year is four phases: :meth:`cash_in` (the year's outside income plus the cash
    carried), :meth:`dues` (what the claims ask), :meth:`year_inputs` (the engine's inputs)
    and :meth:`close` (what the cleared year leaves for the next).
    """

    def __init__(self, st: Structure, k: int, params: Params | None,
                 headroom: np.ndarray | None, drawn: np.ndarray | None = None) -> None:
        n = st.n
        self.st, self.n, self.k = st, n, k
        self.carry = np.zeros((n, k))
        self.defaulted = np.zeros((n, k), bool)
        self.first = np.zeros((n, k), np.int64)
        self.raised = np.zeros((n, k))
        self.ref_raised = np.zeros((n, k))
        self.capital = np.zeros((n, k))
        self.ref_capital = np.zeros((n, 1))
        self.vm = np.full((n, 1), (params or Params()).value_multiple) \
            if st.value_multiple is None else \
            np.asarray(st.value_multiple, float).reshape(n, 1)
        self.vo = self.vm if st.outside_multiple is None else \
            np.asarray(st.outside_multiple, float).reshape(n, 1)
        if drawn is not None:  # each draw's own multiples on sales (Inputs.value_multiple)
            self.vm = np.asarray(drawn, float)
        self.op = bool(np.any(self.vm != 1.0) or np.any(self.vo != 1.0))
        self.sales = np.zeros((n, k))  # sales to other firms, summed over the earlier years
        self.ref_sales = np.zeros((n, 1))
        self.prev: Outcome | None = None  # the year before
        #: ``(C, K)``: accelerated claims of earlier defaulters
        self.carried = np.zeros((st.c, k), bool)
        self.budget = None if headroom is None else np.array(headroom, float)
        plan = st.channel == PLAN
        self.plan_rows = np.flatnonzero(plan)
        self.plan_in = np.flatnonzero(plan & (st.creditor < n))  # new money into a firm
        self.owes = (st.debtor < n) & ~plan & (st.channel != BACKSTOP)

    def cash_in(self, inp: Inputs) -> np.ndarray:
        """``e`` of the year: its outside income plus the cash carried in (none where the
        inputs withhold it)."""
        return np.asarray(inp.e, float) + (self.carry if inp.withhold is None else
                                           np.where(inp.withhold, 0.0, self.carry))

    def dues(self, inp: Inputs) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(amount, accel, caps)`` of the year: earlier defaulters' balances carried, no
        new money to a defaulter, the plan's headroom on top of its caps (``caps``, the
        plan rows' amounts before it; None without a headroom)."""
        st, defaulted = self.st, self.defaulted
        A, Acc = np.asarray(inp.amount, float), np.asarray(inp.accel, float)  # never written
        carry = self.prev is not None and bool(defaulted.any())
        room = None
        if self.budget is not None and len(self.plan_rows):
            room = self.budget if inp.withhold is None else \
                np.where(inp.withhold, 0.0, self.budget)
        prev = self.prev
        return year_dues(A, Acc, self.carried if carry else None,
                         prev.owed if carry and prev is not None else None,
                         prev.paid if carry and prev is not None else None, self.plan_in,
                         st.creditor[self.plan_in], defaulted, self.plan_rows, room,
                         np.minimum(st.creditor[self.plan_rows], self.n - 1))

    def year_inputs(self, inp: Inputs, A: np.ndarray, Acc: np.ndarray, e: np.ndarray,
                    referenced: bool) -> Inputs:
        """The engine's inputs of the year: dues ``A``/``Acc``, cash ``e``, earlier
        defaulters held in default with their liquidation value, collateral and stakes
        gone, and (``referenced``) the market-value shift of the earlier years."""
        st, defaulted, k = self.st, self.defaulted, self.k
        f = defaulted if inp.initial_defaults is None else \
            np.asarray(inp.initial_defaults, bool) | defaulted
        # market value: the cash carried forward moves it at the outside multiple vo, as
        # outside income does; new money raised in earlier years dilutes (taken out),
        # earlier years' capital results count dollar for dollar and their sales to other
        # firms at the firm's multiple vm
        vm, vo = self.vm, self.vo
        shift = None if not referenced else -vo * (self.raised - self.ref_raised) \
            + (1 - vo) * (self.capital - self.ref_capital) \
            + (vm - vo) * (self.sales - self.ref_sales)
        recovery = None if inp.recovery is None else \
            np.where(defaulted, 0.0, inp.recovery)  # liquidation value: once, when it fails
        coll = None if inp.collateral is None else \
            self._collateral(np.asarray(inp.collateral, float))
        sscale = inp.stake_scale
        if st.s and defaulted.any():  # a defaulter's stakes went to its creditors
            sscale = (np.ones((st.s, k)) if sscale is None else sscale) \
                * ~defaulted[st.stake_holder]
        return replace(inp, amount=A, accel=Acc, e=e, initial_defaults=f, recovery=recovery,
                       stake_scale=sscale, collateral=coll, value_shift=shift)

    def _collateral(self, coll: np.ndarray) -> np.ndarray:
        """Collateral of the year: none on the claims of earlier defaulters (sold once, in
        the year its debtor defaults). Only the rows of firms that defaulted in some draw
        are looked at; ``coll`` is returned as it is when there are none."""
        st = self.st
        gone = np.flatnonzero(self.defaulted.any(axis=1))
        if not len(gone):
            return coll
        rows = np.flatnonzero(np.isin(st.debtor, gone))  # never the outside (row n)
        out = coll.copy()
        out[rows] = np.where(self.defaulted[st.debtor[rows]], 0.0, coll[rows])
        return out

    def close(self, label: int, out: Outcome, A: np.ndarray, Acc: np.ndarray,
              caps: np.ndarray | None, ref: Outcome | None) -> None:
        """Carry the cleared year ``out`` forward: first defaults dated ``label``, a new
        defaulter's accelerated claims carried, new money raised and the plan's headroom
        used, and (``ref``, the same year unshocked) the sums behind the market values."""
        st, n = self.st, self.n
        self.first = np.where(out.defaulted & (self.first == 0), label, self.first)
        newly = out.defaulted & ~self.defaulted
        # claims a new defaulter owes, accelerated: their balance is carried from now on
        anew = np.asarray(np.any(newly, axis=1), bool)
        rows = np.flatnonzero(self.owes & anew[np.minimum(st.debtor, n - 1)]
                              & (st.debtor < n))
        if len(rows):
            self.carried = self.carried.copy()
            self.carried[rows] |= newly[st.debtor[rows]] \
                & (Acc[rows] > A[rows] * (1 + 1e-12) + 1e-12)
        self.defaulted = self.defaulted | out.defaulted
        self.prev = out
        self.raised = self.raised + out.new_money
        if ref is not None and self.op:
            sales, ref_sales = operating(st, out.owed, out.paid), operating_of(st, ref)
            self.capital = self.capital + _capital(st, out, sales)
            self.ref_capital = self.ref_capital + _capital(st, ref, ref_sales)
            self.sales = self.sales + sales
            self.ref_sales = self.ref_sales + ref_sales
        if self.budget is not None and caps is not None:
            cap_f = np.zeros((n, self.k))
            for c, row in zip(self.plan_in, np.searchsorted(self.plan_rows, self.plan_in),
                              strict=True):
                cap_f[st.creditor[c]] += caps[row]  # claim order, as np.add.at adds
            self.budget = np.maximum(self.budget - np.maximum(out.new_money - cap_f, 0.0), 0.0)
        if ref is not None:
            self.ref_raised = self.ref_raised + ref.new_money


def _summed(parts: Iterable[np.ndarray]) -> np.ndarray:
    """The sum of ``parts``, added in order (as ``np.cumsum`` over a stacked axis 0 ends,
    without the stacked copy or the running sums: one new array, added to in place, so a
    batch of draws allocates one array instead of one per year)."""
    it = iter(parts)
    out = np.array(next(it), copy=True)
    for x in it:
        out += x
    return out


def _capital(st: Structure, out: Outcome, sales: np.ndarray | None = None) -> np.ndarray:
    """``(N, K)``: a year's capital result of each firm, the part of its receipts less dues
    that is not operating (:func:`._round.operating`, ``sales`` when already computed) and
    not new money."""
    return chain(out.received, ("-", out.new_money), ("-", out.pbar),
                 ("-", operating(st, out.owed, out.paid) if sales is None else sales))


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
