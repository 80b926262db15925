"""Book equity as the loss buffer: each firm's equity before and after a run.

The engine's equity is its construct, net worth over the horizon floored at 0 (cash,
outside revenue, receipts and stakes minus what the firm owes inside the horizon). Where
the dataset reports a firm's book equity (``mapping.loss_buffer: book``, the default; see
:mod:`dealloop.mapping.starting`) the run starts the firm from it instead: a survivor ends
with its book equity plus the change in its net worth, floored at 0, a defaulter with 0,
and a firm that defaulted before the shock starts from 0. Firms without a figure keep the
construct (flagged in ``--explain`` and the JSON's ``equity_basis``).

Examples
--------
>>> import dealloop as dl
>>> from dealloop import mapping, scenarios
>>> from dealloop.scenarios.runner import clear_runs
>>> comp = mapping.build(dl.load(), scenarios.load("oracle-cannot-refinance")).compile()
>>> base, out, _, _ = clear_runs(comp)
>>> before, after = equity_paths(comp, base, out)
>>> i = comp.bs.firms.index("oracle")
>>> float(before[i, 0])                # F196: Oracle's book equity
24.666
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..mapping.starting import loss_buffer

__all__ = ["equity_losses", "equity_paths"]


def equity_paths(comp: Any, base: Any, out: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(before, after)``, each ``(N, K)``: every firm's equity in the unshocked run
    ``base`` and in the shocked run ``out`` (:class:`~.engine.Outcome` totals), from its
    book equity where it is the loss buffer, else the engine's construct.

    Examples
    --------
    A firm with book equity 10 whose net worth falls by 4 keeps 6; one whose net worth falls
    by 15 keeps 0; a defaulter keeps nothing. A firm without a figure keeps the construct.

    >>> from types import SimpleNamespace as NS
    >>> import pandas as pd
    >>> comp = NS(bs=NS(frame=pd.DataFrame({"book_equity": [10.0, 10.0, 10.0, 0.0],
    ...                                     "equity_basis": ["book"] * 3 + ["model"]})))
    >>> nw0 = np.array([[50.0], [50.0], [50.0], [7.0]])
    >>> base = NS(equity=nw0, net_worth=nw0, defaulted=np.zeros((4, 1), bool))
    >>> nw1 = np.array([[46.0], [35.0], [-1.0], [2.0]])
    >>> out = NS(equity=np.maximum(nw1, 0), net_worth=nw1,
    ...          defaulted=np.array([[False], [False], [True], [False]]))
    >>> b, a = equity_paths(comp, base, out)
    >>> b[:, 0].tolist(), a[:, 0].tolist()
    ([10.0, 10.0, 10.0, 7.0], [6.0, 0.0, 0.0, 2.0])
    """
    shape = np.broadcast_shapes(np.shape(base.equity), np.shape(out.equity))
    before = np.array(np.broadcast_to(base.equity, shape), float)
    after = np.array(np.broadcast_to(out.equity, shape), float)
    book = loss_buffer(comp.bs.frame)
    has = np.flatnonzero(~np.isnan(book))
    if len(has):
        b = book[has, None]
        before[has] = np.where(np.broadcast_to(base.defaulted[has], (len(has), shape[1])),
                               0.0, b)
        moved = np.asarray(out.net_worth)[has] - np.asarray(base.net_worth)[has]
        after[has] = np.where(np.asarray(out.defaulted)[has], 0.0,
                              np.maximum(before[has] + moved, 0.0))
    return before, after


def equity_losses(comp: Any, base: Any, out: Any) -> np.ndarray:
    """``(N, K)``: the equity each firm loses in the shocked run, ``before - after`` of
    :func:`equity_paths`, never below 0.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> import pandas as pd
    >>> comp = NS(bs=NS(frame=pd.DataFrame({"book_equity": [10.0, 0.0],
    ...                                     "equity_basis": ["book", "model"]})))
    >>> nw0, nw1 = np.array([[50.0], [7.0]]), np.array([[46.0], [9.0]])
    >>> base = NS(equity=nw0, net_worth=nw0, defaulted=np.zeros((2, 1), bool))
    >>> out = NS(equity=nw1, net_worth=nw1, defaulted=np.zeros((2, 1), bool))
    >>> equity_losses(comp, base, out)[:, 0].tolist()
    [4.0, 0.0]
    """
    return np.maximum(np.subtract(*equity_paths(comp, base, out)), 0.0)
