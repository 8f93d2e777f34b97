"""Deliveries written in the transaction of the events they carry.

:func:`capture_deliveries` is a ``before_commit`` listener on the platform's
sessions (registered in ``socialflow_platform_start``). Just before a
transaction commits it reads the transaction's pending events, finds the
endpoints entitled to each (:mod:`socialflow.webhooks.events`) and writes one
``pending`` delivery per (event, endpoint), in that same transaction; the
delivery tasks are sent after the commit. A delivery therefore exists exactly
when its event does: a process dying between the commit and the enqueue
loses no webhook (the sweep finds the delivery and queues it), and a rollback
leaves none. Delivery is at least once: receivers deduplicate on
``webhook-id``.

Entitlement, checked here: the endpoint is enabled; its owner is an active
account and either an admin or one of the users the event is about; the
owner subscribed to the event; and, for an event about a post someone else
wrote, the owner may see that post (a mention in a followers-only post goes
only to approved followers, as in the app). A ``user_deleted`` event removes
the deleted user's own endpoints in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, or_, select
from sqlmodel import Session

from socialflow.accounts.models import Role, User
from socialflow.accounts.users import ACTIVE_STATES
from socialflow.core.db.base import utcnow
from socialflow.core.effects import enqueue_after_commit, pending_events
from socialflow.plugins.specs import Event
from socialflow.social import posts
from socialflow.social.models import Post
from socialflow.webhooks import events as catalogue
from socialflow.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from socialflow.webhooks.signing import new_message_id

ENDPOINTS = WebhookEndpoint.__table__  # type: ignore[attr-defined]
DELIVERIES = WebhookDelivery.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]
DELIVER_TASK = "socialflow.webhooks.deliver"


def capture_deliveries(session: Session) -> None:
    """``before_commit`` listener: write the deliveries this transaction's events ask for."""
    found = [e for e in pending_events(session) if e.name in catalogue.EVENT_TYPES]
    if not found:
        return
    _forget_deleted_users(session, found)
    endpoints = _candidate_endpoints(session, found)
    if not endpoints:
        return
    made: list[WebhookDelivery] = []
    for event in found:
        concerned = catalogue.concerned_user_ids(event)
        body = encode(catalogue.envelope(event))
        for endpoint in endpoints:
            if _entitled(session, endpoint, event, concerned):
                made.append(new_delivery(endpoint["id"], event.name, body))
    if not made:
        return
    session.add_all(made)
    session.flush()
    for delivery in made:
        enqueue_after_commit(session, DELIVER_TASK, delivery.id)


def encode(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, default=str)


def new_delivery(endpoint_id: int, event_type: str, body: str) -> WebhookDelivery:
    return WebhookDelivery(
        endpoint_id=endpoint_id,
        message_id=new_message_id(),
        event_type=event_type,
        body=body,
        status=DeliveryStatus.pending.value,
        next_attempt_at=utcnow(),
    )


def _forget_deleted_users(session: Session, found: Sequence[Event]) -> None:
    gone = [e.payload.get("user_id") for e in found if e.name == "user_deleted"]
    gone_ids = [g for g in gone if isinstance(g, int)]
    if not gone_ids:
        return
    owned = select(ENDPOINTS.c.id).where(ENDPOINTS.c.owner_id.in_(gone_ids))
    session.execute(delete(DELIVERIES).where(DELIVERIES.c.endpoint_id.in_(owned)))
    session.execute(delete(ENDPOINTS).where(ENDPOINTS.c.owner_id.in_(gone_ids)))


def _candidate_endpoints(session: Session, found: Sequence[Event]) -> list[dict[str, Any]]:
    """Enabled endpoints of active owners who are admins or concerned by some event."""
    concerned: set[int] = set()
    for event in found:
        concerned |= catalogue.concerned_user_ids(event)
    rows = session.execute(
        select(ENDPOINTS.c.id, ENDPOINTS.c.owner_id, ENDPOINTS.c.events, USERS.c.role)
        .join(USERS, USERS.c.id == ENDPOINTS.c.owner_id)
        .where(
            ENDPOINTS.c.enabled.is_(True),
            USERS.c.state.in_(ACTIVE_STATES),
            or_(USERS.c.role == Role.admin.value, ENDPOINTS.c.owner_id.in_(concerned)),
        )
        .order_by(ENDPOINTS.c.id)
    )
    return [dict(row._mapping) for row in rows]


def _entitled(
    session: Session, endpoint: dict[str, Any], event: Event, concerned: set[int]
) -> bool:
    if not catalogue.subscribes(endpoint["events"] or [], event.name):
        return False
    if endpoint["role"] == Role.admin.value:
        return True
    owner = endpoint["owner_id"]
    if owner not in concerned:
        return False
    post_id = event.payload.get("post_id")
    if isinstance(post_id, int) and event.name not in ("post_deleted",):
        post = session.get(Post, post_id)
        if post is None:
            return False
        return post.author_id == owner or posts.can_view(session, owner, post)
    return True
