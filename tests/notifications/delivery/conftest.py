"""Fixtures of the delivery tests: a local push service, an SMTP server, settings.

Tasks run inline on both backends (the tests drive retries through the sweep
and count attempts exactly); ``test_delivery_worker.py`` sends deliveries
through a real worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from socialflow.builtins.webpush_channel import generate_keys
from tests.accounts.mailbox import Mailbox, SmtpServer
from tests.notifications.delivery.push_stub import PushService, serve

VAPID_PRIVATE, VAPID_PUBLIC = generate_keys()


@pytest.fixture
def push_service(tmp_path: Path) -> Iterator[PushService]:
    yield from serve(tmp_path / "push.log")


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mailbox(smtp_server: SmtpServer) -> Mailbox:
    return smtp_server.mailbox


def delivery_settings(push_service: PushService, smtp_server: SmtpServer) -> dict[str, Any]:
    return {
        "task_always_eager": True,
        "notification_channels": ["smtp", "webpush", "tokenpush"],
        "mail_channel": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_server.port,
        "smtp_from": "socialflow <no-reply@example.com>",
        "plugin_modules": ["tests.notifications.delivery.token_channel"],
        "plugin": {
            "webpush": {
                "vapid_private_key": VAPID_PRIVATE,
                "vapid_subject": "mailto:ops@example.com",
                "allow_insecure_endpoints": True,
            },
            "tokenpush": {"url": f"{push_service.url}/token"},
            "notifications": {"retry_base_seconds": 0.01, "max_attempts": 3},
        },
    }


@pytest.fixture
def socialflow_overrides(push_service: PushService, smtp_server: SmtpServer) -> dict[str, Any]:
    return delivery_settings(push_service, smtp_server)
