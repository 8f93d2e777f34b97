"""Role dependencies on a plugin router, and Argon2 rehash on login."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import APIRouter, FastAPI

from socialflow import hookimpl
from socialflow.accounts.deps import require_role
from socialflow.accounts.models import Role, User
from socialflow.accounts.passwords import DEFAULT_PARAMETERS, needs_rehash, use_parameters
from socialflow.app import create_app
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD


class ModeratorTools:
    """A plugin whose router needs the moderator role, as a plugin author would write it."""

    @hookimpl
    def socialflow_routers(self) -> list[APIRouter]:
        router = APIRouter(prefix="/modtools")

        @router.get("/queue", dependencies=[require_role(Role.moderator)])  # type: ignore[list-item]
        def queue() -> dict[str, str]:
            return {"queue": "empty"}

        return [router]


@pytest.fixture
def app(platform: Any) -> FastAPI:
    platform.plugins.register_module(ModeratorTools(), name="modtools")
    return create_app(platform=platform)


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.user, 403), (Role.creator, 403), (Role.moderator, 200), (Role.admin, 200)],
)
def test_require_role(
    client: httpx.Client,
    make_user: Callable[..., User],
    auth_headers: Callable[[User], dict[str, str]],
    role: Role,
    status: int,
) -> None:
    user = make_user(f"r_{role.value}", role=role)
    response = client.get("/api/v1/modtools/queue", headers=auth_headers(user))
    assert response.status_code == status
    if status == 403:
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/modtools/queue").status_code == 401


@pytest.fixture
def production_hashing() -> Iterator[None]:
    """The parameters a deployment hashes with, not the test plugin's cheapest ones."""
    from argon2 import profiles

    use_parameters(DEFAULT_PARAMETERS)
    yield
    use_parameters(profiles.CHEAPEST)


@pytest.mark.usefixtures("production_hashing")
def test_weak_hash_is_upgraded_at_login(
    client: httpx.Client, make_user: Callable[..., User], platform: Any
) -> None:
    user = make_user("oldie")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(DEFAULT_PASSWORD)
    assert needs_rehash(weak)
    with platform.session() as session:
        stored = session.get(User, user.id)
        stored.password_hash = weak
        session.add(stored)
        session.commit()
    login = client.post(
        "/api/v1/auth/login", json={"username_or_email": "oldie", "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200
    with platform.session() as session:
        upgraded = session.get(User, user.id).password_hash
    assert upgraded != weak
    assert not needs_rehash(upgraded)
