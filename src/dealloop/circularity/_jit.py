"""Optional numba compilation of the array kernels, imported lazily.

Every kernel in :mod:`dealloop.circularity` is written once, in the subset of Python that
numba compiles, and runs either compiled (``engine="numba"``) or as plain Python
(``engine="python"``). ``engine="auto"`` compiles when numba is installed and the input is
large enough for compilation to pay off; set the environment variable
``DEALLOOP_NO_NUMBA=1`` to never compile.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

ENGINES = ("auto", "numba", "python")

_compiled: dict[Callable[..., Any], Callable[..., Any]] = {}


def numba_available() -> bool:
    """Whether numba can be imported (and is not switched off by ``DEALLOOP_NO_NUMBA``)."""
    if os.environ.get("DEALLOOP_NO_NUMBA", "").strip() not in ("", "0"):
        return False
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def check_engine(engine: str) -> str:
    """Validate an ``engine`` argument."""
    if engine not in ENGINES:
        raise ValueError(f"engine: expected one of {', '.join(ENGINES)}, got {engine!r}")
    return engine


def pick(func: Callable[..., Any], engine: str, *, size: int = 0,
         threshold: int = 5_000) -> Callable[..., Any]:
    """The kernel ``func``, compiled or not.

    ``engine="auto"`` compiles when numba is available and ``size`` (the number of edges the
    kernel will read) is at least ``threshold``: below that, plain Python finishes before
    numba would have compiled. ``engine="numba"`` raises ``ImportError`` without numba.
    """
    check_engine(engine)
    if engine == "python":
        return func
    if engine == "auto" and (size < threshold or not numba_available()):
        return func
    if engine == "numba" and not numba_available():
        raise ImportError("engine='numba' needs numba: pip install 'dealloop[fast]' "
                          "(and DEALLOOP_NO_NUMBA unset)")
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
