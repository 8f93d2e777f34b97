"""Users reach the search index through the index task queued after each commit
(registration, profile edit, suspension, deletion), never on the request path;
``socialflow search reindex`` rebuilds the whole index as a repair path."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, update
from typer.testing import CliRunner

from socialflow.accounts import users as user_service
from socialflow.accounts.models import User
from socialflow.cli import build_cli
from socialflow.search.models import SearchDocumentRow, SearchSyncState
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD
from tests.social.conftest import Actor, make_post


def usernames(api: Callable[..., httpx.Response], q: str, who: Actor | None = None) -> list[str]:
    response = api("GET", "/search", who, params={"q": q, "type": "users"})
    assert response.status_code == 200, response.text
    return [u["username"] for u in response.json()["items"]]


def test_registration_indexes_the_user_without_a_watermark(
    api: Callable[..., httpx.Response], platform: Any
) -> None:
    response = api(
        "POST",
        "/auth/register",
        json={
            "username": "zanzibar",
            "email": "zanzibar@example.com",
            "password": DEFAULT_PASSWORD,
        },
    )
    assert response.status_code == 201, response.text
    # In the index already, before any search ran.
    assert platform.provider("search").query("zanzi", kind="user").ids == [
        str(response.json()["id"])
    ]
    assert usernames(api, "zanzi") == ["zanzibar"]
    # The request path no longer keeps a watermark.
    with platform.session() as session:
        assert session.get(SearchSyncState, "users") is None


def test_profile_edits_reach_the_index(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor]
) -> None:
    alice = actor("alice")
    assert usernames(api, "cartographer") == []
    response = api(
        "PATCH", "/users/me", alice, json={"display_name": "Ada", "bio": "cartographer of dunes"}
    )
    assert response.status_code == 200, response.text
    assert usernames(api, "cartographer") == ["alice"]
    api("PATCH", "/users/me", alice, json={"bio": "retired now"})
    assert usernames(api, "cartographer") == []
    assert usernames(api, "retired") == ["alice"]


def test_suspended_and_deleted_users_drop_out(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    kept = actor("marigold")
    gone = actor("marina")
    assert usernames(api, "mari") == ["marina", "marigold"]
    with platform.session() as session:
        user = user_service.get_user_by_username(session=session, username="marigold")
        assert user is not None
        user_service.suspend(session=session, user=user, actor_id=None)
        session.commit()
    assert usernames(api, "mari") == ["marina"]
    # Its document is gone (on PostgreSQL "marigold" still finds marina fuzzily).
    assert str(kept.id) not in platform.provider("search").query("marigold", kind="user").ids
    with platform.session() as session:
        user = user_service.get_user_by_username(session=session, username="marigold")
        assert user is not None
        user_service.reinstate(session=session, user=user, actor_id=None)
        session.commit()
    assert usernames(api, "mari") == ["marina", "marigold"]
    deleted = api("DELETE", "/users/me", gone, json={"password": DEFAULT_PASSWORD})
    assert deleted.status_code == 204, deleted.text
    assert usernames(api, "mari") == ["marigold"]
    assert str(gone.id) not in platform.provider("search").query("marina", kind="user").ids


def test_a_suspended_user_left_in_the_index_is_still_not_shown(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    """Hydration checks the account state too: a backend that fell behind leaks nothing."""
    actor("quillon")
    users = User.__table__  # type: ignore[attr-defined]
    with platform.engine.begin() as connection:
        # Behind the services' back, as a backend that missed the change would be.
        connection.execute(
            update(users).where(users.c.username == "quillon").values(state="suspended")
        )
    assert platform.provider("search").query("quillon", kind="user").ids
    assert usernames(api, "quillon") == []


def test_reindex_rebuilds_the_whole_index(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    alice = actor("orpheus")
    make_post(api, alice, "lyre practice #music")
    # A lost index (a new backend, a restored backup...): every document gone.
    with platform.engine.begin() as connection:
        connection.execute(delete(SearchDocumentRow.__table__))  # type: ignore[attr-defined]
    assert usernames(api, "orph") == []
    result = CliRunner().invoke(
        build_cli(with_plugins=False),
        ["search", "reindex", "--project", str(platform.settings.project_dir)],
    )
    assert result.exit_code == 0, result.output
    assert "users" in result.output
    assert usernames(api, "orph") == ["orpheus"]
    posts = api("GET", "/search", params={"q": "lyre", "type": "posts"}).json()["items"]
    assert [p["text"] for p in posts] == ["lyre practice #music"]
    tags = api("GET", "/search", params={"q": "mus", "type": "hashtags"}).json()["items"]
    assert tags == [{"tag": "music", "highlight": "<mark>music</mark>"}]
    with platform.session() as session:
        state = session.get(SearchSyncState, "users")
        assert state is not None
        assert state.last_id == alice.id


class TestThroughAWorker:
    """The index tasks run in a real worker process (its own platform), not inline."""

    @pytest.fixture
    def socialflow_overrides(self) -> dict[str, object]:
        return {"task_always_eager": False, "sqlite_busy_timeout_ms": 30_000}

    def test_registration_and_profile_edit_reach_the_index_through_the_worker(
        self, api: Callable[..., httpx.Response], actor: Callable[..., Actor], celery_worker: Any
    ) -> None:
        alice = actor("alice")

        def eventually(q: str, expected: list[str]) -> list[str]:
            deadline = time.monotonic() + 30
            found = usernames(api, q)
            while found != expected and time.monotonic() < deadline:
                time.sleep(0.2)
                found = usernames(api, q)
            return found

        assert eventually("alice", ["alice"]) == ["alice"]
        api("PATCH", "/users/me", alice, json={"bio": "glassblower"})
        assert eventually("glassblower", ["alice"]) == ["alice"]
