"""Stripe Billing: creators' tier prices, subscriptions, proration, cancel at period end,
and Checkout sessions that collect a fan's card.

Each creator tier price is one Stripe Price found again by its
``lookup_key`` (``sf_<creator>_<tier>_<amount>_<currency>_<interval>``): a
tier whose price changes gets a new Price, and the old one keeps billing the
fans who subscribed at it. Every creating call carries an idempotency key:
the caller's (persisted by socialflow before the call) or one derived from
what it creates, so a retry after a timeout creates nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import stripe
from socialflow.plugins.protocols import PaymentResult

from socialflow_stripe.results import subscription_result, translated


def lookup_key(amount: int, currency: str, interval: str, metadata: Mapping[str, str]) -> str:
    creator = metadata.get("creator_id", "any")
    tier = metadata.get("tier_id", "any")
    return f"sf_{creator}_{tier}_{amount}_{currency.lower()}_{interval}"


def price_for(
    client: stripe.StripeClient,
    *,
    amount: int,
    currency: str,
    interval: Literal["month", "year"],
    metadata: Mapping[str, str],
    product_name: str,
) -> str:
    """The id of the Price billing ``amount`` per ``interval`` for this creator's tier."""
    key = lookup_key(amount, currency, interval, metadata)
    with translated("price lookup"):
        found = client.v1.prices.list({"lookup_keys": [key], "active": True, "limit": 1})
    if found.data:
        return str(found.data[0].id)
    with translated("price creation"):
        price = client.v1.prices.create(
            {
                "unit_amount": amount,
                "currency": currency.lower(),
                "recurring": {"interval": interval},
                "lookup_key": key,
                "product_data": {"name": product_name},
                "metadata": dict(metadata),
            },
            {"idempotency_key": f"price:{key}"},
        )
    return str(price.id)


def create(
    client: stripe.StripeClient,
    *,
    customer_ref: str,
    price: str,
    idempotency_key: str,
    metadata: Mapping[str, str],
) -> PaymentResult:
    """Subscribe; ``metadata["trial_days"]`` starts with a free trial. The first invoice
    is attempted at once (``allow_incomplete``): a declined card leaves it ``incomplete``."""
    params: Any = {
        "customer": customer_ref,
        "items": [{"price": price}],
        "metadata": dict(metadata),
        "payment_behavior": "allow_incomplete",
    }
    trial = int(metadata.get("trial_days", "0") or 0)
    if trial > 0:
        params["trial_period_days"] = trial
    with translated("subscription creation"):
        sub = client.v1.subscriptions.create(params, {"idempotency_key": idempotency_key})
    return subscription_result(sub)


def cancel(client: stripe.StripeClient, subscription_ref: str) -> PaymentResult:
    """End now (Stripe ignores a second cancel of the same subscription)."""
    with translated("subscription cancel"):
        sub = client.v1.subscriptions.cancel(
            subscription_ref, None, {"idempotency_key": f"cancel:{subscription_ref}"}
        )
    return subscription_result(sub)


def cancel_at_period_end(
    client: stripe.StripeClient, subscription_ref: str, *, cancel: bool, idempotency_key: str
) -> PaymentResult:
    """Stop (or resume) the renewal: access lasts until the paid period ends."""
    with translated("subscription update"):
        sub = client.v1.subscriptions.update(
            subscription_ref,
            {"cancel_at_period_end": cancel},
            {"idempotency_key": idempotency_key},
        )
    return subscription_result(sub)


def change_price(
    client: stripe.StripeClient, subscription_ref: str, *, price: str, idempotency_key: str
) -> PaymentResult:
    """Move to another tier's price. Stripe prorates: an upgrade invoices the difference
    for the rest of the period at once (``always_invoice``), a downgrade credits it."""
    with translated("subscription retrieve"):
        current = client.v1.subscriptions.retrieve(subscription_ref)
    item = current["items"]["data"][0]["id"]
    with translated("subscription update"):
        sub = client.v1.subscriptions.update(
            subscription_ref,
            {
                "items": [{"id": item, "price": price}],
                "proration_behavior": "always_invoice",
                "payment_behavior": "allow_incomplete",
            },
            {"idempotency_key": idempotency_key},
        )
    return subscription_result(sub)


def checkout(
    client: stripe.StripeClient,
    *,
    customer_ref: str,
    price: str | None,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
    metadata: Mapping[str, str],
) -> str:
    """A Checkout session's URL: ``mode=subscription`` for ``price``, or ``mode=setup``
    (``price`` None) to save the card later charges and renewals use."""
    params: Any = {
        "customer": customer_ref,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": dict(metadata),
    }
    if price is None:
        params["mode"] = "setup"
        params["currency"] = metadata.get("currency", "usd")
    else:
        params["mode"] = "subscription"
        params["line_items"] = [{"price": price, "quantity": 1}]
        trial = int(metadata.get("trial_days", "0") or 0)
        params["subscription_data"] = {"metadata": dict(metadata)} | (
            {"trial_period_days": trial} if trial > 0 else {}
        )
    with translated("checkout session"):
        session = client.v1.checkout.sessions.create(params, {"idempotency_key": idempotency_key})
    return str(session.url)
