"""``POST /payments/webhooks/{provider}``: events from the payment provider.

Only the active provider's events are accepted; the provider verifies the
signature on the raw body (a bad one is a 400 problem, with no effect), and
each event id is processed once. The body is held to ``max_body_bytes`` by
the HTTP edge like any other request (events are a few kilobytes). The
provider may ask its service about the event's object (Stripe fetches it
again, so events out of order resolve to its current state): that runs in a
worker thread, and an unreachable service answers 503 so that the provider
delivers again later.
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request

from socialflow.core.errors import NotFound, Problem
from socialflow.core.http.deps import PlatformDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import Name
from socialflow.core.platform import Platform
from socialflow.payments import charges, receive
from socialflow.payments.schemas import WebhookAck
from socialflow.plugins.protocols import (
    PaymentProvider,
    PaymentUnavailableError,
    WebhookVerificationError,
)

router = APIRouter(prefix="/payments", tags=["payments"])

MAX_BODY = 1024 * 1024


@router.post(
    "/webhooks/{provider}", response_model=WebhookAck, responses=problems(400, 404, 413, 503)
)
async def receive_payment_webhook(
    provider: Name, request: Request, platform: PlatformDep
) -> WebhookAck:
    active = charges.active_provider(platform)
    if provider != active.name:
        raise NotFound("No such payment provider here.")
    payload = await request.body()
    if len(payload) > MAX_BODY:
        raise Problem("Webhook body too large.", status=413, slug="payload-too-large")
    headers = dict(request.headers)
    return await anyio.to_thread.run_sync(_receive, platform, active, payload, headers)


def _receive(
    platform: Platform, provider: PaymentProvider, payload: bytes, headers: dict[str, str]
) -> WebhookAck:
    peek = getattr(provider, "webhook_event_id", None)
    if callable(peek):
        # A delivery of an event already applied is answered without translating it
        # (Stripe's translation asks Stripe about the object: most redeliveries skip that).
        try:
            event_id = str(peek(payload=payload, headers=headers))
        except WebhookVerificationError as exc:
            raise Problem(str(exc), status=400, slug="webhook-verification-failed") from None
        if receive.already_processed(platform, provider.name, event_id):
            return WebhookAck(received=True, duplicate=True)
    try:
        event = provider.parse_webhook(payload=payload, headers=headers)
    except WebhookVerificationError as exc:
        raise Problem(str(exc), status=400, slug="webhook-verification-failed") from None
    except PaymentUnavailableError as exc:
        raise charges.PaymentsUnavailable(
            f"The payment provider could not be asked about this event: {exc}"
        ) from None
    first, _outcome = receive.handle(platform, provider, event)
    return WebhookAck(received=True, duplicate=not first)
