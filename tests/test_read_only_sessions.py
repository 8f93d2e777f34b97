"""Read-only sessions (safe HTTP methods) never hold the write lock."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"sqlite_busy_timeout_ms": 200}


def write_something(platform: Any) -> None:
    with platform.session() as writer:
        writer.execute(text("UPDATE users SET bio = 'written' WHERE username_key = 'reader'"))
        writer.commit()


def test_a_reader_does_not_block_a_writer(platform: Any, make_user: Any) -> None:
    make_user("reader")
    with platform.session(read_only=True) as reader:
        reader.execute(text("SELECT count(*) FROM users")).one()  # transaction is open
        write_something(platform)  # would wait out the busy timeout behind a write lock
        reader.rollback()


def test_a_read_write_session_takes_the_lock_up_front_on_sqlite(
    platform: Any, make_user: Any
) -> None:
    make_user("reader")
    with platform.session() as holder:
        holder.execute(text("SELECT count(*) FROM users")).one()
        if platform.settings.is_sqlite:
            with pytest.raises(OperationalError, match="locked"):
                write_something(platform)
        else:  # PostgreSQL locks rows, not the database: a plain read blocks nobody
            write_something(platform)
        holder.rollback()


def test_safe_methods_get_read_only_sessions(
    client: Any, make_user: Any, auth_headers: Any
) -> None:
    user = make_user("reader")
    assert client.get("/api/v1/users/me", headers=auth_headers(user)).status_code == 200
    changed = client.patch("/api/v1/users/me", json={"bio": "new"}, headers=auth_headers(user))
    assert changed.status_code == 200
    assert changed.json()["bio"] == "new"
