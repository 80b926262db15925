"""What markets price: dated quotes, implied default probabilities, early-warning signals.

* :mod:`~dealloop.markets.implied`: hazard rate ``λ = s / (1 − R)``, survival
  ``S(t) = exp(−λ t)`` and cumulative default probability from a credit spread.
* :mod:`~dealloop.markets.quotes`: the dataset's ``market.csv`` as dated series per firm, and
  the implied default probabilities of each firm as of a date.
* :mod:`~dealloop.markets.signals`: early-warning indicators with traffic lights, thresholds
  from :mod:`~dealloop.markets.config` (``signals.yaml``).
"""

from __future__ import annotations

from .config import INDICATORS, SignalsConfig, load_config
from .implied import DEFAULT_RECOVERY, default_probability, hazard_rate, survival
from .quotes import implied_pds, quotes
from .signals import LABELS, Signals, signal_history, signals, signals_bundle

__all__ = ["DEFAULT_RECOVERY", "INDICATORS", "LABELS", "Signals", "SignalsConfig",
           "default_probability", "hazard_rate", "implied_pds", "load_config", "quotes",
           "signal_history", "signals", "signals_bundle", "survival"]
