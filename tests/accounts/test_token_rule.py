"""One authentication rule for every route: a token that no longer stands is 401 everywhere.

After a logout, a suspension or a ``token_version`` bump, every family of
authenticated routes answers 401: the JSON routes (``CurrentUser``), the
streaming uploads (tus and images, ``DetachedUser``) and the feed's fast lane.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from socialflow.accounts import users as user_service
from socialflow.accounts.models import User
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD
from tests.accounts.conftest import bearer

TUS = {"Tus-Resumable": "1.0.0"}


def _create_upload(client: httpx.Client, headers: dict[str, str]) -> httpx.Response:
    return client.post(
        "/api/v1/uploads/",
        headers={**headers, **TUS, "Upload-Length": "10", "Upload-Metadata": "filename YS5tcDQ="},
    )


def _requests(client: httpx.Client, headers: dict[str, str], upload: str) -> dict[str, Any]:
    """Every family of authenticated routes, each as a thunk returning its response."""
    offset = {**headers, **TUS, "Content-Type": "application/offset+octet-stream"}
    return {
        "users/me": lambda: client.get("/api/v1/users/me", headers=headers),
        "posts": lambda: client.post("/api/v1/posts", headers=headers, json={"text": "hello"}),
        "uploads POST": lambda: _create_upload(client, headers),
        "uploads HEAD": lambda: client.head(upload, headers={**headers, **TUS}),
        "uploads PATCH": lambda: client.patch(
            upload, headers={**offset, "Upload-Offset": "0"}, content=b"01234"
        ),
        "image upload": lambda: client.post(
            "/api/v1/media/images",
            headers=headers,
            files={"file": ("a.png", b"not really a png", "image/png")},
        ),
        "feed/home": lambda: client.get("/api/v1/feed/home", headers=headers),
        "notifications": lambda: client.get("/api/v1/notifications", headers=headers),
    }


def _logout(client: httpx.Client, headers: dict[str, str], **_: Any) -> None:
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204


def _suspend(client: httpx.Client, headers: dict[str, str], *, platform: Any, user_id: int) -> None:
    with platform.session() as session:
        user_service.suspend(session=session, user=session.get(User, user_id), actor_id=None)
        session.commit()


def _bump_token_version(
    client: httpx.Client, headers: dict[str, str], *, platform: Any, user_id: int
) -> None:
    """What a password reset does to tokens, alone: sessions stay, the version moves."""
    with platform.session() as session:
        _bump(session, user_id)


def _bump(session: Session, user_id: int) -> None:
    user = session.get(User, user_id)
    assert user is not None
    user.token_version += 1
    session.add(user)
    session.commit()


@pytest.mark.parametrize("revoke", [_logout, _suspend, _bump_token_version])
def test_a_token_that_no_longer_stands_is_refused_everywhere(
    client: httpx.Client,
    make_user: Callable[..., User],
    login: Callable[..., Any],
    platform: Any,
    revoke: Callable[..., None],
) -> None:
    user = make_user("tokyo")
    headers = bearer(login("tokyo", DEFAULT_PASSWORD))
    created = _create_upload(client, headers)
    assert created.status_code == 201, created.text
    routes = _requests(client, headers, created.headers["location"])
    before = {name: call().status_code for name, call in routes.items()}
    assert all(status != 401 for status in before.values()), before

    revoke(client, headers, platform=platform, user_id=user.id)

    after = {name: call().status_code for name, call in routes.items()}
    assert after == dict.fromkeys(routes, 401), after
