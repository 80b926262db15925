"""The local dashboard and its JSON API (``dealloop serve``).

>>> from dealloop.web import create_app
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module 'dealloop.web' has no attribute {name!r}")
