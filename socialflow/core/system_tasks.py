"""Small built-in tasks: a liveness ping through the queue, used by doctor and tests."""

from __future__ import annotations

import os
from typing import Any

from celery import shared_task
from sqlalchemy import text

from socialflow.core.celery import platform_of


@shared_task(name="socialflow.system.ping", bind=True)  # type: ignore[untyped-decorator]
def ping(self: Any, value: str = "pong") -> dict[str, Any]:
    """Answer with the worker's pid and a database round trip, proving the full path works."""
    platform = platform_of(self.app)
    with platform.session() as session:
        database_ok = session.exec(text("SELECT 1")).one()[0] == 1  # type: ignore[call-overload]
    return {"value": value, "pid": os.getpid(), "database": database_ok}
