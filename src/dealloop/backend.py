"""The one numba switch: ``backend=`` arguments, the ``DEALLOOP_NO_NUMBA`` variable and the
error raised when compiled code is asked for but cannot run.

Every function with compiled kernels (the clearing models of :mod:`dealloop.contagion`, the
loop search and null model of :mod:`dealloop.circularity`) takes ``backend=``:

``"auto"``
    compiled when numba is installed and not switched off (and, for some kernels, when the
    input is large enough for compilation to pay off); otherwise the plain numpy/Python path.
``"numba"``
    compiled; :class:`NumbaUnavailableError` when numba is missing or switched off.
``"numpy"``
    never compiled (the reference path the compiled kernels are tested against).

Set ``DEALLOOP_NO_NUMBA`` to ``1`` (or ``true``/``yes``) to switch numba off everywhere;
``0``, ``false``, ``no`` or empty leave it on.

Examples
--------
>>> check_backend("auto")
'auto'
>>> check_backend("fortran")
Traceback (most recent call last):
...
ValueError: backend: expected one of auto, numba, numpy, got 'fortran'
"""

from __future__ import annotations

import os

__all__ = [
    "BACKENDS",
    "ENV_VAR",
    "NumbaUnavailableError",
    "check_backend",
    "numba_available",
    "numba_disabled",
]

BACKENDS = ("auto", "numba", "numpy")
#: The environment variable that switches numba off.
ENV_VAR = "DEALLOOP_NO_NUMBA"
_OFF = {"", "0", "false", "no", "off"}


class NumbaUnavailableError(ImportError):
    """``backend="numba"`` was asked for but numba is missing or switched off.

    An ``ImportError``, so code that treats a missing optional library one way treats this
    the same. A model raises it (built by :func:`unavailable`) when asked for
    ``backend="numba"`` in a process where numba is missing or was switched off by
    ``DEALLOOP_NO_NUMBA`` when the compiled code was first needed.

    Examples
    --------
    >>> err = unavailable()
    >>> isinstance(err, NumbaUnavailableError), isinstance(err, ImportError)
    (True, True)
    >>> print(str(err).split(";")[0])
    backend='numba' needs numba, which is not installed here or is switched off by DEALLOOP_NO_NUMBA
    >>> issubclass(NumbaUnavailableError, ImportError)
    True
    """


def numba_disabled() -> bool:
    """Whether ``DEALLOOP_NO_NUMBA`` switches numba off (``1``, ``true``, ``yes``...).

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"DEALLOOP_NO_NUMBA": "0"}):    # restored after
    ...     numba_disabled()
    False
    >>> with mock.patch.dict(os.environ, {"DEALLOOP_NO_NUMBA": "yes"}):
    ...     numba_disabled()
    True
    """
    return os.environ.get(ENV_VAR, "").strip().lower() not in _OFF


def numba_available() -> bool:
    """Whether compiled kernels can run: numba importable and not switched off.

    Examples
    --------
    >>> isinstance(numba_available(), bool)
    True
    """
    if numba_disabled():
        return False
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def check_backend(backend: str) -> str:
    """Validate a ``backend`` argument (``ValueError`` naming the choices).

    Examples
    --------
    >>> check_backend("numpy")
    'numpy'
    >>> check_backend("gpu")
    Traceback (most recent call last):
    ...
    ValueError: backend: expected one of auto, numba, numpy, got 'gpu'
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend: expected one of {', '.join(BACKENDS)}, got {backend!r}")
    return backend


def unavailable(what: str = "backend='numba'") -> NumbaUnavailableError:
    """The error for compiled code asked for but unavailable."""
    return NumbaUnavailableError(
        f"{what} needs numba, which is not installed here or is switched off by {ENV_VAR}; "
        "use backend='auto' or 'numpy'")
