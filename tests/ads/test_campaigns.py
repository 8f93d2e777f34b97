"""Advertisers, top-ups through the provider into the ledger, campaigns, review, audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialflow.payments import ledger
from socialflow.payments.ledger import AccountKind
from tests.ads.conftest import Actor, Api, campaign_body
from tests.social.test_post_images import uploaded


def test_a_topup_lands_in_the_advertisers_prepaid_balance_in_the_ledger(
    api: Api, advertiser: Callable[..., Actor], platform: Any
) -> None:
    shop = advertiser(topup=0)
    assert (
        api("POST", "/ads/advertiser", shop, json={"name": "x", "currency": "usd"}).status_code
        == 409
    )
    keyed = Actor(shop.user, {**shop.headers, "Idempotency-Key": "k1"})
    paid = api("POST", "/ads/advertiser/topups", keyed, json={"amount": 2500})
    assert paid.status_code == 201, paid.text
    assert paid.json()["status"] == "succeeded"
    again = api("POST", "/ads/advertiser/topups", keyed, json={"amount": 2500})
    assert again.json()["id"] == paid.json()["id"], "a retried top-up pays once"
    me = api("GET", "/ads/advertiser", shop).json()
    assert me == {"name": "Shop", "currency": "usd", "balance": 2500, "available": 2500}
    with platform.session() as session:
        prepaid = ledger.account(session, AccountKind.advertiser_prepaid, shop.id)
        assert ledger.balance(session, prepaid, "usd") == 2500
        assert ledger.trial_balance(session) == {"usd": 0}
    bad = api("POST", "/ads/advertiser/topups", shop, json={"amount": 2.5})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_a_campaign_is_reviewed_before_it_serves_with_an_audit_trail(
    api: Api, advertiser: Callable[..., Actor], moderator: Actor, actor: Callable[..., Actor]
) -> None:
    shop = advertiser(topup=5000)
    image = uploaded(api, shop)
    made = api("POST", "/ads/campaigns", shop, json=campaign_body(image["id"]))
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    assert made.json()["status"] == "draft"
    stranger = actor()
    assert api("GET", f"/ads/campaigns/{cid}", stranger).status_code == 404
    assert api("POST", f"/ads/campaigns/{cid}/submit", stranger).status_code == 404
    assert api("POST", f"/ads/campaigns/{cid}/pause", shop).status_code == 409
    assert api("POST", f"/ads/campaigns/{cid}/submit", shop).json()["status"] == "pending_review"
    assert api("POST", f"/ads/review/{cid}", shop, json={"decision": "approve"}).status_code == 403
    assert [c["id"] for c in api("GET", "/ads/review", moderator).json()] == [cid]
    rejected = api(
        "POST", f"/ads/review/{cid}", moderator, json={"decision": "reject", "reason": "blurry"}
    )
    assert rejected.json()["status"] == "rejected"
    api("POST", f"/ads/campaigns/{cid}/submit", shop)
    assert (
        api("POST", f"/ads/review/{cid}", moderator, json={"decision": "approve"}).json()["status"]
        == "active"
    )
    assert api("POST", f"/ads/campaigns/{cid}/pause", shop).json()["status"] == "paused"
    assert api("POST", f"/ads/campaigns/{cid}/resume", shop).json()["status"] == "active"
    history = api("GET", f"/ads/campaigns/{cid}/history", shop).json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("", "draft"),
        ("draft", "pending_review"),
        ("pending_review", "rejected"),
        ("rejected", "pending_review"),
        ("pending_review", "active"),
        ("active", "paused"),
        ("paused", "active"),
    ]
    assert history[2]["reason"] == "blurry"
    assert history[2]["actor_id"] == moderator.id
    assert api("GET", f"/ads/campaigns/{cid}/history", stranger).status_code == 404


def test_creatives_must_be_the_advertisers_own_and_budgets_covered(
    api: Api, advertiser: Callable[..., Actor], actor: Callable[..., Actor]
) -> None:
    shop = advertiser(topup=1000)
    other = actor()
    theirs = uploaded(api, other)
    refused = api("POST", "/ads/campaigns", shop, json=campaign_body(theirs["id"]))
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("bad-creative")
    missing = api("POST", "/ads/campaigns", shop, json=campaign_body("nope", creative_kind="video"))
    assert missing.status_code == 422
    mine = uploaded(api, shop)
    over = api("POST", "/ads/campaigns", shop, json=campaign_body(mine["id"], daily_budget=5000))
    assert over.status_code == 422, "a daily budget above the total"
    costly = api("POST", "/ads/campaigns", shop, json=campaign_body(mine["id"]))
    cid = costly.json()["id"]
    broke = api("POST", f"/ads/campaigns/{cid}/submit", shop)
    assert broke.status_code == 409
    assert broke.json()["type"].endswith("insufficient-funds")
    assert api("POST", "/ads/campaigns", other, json=campaign_body(theirs["id"])).status_code == 404
    float_bid = api("POST", "/ads/campaigns", shop, json=campaign_body(mine["id"], bid=1.5))
    assert float_bid.status_code == 422


def test_a_disabled_ads_app_leaves_the_rest_working(
    make_platform: Callable[..., Any],
    make_user: Callable[..., Any],
    auth_headers: Callable[[Any], dict[str, str]],
) -> None:
    import httpx

    from socialflow.app import create_app
    from socialflow.testing.server import run_server

    platform = make_platform(disabled_apps=["ads"])
    user = make_user()
    assert "ads-spend-batch" not in platform.celery.conf.beat_schedule
    with (
        run_server(create_app(platform=platform)) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        headers = auth_headers(user)
        assert http.get("/api/v1/ads/advertiser", headers=headers).status_code == 404
        page = http.get("/api/v1/feed/home", headers=headers)
        assert page.status_code == 200
        assert "inserts" not in page.json()
        paths = http.get("/openapi.json").json()["paths"]
        assert not [p for p in paths if p.startswith("/api/v1/ads")]
