"""``/api/v1/payments`` over real HTTP with the offline provider: tiers, subscribing,
tips, refunds, earnings, payouts, statements, webhooks, and who may see what."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import httpx

from socialflow.builtins.offline_payments import OfflinePaymentProvider
from socialflow.core.effects import PendingTask
from socialflow.payments import customers, ledger
from socialflow.payments.ledger import AccountKind
from socialflow.payments.models import Charge
from socialflow.payments.tasks import SWEEP_TASK
from socialflow.testing.tasks import wait_for_tasks
from tests.social.conftest import Actor, make_post

Api = Callable[..., httpx.Response]


def _tier(api: Api, creator: Actor, price: int = 1000, **extra: Any) -> dict[str, Any]:
    body = {"name": "Gold", "price": price, "currency": "usd", "perks": "early videos", **extra}
    response = api("POST", "/payments/tiers", creator, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _problem(response: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    if slug is not None:
        assert problem["type"].endswith(slug), problem
    return problem


def run_sweep(platform: Any) -> None:
    """The beat task, sent as beat sends it (a real worker on the services backend)."""
    platform.enqueue(PendingTask(SWEEP_TASK, queue="default"))
    wait_for_tasks(platform)


def test_subscribe_tip_refund_earnings_payout_statement(
    api: Api, actor: Callable[..., Actor], client: httpx.Client, platform: Any
) -> None:
    creator, fan = actor(), actor()
    tier = _tier(api, creator)
    assert tier["price"] == 1000
    listed = api("GET", f"/payments/creators/{creator.name}/tiers", fan).json()["items"]
    assert [t["id"] for t in listed] == [tier["id"]]

    subscribed = api("POST", "/payments/subscriptions", fan, json={"tier_id": tier["id"]})
    assert subscribed.status_code == 201, subscribed.text
    sub = subscribed.json()
    assert (sub["status"], sub["test_mode"]) == ("active", True)
    again = api("POST", "/payments/subscriptions", fan, json={"tier_id": tier["id"]})
    _problem(again, 409, "already-subscribed")

    post = make_post(api, creator, "thanks for the support")
    tipped = client.post(
        "/api/v1/payments/tips",
        json={"to": creator.name, "amount": 555, "currency": "usd", "post_id": post["id"]},
        headers={**fan.headers, "Idempotency-Key": "tip-1"},
    )
    assert tipped.status_code == 201, tipped.text
    tip = tipped.json()
    assert (tip["amount"], tip["fee"], tip["test_mode"]) == (555, 56, True)
    replay = client.post(
        "/api/v1/payments/tips",
        json={"to": creator.name, "amount": 555, "currency": "usd", "post_id": post["id"]},
        headers={**fan.headers, "Idempotency-Key": "tip-1"},
    )
    assert replay.json()["id"] == tip["id"], "a retried request pays once"

    refunded = api("POST", f"/payments/charges/{tip['id']}/refunds", creator, json={"amount": 55})
    assert refunded.status_code == 201, refunded.text
    assert refunded.json()["status"] == "succeeded"

    (usd,) = api("GET", "/payments/earnings", creator).json()["items"]
    # Earnings wait in pending until the sweep releases them; the refund's creator part
    # (55 - 5 of fee) comes out of the available balance, below zero for now.
    assert (usd["pending"], usd["available"]) == (900 + 499, -50)
    assert (usd["gross"], usd["fees"], usd["refunded"]) == (1555, 156, 55)
    _problem(
        api("POST", "/payments/payouts", creator, json={"currency": "usd"}),
        409,
        "payout-below-minimum",
    )

    # The sweep releases the earnings and, on the weekly schedule, pays them out.
    run_sweep(platform)
    history = api("GET", "/payments/payouts", creator).json()["items"]
    assert [(p["amount"], p["status"]) for p in history] == [(900 + 499 - 50, "paid")]
    after = api("GET", "/payments/earnings", creator).json()["items"][0]
    assert (after["pending"], after["available"], after["paid_out"]) == (0, 0, 1349)
    run_sweep(platform)
    assert len(api("GET", "/payments/payouts", creator).json()["items"]) == 1, "paid once"

    year = sub["current_period_start"][:4]
    statement = api("GET", f"/payments/statements/{year}", creator)
    assert statement.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(statement.text)))
    assert [r["type"] for r in rows] == ["subscription", "tip", "refund", "payout"]
    assert sum(int(r["net"]) for r in rows) == 0, "everything earned was paid out"


def test_a_declined_card_is_a_402_and_charges_nothing(
    api: Api, actor: Callable[..., Actor], platform: Any, offline: OfflinePaymentProvider
) -> None:
    creator, fan = actor(), actor()
    tier = _tier(api, creator)
    with platform.session() as session:
        ref = customers.reference(session, offline, fan.id, "payer")
        session.commit()
    offline.set_declining(ref)
    declined = api("POST", "/payments/subscriptions", fan, json={"tier_id": tier["id"]})
    _problem(declined, 402, "payment-declined")
    subs = api("GET", "/payments/subscriptions", fan).json()["items"]
    assert [s["status"] for s in subs] == ["canceled"]
    tip = api(
        "POST", "/payments/tips", fan, json={"to": creator.name, "amount": 100, "currency": "usd"}
    )
    _problem(tip, 402, "payment-declined")
    assert api("GET", "/payments/earnings", creator).json()["items"] == []


def test_nobody_reads_or_touches_another_users_money(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    creator, fan, stranger = actor(), actor(), actor()
    tier = _tier(api, creator)
    sub = api("POST", "/payments/subscriptions", fan, json={"tier_id": tier["id"]}).json()
    tip = api(
        "POST", "/payments/tips", fan, json={"to": creator.name, "amount": 2000, "currency": "usd"}
    ).json()
    run_sweep(platform)  # releases the earnings and pays them out (weekly schedule)
    (payout,) = api("GET", "/payments/payouts", creator).json()["items"]

    assert api("GET", f"/payments/subscriptions/{sub['id']}", creator).status_code == 200
    _problem(api("GET", f"/payments/subscriptions/{sub['id']}", stranger), 404)
    _problem(api("POST", f"/payments/subscriptions/{sub['id']}/cancel", stranger, json={}), 404)
    _problem(api("POST", f"/payments/subscriptions/{sub['id']}/cancel", creator, json={}), 404)
    _problem(api("POST", f"/payments/charges/{tip['id']}/refunds", stranger, json={}), 404)
    _problem(api("POST", f"/payments/charges/{tip['id']}/refunds", fan, json={}), 404)
    _problem(api("GET", f"/payments/payouts/{payout['id']}", stranger), 404)
    _problem(api("DELETE", f"/payments/tiers/{tier['id']}", stranger), 404)
    assert api("GET", "/payments/subscriptions", stranger).json()["items"] == []
    assert api("GET", "/payments/subscribers", stranger).json()["items"] == []
    assert api("GET", "/payments/earnings", stranger).json()["items"] == []
    assert api("GET", "/payments/payouts", stranger).json()["items"] == []
    assert api("GET", "/payments/charges", stranger).json()["items"] == []
    statement = api("GET", "/payments/statements/2026", stranger).text.strip().splitlines()
    assert len(statement) == 1, "a header and nothing else"
    assert [s["id"] for s in api("GET", "/payments/subscribers", creator).json()["items"]] == [
        sub["id"]
    ]
    _problem(api("GET", "/payments/earnings", None), 401)


def test_bad_input_is_a_problem(api: Api, actor: Callable[..., Actor]) -> None:
    creator = actor()
    _problem(
        api(
            "POST", "/payments/tiers", creator, json={"name": "x", "price": 1.5, "currency": "usd"}
        ),
        422,
    )
    _problem(
        api(
            "POST", "/payments/tiers", creator, json={"name": "x", "price": 100, "currency": "xxx"}
        ),
        422,
        "currency-not-accepted",
    )
    _problem(
        api("POST", "/payments/tiers", creator, json={"name": "x", "price": -1, "currency": "usd"}),
        422,
    )
    _problem(
        api(
            "POST",
            "/payments/tips",
            creator,
            json={"to": creator.name, "amount": 100, "currency": "usd"},
        ),
        422,
        "self-tip",
    )
    _problem(
        api(
            "POST",
            "/payments/tips",
            creator,
            json={"to": "nobody_here", "amount": 100, "currency": "usd"},
        ),
        404,
    )
    _problem(api("POST", "/payments/subscriptions", creator, json={"tier_id": 999999}), 404)


def test_provider_webhooks_are_verified_and_processed_once(
    api: Api,
    actor: Callable[..., Actor],
    offline: OfflinePaymentProvider,
    platform: Any,
    client: httpx.Client,
) -> None:
    creator, fan = actor(), actor()
    tip = api(
        "POST", "/payments/tips", fan, json={"to": creator.name, "amount": 1000, "currency": "usd"}
    ).json()
    with platform.session() as session:
        charge = session.get(Charge, tip["id"])
        ref = charge.provider_ref
    # A chargeback names the charge by the provider's reference.
    payload, headers = offline.sign_webhook(
        "dispute_opened", ref, {"dispute_ref": "dp_1", "amount": 1000}
    )
    first = client.post("/api/v1/payments/webhooks/offline", content=payload, headers=headers)
    assert first.json() == {"received": True, "duplicate": False}, first.text
    again = client.post("/api/v1/payments/webhooks/offline", content=payload, headers=headers)
    assert again.json() == {"received": True, "duplicate": True}
    earnings = api("GET", "/payments/earnings", creator).json()["items"][0]
    # Held from the available balance (below zero while the tip's earnings are pending).
    assert (earnings["pending"], earnings["available"], earnings["disputed"]) == (900, -900, 1000)

    lost, lost_headers = offline.sign_webhook("dispute_lost", "dp_1", {"dispute_ref": "dp_1"})
    closed = client.post("/api/v1/payments/webhooks/offline", content=lost, headers=lost_headers)
    assert closed.json()["duplicate"] is False
    with platform.session() as session:
        assert ledger.trial_balance(session) == {"usd": 0}
        clearing = ledger.account(session, AccountKind.processor_clearing)
        assert ledger.balance(session, clearing, "usd") == 0, "the processor kept the money"

    tampered = payload.replace(b"dp_1", b"dp_2")
    _problem(
        client.post("/api/v1/payments/webhooks/offline", content=tampered, headers=headers),
        400,
        "webhook-verification-failed",
    )
    _problem(client.post("/api/v1/payments/webhooks/stripe", content=payload, headers=headers), 404)


def test_the_data_export_holds_the_users_payments_only(
    api: Api, actor: Callable[..., Actor]
) -> None:
    creator, fan, other = actor(), actor(), actor()
    tier = _tier(api, creator)
    api("POST", "/payments/subscriptions", fan, json={"tier_id": tier["id"]})
    api(
        "POST", "/payments/tips", other, json={"to": creator.name, "amount": 700, "currency": "usd"}
    )
    mine = api("GET", "/users/me/export", fan).json()["payments"]
    assert [s["tier_id"] for s in mine["subscriptions"]] == [tier["id"]]
    assert [(c["kind"], c["amount"]) for c in mine["charges"]] == [("subscription", 1000)]
    theirs = api("GET", "/users/me/export", creator).json()["payments"]
    assert [t["id"] for t in theirs["tiers"]] == [tier["id"]]
    assert sorted(c["amount"] for c in theirs["charges"]) == [700, 1000]
