"""Dataset schema, reading, validation and writing.

Reading and checking never raise on bad data: they collect :class:`Problem` records, each
located as ``file:row: field: message``. :func:`dealloop.load` (:func:`dealloop.network.load`)
raises one :class:`DataError` carrying all of them.
"""

from __future__ import annotations

from .problems import DataError, Problem, errors
from .validate import read_dataset, validate

__all__ = ["DataError", "Problem", "errors", "read_dataset", "validate"]
