"""kombu's SQLAlchemy transport, tuned for the embedded SQLite broker.

Two changes, both settings kombu offers no option for:

* It polls every 0.1 s. The transport has no way to wait for a message: a
  worker asks the database, and when nothing is there (or it already holds
  as many messages as its prefetch allows) it sleeps ``polling_interval``
  before asking again. kombu's default of one second capped an embedded
  worker at about one task a second. (The interval cannot be a transport
  option: kombu's SQL channel hands every transport option to
  ``create_engine``.)
* The broker file uses SQLite's write-ahead log with ``synchronous=NORMAL``,
  like the project database (:mod:`socialflow.core.db.engine`). Every publish and
  every poll is a write transaction; in the default rollback-journal mode each
  commit waits for several fsyncs while holding the lock, and the API's
  publishes queued behind the worker's polls for tens of milliseconds.

Celery reaches this transport through ``broker_transport`` (see
:func:`socialflow.core.celery.make_celery`).
"""

from __future__ import annotations

from typing import Any

from kombu.transport import sqlalchemy
from sqlalchemy import event

# Ten polls a second of two queues: a fraction of a millisecond of SQLite work
# each when idle, and a worker that picks up a new message within 0.1 s.
POLLING_INTERVAL_SECONDS = 0.1


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Channel(sqlalchemy.Channel):
    """The SQL channel, its engine tuned for a SQLite file shared by several processes."""

    def _engine_from_config(self) -> Any:
        engine = super()._engine_from_config()  # type: ignore[no-untyped-call]
        event.listen(engine, "connect", _tune_sqlite)
        return engine


class Transport(sqlalchemy.Transport):
    """The SQLAlchemy transport, polling every :data:`POLLING_INTERVAL_SECONDS`."""

    Channel = Channel
    polling_interval = POLLING_INTERVAL_SECONDS
