"""Stripe objects to socialflow's :class:`PaymentResult`, and Stripe errors to its errors.

A refusal (a declined card) is a ``failed`` result; a call whose outcome is
unknown (no connection, a timeout, Stripe's own 5xx, a rate limit) raises
:class:`PaymentUnavailableError` so that socialflow asks again later with
the same idempotency key; a request Stripe refuses as malformed raises
:class:`PaymentError` (a bug or a misconfiguration, not worth retrying).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import stripe
from socialflow.plugins.protocols import PaymentError, PaymentResult, PaymentUnavailableError

Status = Literal["pending", "succeeded", "failed", "canceled"]

INTENT_STATUS: dict[str, Status] = {
    "succeeded": "succeeded",
    "processing": "pending",
    "requires_action": "pending",
    "requires_confirmation": "pending",
    "requires_capture": "pending",
    "requires_payment_method": "failed",
    "canceled": "canceled",
}
REFUND_STATUS: dict[str, Status] = {
    "succeeded": "succeeded",
    "pending": "pending",
    "requires_action": "pending",
    "failed": "failed",
    "canceled": "failed",
}
SUBSCRIPTION_STATUS: dict[str, Status] = {
    "active": "succeeded",
    "trialing": "succeeded",
    "incomplete": "pending",
    "past_due": "failed",
    "unpaid": "failed",
    "paused": "failed",
    "canceled": "canceled",
    "incomplete_expired": "canceled",
}


class DeclinedError(Exception):
    """A card error: the payment was refused (``intent`` is the refused PaymentIntent's id)."""

    def __init__(self, message: str, intent: str | None) -> None:
        super().__init__(message)
        self.intent = intent


@contextmanager
def translated(operation: str) -> Iterator[None]:
    """Run a Stripe call, turning its errors into socialflow's."""
    try:
        yield
    except stripe.CardError as exc:
        intent = getattr(getattr(exc, "error", None), "payment_intent", None)
        intent_id = field(intent, "id")
        raise DeclinedError(
            exc.user_message or "card declined", intent_id and str(intent_id)
        ) from exc
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise PaymentUnavailableError(f"stripe {operation}: {type(exc).__name__}") from exc
    except stripe.StripeError as exc:
        status = exc.http_status or 0
        if status >= 500 or status in (0, 409):  # 409: the same key is still in flight
            raise PaymentUnavailableError(f"stripe {operation}: HTTP {status}") from exc
        raise PaymentError(f"stripe {operation} refused: {exc.user_message or status}") from exc


def field(obj: Any, key: str, default: Any = None) -> Any:
    """``obj[key]``, or ``default`` when absent (Stripe objects are not dicts)."""
    if obj is None:
        return default
    try:
        return obj[key]
    except (KeyError, TypeError, AttributeError):
        return default


def processor_fee(intent: Any) -> tuple[int, str] | None:
    """Stripe's fee on a PaymentIntent's charge (its balance transaction), once known."""
    charge = field(intent, "latest_charge")
    transaction = field(charge, "balance_transaction")
    fee = field(transaction, "fee")
    if isinstance(fee, int) and not isinstance(fee, bool):
        return fee, str(field(transaction, "currency", field(intent, "currency")))
    return None


def intent_result(intent: Any) -> PaymentResult:
    raw: dict[str, Any] = {
        "livemode": bool(field(intent, "livemode")),
        "stripe_status": intent.status,
    }
    fee = processor_fee(intent)
    if fee is not None:
        raw["processor_fee"], raw["processor_fee_currency"] = fee
    return PaymentResult(
        provider_ref=str(intent.id),
        status=INTENT_STATUS.get(str(intent.status), "pending"),
        amount=int(intent.amount),
        currency=str(intent.currency),
        raw=raw,
    )


def refund_result(refund: Any) -> PaymentResult:
    return PaymentResult(
        provider_ref=str(refund.id),
        status=REFUND_STATUS.get(str(refund.status), "pending"),
        amount=int(refund.amount),
        currency=str(refund.currency),
        raw={"stripe_status": refund.status},
    )


def transfer_result(transfer: Any) -> PaymentResult:
    reversed_ = bool(field(transfer, "reversed"))
    return PaymentResult(
        provider_ref=str(transfer.id),
        status="failed" if reversed_ else "succeeded",
        amount=int(transfer.amount),
        currency=str(transfer.currency),
        raw={"livemode": bool(field(transfer, "livemode")), "destination": transfer.destination},
    )


def subscription_price(subscription: Any) -> tuple[int, str]:
    item = subscription["items"]["data"][0]
    price = item["price"]
    return int(price["unit_amount"]), str(price["currency"])


def subscription_result(subscription: Any) -> PaymentResult:
    amount, currency = subscription_price(subscription)
    return PaymentResult(
        provider_ref=str(subscription.id),
        status=SUBSCRIPTION_STATUS.get(str(subscription.status), "pending"),
        amount=amount,
        currency=currency,
        raw=subscription_state(subscription),
    )


def subscription_state(subscription: Any) -> dict[str, Any]:
    """What socialflow keeps of a Stripe subscription (its status and period)."""
    item = subscription["items"]["data"][0]
    start = field(subscription, "current_period_start", field(item, "current_period_start"))
    end = field(subscription, "current_period_end", field(item, "current_period_end"))
    amount, currency = subscription_price(subscription)
    return {
        "status": str(subscription.status),
        "cancel_at_period_end": bool(field(subscription, "cancel_at_period_end")),
        "current_period_start": start,
        "current_period_end": end,
        "amount": amount,
        "currency": currency,
    }
