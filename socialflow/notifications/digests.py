"""E-mail digests: one e-mail a day or a week instead of one per notification.

A user who sets ``email_digest`` to ``daily`` or ``weekly`` gets no
per-notification e-mail (see :func:`socialflow.notifications.delivery.email_wanted`);
instead the hourly digest task sends them, once their period has passed
since the last digest, one e-mail listing what they were told since, for the
kinds whose e-mail preference is on and that the inbox still shows. Quiet
hours hold a digest like any e-mail (it goes on a later run).

Idempotent: ``digest_sent_at`` moves only after the channel accepted the
e-mail, and a user whose digest is not due is skipped, so a run that is
repeated or overlaps sends nothing twice (a worker killed between the send and
that commit may send one digest again: at least once, like every delivery).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.accounts.users import ACTIVE_STATES
from socialflow.core.db.base import utcnow
from socialflow.core.platform import Platform
from socialflow.notifications import inbox, preferences
from socialflow.notifications.delivery import email_channel
from socialflow.notifications.delivery_models import Medium, NotificationUserSettings
from socialflow.notifications.messages import VERBS
from socialflow.notifications.unsubscribe import DIGEST, email_parts
from socialflow.plugins.protocols import OutgoingMessage

logger = logging.getLogger("socialflow.notifications.digests")
PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
MAX_LINES = 50
USER_SETTINGS = NotificationUserSettings.__table__  # type: ignore[attr-defined]


def send_due_digests(platform: Platform, *, now: datetime | None = None) -> int:
    """Send every digest that is due; returns how many were sent.

    Commits: after each digest is sent, its ``digest_sent_at`` (a send cannot
    be rolled back, and the next user must not wait on this one).
    """
    now = now or utcnow()
    channel_name = email_channel(platform)
    if channel_name is None:
        return 0
    sent = 0
    with platform.session() as session:
        user_ids = list(
            session.execute(
                select(USER_SETTINGS.c.user_id).where(USER_SETTINGS.c.email_digest.in_(PERIODS))
            ).scalars()
        )
        for user_id in user_ids:
            if _send_one(session, platform, channel_name, int(user_id), now):
                sent += 1
    return sent


def _send_one(
    session: Session, platform: Platform, channel_name: str, user_id: int, now: datetime
) -> bool:
    """Send ``user_id``'s digest if due; True if one was sent.

    Commits: ``digest_sent_at`` right after the send, which cannot be rolled
    back (so a repeated run does not send it again).
    """
    settings = session.get(NotificationUserSettings, user_id)
    user = session.get(User, user_id)
    if settings is None or settings.email_digest not in PERIODS or user is None:
        return False
    if user.state not in ACTIVE_STATES or user.email_verified_at is None:
        return False
    period = PERIODS[settings.email_digest]
    last = settings.digest_sent_at
    # A little slack so an hourly run landing a minute early still counts.
    if last is not None and now - last < period - timedelta(minutes=5):
        return False
    if preferences.quiet_until(settings, now) is not None:
        return False
    since = last or (now - period)
    lines = digest_lines(session, platform, user, since)
    if lines:
        text = "What happened since your last digest:\n\n" + "\n".join(
            f"• {line}" for line in lines
        )
        body, data = email_parts(platform, user_id=user_id, kind=DIGEST, text=text)
        subject = f"Your {settings.email_digest} digest: {len(lines)} notification" + (
            "s" if len(lines) != 1 else ""
        )
        message = OutgoingMessage(to=user.email, subject=subject, text=body, kind=DIGEST, data=data)
        try:
            platform.provider("notification", channel_name).send(message)
        except Exception:
            logger.exception("digest for user %s not sent; the next run tries again", user_id)
            session.rollback()
            return False
    settings.digest_sent_at = now
    session.add(settings)
    session.commit()
    return bool(lines)


def digest_lines(session: Session, platform: Platform, user: User, since: datetime) -> list[str]:
    """One line per notification the inbox shows, newer than ``since``, e-mail wanted."""
    assert user.id is not None
    wanted = preferences.matrix(session, user.id)
    items, _ = inbox.list_notifications(session, platform=platform, recipient=user, limit=MAX_LINES)
    lines = []
    for item in items:
        created = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
        if created <= since or not wanted[item["kind"]][Medium.email.value]:
            continue
        lines.append(f"{item['actor']['username']} {VERBS[item['kind']]}")
    return lines
