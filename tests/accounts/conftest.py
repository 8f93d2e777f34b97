"""Fixtures of the accounts tests: a real SMTP server and HTTP helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.accounts.mailbox import Mailbox, SmtpServer

PASSWORD = "a long and lovely passphrase"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mailbox(smtp_server: SmtpServer) -> Mailbox:
    return smtp_server.mailbox


@pytest.fixture
def accounts_overrides(smtp_server: SmtpServer) -> dict[str, Any]:
    """Account mail through the built-in smtp channel to the test's SMTP server."""
    return {
        "mail_channel": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_server.port,
        "smtp_from": "socialflow <no-reply@example.com>",
    }


@pytest.fixture
def socialflow_overrides(accounts_overrides: dict[str, Any]) -> dict[str, Any]:
    return accounts_overrides


@pytest.fixture
def register(client: httpx.Client) -> Callable[..., dict[str, Any]]:
    def create(username: str, password: str = PASSWORD) -> dict[str, Any]:
        response = client.post(
            "/api/v1/auth/register",
            json={"username": username, "email": f"{username}@example.com", "password": password},
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    return create


@pytest.fixture
def login(client: httpx.Client) -> Callable[..., dict[str, Any]]:
    def sign_in(username: str, password: str = PASSWORD, **extra: Any) -> dict[str, Any]:
        response = client.post(
            "/api/v1/auth/login",
            json={"username_or_email": username, "password": password, **extra},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    return sign_in


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}
