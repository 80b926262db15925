"""Market prices in the dataset and what they imply, below every layer that uses them.

* :mod:`~dealloop.prices.implied`: hazard rate ``λ = s / (1 − R)``, survival
  ``S(t) = exp(−λ t)`` and cumulative default probability from a credit spread.
* :mod:`~dealloop.prices.quotes`: the dataset's ``market.csv`` as dated series per firm, the
  Treasury curve, and the implied default probabilities of each firm as of a date.

Scenarios (the ``markets:`` section, :mod:`dealloop.scenarios.marketshocks`) and the
early-warning signals (:mod:`dealloop.markets`) both read them; :mod:`dealloop.markets`
re-exports the public names.
"""

from __future__ import annotations

from .implied import DEFAULT_RECOVERY, default_probability, hazard_rate, survival
from .quotes import implied_pds, quotes

__all__ = ["DEFAULT_RECOVERY", "default_probability", "hazard_rate", "implied_pds", "quotes",
           "survival"]
