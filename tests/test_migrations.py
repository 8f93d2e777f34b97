"""Migrations: an empty database migrates to head, and the models match the migrations."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url

from socialflow.core.db import create_db_engine
from socialflow.core.db import migrate as migrations
from socialflow.core.db.engine import normalize_database_url
from socialflow.core.settings import load_settings
from socialflow.testing.services import require_postgres


@pytest.fixture
def postgres_database(tmp_path: Path) -> Iterator[str]:
    server = normalize_database_url(require_postgres())
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"sf_mig_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        url = request.getfixturevalue("postgres_database")
    engine = create_db_engine(load_settings(tmp_path, database_url=url))
    yield engine
    engine.dispose()


def test_upgrade_from_empty_then_no_drift(empty_engine: Engine) -> None:
    config = migrations.alembic_config(empty_engine)
    assert not migrations.is_at_head(empty_engine, config)
    migrations.upgrade(config)
    assert migrations.is_at_head(empty_engine, config)
    assert "users" in inspect(empty_engine).get_table_names()
    drift = migrations.schema_drift(empty_engine)
    assert drift == [], f"models and migrations differ: {drift}"


def test_downgrade_to_base_and_back(empty_engine: Engine) -> None:
    config = migrations.alembic_config(empty_engine)
    migrations.upgrade(config)
    migrations.downgrade(config, "base")
    assert "users" not in inspect(empty_engine).get_table_names()
    migrations.upgrade(config)
    assert migrations.is_at_head(empty_engine, config)


def test_offline_sql_is_printed_without_touching_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    config = migrations.alembic_config(None, database_url=url)
    sql = migrations.upgrade_sql(config)
    assert "CREATE TABLE users" in sql
    assert not (tmp_path / "never.db").exists()


def test_a_user_who_may_not_create_extensions_migrates_without_fuzzy_search(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """pg_trgm needs CREATE on the database: without it the search migration warns with the
    statements to run by hand and goes on; search then works without fuzzy matching."""
    from socialflow.plugins.protocols import SearchDocument
    from socialflow.search.sql_backend import SqlSearchBackend

    server = normalize_database_url(require_postgres())
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:10]
    name, role = f"sf_mig_{suffix}", f"sf_noext_{suffix}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))  # owned by the admin
    url = make_url(server).set(database=name)
    database = create_engine(url, isolation_level="AUTOCOMMIT")
    with database.connect() as connection:
        connection.execute(text(f'GRANT USAGE, CREATE ON SCHEMA public TO "{role}"'))
    database.dispose()
    as_role = url.set(username=role, password=None).render_as_string(hide_password=False)
    settings = load_settings(tmp_path, database_url=as_role)
    engine = create_db_engine(settings)
    try:
        with caplog.at_level("WARNING", logger="alembic.runtime.migration"):
            config = migrations.alembic_config(engine)
            migrations.upgrade(config)
        assert migrations.is_at_head(engine, config)
        assert "CREATE EXTENSION IF NOT EXISTS pg_trgm" in caplog.text
        assert "search_fts_user_trgm" in caplog.text
        with engine.connect() as connection:
            indexes = set(
                connection.execute(
                    text("SELECT indexname FROM pg_indexes WHERE tablename = 'search_documents'")
                ).scalars()
            )
        assert "search_fts_prefix_pattern" in indexes
        assert "search_fts_user_trgm" not in indexes
        backend = SqlSearchBackend(settings)
        backend.index([SearchDocument(kind="user", id="7", text="cassandra Cassandra")])
        assert backend.query("cass", kind="user").ids == ["7"]
        assert backend.query("casandra", kind="user").ids == []  # no trigrams, no typo match
        backend.engine.dispose()
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
