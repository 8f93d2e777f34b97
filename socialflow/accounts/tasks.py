"""Account tasks: deliver outbox mail through the configured notification channel."""

from __future__ import annotations

import smtplib
from typing import Any

from celery import shared_task

from socialflow.accounts.mail import deliver
from socialflow.core.celery import platform_of


@shared_task(  # type: ignore[untyped-decorator]
    name="socialflow.accounts.send_mail",
    bind=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_mail(self: Any, mail_id: int) -> bool:
    """Deliver one outbox message; retried with backoff while the mail server is down."""
    platform = platform_of(self.app)
    channel = platform.provider("notification", platform.settings.mail_channel)
    with platform.session() as session:
        return deliver(session, mail_id=mail_id, channel=channel)
