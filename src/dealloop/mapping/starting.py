"""Where each firm's starting balance sheet comes from: the figure behind its equity, cash,
debt and market value, or that it is assumed.

A stress run starts every firm from four numbers. Each is a company figure of the dataset
(``figures.csv``, cited by id with its evidence grade) or, where the dataset has none, an
assumption the run must say it made:

==============  ===========================================  ===============================
number          sourced                                      assumed (no figure)
==============  ===========================================  ===============================
equity          reported book equity (``book_equity``): the  the model's construct: means
                loss buffer of ``mapping.loss_buffer: book``  minus obligations over the
                                                             horizon (flagged)
cash            cash and short-term investments              0
debt            reported debt (beyond the debt legs)         only the debt legs in the data
market value    market capitalisation, else the last         book equity, else 0
                valuation of a private firm
==============  ===========================================  ===============================

:func:`starting` adds the columns ``book_equity``, ``book_equity_figures``,
``equity_basis`` (``book`` or ``model``) and ``starting`` (one line per firm naming the
figure id and grade behind each number, or ``assumed``) to a balance sheets' ``frame``;
:func:`loss_buffer` gives the equity a run starts each firm from.

Examples
--------
>>> import dealloop as dl
>>> from dealloop import mapping
>>> from dealloop.scenarios import loads
>>> fr = mapping.build(dl.load(), loads("name: x\\nquestion: q")).frame
>>> fr.at["microsoft", "equity_basis"], fr.at["openai", "equity_basis"]
('book', 'model')
>>> fr.at["microsoft", "starting"].split("; ")[0]
'equity 343.5: book equity F201 (A)'
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["figure_grades", "loss_buffer", "starting"]


def figure_grades(net: Any) -> dict[str, str]:
    """``{figure id: evidence grade}`` of the dataset's company figures (``""`` when the
    figure has no grade).

    Examples
    --------
    >>> import dealloop as dl
    >>> figure_grades(dl.load())["F201"]     # Microsoft's book equity, from its 10-K
    'A'
    """
    figs = getattr(net, "figures", None)
    if figs is None or not len(figs) or "evidence" not in figs:
        return {}
    return {str(i): (str(g) if isinstance(g, str) else "")
            for i, g in zip(figs["id"], figs["evidence"], strict=True)}


def _cite(fids: Any, grades: dict[str, str]) -> str:
    """``F201 (A)``: figure ids with their grades."""
    return ", ".join(f"{f} ({grades[f]})" if grades.get(f) else str(f) for f in fids)


def starting(frame: pd.DataFrame, book: dict[str, tuple[float, tuple[str, ...]]],
             grades: dict[str, str], m: Any,
             sponsor: dict[str, tuple[float, tuple[str, ...], str]] | None = None) -> None:
    """Add ``book_equity``, ``book_equity_figures``, ``equity_basis`` and ``starting`` to
    ``frame`` (one row per firm, with ``cash``, ``debt``, ``market_value`` and their
    ``*_figures``). ``book`` is each firm's book equity figure (value, ids; NaN when none)
    and ``grades`` :func:`figure_grades`; ``m`` the mapping (``loss_buffer``, ``cash``).
    ``sponsor``: each vehicle's sponsor equity (:func:`.vehicles.sponsor_equity`), its
    loss buffer where it has no book equity figure (``equity_basis`` ``sponsor``).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> fr = pd.DataFrame({"cash": [5.0, 0.0], "cash_figures": [("F2",), ()],
    ...                    "debt": [1.0, math.nan], "debt_figures": [("F3",), ()],
    ...                    "market_value": [90.0, 0.0], "market_value_figures": [("F4",), ()]},
    ...                   index=["a", "b"])
    >>> starting(fr, {"a": (40.0, ("F1",)), "b": (math.nan, ())}, {"F1": "A", "F2": "B"},
    ...          NS(loss_buffer="book", cash=True))
    >>> fr["equity_basis"].tolist()
    ['book', 'model']
    >>> fr.at["a", "starting"]
    'equity 40.0: book equity F1 (A); cash 5.0: F2 (B); debt 1.0: F3; market value 90.0: F4'
    >>> fr.at["b", "starting"].split("; ")[0]
    'equity: assumed (no book equity figure: means minus obligations over the horizon)'
    """
    vals, fids, basis, text = [], [], [], []
    use_book = getattr(m, "loss_buffer", "book") == "book"
    sponsor = sponsor or {}
    for eid in frame.index:
        b, bf = book.get(eid, (math.nan, ()))
        sourced = use_book and not math.isnan(b) and b > 0
        sp = sponsor.get(eid) if use_book and not sourced else None
        if sp is not None:
            b, bf = sp[0], sp[1]
        vals.append(b)
        fids.append(tuple(bf))
        basis.append("book" if sourced else "sponsor" if sp is not None else "model")
        parts = [f"equity {b:,.1f}: book equity {_cite(bf, grades)}" if sourced else
                 f"equity {b:,.1f}: sponsor equity, {sp[2]}" if sp is not None else
                 "equity: assumed (" + ("mapping.loss_buffer: model" if not use_book else
                                        "no book equity figure") +
                 ": means minus obligations over the horizon)"]
        cash_f = tuple(frame["cash_figures"][eid])
        parts.append(f"cash {float(frame['cash'][eid]):,.1f}: {_cite(cash_f, grades)}"
                     if cash_f and m.cash else "cash: not counted (mapping.cash)"
                     if not m.cash else "cash: assumed 0 (no figure)")
        debt, debt_f = float(frame["debt"][eid]), tuple(frame["debt_figures"][eid])
        parts.append(f"debt {debt:,.1f}: {_cite(debt_f, grades)}" if debt_f
                     and not math.isnan(debt) else
                     "debt: assumed none beyond the debt legs (no figure)")
        mv_f = tuple(frame["market_value_figures"][eid])
        parts.append(f"market value {float(frame['market_value'][eid]):,.1f}: "
                     f"{_cite(mv_f, grades)}" if mv_f else "market value: assumed 0 (no figure)")
        text.append("; ".join(parts))
    frame["book_equity"] = np.asarray(vals, float)
    frame["book_equity_figures"] = fids
    frame["equity_basis"] = basis
    frame["starting"] = text


def loss_buffer(frame: pd.DataFrame) -> np.ndarray:
    """``(N,)``: the equity a run starts each firm from where it is sourced (reported book
    equity, ``equity_basis == "book"``; a vehicle's sponsor equity, ``"sponsor"``), NaN
    where the model's construct stands in.

    Examples
    --------
    >>> fr = pd.DataFrame({"book_equity": [40.0, 3.0, 7.0],
    ...                    "equity_basis": ["book", "model", "sponsor"]})
    >>> loss_buffer(fr).tolist()
    [40.0, nan, 7.0]
    """
    if "equity_basis" not in frame:
        return np.full(len(frame), np.nan)
    book = frame["book_equity"].to_numpy(float)
    return np.where(np.isin(frame["equity_basis"].to_numpy(), ["book", "sponsor"]), book,
                    np.nan)
