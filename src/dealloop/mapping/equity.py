"""Equity per firm from its company figures, for models that need a loss-absorbing buffer.

The engine's equity is modelled (assets minus liabilities inside the horizon) and reads 0 for
a firm whose plan depends on new money. DebtRank and the systemic ranking instead scale
losses by what the firm reports: book equity when it is reported and positive, else market
value (the last valuation for a private firm).

Examples
--------
>>> import dealloop as dl
>>> from dealloop.mapping.equity import company_equity
>>> eq, basis = company_equity(dl.load(), ("openai", "nvidia"))
>>> len(eq), basis[0] in {"book equity", "market value", "none"}
(2, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["company_equity"]


def company_equity(net: Any, firms: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Equity per firm (USD bn) and its basis: ``"book equity"``, ``"market value"`` or
    ``"none"`` (equity 0) when neither figure is known.

    Examples
    --------
    >>> import dealloop as dl
    >>> eq, basis = company_equity(dl.load(), ["nvidia", "openai"])
    >>> basis
    ['book equity', 'market value']
    """
    ent = net.entities.set_index("id")
    eq: list[float] = []
    basis: list[str] = []
    for f in firms:
        book = ent["book_equity_usd_bn"].get(f) if "book_equity_usd_bn" in ent else None
        mv = ent["market_cap_usd_bn"].get(f) if "market_cap_usd_bn" in ent else None
        if book is not None and book == book and float(book) > 0:
            eq.append(float(book))
            basis.append("book equity")
        elif mv is not None and mv == mv and float(mv) > 0:
            eq.append(float(mv))
            basis.append("market value")
        else:
            eq.append(0.0)
            basis.append("none")
    return np.asarray(eq), basis
