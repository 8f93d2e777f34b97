"""Engine and session factories for SQLite (embedded) and PostgreSQL.

SQLite gets WAL (readers never block the writer), foreign keys (off by default
in SQLite!), a busy timeout instead of instant "database is locked" errors, and
``BEGIN IMMEDIATE`` so a write transaction takes the lock up front rather than
failing on upgrade. PostgreSQL goes through psycopg 3 with a bounded pool.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine

from socialflow.core.effects import discard_pending
from socialflow.core.settings import Settings, SettingsError

READ_ONLY_OPTION = "socialflow_read_only"


def normalize_database_url(url: str) -> str:
    """Pick psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_db_engine(settings: Settings) -> Engine:
    """Build the engine for ``settings.database_url``."""
    url = normalize_database_url(str(settings.database_url))
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise SettingsError(
            f"setting `database_url` is not a valid database URL ({exc}). "
            "Use sqlite:///path/to/file.db or postgresql://user@host:5432/dbname."
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, settings)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(
            url,
            echo=settings.database_echo,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            pool_pre_ping=True,
            pool_recycle=1800,
        )
    raise SettingsError(
        f"setting `database_url` uses `{parsed.get_backend_name()}`; socialflow supports "
        "sqlite and postgresql."
    )


def _sqlite_engine(url: str, settings: Settings) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=settings.database_echo,
        connect_args={
            "check_same_thread": False,
            "timeout": settings.sqlite_busy_timeout_ms / 1000,
        },
    )
    busy_timeout = settings.sqlite_busy_timeout_ms

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control so BEGIN IMMEDIATE below is honoured.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Read-only work (see read_only_engine) may share the database with
        # other readers; anything that may write takes the write lock up front.
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN DEFERRED")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def read_only_engine(engine: Engine) -> Engine:
    """The same engine and pool, marked for work that only reads.

    On SQLite its transactions begin DEFERRED, so concurrent readers do not
    queue behind each other for the write lock (WAL lets them all read). Only
    use it where nothing writes: a deferred transaction that reads and then
    writes can fail with "database is locked" when another writer got in
    between. Elsewhere the mark changes nothing.
    """
    return engine.execution_options(**{READ_ONLY_OPTION: True})


def make_session_factory(
    engine: Engine, info: Mapping[str, object] | None = None
) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (API responses read them).

    ``info`` starts each session's ``Session.info`` (a platform puts its plugin
    manager there, so services holding only a session reach the plugins).
    """
    return sessionmaker(
        bind=engine, class_=PlatformSession, expire_on_commit=False, info=dict(info or {})
    )


class PlatformSession(Session):
    """A session whose ``rollback()`` drops pending effects even with no transaction.

    Events and tasks wait in ``Session.info`` for the commit and are dropped
    by the platform's ``after_rollback`` listener; but a rollback before any
    statement ran has no transaction to roll back, SQLAlchemy fires no event,
    and what was recorded would go out with the session's next commit.
    """

    def rollback(self) -> None:
        super().rollback()
        discard_pending(self)
