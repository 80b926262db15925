"""Dataset schema, reading, validation and writing.

Reading and checking never raise on bad data: they collect :class:`Problem` records, each
located as ``file:row: field: message``. :func:`load` raises one :class:`DataError` carrying
all of them.
"""

from __future__ import annotations

from .problems import DataError, Problem, errors
from .validate import read_dataset, validate

__all__ = ["DataError", "Problem", "errors", "load", "read_dataset", "validate"]


def load(path=None):
    from .load import load as _load

    return _load(path)
