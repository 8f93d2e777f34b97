"""Webhook endpoints of one owner: register, read, change, rotate the secret, delete.

Every function takes the caller and finds endpoints among the caller's own
only: another user's endpoint is 404, never 403, so ids reveal nothing. The
URL is checked when registered or changed (its form and every address it
resolves to, :mod:`socialflow.webhooks.targets`) and again at each delivery.
The secret is returned only by :func:`create` and :func:`rotate_secret`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.db.base import utcnow
from socialflow.core.errors import Conflict, NotFound, ValidationProblem
from socialflow.core.settings import Settings
from socialflow.webhooks import events as catalogue
from socialflow.webhooks.capture import DELIVERIES, ENDPOINTS
from socialflow.webhooks.models import WebhookEndpoint
from socialflow.webhooks.settings import WebhookSettings
from socialflow.webhooks.signing import new_secret, seal
from socialflow.webhooks.targets import TargetPolicy, TargetRefused, resolve


def _check_url(config: WebhookSettings, url: str) -> None:
    try:
        resolve(TargetPolicy.from_config(config), url)
    except TargetRefused as exc:
        raise ValidationProblem(
            f"url: {exc}.",
            slug="webhook-url-refused",
            errors=[{"field": "url", "message": str(exc), "code": "url_refused"}],
        ) from None


def _check_events(names: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(names))
    unknown = catalogue.unknown_event_types(chosen)
    if not chosen or unknown:
        message = (
            f"unknown event type(s): {', '.join(unknown)}" if unknown else "name at least one event"
        )
        raise ValidationProblem(
            f"events: {message}. Known: {', '.join(sorted(catalogue.EVENT_TYPES))}, or *.",
            slug="invalid-event-type",
            errors=[{"field": "events", "message": message, "code": "invalid_event_type"}],
        )
    return [catalogue.WILDCARD] if catalogue.WILDCARD in chosen else chosen


def get_owned(session: Session, *, owner: User, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.owner_id != owner.id:
        raise NotFound("No such webhook endpoint.")
    return endpoint


def list_owned(session: Session, *, owner: User) -> list[WebhookEndpoint]:
    statement = select(WebhookEndpoint).where(ENDPOINTS.c.owner_id == owner.id)
    return list(session.execute(statement.order_by(ENDPOINTS.c.id)).scalars())


def create(
    session: Session,
    settings: Settings,
    config: WebhookSettings,
    *,
    owner: User,
    url: str,
    events: Sequence[str],
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (shown this once). The caller commits."""
    chosen = _check_events(events)
    count = session.execute(
        select(func.count()).select_from(ENDPOINTS).where(ENDPOINTS.c.owner_id == owner.id)
    ).scalar_one()
    if count >= config.max_endpoints_per_user:
        raise Conflict(
            f"An account may register at most {config.max_endpoints_per_user} "
            "webhook endpoints; delete one first.",
            slug="webhook-limit",
        )
    _check_url(config, url)
    secret = new_secret()
    assert owner.id is not None
    endpoint = WebhookEndpoint(
        owner_id=owner.id,
        url=url,
        description=description,
        events=chosen,
        secret_encrypted=seal(settings, secret),
    )
    session.add(endpoint)
    return endpoint, secret


def update_endpoint(
    session: Session,
    config: WebhookSettings,
    *,
    owner: User,
    endpoint_id: int,
    changes: dict[str, Any],
) -> tuple[WebhookEndpoint, list[int]]:
    """Change url, events, description or enabled; returns the endpoint and the deliveries
    to queue (re-enabling makes its pending deliveries due). Commits."""
    from socialflow.webhooks.deliveries import due_pending

    endpoint = get_owned(session, owner=owner, endpoint_id=endpoint_id)
    if "url" in changes and changes["url"] != endpoint.url:
        _check_url(config, changes["url"])
        endpoint.url = changes["url"]
    if "events" in changes:
        endpoint.events = _check_events(changes["events"])
    if "description" in changes:
        endpoint.description = changes["description"]
    to_queue: list[int] = []
    if "enabled" in changes and changes["enabled"] != endpoint.enabled:
        endpoint.enabled = changes["enabled"]
        if endpoint.enabled:
            endpoint.disabled_reason = None
            endpoint.disabled_at = None
            endpoint.consecutive_failures = 0
            assert endpoint.id is not None
            to_queue = due_pending(session, endpoint.id)
        else:
            endpoint.disabled_reason = "disabled by its owner"
            endpoint.disabled_at = utcnow()
    endpoint.updated_at = utcnow()
    session.add(endpoint)
    return endpoint, to_queue


def rotate_secret(
    session: Session, settings: Settings, *, owner: User, endpoint_id: int
) -> tuple[WebhookEndpoint, str]:
    """A new secret, in force for every attempt once the caller commits."""
    endpoint = get_owned(session, owner=owner, endpoint_id=endpoint_id)
    secret = new_secret()
    endpoint.secret_encrypted = seal(settings, secret)
    endpoint.secret_rotated_at = endpoint.updated_at = utcnow()
    session.add(endpoint)
    return endpoint, secret


def delete_endpoint(session: Session, *, owner: User, endpoint_id: int) -> None:
    """Delete an endpoint and its delivery log; the caller commits."""
    endpoint = get_owned(session, owner=owner, endpoint_id=endpoint_id)
    session.execute(delete(DELIVERIES).where(DELIVERIES.c.endpoint_id == endpoint.id))
    session.delete(endpoint)


def export_for(session: Session, user_id: int) -> list[dict[str, Any]]:
    """The user's endpoints for their data export (never the secret)."""
    rows = session.execute(
        select(
            ENDPOINTS.c.id,
            ENDPOINTS.c.url,
            ENDPOINTS.c.description,
            ENDPOINTS.c.events,
            ENDPOINTS.c.enabled,
            ENDPOINTS.c.created_at,
        ).where(ENDPOINTS.c.owner_id == user_id)
    )
    return [{**dict(row._mapping), "created_at": row.created_at.isoformat()} for row in rows]
