"""Fresh, migrated databases per test, cheaply.

Migrations run once per test session into a template (a SQLite file, or a
PostgreSQL template database); each test then gets a copy: a file copy on
SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL.

On PostgreSQL a ``DROP DATABASE`` takes a second or more (the server waits
for every backend to release the database's files), far longer than the
``CREATE``: a test's database is dropped by a background thread while the
next tests run (a few at most waiting), and :meth:`PostgresTemplate.close`
waits for the last drops.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
import uuid
import warnings
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from socialflow.core.db import create_db_engine
from socialflow.core.db import migrate as migrations
from socialflow.core.db.engine import normalize_database_url
from socialflow.core.settings import load_settings
from socialflow.plugins.manager import get_plugin_manager


def migrate_url(database_url: str, project_dir: Path) -> None:
    settings = load_settings(project_dir, database_url=database_url)
    engine = create_db_engine(settings)
    try:
        plugins = get_plugin_manager(settings)
        migrations.upgrade(migrations.alembic_config(engine, plugins=plugins))
    finally:
        engine.dispose()


class SqliteTemplate:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.template = folder / "template.db"
        migrate_url(f"sqlite:///{self.template}", folder)
        # Fold the WAL into the main file so a plain copy is complete.
        engine = create_engine(f"sqlite:///{self.template}")
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()

    def new_database(self, target_dir: Path) -> str:
        path = target_dir / "socialflow.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        """Files go with the test's tmp folder."""


DROP_BACKLOG = 3


class PostgresTemplate:
    def __init__(self, server_url: str, folder: Path) -> None:
        self.server_url = normalize_database_url(server_url)
        self.admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.template_name = f"sf_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.template_name}"'))
        migrate_url(self._url_for(self.template_name), folder)
        # Bounded: a database not yet dropped may still hold connections (a worker's
        # pool), so a backlog would exhaust the server's max_connections.
        self._to_drop: queue.Queue[str | None] = queue.Queue(maxsize=DROP_BACKLOG)
        self._dropper = threading.Thread(
            target=self._drop_queued, name="drop-databases", daemon=True
        )
        self._dropper.start()

    def _url_for(self, name: str) -> str:
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def new_database(self, target_dir: Path) -> str:
        name = f"sf_t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}"'))
        return self._url_for(name)

    def drop(self, url: str) -> None:
        """Drop the database of ``url`` soon: waits only while ``DROP_BACKLOG`` drops
        are still pending."""
        self._to_drop.put(make_url(url).database)

    def _drop_queued(self) -> None:
        while (name := self._to_drop.get()) is not None:
            try:
                with self.admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as exc:  # one leftover database must not stop the rest
                warnings.warn(f"could not drop test database {name}: {exc}", stacklevel=1)

    def close(self) -> None:
        """Drop what is queued, then the template."""
        self._to_drop.put(None)
        self._dropper.join()
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.template_name}" WITH (FORCE)'))
        self.admin.dispose()
