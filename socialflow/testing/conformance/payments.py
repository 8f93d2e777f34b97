"""The payment provider conformance suite.

Subclass :class:`PaymentProviderConformance` and provide ``provider`` and
``signed_webhook``: a callable ``(event_type, provider_ref) -> (payload,
headers)`` producing a webhook the provider must accept, as its service would
send it (for Stripe, ``stripe.WebhookSignature.generate_signature_header``).

The suite checks the money rules socialflow relies on: amounts and
currencies come back as asked, a repeated idempotency key does not move
money twice, subscriptions cancel, refunds refer to their charge, and a
webhook whose body or signature was changed is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping

import pytest

from socialflow.plugins.protocols import (
    PaymentProvider,
    PaymentResult,
    WebhookEvent,
    WebhookVerificationError,
)

STATUSES = ("pending", "succeeded", "failed", "canceled")
WebhookFactory = Callable[[str, str], tuple[bytes, Mapping[str, str]]]


def _key() -> str:
    return uuid.uuid4().hex


class PaymentProviderConformance:
    """Behaviour every payment provider must show."""

    currency: str = "usd"

    @pytest.fixture
    def provider(self) -> PaymentProvider:
        """Override: return the provider under test."""
        pytest.fail(f"{type(self).__name__} must define a `provider` fixture")

    @pytest.fixture
    def signed_webhook(self) -> WebhookFactory:
        """Override: ``make(event_type, provider_ref) -> (payload, headers)``, a webhook
        the provider must accept. The payload must contain ``provider_ref`` verbatim:
        the suite changes it to prove a tampered body is refused."""
        pytest.fail(f"{type(self).__name__} must define a `signed_webhook` fixture")

    @pytest.fixture
    def customer(self, provider: PaymentProvider) -> str:
        return provider.create_customer(user_id=f"user-{_key()[:8]}", email="payer@example.com")

    @staticmethod
    def assert_result(result: object, *, amount: int, currency: str) -> PaymentResult:
        assert isinstance(result, PaymentResult)
        assert result.provider_ref
        assert result.status in STATUSES
        assert result.amount == amount
        assert result.currency.lower() == currency.lower()
        return result

    def test_has_a_name(self, provider: PaymentProvider) -> None:
        assert isinstance(provider.name, str)
        assert provider.name

    def test_customers_are_distinct(self, provider: PaymentProvider) -> None:
        first = provider.create_customer(user_id="user-a", email="a@example.com")
        second = provider.create_customer(user_id="user-b", email=None)
        assert first
        assert second
        assert first != second

    def test_says_whether_it_is_test_mode(self, provider: PaymentProvider) -> None:
        assert isinstance(provider.test_mode, bool)

    def test_payout_accounts_are_distinct(self, provider: PaymentProvider) -> None:
        first = provider.create_payout_account(user_id="creator-a", email="a@example.com")
        second = provider.create_payout_account(user_id="creator-b", email=None)
        assert first
        assert second
        assert first != second

    def test_charge(self, provider: PaymentProvider, customer: str) -> None:
        result = provider.charge(
            customer_ref=customer,
            amount=500,
            currency=self.currency,
            idempotency_key=_key(),
            metadata={"kind": "tip"},
        )
        assert self.assert_result(result, amount=500, currency=self.currency).status in (
            "pending",
            "succeeded",
        )

    def test_charge_is_idempotent(self, provider: PaymentProvider, customer: str) -> None:
        key = _key()
        args = {
            "customer_ref": customer,
            "amount": 250,
            "currency": self.currency,
            "metadata": {},
        }
        first = provider.charge(idempotency_key=key, **args)  # type: ignore[arg-type]
        again = provider.charge(idempotency_key=key, **args)  # type: ignore[arg-type]
        other = provider.charge(idempotency_key=_key(), **args)  # type: ignore[arg-type]
        assert first.provider_ref == again.provider_ref, "same key, same charge"
        assert other.provider_ref != first.provider_ref, "a new key is a new charge"

    def test_subscription_and_cancel(self, provider: PaymentProvider, customer: str) -> None:
        key = _key()
        created = provider.create_subscription(
            customer_ref=customer,
            amount=999,
            currency=self.currency,
            interval="month",
            idempotency_key=key,
            metadata={"creator_id": "c1"},
        )
        self.assert_result(created, amount=999, currency=self.currency)
        repeated = provider.create_subscription(
            customer_ref=customer,
            amount=999,
            currency=self.currency,
            interval="month",
            idempotency_key=key,
            metadata={"creator_id": "c1"},
        )
        assert repeated.provider_ref == created.provider_ref
        canceled = provider.cancel_subscription(subscription_ref=created.provider_ref)
        assert canceled.status == "canceled"

    def test_refund(self, provider: PaymentProvider, customer: str) -> None:
        charge = provider.charge(
            customer_ref=customer,
            amount=1000,
            currency=self.currency,
            idempotency_key=_key(),
            metadata={},
        )
        partial = provider.refund(
            charge_ref=charge.provider_ref, amount=300, idempotency_key=_key()
        )
        assert partial.amount == 300
        key = _key()
        rest = provider.refund(charge_ref=charge.provider_ref, amount=None, idempotency_key=key)
        assert rest.amount == 700, "amount=None refunds what is left"
        again = provider.refund(charge_ref=charge.provider_ref, amount=None, idempotency_key=key)
        assert again.provider_ref == rest.provider_ref

    def test_payout(self, provider: PaymentProvider) -> None:
        key = _key()
        first = provider.payout(
            account_ref="acct-1", amount=1234, currency=self.currency, idempotency_key=key
        )
        self.assert_result(first, amount=1234, currency=self.currency)
        again = provider.payout(
            account_ref="acct-1", amount=1234, currency=self.currency, idempotency_key=key
        )
        assert again.provider_ref == first.provider_ref

    def test_webhook_is_verified_and_parsed(
        self, provider: PaymentProvider, signed_webhook: WebhookFactory
    ) -> None:
        payload, headers = signed_webhook("payment_succeeded", "ref-123")
        event = provider.parse_webhook(payload=payload, headers=headers)
        assert isinstance(event, WebhookEvent)
        assert event.id
        assert event.type

    def test_tampered_webhooks_are_refused(
        self, provider: PaymentProvider, signed_webhook: WebhookFactory
    ) -> None:
        payload, headers = signed_webhook("payment_succeeded", "ref-123")
        with pytest.raises(WebhookVerificationError):
            provider.parse_webhook(payload=payload.replace(b"ref-123", b"ref-999"), headers=headers)
        with pytest.raises(WebhookVerificationError):
            provider.parse_webhook(payload=payload, headers={})
        other_payload, other_headers = signed_webhook("payment_succeeded", "ref-456")
        with pytest.raises(WebhookVerificationError):
            provider.parse_webhook(payload=payload, headers=other_headers)
        assert other_payload != payload
