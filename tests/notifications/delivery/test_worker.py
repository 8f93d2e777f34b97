"""With a real Celery worker: the fan-out, the push and its retries (countdowns) run there."""

from __future__ import annotations

from typing import Any

import pytest

from socialflow.testing.waiting import wait_until
from tests.accounts.mailbox import SmtpServer
from tests.notifications.delivery.conftest import delivery_settings
from tests.notifications.delivery.push_stub import PushService
from tests.notifications.delivery.test_push_delivery import rows, web_device
from tests.social.conftest import follow


@pytest.fixture
def socialflow_overrides(push_service: PushService, smtp_server: SmtpServer) -> dict[str, Any]:
    settings = delivery_settings(push_service, smtp_server)
    settings.update(task_always_eager=False, sqlite_busy_timeout_ms=30_000)
    settings["plugin"]["notifications"] = {"retry_base_seconds": 0.2, "max_attempts": 4}
    return settings


def test_the_worker_pushes_and_retries_with_backoff(
    api, actor, platform, push_service, celery_worker
) -> None:
    ana, bob = actor("ana"), actor("bob")
    web_device(api, ana, push_service, "ana")
    push_service.script = [500, 503]
    follow(api, bob, ana)

    def sent() -> Any:
        found = rows(platform)
        return found if found and found[0].status == "sent" else None

    (row,) = wait_until(sent, timeout=60)
    assert row.attempts == 3
    assert push_service.bodies() == ["bob started following you"] * 3
    assert all(p.problems == [] for p in push_service.received())
