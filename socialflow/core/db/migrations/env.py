"""Alembic environment for socialflow (and plugins' version folders).

Run through ``socialflow migrate``, which passes the engine in
``config.attributes["engine"]``; offline mode (``--sql``) uses the URL.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlmodel import SQLModel

from socialflow.core.db.migrate import import_tables, include_name

config = context.config
import_tables(config.attributes["plugins"])  # every enabled app's tables on the metadata
target_metadata = SQLModel.metadata


def _options(dialect_name: str) -> dict[str, Any]:
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    return {
        "target_metadata": target_metadata,
        "render_as_batch": dialect_name == "sqlite",
        "compare_type": True,
        "include_name": include_name,
    }


def run_offline() -> None:
    url = config.get_main_option("sqlalchemy.url")
    dialect = url.split(":", 1)[0].split("+", 1)[0] if url else "sqlite"
    context.configure(url=url, literal_binds=True, **_options(dialect))
    with context.begin_transaction():
        context.run_migrations()


def _pragma(connection: Any, pragma: str) -> list[Any]:
    rows: list[Any] = connection.connection.driver_connection.execute(f"PRAGMA {pragma}").fetchall()
    return rows


def run_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration copies a table and drops the old one; with foreign keys
            # on, that drop would cascade into every table pointing at it (SQLite's own
            # procedure for such changes turns them off). Checked again at the end.
            # On the driver's own connection: through SQLAlchemy it would run inside the
            # BEGIN the engine issues, where SQLite ignores it.
            _pragma(connection, "foreign_keys=OFF")
        context.configure(connection=connection, **_options(connection.dialect.name))
        try:
            with context.begin_transaction():
                context.run_migrations()
                broken = _pragma(connection, "foreign_key_check") if sqlite else []
                if broken:  # raised inside: the migration rolls back
                    raise RuntimeError(f"migration left rows pointing at nothing: {broken[:5]}")
        finally:
            if sqlite:
                _pragma(connection, "foreign_keys=ON")


if context.is_offline_mode():
    run_offline()
else:
    run_online()
