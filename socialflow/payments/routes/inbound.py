"""``POST /payments/webhooks/{provider}``: events from the payment provider.

Only the active provider's events are accepted; the provider verifies the
signature (a bad one is a 400 problem), and each event id is processed once.
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request

from socialflow.core.errors import NotFound, Problem
from socialflow.core.http.deps import PlatformDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import Name
from socialflow.core.platform import Platform
from socialflow.payments import billing, charges, inbound
from socialflow.payments.models import Charge
from socialflow.payments.schemas import WebhookAck
from socialflow.payments.settings import payment_settings
from socialflow.plugins.protocols import PaymentProvider, WebhookEvent, WebhookVerificationError

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
    try:
        event = active.parse_webhook(payload=payload, headers=dict(request.headers))
    except WebhookVerificationError as exc:
        raise Problem(str(exc), status=400, slug="webhook-verification-failed") from None
    return await anyio.to_thread.run_sync(_process, platform, active, event)


def _process(platform: Platform, provider: PaymentProvider, event: WebhookEvent) -> WebhookAck:
    with platform.session() as session:
        first, _outcome, charge_id = inbound.process(
            session,
            payment_settings(platform),
            provider_name=provider.name,
            event=event,
            test_mode=provider.test_mode,
        )
        session.commit()
    if charge_id is not None:
        with platform.session() as session:
            charge = session.get(Charge, charge_id)
        if charge is not None:
            billing.settle_subscription_charge(platform, charge)
    return WebhookAck(received=True, duplicate=not first)
