"""``/webhooks``: the caller's webhook endpoints, their secrets and delivery logs.

Every route looks the endpoint up among the caller's own (another user's is a
404). The secret appears in the answers of creation and rotation only.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from socialflow.accounts.deps import CurrentUser
from socialflow.core.db.base import iso_or_none
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId
from socialflow.core.platform import Platform
from socialflow.webhooks import delivery_log, endpoints
from socialflow.webhooks.models import WebhookDelivery, WebhookEndpoint
from socialflow.webhooks.schemas import (
    DeliveryOut,
    DeliveryPage,
    EndpointCreate,
    EndpointCreated,
    EndpointList,
    EndpointOut,
    EndpointUpdate,
    SecretOut,
)
from socialflow.webhooks.settings import webhook_settings
from socialflow.webhooks.tasks import send_delivery

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


def _out(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": iso_or_none(endpoint.disabled_at),
        "consecutive_failures": endpoint.consecutive_failures,
        "created_at": iso_or_none(endpoint.created_at) or "",
        "updated_at": iso_or_none(endpoint.updated_at),
        "secret_rotated_at": iso_or_none(endpoint.secret_rotated_at),
    }


def _queue_and_read(platform: Platform, session: Session, delivery_id: int) -> DeliveryOut:
    """Queue an attempt now and answer the delivery as it stands afterwards."""
    send_delivery(platform, delivery_id)
    session.expire_all()
    delivery = session.get(WebhookDelivery, delivery_id)
    assert delivery is not None
    return DeliveryOut(**delivery_log.serialize(delivery))


@router.post("", response_model=EndpointCreated, status_code=201, responses=problems(409))
def create_webhook(
    body: EndpointCreate, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> EndpointCreated:
    endpoint, secret = endpoints.create(
        session,
        platform.settings,
        webhook_settings(platform),
        owner=user,
        url=body.url,
        events=body.events,
        description=body.description,
    )
    session.commit()
    return EndpointCreated(**_out(endpoint), secret=secret)


@router.get("", response_model=EndpointList)
def list_webhooks(session: SessionDep, user: CurrentUser) -> EndpointList:
    items = endpoints.list_owned(session, owner=user)
    return EndpointList(items=[EndpointOut(**_out(e)) for e in items])


@router.get("/{endpoint_id}", response_model=EndpointOut)
def read_webhook(endpoint_id: DbId, session: SessionDep, user: CurrentUser) -> EndpointOut:
    return EndpointOut(**_out(endpoints.get_owned(session, owner=user, endpoint_id=endpoint_id)))


@router.patch("/{endpoint_id}", response_model=EndpointOut)
def update_webhook(
    endpoint_id: DbId,
    body: EndpointUpdate,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
) -> EndpointOut:
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    endpoint, to_queue = endpoints.update_endpoint(
        session,
        webhook_settings(platform),
        owner=user,
        endpoint_id=endpoint_id,
        changes=changes,
    )
    session.commit()
    for delivery_id in to_queue:
        send_delivery(platform, delivery_id)
    return EndpointOut(**_out(endpoint))


@router.delete("/{endpoint_id}", status_code=204)
def delete_webhook(endpoint_id: DbId, session: SessionDep, user: CurrentUser) -> Response:
    endpoints.delete_endpoint(session, owner=user, endpoint_id=endpoint_id)
    session.commit()
    return Response(status_code=204)


@router.post("/{endpoint_id}/rotate-secret", response_model=SecretOut)
def rotate_webhook_secret(
    endpoint_id: DbId, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> SecretOut:
    _, secret = endpoints.rotate_secret(
        session, platform.settings, owner=user, endpoint_id=endpoint_id
    )
    session.commit()
    return SecretOut(secret=secret)


@router.get("/{endpoint_id}/deliveries", response_model=DeliveryPage)
def list_webhook_deliveries(
    endpoint_id: DbId,
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    status: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
) -> DeliveryPage:
    rows, next_before = delivery_log.list_deliveries(
        session,
        owner=user,
        endpoint_id=endpoint_id,
        limit=page.limit,
        before=page.id_cursor(),
        status=status,
    )
    return DeliveryPage(
        items=[DeliveryOut(**delivery_log.serialize(d)) for d in rows],
        next_cursor=str(next_before) if next_before is not None else None,
    )


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/replay",
    response_model=DeliveryOut,
    status_code=202,
    responses=problems(409),
)
def replay_webhook_delivery(
    endpoint_id: DbId,
    delivery_id: DbId,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
) -> DeliveryOut:
    replayed = delivery_log.replay(
        session, owner=user, endpoint_id=endpoint_id, delivery_id=delivery_id
    )
    session.commit()
    return _queue_and_read(platform, session, replayed)


@router.post(
    "/{endpoint_id}/test", response_model=DeliveryOut, status_code=202, responses=problems(409)
)
def test_webhook(
    endpoint_id: DbId, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> DeliveryOut:
    delivery_id = delivery_log.ping(session, owner=user, endpoint_id=endpoint_id)
    session.commit()
    return _queue_and_read(platform, session, delivery_id)
