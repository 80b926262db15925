r"""Default probabilities implied by credit spreads: the reduced-form (hazard-rate) approximation.

A protection seller who expects to lose ``1 − R`` of par when the issuer defaults, and who
asks to be paid that expected loss as a running premium, charges a spread ``s`` (a fraction
a year) with

    s ≈ λ (1 − R)   so   λ = s / (1 − R)

where ``λ`` is the default intensity (hazard rate, per year) and ``R`` the recovery rate.
With a flat hazard the survival probability to time ``t`` (years) is
``S(t) = exp(−λ t)`` and the cumulative default probability is ``PD(t) = 1 − S(t)``. This is
the "credit triangle" used by desks and in Hull's *Options, Futures and Other Derivatives*
(ch. "Credit risk"); it ignores the term structure of the spread, the discounting of the two
legs and the accrued premium, which move the answer by a few percent of itself at the spreads
seen here.

Conventions
-----------
* Spreads come in basis points (``bp``; 100 bp = 1 percentage point = 0.01 a year).
* The recovery rate defaults to 40%, the market's standard assumption for senior unsecured
  corporate debt in CDS quoting (the ISDA standard model's usual ``R`` for North American
  investment-grade and high-yield names). It is a convention, not a forecast; change it in the
  signals config (``recovery:``) or per call.
* A bond's spread over Treasuries also pays for liquidity and taxes, so a PD implied from it
  is an upper bound compared with one from a CDS on the same name.
* These are *risk-neutral* probabilities: they include the premium investors ask for bearing
  default risk, so they are usually higher than historical default rates.

>>> round(float(hazard_rate(139, recovery=0.4)), 6)
0.023167
>>> round(float(default_probability(139, recovery=0.4, horizon=5)), 4)
0.1094
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["DEFAULT_RECOVERY", "default_probability", "hazard_rate", "survival"]

#: Market convention for senior unsecured corporate recovery in CDS quoting.
DEFAULT_RECOVERY = 0.40


def _check_recovery(recovery: float) -> float:
    r = float(recovery)
    if not (math.isfinite(r) and 0.0 <= r < 1.0):
        raise ValueError(f"recovery: expected a fraction in [0, 1), got {recovery!r}")
    return r


def _check_nonneg(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name}: expected finite numbers >= 0, got {x!r}")
    return arr


def hazard_rate(spread_bp: Any, *, recovery: float = DEFAULT_RECOVERY) -> Any:
    """Default intensity ``λ = s / (1 − R)``, per year, from a spread in basis points.

    Parameters
    ----------
    spread_bp : float or array_like
        Credit spread (CDS premium or bond spread), basis points a year, >= 0.
    recovery : float, default 0.40
        Recovery rate ``R`` in ``[0, 1)``.

    Returns
    -------
    float or ndarray
        ``λ`` per year, same shape as ``spread_bp``.

    Examples
    --------
    >>> float(hazard_rate(600, recovery=0.4))
    0.1
    """
    s = _check_nonneg(spread_bp, "spread_bp") / 1e4
    lam = s / (1.0 - _check_recovery(recovery))
    return float(lam) if lam.ndim == 0 else lam


def survival(hazard: Any, horizon: Any) -> Any:
    """Survival probability ``S(t) = exp(−λ t)`` under a flat hazard.

    Parameters
    ----------
    hazard : float or array_like
        ``λ`` per year, >= 0.
    horizon : float or array_like
        ``t`` in years, >= 0 (broadcast against ``hazard``).

    Examples
    --------
    >>> round(float(survival(0.1, 5)), 4)
    0.6065
    """
    lam = _check_nonneg(hazard, "hazard")
    t = _check_nonneg(horizon, "horizon")
    out = np.exp(-lam * t)
    return float(out) if out.ndim == 0 else out


def default_probability(spread_bp: Any, *, recovery: float = DEFAULT_RECOVERY,
                        horizon: Any = 1.0) -> Any:
    """Cumulative default probability ``1 − exp(−t · s / (1 − R))`` over ``horizon`` years.

    Parameters
    ----------
    spread_bp : float or array_like
        Credit spread, basis points a year, >= 0.
    recovery : float, default 0.40
        Recovery rate in ``[0, 1)``.
    horizon : float or array_like, default 1
        Years, >= 0.

    Returns
    -------
    float or ndarray
        Probability in ``[0, 1]``; increasing in the spread and the horizon, and in the
        recovery rate (a higher recovery means more defaults are needed to explain the same
        spread).

    Examples
    --------
    >>> round(float(default_probability(600, recovery=0.4, horizon=1)), 4)
    0.0952
    """
    lam = hazard_rate(spread_bp, recovery=recovery)
    out = -np.expm1(-np.asarray(lam) * _check_nonneg(horizon, "horizon"))
    return float(out) if np.ndim(out) == 0 else out
