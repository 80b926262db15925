"""Labelled inputs: a model given a DataFrame matrix returns a result labelled by its firms.

:func:`labelled` wraps a public model function. When its matrix argument is a pandas
DataFrame (index and columns the same firms in the same order), the matrix is passed on as
an array, per-firm Series are put in the matrix's firm order (a batch DataFrame's columns
likewise) and the result carries the firm labels, so ``to_frame()`` is indexed by firm ids.
Arrays pass through untouched.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def _firms(M: Any, name: str) -> tuple[Any, ...]:
    if list(M.index) != list(M.columns):
        raise ValueError(f"{name}: the DataFrame's index and columns must list the same "
                         "firms in the same order")
    if len(set(M.index)) != len(M.index):
        raise ValueError(f"{name}: firm labels must be unique")
    return tuple(M.index)


def _align(x: Any, name: str, firms: tuple[Any, ...], pd: Any) -> Any:
    """A Series (or a batch DataFrame, firms as columns) in the order of ``firms``."""
    if isinstance(x, pd.Series):
        labels = set(x.index)
    elif isinstance(x, pd.DataFrame):
        labels = set(x.columns)
    else:
        return x
    missing = [f for f in firms if f not in labels]
    extra = sorted(map(str, labels - set(firms)))
    if missing or extra:
        raise ValueError(f"{name}: labels must be the matrix's firms; missing "
                         f"{[str(f) for f in missing]}, unknown {extra}")
    if isinstance(x, pd.Series):
        return x.reindex(list(firms)).to_numpy()
    return x[list(firms)].to_numpy()


def labelled(matrix: str, vectors: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Let the model take a labelled DataFrame ``matrix`` and label its result.

    ``vectors`` names the per-firm arguments to align to the matrix's firms.
    """
    def wrap(fn: F) -> F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def model(*args: Any, **kwargs: Any) -> Any:
            pd = sys.modules.get("pandas")
            bound = signature.bind(*args, **kwargs)
            M = bound.arguments.get(matrix)
            if pd is None or not isinstance(M, pd.DataFrame):
                return fn(*args, **kwargs)
            firms = _firms(M, matrix)
            bound.arguments[matrix] = M.to_numpy(dtype=float)
            for name in vectors:
                if name in bound.arguments:
                    bound.arguments[name] = _align(bound.arguments[name], name, firms, pd)
            result = fn(*bound.args, **bound.kwargs)
            return dataclasses.replace(result, labels=firms)

        return model  # type: ignore[return-value]

    return wrap
