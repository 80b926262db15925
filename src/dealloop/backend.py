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

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

__all__ = [
    "BACKENDS",
    "ENV_VAR",
    "NumbaUnavailableError",
    "check_backend",
    "flush_stale_kernels",
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


#: The file beside numba's cache files that records which sources they were compiled from.
STAMP_NAME = "dealloop-kernels.stamp"


def flush_stale_kernels(modules: Sequence[ModuleType]) -> bool:
    """Flush numba's on-disk cache of every kernel in ``modules`` if any of their sources changed.

    numba keys a cached kernel on its *own* source file only, so a kernel that calls a kernel
    in another module goes on loading its old machine code after that other module is
    edited (seen on an editable install: tests failed until the cache files were deleted).
    The modules' sources are hashed together into a stamp kept beside the cache; when the
    stamp differs, each kernel's cache index is flushed (numba's ``Cache.flush``) before
    anything is compiled, and the stamp is rewritten atomically. Call it after importing the
    modules and before the first call of any kernel in them. Kernels compiled without
    ``cache=True`` and a cache location numba cannot write are left alone.

    Returns whether a cache was flushed.

    Examples
    --------
    >>> import types
    >>> flush_stale_kernels([types.ModuleType("no_kernels")])    # no cached kernel: nothing to do
    False
    """
    caches = [
        cache
        for module in modules
        for obj in vars(module).values()
        if (cache := getattr(obj, "_cache", None)) is not None
        and getattr(cache, "cache_path", None) is not None
        and hasattr(cache, "flush")
    ]
    if not caches:
        return False
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(str(module.__file__)).read_bytes())
    stamp = digest.hexdigest()
    stamp_path = Path(caches[0].cache_path) / STAMP_NAME
    try:
        if stamp_path.read_text(encoding="ascii").strip() == stamp:
            return False
    except OSError:
        pass  # no stamp yet (a fresh cache, or one written before stamps): flush to be safe
    try:
        for cache in caches:
            cache.flush()
        tmp = stamp_path.with_name(f"{STAMP_NAME}.{os.getpid()}.tmp")
        tmp.write_text(stamp + "\n", encoding="ascii")
        os.replace(tmp, stamp_path)
    except OSError:
        return False  # a read-only location: numba recompiles in memory when it cannot save
    return True

