"""The ``stripe`` payment provider: PaymentIntents, refunds, Connect transfers, Billing.

- A **charge** (each subscription period socialflow bills, a proration, a
  tip) is an off-session PaymentIntent confirmed at once on the customer's
  saved card (collected by a Checkout session in ``setup`` mode). Stripe's
  fee on it (the charge's balance transaction) comes back in
  ``raw["processor_fee"]`` for the ledger's ``processor_fees`` account.
- A **payout** to a creator is a Connect transfer of their share to their
  Express account (the platform's fee stays with the platform); Stripe pays
  the account out to the creator's bank on its own schedule.
- **Subscriptions** billed by Stripe (Billing): per-tier Prices, trials,
  proration on upgrade, cancel at period end (see :mod:`socialflow_stripe.billing`).
- **Webhooks** are verified on the raw body (:mod:`socialflow_stripe.events`).

Every call that creates something carries an idempotency key: socialflow's
(committed before the call, ``socialflow.payments.calls``) for money, or one
derived from what is created (customers, Express accounts, prices), so a
retry never creates a second one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Literal

import stripe
from socialflow.plugins.protocols import PaymentResult, WebhookEvent

from socialflow_stripe import billing, events
from socialflow_stripe.results import (
    DeclinedError,
    field,
    intent_result,
    refund_result,
    transfer_result,
    translated,
)
from socialflow_stripe.settings import StripeSettings

EXPAND_FEE = ["latest_charge.balance_transaction"]


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:24]


class StripeProvider:
    """socialflow's PaymentProvider over a :class:`stripe.StripeClient`."""

    name = "stripe"

    def __init__(self, settings: StripeSettings, *, client: stripe.StripeClient | None = None):
        settings.require_usable()
        assert settings.secret_key is not None
        assert settings.webhook_secret is not None
        key = settings.secret_key.get_secret_value()
        self.settings = settings
        self.test_mode = not key.startswith(("sk_live_", "rk_live_"))
        # The billing capability: socialflow's subscription routes go through Stripe Billing.
        self.billing = settings.billing
        self._webhook_secret = settings.webhook_secret.get_secret_value()
        # Keys derived from what is created are scoped to this installation (its endpoint).
        self._scope = _digest("socialflow", self._webhook_secret)[:12]
        bases: Any = None
        if settings.api_base:
            bases = {"api": settings.api_base, "connect": settings.api_base}
        self.client = client or stripe.StripeClient(
            key,
            base_addresses=bases,
            http_client=stripe.new_default_http_client(timeout=settings.timeout),
            max_network_retries=settings.max_network_retries,
        )

    # ------------------------------------------------------------- accounts

    def create_customer(self, *, user_id: str, email: str | None) -> str:
        params: Any = {"metadata": {"socialflow_user_id": user_id}}
        if email:
            params["email"] = email
        key = f"customer:{self._scope}:{user_id}:{_digest(email)}"
        with translated("customer creation"):
            customer = self.client.v1.customers.create(params, {"idempotency_key": key})
        return str(customer.id)

    def create_payout_account(self, *, user_id: str, email: str | None) -> str:
        """A Connect Express account; the creator finishes it through :meth:`onboarding_link`."""
        params: Any = {
            "type": "express",
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"socialflow_user_id": user_id},
        }
        if email:
            params["email"] = email
        if self.settings.connect_country:
            params["country"] = self.settings.connect_country
        key = f"account:{self._scope}:{user_id}:{_digest(email)}"
        with translated("account creation"):
            account = self.client.v1.accounts.create(params, {"idempotency_key": key})
        return str(account.id)

    def onboarding_link(self, *, account_ref: str, refresh_url: str, return_url: str) -> str:
        """A one-time Stripe-hosted onboarding URL for the creator's Express account."""
        with translated("account link"):
            link = self.client.v1.account_links.create(
                {
                    "account": account_ref,
                    "type": "account_onboarding",
                    "refresh_url": refresh_url,
                    "return_url": return_url,
                },
                {"idempotency_key": f"link:{account_ref}:{_digest(refresh_url, return_url)}"},
            )
        return str(link.url)

    # ---------------------------------------------------------------- money

    def _default_card(self, customer_ref: str) -> str | None:
        with translated("customer retrieve"):
            customer = self.client.v1.customers.retrieve(customer_ref)
        method = field(field(customer, "invoice_settings"), "default_payment_method")
        return str(method) if method else None

    def charge(
        self,
        *,
        customer_ref: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> PaymentResult:
        params: Any = {
            "amount": amount,
            "currency": currency.lower(),
            "customer": customer_ref,
            "confirm": True,
            "off_session": True,
            "metadata": dict(metadata),
            "expand": EXPAND_FEE,
        }
        card = self._default_card(customer_ref)
        if card:
            params["payment_method"] = card
        try:
            with translated("payment intent"):
                intent = self.client.v1.payment_intents.create(
                    params, {"idempotency_key": idempotency_key}
                )
        except DeclinedError as declined:
            return PaymentResult(
                provider_ref=declined.intent or f"declined:{idempotency_key}",
                status="failed",
                amount=amount,
                currency=currency.lower(),
                raw={"decline": str(declined)},
            )
        return intent_result(intent)

    def refund(self, *, charge_ref: str, amount: int | None, idempotency_key: str) -> PaymentResult:
        params: Any = {"payment_intent": charge_ref}
        if amount is not None:
            params["amount"] = amount
        with translated("refund"):
            refund = self.client.v1.refunds.create(params, {"idempotency_key": idempotency_key})
        return refund_result(refund)

    def payout(
        self, *, account_ref: str, amount: int, currency: str, idempotency_key: str
    ) -> PaymentResult:
        """A Connect transfer of the creator's share to their Express account."""
        with translated("transfer"):
            transfer = self.client.v1.transfers.create(
                {
                    "amount": amount,
                    "currency": currency.lower(),
                    "destination": account_ref,
                    "metadata": {"socialflow_key": idempotency_key},
                },
                {"idempotency_key": idempotency_key},
            )
        return transfer_result(transfer)

    # -------------------------------------------------------- subscriptions

    def _price(
        self,
        amount: int,
        currency: str,
        interval: Literal["month", "year"],
        meta: Mapping[str, str],
    ) -> str:
        return billing.price_for(
            self.client,
            amount=amount,
            currency=currency,
            interval=interval,
            metadata=meta,
            product_name=self.settings.product_name,
        )

    def create_subscription(
        self,
        *,
        customer_ref: str,
        amount: int,
        currency: str,
        interval: Literal["month", "year"],
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> PaymentResult:
        price = self._price(amount, currency, interval, metadata)
        return billing.create(
            self.client,
            customer_ref=customer_ref,
            price=price,
            idempotency_key=idempotency_key,
            metadata=metadata,
        )

    def cancel_subscription(self, *, subscription_ref: str) -> PaymentResult:
        return billing.cancel(self.client, subscription_ref)

    def cancel_at_period_end(
        self, *, subscription_ref: str, cancel: bool, idempotency_key: str
    ) -> PaymentResult:
        return billing.cancel_at_period_end(
            self.client, subscription_ref, cancel=cancel, idempotency_key=idempotency_key
        )

    def change_subscription_price(
        self,
        *,
        subscription_ref: str,
        amount: int,
        currency: str,
        interval: Literal["month", "year"],
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> PaymentResult:
        """Upgrade or downgrade; Stripe prorates (an upgrade is invoiced at once)."""
        price = self._price(amount, currency, interval, metadata)
        return billing.change_price(
            self.client, subscription_ref, price=price, idempotency_key=idempotency_key
        )

    def checkout_url(
        self,
        *,
        customer_ref: str,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
        subscription: tuple[int, str, Literal["month", "year"]] | None = None,
    ) -> str:
        """A Checkout page: a subscription at ``(amount, currency, interval)``, or (None)
        saving a card for later charges."""
        price = self._price(*subscription, metadata) if subscription else None
        return billing.checkout(
            self.client,
            customer_ref=customer_ref,
            price=price,
            success_url=success_url,
            cancel_url=cancel_url,
            idempotency_key=idempotency_key,
            metadata=metadata,
        )

    # ------------------------------------------------------------- webhooks

    def webhook_event_id(self, *, payload: bytes, headers: Mapping[str, str]) -> str:
        """The verified event's id, without asking Stripe anything (a redelivery of an
        event already applied is answered from that alone)."""
        event = events.verify(
            payload, headers, self._webhook_secret, self.settings.webhook_tolerance
        )
        return str(event.id)

    def parse_webhook(self, *, payload: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        event = events.verify(
            payload, headers, self._webhook_secret, self.settings.webhook_tolerance
        )
        return events.translate(self.client, event)

    def replay_events(self, *, since: datetime) -> Iterator[WebhookEvent]:
        """Events Stripe sent (or tried to) since ``since``, oldest first, translated like
        webhooks (each object fetched again): what ``socialflow payments reconcile`` replays."""
        return events.since(self.client, since)
