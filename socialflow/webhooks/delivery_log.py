"""An endpoint's delivery log: list it, replay an entry, send a test ping.

Only the endpoint's owner reaches these (the endpoint is looked up among the
caller's own first). A replay starts a fresh round of attempts for the same
message: same ``webhook-id``, same body, a new timestamp and signature.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.db.base import iso_or_none, utcnow
from socialflow.core.errors import Conflict, NotFound
from socialflow.plugins.specs import Event
from socialflow.webhooks import events as catalogue
from socialflow.webhooks.capture import DELIVERIES, encode, new_delivery
from socialflow.webhooks.endpoints import get_owned
from socialflow.webhooks.models import DeliveryStatus, WebhookDelivery


def serialize(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "message_id": delivery.message_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": iso_or_none(delivery.next_attempt_at),
        "last_attempt_at": iso_or_none(delivery.last_attempt_at),
        "response_status": delivery.response_status,
        "response_snippet": delivery.response_snippet,
        "duration_ms": delivery.duration_ms,
        "error": delivery.error,
        "delivered_at": iso_or_none(delivery.delivered_at),
        "created_at": iso_or_none(delivery.created_at),
        "payload": json.loads(delivery.body),
    }


def list_deliveries(
    session: Session,
    *,
    owner: User,
    endpoint_id: int,
    limit: int,
    before: int | None = None,
    status: str | None = None,
) -> tuple[list[WebhookDelivery], int | None]:
    """A page of the endpoint's deliveries, newest first, and the id to continue before."""
    endpoint = get_owned(session, owner=owner, endpoint_id=endpoint_id)
    statement = select(WebhookDelivery).where(DELIVERIES.c.endpoint_id == endpoint.id)
    if before is not None:
        statement = statement.where(DELIVERIES.c.id < before)
    if status is not None:
        statement = statement.where(DELIVERIES.c.status == status)
    rows = list(session.execute(statement.order_by(DELIVERIES.c.id.desc()).limit(limit)).scalars())
    next_before = rows[-1].id if len(rows) == limit else None
    return rows, next_before


def replay(session: Session, *, owner: User, endpoint_id: int, delivery_id: int) -> int:
    """Make a logged delivery pending and due now; returns its id to queue once the caller
    commits."""
    endpoint = get_owned(session, owner=owner, endpoint_id=endpoint_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound("No such delivery.")
    if not endpoint.enabled:
        raise Conflict(
            "The endpoint is disabled: enable it (PATCH enabled=true) to replay.",
            slug="webhook-disabled",
        )
    delivery.status = DeliveryStatus.pending.value
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.lease_until = None
    delivery.delivered_at = None
    session.add(delivery)
    assert delivery.id is not None
    return delivery.id


def ping(session: Session, *, owner: User, endpoint_id: int) -> int:
    """Log a ``ping`` delivery for the endpoint; returns its id to queue once the caller
    commits."""
    endpoint = get_owned(session, owner=owner, endpoint_id=endpoint_id)
    if not endpoint.enabled:
        raise Conflict(
            "The endpoint is disabled: enable it (PATCH enabled=true) to test it.",
            slug="webhook-disabled",
        )
    assert endpoint.id is not None
    event = Event(catalogue.PING, {"endpoint_id": endpoint.id}, datetime.now(UTC))
    delivery = new_delivery(endpoint.id, catalogue.PING, encode(catalogue.envelope(event)))
    session.add(delivery)
    session.flush()  # its id, to queue after the caller's commit
    assert delivery.id is not None
    return delivery.id
