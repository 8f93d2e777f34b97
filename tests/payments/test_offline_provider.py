"""The built-in offline provider passes the payment provider conformance suite."""

from __future__ import annotations

from typing import Any

import pytest

from socialflow.builtins.offline_payments import OfflinePaymentProvider, make_offline_provider
from socialflow.plugins.manager import PluginError
from socialflow.testing.conformance import PaymentProviderConformance
from socialflow.testing.conformance.payments import WebhookFactory


class TestOfflineProvider(PaymentProviderConformance):
    @pytest.fixture
    def provider(self, platform: Any) -> OfflinePaymentProvider:
        provider = platform.provider("payments")
        assert isinstance(provider, OfflinePaymentProvider)
        return provider

    @pytest.fixture
    def signed_webhook(self, provider: OfflinePaymentProvider) -> WebhookFactory:
        return lambda event_type, ref: provider.sign_webhook(event_type, ref)


def test_results_are_marked_test_mode(offline: OfflinePaymentProvider) -> None:
    customer = offline.create_customer(user_id="1", email=None)
    result = offline.charge(
        customer_ref=customer, amount=100, currency="usd", idempotency_key="k", metadata={}
    )
    assert offline.test_mode is True
    assert result.raw["livemode"] is False
    assert result.status == "succeeded"


def test_a_declining_customer_is_refused(offline: OfflinePaymentProvider) -> None:
    customer = offline.create_customer(user_id="1", email=None)
    offline.set_declining(customer)
    result = offline.charge(
        customer_ref=customer, amount=100, currency="usd", idempotency_key="d1", metadata={}
    )
    assert result.status == "failed"
    offline.set_declining(customer, False)
    again = offline.charge(
        customer_ref=customer, amount=100, currency="usd", idempotency_key="d2", metadata={}
    )
    assert again.status == "succeeded"


def test_a_key_reused_for_another_operation_is_refused(offline: OfflinePaymentProvider) -> None:
    customer = offline.create_customer(user_id="1", email=None)
    offline.charge(
        customer_ref=customer, amount=100, currency="usd", idempotency_key="same", metadata={}
    )
    with pytest.raises(ValueError, match="was used for a ch"):
        offline.payout(account_ref="a", amount=100, currency="usd", idempotency_key="same")


def test_refused_in_production(platform: Any) -> None:
    production = platform.settings.model_copy(update={"environment": "production"})
    with pytest.raises(PluginError, match="refused in production"):
        make_offline_provider(production)
