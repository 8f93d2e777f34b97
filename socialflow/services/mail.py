"""Account mail: composed here, delivered after commit by a Celery task.

The task hands an :class:`~socialflow.plugins.protocols.OutgoingMessage` to
the notification channel named by ``mail_channel`` (``smtp`` in production,
``console`` on a laptop), so mail goes through the same plugin hook as every
other notification, and a slow mail server never holds up a request.
"""

from __future__ import annotations

from sqlmodel import Session

from socialflow.services.effects import enqueue_after_commit

SEND_MAIL_TASK = "socialflow.accounts.send_mail"


def queue_mail(session: Session, *, to: str, subject: str, text: str, kind: str) -> None:
    """Send after the commit; dropped if the transaction rolls back."""
    enqueue_after_commit(session, SEND_MAIL_TASK, to=to, subject=subject, text=text, kind=kind)
