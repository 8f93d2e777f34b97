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


def run_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, **_options(connection.dialect.name))
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
