"""Optional compiled kernels (numba). Placeholder during development."""

from __future__ import annotations


def use_numba(backend: str) -> bool:
    return False


def picard(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201
    return None
