"""Optional numba compilation of the loop and null-model kernels, imported lazily.

Every kernel in :mod:`dealloop.circularity` is written once, in the subset of Python that
numba compiles, and runs either compiled (``backend="numba"``) or as plain Python
(``backend="numpy"``, the uncompiled reference path). ``backend="auto"`` compiles when numba is
available (see :mod:`dealloop.backend`) and the input is large enough for compilation to pay
off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backend import BACKENDS, check_backend, numba_available, unavailable

__all__ = ["BACKENDS", "check_backend", "numba_available", "pick"]

_compiled: dict[Callable[..., Any], Callable[..., Any]] = {}


def pick(func: Callable[..., Any], backend: str, *, size: int = 0,
         threshold: int = 5_000) -> Callable[..., Any]:
    """The kernel ``func``, compiled or not.

    ``backend="auto"`` compiles when numba is available and ``size`` (the number of edges the
    kernel will read) is at least ``threshold``: below that, plain Python finishes before
    numba would have compiled. ``backend="numba"`` raises
    :class:`~dealloop.backend.NumbaUnavailableError` without numba.
    """
    check_backend(backend)
    if backend == "numpy":
        return func
    if backend == "auto" and (size < threshold or not numba_available()):
        return func
    if backend == "numba" and not numba_available():
        raise unavailable()
    hit = _compiled.get(func)
    if hit is not None:
        return hit
    import numba

    try:
        jitted = numba.njit(cache=True, nogil=True)(func)
    except Exception:  # no writable cache location: compile without caching
        jitted = numba.njit(nogil=True)(func)
    _compiled[func] = jitted
    return jitted
