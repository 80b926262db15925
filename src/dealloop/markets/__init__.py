"""What markets price: dated quotes, implied default probabilities, early-warning signals.

* :mod:`dealloop.prices` (re-exported here): hazard rate ``λ = s / (1 − R)``, survival and
  default probability from a credit spread; the dataset's ``market.csv`` as dated series per
  firm and the implied default probabilities of each firm as of a date.
* :mod:`~dealloop.markets.signals`: early-warning indicators with traffic lights, thresholds
  from :mod:`~dealloop.markets.config` (``signals.yaml``).
"""

from __future__ import annotations

from ..prices import (
    DEFAULT_RECOVERY,
    default_probability,
    hazard_rate,
    implied_pds,
    quotes,
    survival,
)
from .config import INDICATORS, SignalsConfig, load_config
from .signals import LABELS, Signals, signal_history, signals, signals_bundle

__all__ = ["DEFAULT_RECOVERY", "INDICATORS", "LABELS", "Signals", "SignalsConfig",
           "default_probability", "hazard_rate", "implied_pds", "load_config", "quotes",
           "signal_history", "signals", "signals_bundle", "survival"]
