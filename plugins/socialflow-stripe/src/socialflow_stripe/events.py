"""Stripe webhooks: verified on the raw body, then translated with the object fetched again.

:func:`verify` checks the ``Stripe-Signature`` header with the library's
``Webhook.construct_event`` (HMAC-SHA256 of ``"<t>.<body>"``, the timestamp
within the tolerance): a forged, tampered or stale event raises
:class:`WebhookVerificationError` before anything else happens.

:func:`translate` never trusts the order events arrive in: it fetches the
object the event is about (the PaymentIntent, refund, dispute, subscription)
from Stripe and translates *its current state*. An old
``payment_intent.processing`` delivered after ``payment_intent.succeeded``
therefore says "succeeded" too, and a subscription's final state wins
whatever order its updates come in. An object Stripe no longer has falls
back to the copy in the event; Stripe unreachable raises
:class:`PaymentUnavailableError` (socialflow answers 503 and Stripe retries).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import stripe
from socialflow.plugins.protocols import WebhookEvent, WebhookVerificationError

from socialflow_stripe.results import (
    REFUND_STATUS,
    field,
    processor_fee,
    subscription_state,
    translated,
)

SIGNATURE_HEADER = "stripe-signature"
EXPAND_FEE = ["latest_charge.balance_transaction"]


def verify(payload: bytes, headers: Mapping[str, str], secret: str, tolerance: int) -> stripe.Event:
    lowered = {k.lower(): v for k, v in headers.items()}
    signature = lowered.get(SIGNATURE_HEADER)
    if not signature:
        raise WebhookVerificationError("no Stripe-Signature header")
    try:
        event: stripe.Event = stripe.Webhook.construct_event(
            payload, signature, secret, tolerance=tolerance
        )
        return event
    except stripe.SignatureVerificationError as exc:
        raise WebhookVerificationError(f"webhook signature refused: {exc.user_message}") from None
    except ValueError:
        raise WebhookVerificationError("webhook body is not a Stripe event") from None


def _fetch(operation: str, fetch: Callable[[], Any], fallback: Any) -> Any:
    """The object as Stripe has it now; the event's copy if Stripe no longer has it."""
    try:
        with translated(operation):
            return fetch()
    except Exception as exc:
        cause = exc.__cause__
        if isinstance(cause, stripe.InvalidRequestError) and cause.http_status == 404:
            return fallback
        raise


def _id(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    found = field(value, "id")
    return str(found) if found is not None else None


def _intent(client: stripe.StripeClient, intent_id: str, fallback: Any) -> WebhookEvent | None:
    intent = _fetch(
        "payment intent retrieve",
        lambda: client.v1.payment_intents.retrieve(intent_id, {"expand": EXPAND_FEE}),
        fallback,
    )
    if intent is None:
        return None
    status = str(field(intent, "status"))
    if status == "succeeded":
        kind = "payment_succeeded"
    elif status in ("requires_payment_method", "canceled"):
        kind = "payment_failed"
    else:
        kind = "payment_pending"
    data: dict[str, Any] = {"stripe_status": status}
    fee = processor_fee(intent)
    if fee is not None:
        data["processor_fee"], data["processor_fee_currency"] = fee
    return WebhookEvent(id="", type=kind, provider_ref=intent_id, data=data)


def _refund(client: stripe.StripeClient, obj: Any) -> WebhookEvent:
    refund = _fetch("refund retrieve", lambda: client.v1.refunds.retrieve(obj["id"]), obj)
    status = REFUND_STATUS.get(str(field(refund, "status")), "pending")
    kind = {"succeeded": "refund_succeeded", "failed": "refund_failed"}.get(
        status, "refund_pending"
    )
    return WebhookEvent(id="", type=kind, provider_ref=str(refund["id"]), data={})


def _dispute(client: stripe.StripeClient, obj: Any) -> WebhookEvent:
    dispute = _fetch("dispute retrieve", lambda: client.v1.disputes.retrieve(obj["id"]), obj)
    status = str(field(dispute, "status"))
    kind = {"won": "dispute_won", "lost": "dispute_lost"}.get(status, "dispute_opened")
    intent = _id(field(dispute, "payment_intent"))
    data: dict[str, Any] = {
        "charge_ref": intent,
        "dispute_ref": str(dispute["id"]),
        "amount": dispute["amount"],
        "dispute_fees": dispute_fees(dispute),
    }
    if intent:
        # The payment's own state too: its success may not have reached socialflow yet.
        payment = _intent(client, intent, None)
        if payment is not None:
            data["charge_status"] = payment.type.removeprefix("payment_")
            data.update({k: v for k, v in payment.data.items() if k.startswith("processor_")})
    return WebhookEvent(id="", type=kind, provider_ref=intent, data=data)


def dispute_fees(dispute: Any) -> list[list[Any]]:
    """Stripe's fees on a dispute, from its balance transactions: the fee it charges when
    the dispute opens, and (negative) the fee it gives back when the dispute is won."""
    found: list[list[Any]] = []
    for txn in field(dispute, "balance_transactions") or []:
        fee, ident = field(txn, "fee"), field(txn, "id")
        if isinstance(fee, int) and not isinstance(fee, bool) and fee and ident:
            found.append([str(ident), fee, str(field(txn, "currency", dispute["currency"]))])
    return found


def _subscription(client: stripe.StripeClient, sub_id: str, fallback: Any) -> WebhookEvent:
    sub = _fetch(
        "subscription retrieve", lambda: client.v1.subscriptions.retrieve(sub_id), fallback
    )
    return WebhookEvent(
        id="", type="subscription_updated", provider_ref=sub_id, data=subscription_state(sub)
    )


def _invoice_subscription(invoice: Any) -> str | None:
    found = _id(field(invoice, "subscription"))
    if found:
        return found
    parent = field(invoice, "parent") or {}
    details = field(parent, "subscription_details") or {}
    return _id(field(details, "subscription"))


def _invoice(client: stripe.StripeClient, obj: Any) -> WebhookEvent | None:
    """A paid invoice of a subscription is a payment to book (``subscription_paid``, with
    the subscription's state); any other invoice event only updates that state."""
    invoice = _fetch("invoice retrieve", lambda: client.v1.invoices.retrieve(obj["id"]), obj)
    sub_id = _invoice_subscription(invoice)
    if not sub_id:
        return None
    state = _subscription(client, sub_id, None)
    paid = field(invoice, "amount_paid")
    if str(field(invoice, "status")) != "paid" or not isinstance(paid, int) or paid <= 0:
        return state
    data: dict[str, Any] = {
        "subscription_ref": sub_id,
        "amount": paid,
        "currency": str(field(invoice, "currency")),
        "state": dict(state.data),
    }
    intent = _id(field(invoice, "payment_intent"))
    if intent:
        data["payment_ref"] = intent
        payment = _intent(client, intent, None)
        if payment is not None:
            data.update({k: v for k, v in payment.data.items() if k.startswith("processor_")})
    return WebhookEvent(id="", type="subscription_paid", provider_ref=str(invoice["id"]), data=data)


def _translated(client: stripe.StripeClient, event: stripe.Event) -> WebhookEvent | None:
    kind = event.type
    obj = event.data.object
    if kind.startswith("payment_intent."):
        return _intent(client, str(obj["id"]), obj)
    if kind in ("charge.succeeded", "charge.failed", "charge.updated"):
        intent = _id(field(obj, "payment_intent"))
        return _intent(client, intent, None) if intent else None
    if kind.startswith("refund.") or kind == "charge.refund.updated":
        return _refund(client, obj)
    if kind.startswith("charge.dispute."):
        return _dispute(client, obj)
    if kind.startswith("customer.subscription."):
        return _subscription(client, str(obj["id"]), obj)
    if kind.startswith("invoice."):
        return _invoice(client, obj)
    return None


def translate(client: stripe.StripeClient, event: stripe.Event) -> WebhookEvent:
    """The socialflow event for a verified Stripe event (other types keep Stripe's name,
    and socialflow records and ignores them)."""
    found = _translated(client, event)
    if found is None:
        obj = event.data.object
        return WebhookEvent(id=str(event.id), type=str(event.type), provider_ref=_id(obj), data={})
    return WebhookEvent(
        id=str(event.id), type=found.type, provider_ref=found.provider_ref, data=found.data
    )


def since(client: stripe.StripeClient, moment: datetime) -> Iterator[WebhookEvent]:
    """Every event created at or after ``moment``, oldest first, translated."""
    with translated("event list"):
        listed = client.v1.events.list({"created": {"gte": int(moment.timestamp())}, "limit": 100})
        found = list(listed.auto_paging_iter())
    for event in reversed(found):  # Stripe lists newest first
        yield translate(client, event)
