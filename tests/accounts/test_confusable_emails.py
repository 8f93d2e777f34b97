"""Lookalike email addresses (Unicode confusables, fullwidth forms) cannot sit side by side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from socialflow.accounts.models import User
from socialflow.accounts.users import email_skeleton
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD
from tests.accounts.conftest import bearer

LOOKALIKES = [
    "\u0456van@example.com",  # Cyrillic i
    "iv\u0430n@example.com",  # Cyrillic a
    "\uff49\uff56\uff41\uff4e@example.com",  # fullwidth ivan
    "IV\u0391N@example.com",  # upper case with a Greek capital alpha
    "ivan@\u0435xample.com",  # Cyrillic e in the domain
]


@pytest.fixture
def socialflow_overrides(accounts_overrides: dict[str, Any]) -> dict[str, Any]:
    return {**accounts_overrides, "rate_limits": {"register_per_ip": "100/hour"}}


def _register(client: httpx.Client, username: str, email: str) -> httpx.Response:
    return client.post(
        "/api/v1/auth/register",
        json={"username": username, "email": email, "password": DEFAULT_PASSWORD},
    )


@pytest.mark.parametrize("lookalike", LOOKALIKES)
def test_skeleton_folds_lookalikes(lookalike: str) -> None:
    assert email_skeleton(lookalike) == email_skeleton("ivan@example.com")


def test_lookalikes_cannot_register_beside_the_original(
    client: httpx.Client, make_user: Callable[..., User]
) -> None:
    make_user("ivan")
    for number, lookalike in enumerate(LOOKALIKES):
        refused = _register(client, f"fake{number}", lookalike)
        assert refused.status_code == 409, (lookalike, refused.text)
        assert refused.json()["type"] == "urn:socialflow:problem:email-taken"
    # A different address with non-ASCII letters is fine.
    assert _register(client, "jose", "jos\u00e9@example.com").status_code == 201


def test_the_original_cannot_register_beside_a_lookalike(client: httpx.Client) -> None:
    assert _register(client, "first", "\u0456van@example.com").status_code == 201
    assert _register(client, "second", "ivan@example.com").status_code == 409
    assert _register(client, "third", "\uff49van@example.com").status_code == 409


@pytest.mark.parametrize("lookalike", LOOKALIKES[:3])
def test_email_change_refuses_a_lookalike(
    client: httpx.Client, make_user: Callable[..., User], login: Callable[..., Any], lookalike: str
) -> None:
    make_user("ivan")
    make_user("mallory")
    tokens = login("mallory", DEFAULT_PASSWORD)
    refused = client.post(
        "/api/v1/auth/email/change",
        headers=bearer(tokens),
        json={"new_email": lookalike, "password": DEFAULT_PASSWORD},
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "urn:socialflow:problem:email-taken"
