"""Payments tell people through their inbox: creators of subscribers, tips and payouts;
fans of their failed payments. Amounts in the currency's minor units, shown exactly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialflow.builtins.offline_payments import OfflinePaymentProvider
from socialflow.payments import customers
from socialflow.payments.notices import money
from tests.payments.test_api import Api, _tier, run_sweep
from tests.social.conftest import Actor


def texts(api: Api, who: Actor) -> list[tuple[str, str | None, str]]:
    items = api("GET", "/notifications", who).json()["items"]
    return [(n["kind"], (n["actor"] or {}).get("username"), n["text"]) for n in items]


def test_creator_is_told_of_subscribers_tips_and_payouts(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    creator, fan = actor(), actor()
    tier = _tier(api, creator)
    assert api("POST", "/payments/subscriptions", fan, json={"tier_id": tier["id"]}).is_success
    tip = {"to": creator.name, "amount": 555, "currency": "usd"}
    assert api("POST", "/payments/tips", fan, json=tip).status_code == 201
    run_sweep(platform)  # releases the earnings (less fees) and pays them out
    assert texts(api, creator) == [
        ("payout_sent", None, "Your payout of 13.99 USD was sent."),
        ("tip_received", fan.name, f"{fan.name} sent you a tip of 5.55 USD"),
        ("new_subscriber", fan.name, f"{fan.name} subscribed to {tier['name']}"),
    ]
    assert texts(api, fan) == []


def test_a_fan_is_told_of_a_failed_payment(
    api: Api, actor: Callable[..., Actor], platform: Any, offline: OfflinePaymentProvider
) -> None:
    creator, fan = actor(), actor()
    with platform.session() as session:
        ref = customers.reference(session, offline, fan.id, "payer")
        session.commit()
    offline.set_declining(ref)
    tip = {"to": creator.name, "amount": 100, "currency": "eur"}
    assert api("POST", "/payments/tips", fan, json=tip).status_code == 402
    assert texts(api, fan) == [
        ("payment_failed", None, "Your payment of 1.00 EUR failed. Check your payment method.")
    ]
    assert texts(api, creator) == []


def test_money_is_shown_in_minor_units_exactly() -> None:
    assert money(1250, "eur") == "12.50 EUR"
    assert money(5, "usd") == "0.05 USD"
    assert money(-1999, "gbp") == "-19.99 GBP"
    assert money(500, "jpy") == "500 JPY"
