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
