"""Events and tasks wait for the commit, and vanish with a rollback."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from socialflow.core.effects import enqueue_after_commit, record_event


@pytest.fixture
def socialflow_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    folder = tmp_path / "listener"
    folder.mkdir()
    (folder / "event_listener.py").write_text(
        textwrap.dedent(
            """
            from socialflow import hookimpl
            events = []

            @hookimpl
            def socialflow_on_event(event):
                events.append((event.name, event.payload))
            """
        )
    )
    monkeypatch.syspath_prepend(str(folder))
    sys.modules.pop("event_listener", None)
    return {"plugin_modules": ["event_listener"]}


def heard() -> list[tuple[str, dict[str, Any]]]:
    return sys.modules["event_listener"].events


def test_events_are_delivered_after_commit_only(platform: Any) -> None:
    with platform.session() as session:
        record_event(session, "post_created", post_id=7)
        assert heard() == []
        session.commit()
    assert heard() == [("post_created", {"post_id": 7})]
    assert 'socialflow_events_total{event="post_created"} 1.0' in _metrics(platform)


def test_rollback_drops_events_and_tasks(platform: Any) -> None:
    with platform.session() as session:
        record_event(session, "post_created", post_id=8)
        enqueue_after_commit(session, "socialflow.system.ping", "x")
        session.rollback()
    with platform.session() as session:
        session.commit()
    assert heard() == []
    assert "socialflow_tasks_enqueued_total{" not in _metrics(platform)


def test_a_rollback_before_any_statement_drops_them_too(platform: Any) -> None:
    """No statement ran, so no transaction began and SQLAlchemy fires no
    ``after_rollback``: what was recorded must not ride on the next commit."""
    from sqlalchemy import text

    with platform.session() as session:
        record_event(session, "post_created", post_id=9)
        enqueue_after_commit(session, "socialflow.system.ping", "x")
        session.rollback()
        session.execute(text("SELECT 1"))
        record_event(session, "post_created", post_id=10)
        session.commit()
    assert heard() == [("post_created", {"post_id": 10})]
    assert "socialflow_tasks_enqueued_total{" not in _metrics(platform)


def test_tasks_are_sent_after_commit(platform: Any) -> None:
    with platform.session() as session:
        enqueue_after_commit(session, "socialflow.system.ping", "after-commit")
        session.commit()
    text = _metrics(platform)
    assert 'socialflow_tasks_enqueued_total{task="socialflow.system.ping"} 1.0' in text


def test_registration_emits_user_registered(client: Any) -> None:
    client.post(
        "/api/v1/auth/register",
        json={"username": "dora", "email": "dora@example.com", "password": "a long passphrase"},
    )
    assert [name for name, _ in heard()] == ["user_registered"]


def _metrics(platform: Any) -> str:
    from prometheus_client import generate_latest

    return generate_latest(platform.metrics.registry).decode()
