"""``socialflow users`` in a real subprocess, and account mail through a real Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from socialflow.accounts.models import AuditLogEntry, OutgoingMail, User
from socialflow.core.settings import ENV_PREFIX
from tests.accounts.mailbox import Mailbox


def run_cli(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    return subprocess.run(
        [sys.executable, "-m", "socialflow", *args, "-C", str(project)],
        env={**clean, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_users_create_list_promote_ban(
    socialflow_project: Path, platform: Any, client: httpx.Client
) -> None:
    created = run_cli(
        socialflow_project,
        "users",
        "create",
        "boss",
        "boss@example.com",
        "--admin",
        SOCIALFLOW_NEW_USER_PASSWORD="the boss's passphrase",
    )
    assert created.returncode == 0, created.stderr
    assert "role admin" in created.stdout
    plain = run_cli(
        socialflow_project,
        "users",
        "create",
        "worker_bee",
        "bee@example.com",
        "--password",
        "a busy bee passphrase",
    )
    assert plain.returncode == 0, plain.stderr
    weak = run_cli(
        socialflow_project, "users", "create", "weakling", "w@example.com", "--password", "password"
    )
    assert weak.returncode == 1
    assert "password" in weak.stderr

    listed = run_cli(socialflow_project, "users", "list")
    assert listed.returncode == 0, listed.stderr
    assert "boss" in listed.stdout
    assert "worker_bee" in listed.stdout

    login = client.post(
        "/api/v1/auth/login",
        json={"username_or_email": "worker_bee", "password": "a busy bee passphrase"},
    )
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    promoted = run_cli(socialflow_project, "users", "promote", "worker_bee", "--role", "moderator")
    assert promoted.returncode == 0, promoted.stderr
    banned = run_cli(socialflow_project, "users", "ban", "worker_bee", "--reason", "spam")
    assert banned.returncode == 0, banned.stderr
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401
    missing = run_cli(socialflow_project, "users", "ban", "nobody")
    assert missing.returncode == 1

    with platform.session() as session:
        bee = session.exec(select(User).where(User.username == "worker_bee")).one()
        assert (bee.role, bee.state) == ("moderator", "suspended")
        actions = [
            e.action for e in session.exec(select(AuditLogEntry).order_by(col(AuditLogEntry.id)))
        ]
    assert actions == ["user_created", "user_created", "role_changed", "user_suspended"]

    lifted = run_cli(socialflow_project, "users", "ban", "worker_bee", "--lift")
    assert lifted.returncode == 0, lifted.stderr
    again = client.post(
        "/api/v1/auth/login",
        json={"username_or_email": "worker_bee", "password": "a busy bee passphrase"},
    )
    assert again.status_code == 200


@pytest.fixture
def socialflow_overrides(accounts_overrides: dict[str, Any], request: Any) -> dict[str, Any]:
    if request.node.name.startswith("test_mail_through_a_real_worker"):
        return {**accounts_overrides, "task_always_eager": False}
    return accounts_overrides


def test_mail_through_a_real_worker(
    client: httpx.Client, mailbox: Mailbox, celery_worker: Any, platform: Any
) -> None:
    body = {"username": "wendy", "email": "wendy@example.com", "password": "a worker's passphrase"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    token = mailbox.token(
        "wendy@example.com",
        "verify-email",
    )
    assert client.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 200
    # The worker records sent_at just after handing the message to SMTP.
    deadline = time.monotonic() + 30
    while True:
        with platform.session() as session:
            outbox = session.exec(select(OutgoingMail)).all()
        if all(m.sent_at is not None for m in outbox) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [m.sent_at is not None for m in outbox] == [True]
    assert outbox[0].body == ""  # no usable link kept once sent
