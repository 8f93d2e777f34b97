"""Account mail: written to an outbox table, delivered after commit by a Celery task.

The task hands an :class:`~socialflow.plugins.protocols.OutgoingMessage` to
the notification channel named by ``mail_channel`` (``smtp`` in production,
``console`` on a laptop), so mail goes through the same plugin hook as every
other notification and a slow mail server never holds up a request. The
task receives only the outbox row's id: links with single-use tokens never
pass through the broker or show up in task logs, and a redelivered task
finds the row already sent and does nothing.
"""

from __future__ import annotations

from sqlmodel import Session

from socialflow.accounts.models import OutgoingMail
from socialflow.core.db.base import utcnow
from socialflow.core.effects import enqueue_after_commit
from socialflow.plugins.protocols import NotificationChannel, OutgoingMessage

SEND_MAIL_TASK = "socialflow.accounts.send_mail"


def queue_mail(session: Session, *, to: str, subject: str, text: str, kind: str) -> OutgoingMail:
    """Store the message; it is sent after the commit and dropped with a rollback."""
    mail = OutgoingMail(to=to, subject=subject[:255], body=text, kind=kind)
    session.add(mail)
    session.flush()
    enqueue_after_commit(session, SEND_MAIL_TASK, mail.id)
    return mail


def deliver(session: Session, *, mail_id: int, channel: NotificationChannel) -> bool:
    """Send one outbox message unless already sent; returns whether it was sent now.

    Raises what the channel raises (the task retries); the body is blanked
    once delivered, so the database keeps no usable link.

    Commits: twice, around the send, which cannot be rolled back. The
    attempt is committed before the channel runs, so it is counted even if
    the send raises; the "sent" mark (and the blanked body) right after, so a
    redelivered task never sends the message again.
    """
    mail = session.get(OutgoingMail, mail_id)
    if mail is None or mail.sent_at is not None:
        return False
    mail.attempts += 1
    session.add(mail)
    session.commit()
    channel.send(OutgoingMessage(to=mail.to, subject=mail.subject, text=mail.body, kind=mail.kind))
    mail.sent_at = utcnow()
    mail.body = ""
    session.add(mail)
    session.commit()
    return True
