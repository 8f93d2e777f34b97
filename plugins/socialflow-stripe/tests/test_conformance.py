"""The ``stripe`` provider passes socialflow's payment provider conformance suite."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from socialflow.testing.conformance import PaymentProviderConformance

from socialflow_stripe import StripeProvider
from stripe_stub import StripeStub


class TestStripeProvider(PaymentProviderConformance):
    @pytest.fixture
    def provider(self, make_provider: Callable[..., StripeProvider]) -> StripeProvider:
        return make_provider()

    @pytest.fixture
    def signed_webhook(
        self, stub: StripeStub
    ) -> Callable[[str, str], tuple[bytes, Mapping[str, str]]]:
        """A ``payment_intent.succeeded`` for an intent the stub does not know (the
        provider then translates the event's own copy)."""

        def make(event_type: str, provider_ref: str) -> tuple[bytes, Mapping[str, str]]:
            intent = {
                "id": provider_ref,
                "object": "payment_intent",
                "amount": 500,
                "currency": "usd",
                "status": "succeeded",
                "latest_charge": None,
            }
            with stub.lock:
                event = stub.emit("payment_intent.succeeded", intent)
            return stub.signed(event)

        return make


def test_test_keys_are_test_mode(make_provider: Callable[..., StripeProvider]) -> None:
    assert make_provider().test_mode is True
    assert make_provider(secret_key="sk_live_abc").test_mode is False
