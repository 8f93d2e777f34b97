"""Stripe Billing and Connect through the provider: tier prices, trials, proration on
upgrade, cancel at period end, Checkout, Express onboarding links, declined cards."""

from __future__ import annotations

from collections.abc import Callable

from socialflow_stripe import StripeProvider
from stripe_stub import StripeStub

TIER = {"creator_id": "7", "tier_id": "3"}


def test_subscription_with_trial_upgrade_and_cancel_at_period_end(
    make_provider: Callable[..., StripeProvider], stub: StripeStub
) -> None:
    provider = make_provider()
    customer = provider.create_customer(user_id="41", email="fan@example.com")
    assert provider.create_customer(user_id="41", email="fan@example.com") == customer, (
        "the same user's customer is created once (derived idempotency key)"
    )
    made = provider.create_subscription(
        customer_ref=customer,
        amount=500,
        currency="usd",
        interval="month",
        idempotency_key="sub:1",
        metadata={**TIER, "trial_days": "14"},
    )
    assert (made.status, made.amount, made.raw["status"]) == ("succeeded", 500, "trialing")
    again = provider.create_subscription(
        customer_ref=customer,
        amount=500,
        currency="usd",
        interval="month",
        idempotency_key="sub:2",
        metadata=TIER,
    )
    prices = [o for o in stub.objects.values() if o["object"] == "price"]
    assert len(prices) == 1, "one Price per tier and amount, found again by lookup key"
    assert again.raw["status"] == "active"

    upgraded = provider.change_subscription_price(
        subscription_ref=again.provider_ref,
        amount=900,
        currency="usd",
        interval="month",
        idempotency_key="upgrade:1",
        metadata=TIER,
    )
    assert upgraded.amount == 900
    update = [p for m, p, _ in stub.requests if m == "POST" and p.startswith("/v1/subscriptions/")]
    assert update, "the upgrade updated the subscription"
    ending = provider.cancel_at_period_end(
        subscription_ref=again.provider_ref, cancel=True, idempotency_key="end:1"
    )
    assert ending.raw["cancel_at_period_end"] is True
    assert ending.status == "succeeded", "still active until the period ends"
    assert provider.cancel_subscription(subscription_ref=again.provider_ref).status == "canceled"


def test_checkout_and_onboarding_links(
    make_provider: Callable[..., StripeProvider], stub: StripeStub
) -> None:
    provider = make_provider()
    customer = provider.create_customer(user_id="42", email=None)
    url = provider.checkout_url(
        customer_ref=customer,
        success_url="https://example.com/ok",
        cancel_url="https://example.com/back",
        idempotency_key="checkout:1",
        metadata=TIER,
        subscription=(500, "usd", "month"),
    )
    assert url.startswith("https://checkout.stripe.test/")
    account = provider.create_payout_account(user_id="7", email="creator@example.com")
    assert account.startswith("acct_")
    assert stub.objects[account]["type"] == "express"
    link = provider.onboarding_link(
        account_ref=account,
        refresh_url="https://example.com/again",
        return_url="https://example.com/done",
    )
    assert link.endswith(account)


def test_a_declined_card_is_a_failed_result(
    make_provider: Callable[..., StripeProvider], stub: StripeStub
) -> None:
    provider = make_provider()
    customer = provider.create_customer(user_id="43", email=None)
    stub.declining.add(customer)
    result = provider.charge(
        customer_ref=customer, amount=700, currency="usd", idempotency_key="ch:1", metadata={}
    )
    assert result.status == "failed"
    assert result.provider_ref.startswith("pi_"), "the refused PaymentIntent"
    assert result.amount == 700
