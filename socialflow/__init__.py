"""socialflow: the backend of a social video platform, as a library.

Public API: :func:`create_app`, :class:`Platform`, :class:`Settings`,
:data:`hookimpl`. Importing this package has no side effects: nothing
connects, reads settings or loads plugins until you call something.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from socialflow._version import __version__
from socialflow.core.settings import Settings, load_settings
from socialflow.plugins.specs import hookimpl

if TYPE_CHECKING:
    from socialflow.app import create_app, install
    from socialflow.core.platform import Platform

__all__ = [
    "Platform",
    "Settings",
    "__version__",
    "create_app",
    "hookimpl",
    "install",
    "load_settings",
]


def __getattr__(name: str) -> Any:
    # FastAPI and Celery load only when an app or platform is wanted.
    if name in {"create_app", "install"}:
        from socialflow import app

        return getattr(app, name)
    if name == "Platform":
        from socialflow.core.platform import Platform

        return Platform
    raise AttributeError(name)
