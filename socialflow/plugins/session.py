"""The plugin manager of the platform that opened a session or a connection.

Services take a session (or, on the fast read paths, a ``Connection``) and
plain arguments, not the platform. What they need of the plugins while
deciding (the audiences of the visibility rule, the counters other apps add
to a page) they find through the session: a platform puts its plugin manager
in the ``info`` of every session and connection it opens.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import ConnectionPoolEntry

    from socialflow.plugins.manager import SocialflowPluginManager

DB = Session | Connection

PLUGINS_KEY = "socialflow_plugins"


def session_info(plugins: SocialflowPluginManager) -> Mapping[str, object]:
    """What a platform puts in each of its sessions' ``info``."""
    return {PLUGINS_KEY: plugins}


def mark_connections(engine: Engine, plugins: SocialflowPluginManager) -> None:
    """Put ``plugins`` in the ``info`` of every connection ``engine`` opens."""

    def on_connect(dbapi_connection: object, record: ConnectionPoolEntry) -> None:
        record.info[PLUGINS_KEY] = plugins

    event.listen(engine, "connect", on_connect)


def plugins_of(db: DB) -> SocialflowPluginManager | None:
    """The plugin manager of the platform that opened ``db``; None outside a platform
    (a script's own engine): then no plugin takes part."""
    found: SocialflowPluginManager | None = db.info.get(PLUGINS_KEY)
    return found


def counters_of(db: DB, kind: str, ids: Collection[Any]) -> dict[Any, dict[str, int]]:
    """Every plugin's ``socialflow_counters`` for the ``kind`` objects ``ids``, per id."""
    plugins = plugins_of(db)
    return {} if plugins is None else plugins.counters(db, kind, ids)
