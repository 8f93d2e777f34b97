"""Stripe webhooks through a real HTTP server: verified, applied once, out of order resolved,
and Stripe's fee kept apart from the creator's and the platform's figures."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
from socialflow.payments import charges, ledger
from socialflow.payments.models import (
    DISPUTES,
    ENTRIES,
    WEBHOOK_EVENTS,
    Charge,
)
from sqlalchemy import func, select

from conftest import balance
from socialflow_stripe import StripeProvider
from stripe_stub import StripeStub

URL = "/api/v1/payments/webhooks/stripe"


def _count(platform: Any, table: Any) -> int:
    with platform.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _books_balance(platform: Any) -> None:
    with platform.session() as session:
        assert ledger.unbalanced_entries(session) == []
        assert all(total == 0 for total in ledger.trial_balance(session).values())


def test_stripe_fee_is_its_own_account(
    platform: Any, make_user: Callable[..., Any], earn: Callable[..., Any], stub: StripeStub
) -> None:
    fan, creator = make_user(), make_user()
    charge = earn(fan.id, creator.id, 1000)
    assert charge.status == "succeeded"
    assert charge.provider_ref.startswith("pi_")
    stripe_fee = 29 + 30  # the stub's 2.9% + 30, as on the charge's balance transaction
    assert balance(platform, "creator_available", owner=creator.id) == 900, "gross - 10%"
    assert balance(platform, "platform_fees") == 100
    assert balance(platform, "processor_fees") == stripe_fee
    assert balance(platform, "processor_clearing") == 1000 - stripe_fee
    _books_balance(platform)


def _settled_intent_event(
    platform: Any,
    provider: StripeProvider,
    stub: StripeStub,
    pending_charge: Callable[..., int],
    make_user: Callable[..., Any],
) -> tuple[int, dict[str, Any]]:
    """A charge left processing by Stripe, then succeeded there (its event not delivered)."""
    fan, creator = make_user(), make_user()
    stub.intent_mode = "processing"
    charge = charges.collect(platform, provider, pending_charge(fan.id, creator.id, 1000))
    assert charge.status == "pending"
    stub.settle_intent(charge.provider_ref, succeeded=True)
    event = stub.events[-1]
    assert event["type"] == "payment_intent.succeeded"
    return int(charge.id), event


def test_forged_tampered_and_stale_signatures_are_refused_without_effect(
    platform: Any,
    client: httpx.Client,
    provider: StripeProvider,
    stub: StripeStub,
    pending_charge: Callable[..., int],
    make_user: Callable[..., Any],
) -> None:
    charge_id, event = _settled_intent_event(platform, provider, stub, pending_charge, make_user)
    payload, headers = stub.signed(event)
    forged = stub.signed(event, secret="whsec_not_the_endpoints")
    stale = stub.signed(event, timestamp=int(time.time()) - 301)
    _other, other_headers = stub.signed({**event, "id": "evt_other"})
    tampered = json.loads(payload)
    tampered["data"]["object"]["amount"] = 1
    attempts = [
        forged,
        stale,
        (json.dumps(tampered, separators=(",", ":")).encode(), headers),
        (payload.replace(b'"succeeded"', b'"succeeded" '), headers),
        (payload, other_headers),
        (payload, {"Content-Type": "application/json"}),
        (payload, {"Stripe-Signature": "t=1,v1=00", "Content-Type": "application/json"}),
        (b"not json", headers),
    ]
    entries_before = _count(platform, ENTRIES)
    for body, sent in attempts:
        answer = client.post(URL, content=body, headers=sent)
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["type"].endswith("webhook-verification-failed")
        assert "whsec" not in answer.text
    with platform.session() as session:
        assert session.get(Charge, charge_id).status == "pending"
    assert _count(platform, WEBHOOK_EVENTS) == 0
    assert _count(platform, ENTRIES) == entries_before
    # The genuine delivery is applied, once.
    first = client.post(URL, content=payload, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"received": True, "duplicate": False}
    again = client.post(URL, content=payload, headers=headers)
    assert again.json() == {"received": True, "duplicate": True}
    with platform.session() as session:
        assert session.get(Charge, charge_id).status == "succeeded"
    assert _count(platform, WEBHOOK_EVENTS) == 1
    _books_balance(platform)


def test_body_limit_still_applies(platform: Any, client: httpx.Client, stub: StripeStub) -> None:
    """The webhook route streams nothing: the edge's max_body_bytes holds (413, no effect)."""
    big = {"id": "evt_big", "object": "event", "type": "customer.updated", "created": 1}
    big["data"] = {"object": {"id": "cus_1", "object": "customer", "pad": "x" * 1_100_000}}
    payload, headers = stub.signed(big)
    answer = client.post(URL, content=payload, headers=headers)
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert _count(platform, WEBHOOK_EVENTS) == 0


def test_events_out_of_order_resolve_to_stripes_current_state(
    platform: Any,
    client: httpx.Client,
    provider: StripeProvider,
    stub: StripeStub,
    pending_charge: Callable[..., int],
    make_user: Callable[..., Any],
) -> None:
    charge_id, succeeded = _settled_intent_event(
        platform, provider, stub, pending_charge, make_user
    )
    processing = next(e for e in stub.events if e["type"] == "payment_intent.processing")
    with platform.session() as session:
        ref = session.get(Charge, charge_id).provider_ref
    dispute = stub.open_dispute(ref)
    stub.close_dispute(dispute["id"], won=False)
    opened, closed = stub.events[-2:]
    # Newest first: the dispute's close before its opening, success before "processing".
    for event in (closed, opened, succeeded, processing):
        answer = client.post(URL, content=(signed := stub.signed(event))[0], headers=signed[1])
        assert answer.status_code == 200, answer.text
    with platform.session() as session:
        assert session.get(Charge, charge_id).status == "succeeded"
        statuses = session.execute(select(DISPUTES.c.status)).scalars().all()
    assert statuses == ["lost"], "opened from the closing event, once"
    with platform.session() as session:
        creator = session.get(Charge, charge_id).creator_id
    # 900 earned (still pending: not released yet), 900 held by the lost dispute.
    assert balance(platform, "creator_pending", owner=creator) == 900
    assert balance(platform, "creator_available", owner=creator) == -900
    assert balance(platform, "disputes") == 0
    _books_balance(platform)


def test_dispute_fees_are_booked_once_and_given_back_when_won(
    platform: Any,
    client: httpx.Client,
    make_user: Callable[..., Any],
    earn: Callable[..., Any],
    stub: StripeStub,
) -> None:
    """Stripe's dispute fee (in the dispute's balance transactions) goes to
    ``processor_fees`` once per transaction; a won dispute's returned fee reverses it."""
    charge_fee = 29 + 30
    dispute_fee = 1500
    results = {}
    for won, return_fee in ((True, True), (False, False), (True, False)):
        fan, creator = make_user(), make_user()
        charge = earn(fan.id, creator.id, 1000)
        before = balance(platform, "processor_fees")
        dispute = stub.open_dispute(charge.provider_ref)
        opened = stub.events[-1]
        for _ in range(2):
            sent = stub.signed(opened)
            assert client.post(URL, content=sent[0], headers=sent[1]).status_code == 200
        assert balance(platform, "processor_fees") - before == dispute_fee
        stub.close_dispute(dispute["id"], won=won, return_fee=return_fee)
        closed = stub.events[-1]
        # Redelivered, and told again by another event (Stripe's state fetched again).
        for event in (closed, opened, closed, {**opened, "id": f"{opened['id']}_again"}):
            sent = stub.signed(event)
            assert client.post(URL, content=sent[0], headers=sent[1]).status_code == 200
        results[(won, return_fee)] = balance(platform, "processor_fees") - before
    assert results == {(True, True): 0, (False, False): dispute_fee, (True, False): dispute_fee}
    assert balance(platform, "processor_fees") == 3 * charge_fee + 2 * dispute_fee
    _books_balance(platform)
