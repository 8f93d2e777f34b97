"""A test app adding a notification kind: ``badge_awarded``, from its own event."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session

from socialflow.plugins import hookimpl
from socialflow.plugins.notification_kinds import NotificationKind, NotificationRequest
from socialflow.plugins.specs import Event


def badge_notices(session: Session, event: Event) -> Iterator[NotificationRequest]:
    p = event.payload
    yield NotificationRequest(
        recipient_id=p["user_id"],
        actor_id=p.get("giver_id"),
        dedup_key=f"badge:{p['badge']}",
        text=f"You were awarded the {p['badge']} badge",
        data={"badge": p["badge"]},
    )


@hookimpl
def socialflow_notification_kinds() -> list[NotificationKind]:
    return [
        NotificationKind(
            "badge_awarded", "You were given a badge", frozenset({"badge"}), badge_notices
        )
    ]
