"""Account tasks: deliver account mail through the configured notification channel."""

from __future__ import annotations

import smtplib
from typing import Any

from celery import shared_task

from socialflow.plugins.protocols import OutgoingMessage
from socialflow.tasks.celery_app import platform_of


@shared_task(
    name="socialflow.accounts.send_mail",
    bind=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_mail(self: Any, *, to: str, subject: str, text: str, kind: str) -> None:
    """Deliver one message. Retried with backoff while the mail server is unreachable.

    Returns nothing: the body holds single-use links, which must not end up
    in the result backend.
    """
    platform = platform_of(self.app)
    channel = platform.provider("notification", platform.settings.mail_channel)
    channel.send(OutgoingMessage(to=to, subject=subject, text=text, kind=kind))
