"""socialflow's subscription routes with Stripe Billing: subscribe, upgrade, cancel and
resume go through Stripe (over HTTP to the local stub); renewals, dunning and every
invoice come back through signed webhooks, into the subscription and the ledger once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from socialflow.payments import billing, ledger
from socialflow.payments.models import CHARGES, Subscription
from sqlalchemy import select

from conftest import balance
from socialflow_stripe import StripeProvider
from stripe_stub import StripeStub

WEBHOOK = "/api/v1/payments/webhooks/stripe"


@pytest.fixture
def people(
    make_user: Callable[..., Any], auth_headers: Callable[[Any], dict[str, str]]
) -> dict[str, Any]:
    creator, fan = make_user(), make_user()
    return {
        "creator": creator,
        "fan": fan,
        "as_creator": auth_headers(creator),
        "as_fan": auth_headers(fan),
    }


def _tier(client: httpx.Client, headers: dict[str, str], price: int, trial: int = 0) -> int:
    answer = client.post(
        "/api/v1/payments/tiers",
        headers=headers,
        json={"name": f"tier {price}", "price": price, "currency": "usd", "trial_days": trial},
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _deliver(client: httpx.Client, stub: StripeStub, since: int, times: int = 2) -> None:
    """Deliver every event Stripe recorded from index ``since`` on, each ``times`` times."""
    for event in list(stub.events[since:]) * times:
        body, headers = stub.signed(event)
        answer = client.post(WEBHOOK, content=body, headers=headers)
        assert answer.status_code == 200, answer.text


def _ours(platform: Any, sub_id: int) -> Subscription:
    with platform.session() as session:
        sub = session.get(Subscription, sub_id)
        assert sub is not None
        session.expunge(sub)
        return sub


def _same_as_stripe(platform: Any, stub: StripeStub, sub_id: int) -> dict[str, Any]:
    """Our copy equals the stub's subscription: status, price, period, cancel flag."""
    ours = _ours(platform, sub_id)
    assert ours.provider_ref is not None
    theirs = stub.objects[ours.provider_ref]
    item = theirs["items"]["data"][0]
    assert ours.status == theirs["status"]
    assert ours.price == item["price"]["unit_amount"]
    assert ours.cancel_at_period_end is theirs["cancel_at_period_end"]
    end = ours.current_period_end
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    assert end == datetime.fromtimestamp(item["current_period_end"], UTC)
    return theirs


def _booked(platform: Any, sub_id: int) -> list[int]:
    with platform.session() as session:
        return list(
            session.scalars(
                select(CHARGES.c.amount)
                .where(CHARGES.c.subscription_id == sub_id, CHARGES.c.status == "succeeded")
                .order_by(CHARGES.c.id)
            )
        )


def _books_balance(platform: Any) -> None:
    with platform.session() as session:
        assert ledger.unbalanced_entries(session) == []


def test_subscribe_upgrade_renew_dunning_and_cancel_through_stripe_billing(
    platform: Any,
    client: httpx.Client,
    provider: StripeProvider,
    stub: StripeStub,
    people: dict[str, Any],
) -> None:
    assert provider.billing is True
    basic = _tier(client, people["as_creator"], 1000)
    gold = _tier(client, people["as_creator"], 3000)
    start = len(stub.events)
    made = client.post(
        "/api/v1/payments/subscriptions", headers=people["as_fan"], json={"tier_id": basic}
    )
    assert made.status_code == 201, made.text
    sub_id = int(made.json()["id"])
    assert made.json()["status"] == "active"
    assert made.json()["test_mode"] is True
    theirs = _same_as_stripe(platform, stub, sub_id)
    assert theirs["metadata"]["tier_id"] == str(basic)
    assert [i["amount_paid"] for i in stub.invoices()] == [1000]
    assert _booked(platform, sub_id) == [], "nothing booked before Stripe's invoice arrives"
    _deliver(client, stub, start)
    assert _booked(platform, sub_id) == [1000], "the first invoice booked once"
    fee = (1000 * 29 + 500) // 1000 + 30
    assert balance(platform, "processor_fees") == fee
    assert balance(platform, "platform_fees") == 100

    # The sweep does not renew it locally: Stripe keeps the schedule.
    report = billing.sweep(platform, provider, now=datetime(2100, 1, 1, tzinfo=UTC))
    assert report.renewed == 0

    # Upgrade: Stripe prorates and invoices the difference at once.
    mark = len(stub.events)
    up = client.post(
        f"/api/v1/payments/subscriptions/{sub_id}/upgrade",
        headers=people["as_fan"],
        json={"tier_id": gold},
    )
    assert up.status_code == 200, up.text
    assert (up.json()["tier_id"], up.json()["price"]) == (gold, 3000)
    _same_as_stripe(platform, stub, sub_id)
    proration = stub.invoices()[-1]
    assert proration["billing_reason"] == "subscription_update"
    assert 1990 <= proration["amount_paid"] <= 2000
    _deliver(client, stub, mark)
    assert _booked(platform, sub_id) == [1000, proration["amount_paid"]]

    # Renewal fails: past_due from the webhook (access kept), then unpaid, then paid again.
    ref = _ours(platform, sub_id).provider_ref
    assert ref is not None
    mark = len(stub.events)
    stub.declining.add(theirs["customer"])
    stub.renew(ref)
    _deliver(client, stub, mark)
    assert _ours(platform, sub_id).status == "past_due"
    _same_as_stripe(platform, stub, sub_id)
    mark = len(stub.events)
    stub.update_subscription(ref, status="unpaid")
    _deliver(client, stub, mark)
    assert _ours(platform, sub_id).status == "unpaid"
    stub.declining.clear()
    mark = len(stub.events)
    stub.renew(ref)
    _deliver(client, stub, mark)
    assert _ours(platform, sub_id).status == "active"
    _same_as_stripe(platform, stub, sub_id)
    assert _booked(platform, sub_id) == [1000, proration["amount_paid"], 3000]

    # Cancel at period end, resume, then cancel now.
    ending = client.post(
        f"/api/v1/payments/subscriptions/{sub_id}/cancel",
        headers=people["as_fan"],
        json={"at_period_end": True},
    )
    assert ending.status_code == 200, ending.text
    assert ending.json()["cancel_at_period_end"] is True
    assert _same_as_stripe(platform, stub, sub_id)["cancel_at_period_end"] is True
    resumed = client.post(
        f"/api/v1/payments/subscriptions/{sub_id}/resume", headers=people["as_fan"]
    )
    assert resumed.status_code == 200
    assert resumed.json()["cancel_at_period_end"] is False
    _same_as_stripe(platform, stub, sub_id)
    mark = len(stub.events)
    gone = client.post(
        f"/api/v1/payments/subscriptions/{sub_id}/cancel",
        headers=people["as_fan"],
        json={"at_period_end": False},
    )
    assert gone.status_code == 200
    assert gone.json()["status"] == "canceled"
    assert _same_as_stripe(platform, stub, sub_id)["status"] == "canceled"
    _deliver(client, stub, mark)
    assert _ours(platform, sub_id).status == "canceled"
    again = client.post(
        f"/api/v1/payments/subscriptions/{sub_id}/cancel",
        headers=people["as_fan"],
        json={"at_period_end": False},
    )
    assert again.status_code == 409
    # Every event delivered twice; each invoice booked once and the books balance.
    assert _booked(platform, sub_id) == [1000, proration["amount_paid"], 3000]
    _books_balance(platform)


def test_a_trial_starts_at_stripe_and_its_first_invoice_books_later(
    platform: Any,
    client: httpx.Client,
    stub: StripeStub,
    people: dict[str, Any],
) -> None:
    tier = _tier(client, people["as_creator"], 800, trial=7)
    made = client.post(
        "/api/v1/payments/subscriptions", headers=people["as_fan"], json={"tier_id": tier}
    )
    assert made.status_code == 201, made.text
    sub_id = int(made.json()["id"])
    theirs = _same_as_stripe(platform, stub, sub_id)
    assert theirs["status"] == "trialing"
    assert stub.invoices() == [], "no charge during the trial"
    mark = len(stub.events)
    stub.renew(theirs["id"])
    _deliver(client, stub, mark)
    assert _ours(platform, sub_id).status == "active"
    assert _booked(platform, sub_id) == [800]


def test_a_declined_first_payment_is_402_and_others_cannot_touch_it(
    platform: Any,
    client: httpx.Client,
    provider: StripeProvider,
    stub: StripeStub,
    people: dict[str, Any],
    make_user: Callable[..., Any],
    auth_headers: Callable[[Any], dict[str, str]],
) -> None:
    tier = _tier(client, people["as_creator"], 1200)
    with platform.session() as session:
        from socialflow.payments import customers

        customer = customers.reference(session, provider, people["fan"].id, "payer")
        session.commit()
    stub.declining.add(customer)
    refused = client.post(
        "/api/v1/payments/subscriptions", headers=people["as_fan"], json={"tier_id": tier}
    )
    assert refused.status_code == 402, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    sub_id = int(refused.json()["subscription_id"])
    assert _same_as_stripe(platform, stub, sub_id)["status"] == "incomplete"
    stub.declining.clear()
    # Someone else's subscription: 404, and nothing sent to Stripe.
    other = auth_headers(make_user())
    requests = len(stub.requests)
    for path, body in (("cancel", {"at_period_end": False}), ("resume", None)):
        answer = client.post(
            f"/api/v1/payments/subscriptions/{sub_id}/{path}", headers=other, json=body
        )
        assert answer.status_code == 404, answer.text
    assert len(stub.requests) == requests


def _send(client: httpx.Client, stub: StripeStub, events: list[dict[str, Any]]) -> None:
    for event in events:
        body, headers = stub.signed(event)
        answer = client.post(WEBHOOK, content=body, headers=headers)
        assert answer.status_code == 200, answer.text


def test_a_late_payment_event_of_a_paid_invoice_leaves_the_subscription_to_stripe(
    platform: Any,
    client: httpx.Client,
    stub: StripeStub,
    people: dict[str, Any],
) -> None:
    """The charge booked for an invoice is not a payment of socialflow's own schedule:
    its PaymentIntent's event arriving last renews nothing here (Stripe's state stays)."""
    tier = _tier(client, people["as_creator"], 1000)
    start = len(stub.events)
    made = client.post(
        "/api/v1/payments/subscriptions", headers=people["as_fan"], json={"tier_id": tier}
    )
    assert made.status_code == 201, made.text
    sub_id = int(made.json()["id"])
    told = stub.events[start:]
    late = [e for e in told if e["type"] in ("charge.succeeded", "payment_intent.succeeded")]
    _send(client, stub, [e for e in told if e not in late])
    assert _booked(platform, sub_id) == [1000]
    mark = len(stub.events)
    stub.update_subscription(_same_as_stripe(platform, stub, sub_id)["id"], status="past_due")
    _send(client, stub, stub.events[mark:] + late)
    assert _same_as_stripe(platform, stub, sub_id)["status"] == "past_due"
    assert _booked(platform, sub_id) == [1000]
    _books_balance(platform)
