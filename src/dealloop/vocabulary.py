"""The shared vocabulary: kinds, statuses, evidence grades, the default horizon, days per
year, and the helpers that read them (:func:`parse_date`, :func:`parse_horizon`,
:func:`did_you_mean`).

This module imports nothing from dealloop; every layer may use it. Change a kind or a status
here and the schema, the validator, the CLI choices, the web filters and the stress mapping
all follow.

Examples
--------
>>> from dealloop.vocabulary import DEFAULT_HORIZON, parse_horizon
>>> parse_horizon(DEFAULT_HORIZON)
(datetime.date(2026, 1, 1), datetime.date(2030, 12, 31))
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import overload

__all__ = [
    "BASES",
    "CONTINGENT_KINDS",
    "CONTRACT_SHARE_BASIS",
    "DAYS_PER_YEAR",
    "DEAL_KINDS",
    "DEBT_KINDS",
    "DEFAULT_HORIZON",
    "ENTITY_KINDS",
    "EQUITY_KINDS",
    "EVIDENCE",
    "FIRM_STATUSES",
    "LIVE_STATUSES",
    "OUTSIDE_KINDS",
    "PURCHASE_KINDS",
    "REVENUE_SHARE_BASIS",
    "STATUSES",
    "did_you_mean",
    "month_ends",
    "parse_date",
    "parse_horizon",
]

ENTITY_KINDS = (
    "chip_vendor",
    "ai_lab",
    "hyperscaler",
    "neocloud",
    "cloud",
    "investor",
    "lender",
    "developer",
    "spv",
    "other",
)
#: Entity kinds treated as *outside* the network by default in stress tests: their claims are
#: external liabilities of the borrower, and what they owe is committed outside funding.
OUTSIDE_KINDS = ("investor", "lender")

DEAL_KINDS = (
    "equity_investment",
    "warrant",
    "compute_contract",
    "chip_purchase",
    "capacity_backstop",
    "loan",
    "bond",
    "private_credit",
    "revenue_share",
    "lease",
    "other",
)
#: Kinds whose amount is paid by a customer to a supplier (the purchase layer). A ``lease``
#: is rent a tenant pays a landlord (often a data-centre or GPU vehicle): a purchase
#: obligation of the tenant and income of the landlord.
PURCHASE_KINDS = ("compute_contract", "chip_purchase", "revenue_share", "lease")
#: Kinds where the payer lends to the payee, who owes the principal back.
DEBT_KINDS = ("loan", "bond", "private_credit")
#: Kinds that give the payer (equity_investment) or payee (warrant) a stake.
EQUITY_KINDS = ("equity_investment", "warrant")
#: Kinds that move no cash unless triggered.
CONTINGENT_KINDS = ("capacity_backstop",)

STATUSES = ("committed", "conditional", "superseded", "cancelled", "reported")
#: Statuses of legs that are still alive (kept in "all" totals).
LIVE_STATUSES = ("committed", "reported", "conditional")
#: Statuses counted as firm: signed, or reported as agreed.
FIRM_STATUSES = ("committed", "reported")
BASES = ("reported", "estimate", "derived")
EVIDENCE = ("A", "B", "C")

#: Years over which contracts are apportioned unless a caller or scenario says otherwise.
DEFAULT_HORIZON = (2026, 2030)
#: Days in a year when a span of dates is turned into years: the mean Gregorian year.
DAYS_PER_YEAR = 365.2425

#: The two "top customer" shares, in the words every view prints beside the number, so no
#: reader meets two top-customer figures without knowing why they differ. Circularity
#: (``customer_concentration``): a share of contracted business, whatever year it falls in.
CONTRACT_SHARE_BASIS = ("share of in-network contract value: full values of compute, chip "
                        "and revenue-share contracts, all years (contracted business, not "
                        "recognised revenue)")
#: Signals (``top_customer_share``): a share of the revenue a firm booked over one stated
#: period; each firm's value also names that period and its figure.
REVENUE_SHARE_BASIS = "share of recognised revenue"

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

DateLike = int | str | dt.date
HorizonLike = tuple[DateLike, DateLike] | None


def parse_date(text: str, *, end: bool = False) -> dt.date:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    A partial date is the first day of its period, or the last day when ``end`` is true.

    Examples
    --------
    >>> parse_date("2027")
    datetime.date(2027, 1, 1)
    >>> parse_date("2026-02", end=True)
    datetime.date(2026, 2, 28)
    """
    m = _DATE_RE.match(text.strip())
    if not m:
        raise ValueError(f"not a date: {text!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = m.group(1), m.group(2), m.group(3)
    y = int(year)
    if y < 1:
        raise ValueError(f"impossible date: {text!r} (year 0)")
    if month is None:
        return dt.date(y, 12, 31) if end else dt.date(y, 1, 1)
    mo = int(month)
    if not 1 <= mo <= 12:
        raise ValueError(f"impossible date: {text!r} (month {mo})")
    if day is None:
        if end:
            if mo == 12:  # not via January of the next year: 9999-12 has no next year
                return dt.date(y, 12, 31)
            return dt.date(y, mo + 1, 1) - dt.timedelta(days=1)
        return dt.date(y, mo, 1)
    try:
        return dt.date(y, mo, int(day))
    except ValueError:
        raise ValueError(f"impossible date: {text!r}") from None


def _as_date(value: DateLike, *, end: bool) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return parse_date(str(value), end=end)


@overload
def parse_horizon(horizon: None) -> None: ...
@overload
def parse_horizon(horizon: tuple[DateLike, DateLike]) -> tuple[dt.date, dt.date]: ...
def parse_horizon(horizon: HorizonLike) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a horizon given as two years, partial dates or dates.

    ``None`` stays ``None`` (no horizon: whole contract values). A start year means its first
    day, an end year its last day. ``ValueError`` (message starting ``horizon:``) when the
    end is before the start or a value is not a date the calendar knows.

    Examples
    --------
    >>> parse_horizon((2026, "2027-06"))
    (datetime.date(2026, 1, 1), datetime.date(2027, 6, 30))
    >>> parse_horizon((2030, 2026))
    Traceback (most recent call last):
    ...
    ValueError: horizon: end 2026-12-31 is before start 2030-01-01

    See Also
    --------
    horizon_years : the length of a horizon in years.
    """
    if horizon is None:
        return None
    try:
        t0, t1 = _as_date(horizon[0], end=False), _as_date(horizon[1], end=True)
    except ValueError as exc:
        raise ValueError(f"horizon: {exc}") from None
    if t1 < t0:
        raise ValueError(f"horizon: end {t1} is before start {t0}")
    return t0, t1


def horizon_years(t0: dt.date, t1: dt.date) -> float:
    """Length of the horizon from day ``t0`` to day ``t1`` (both included), in years of
    :data:`DAYS_PER_YEAR` days.

    Examples
    --------
    >>> round(horizon_years(*parse_horizon((2026, 2030))), 4)
    4.9994
    """
    return ((t1 - t0).days + 1) / DAYS_PER_YEAR


def did_you_mean(name: str, choices: Iterable[str], *, n: int = 1, cutoff: float = 0.6,
                 quote: bool = True) -> str:
    """A ``"; did you mean X?"`` hint for an unknown ``name``, or ``""`` when nothing is close.

    ``n`` is the number of suggestions (joined by ``", "``); ``quote`` writes each with
    ``repr`` (``'x'``) or bare.

    Examples
    --------
    >>> did_you_mean("corewave", ["coreweave", "openai"])
    "; did you mean 'coreweave'?"
    >>> did_you_mean("zzz", ["coreweave"])
    ''
    """
    import difflib

    close = difflib.get_close_matches(str(name), list(choices), n=n, cutoff=cutoff)
    if not close:
        return ""
    shown = ", ".join(repr(c) if quote else c for c in close)
    return f"; did you mean {shown}?"


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """Last day of each month from ``start``'s month to ``end``'s (``end`` itself last).

    Examples
    --------
    >>> [d.isoformat() for d in month_ends(dt.date(2025, 11, 3), dt.date(2026, 1, 15))]
    ['2025-11-30', '2025-12-31', '2026-01-15']
    >>> month_ends(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    [datetime.date(2025, 3, 31)]
    """
    out = []
    y, m = start.year, start.month
    while True:
        last = dt.date(y, 12, 31) if m == 12 else dt.date(y, m + 1, 1) - dt.timedelta(days=1)
        if last >= end:
            out.append(end)
            return out
        out.append(last)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
