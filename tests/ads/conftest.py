"""Fixtures for the ads tests: the offline provider, advertisers with money, campaigns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from socialflow.accounts.models import Role
from tests.social import conftest as social
from tests.social.conftest import Actor
from tests.social.test_post_images import uploaded

Api = Callable[..., httpx.Response]
actor = social.actor  # fixtures re-exported
api = social.api


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"payments": "offline", "plugin": {"ads": {"feed_interval": 3}}}


@pytest.fixture
def moderator(actor: Callable[..., Actor]) -> Actor:
    return actor(role=Role.moderator)


def campaign_body(image_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Autumn roast",
        "total_budget": 2000,
        "daily_budget": 500,
        "bid_type": "cpm",
        "bid": 300,
        "creative_kind": "image",
        "creative_id": image_id,
        "headline": "Roasted on the trail",
        "click_url": "https://example.com/autumn",
        "placements": ["home_feed", "video"],
    }
    return {**body, **changes}


@pytest.fixture
def advertiser(api: Api, actor: Callable[..., Actor]) -> Callable[..., Actor]:
    """``advertiser(topup=5000)``: a user registered as an advertiser, topped up."""

    def make(topup: int = 5000, name: str | None = None) -> Actor:
        who = actor(name)
        answer = api("POST", "/ads/advertiser", who, json={"name": "Shop", "currency": "usd"})
        assert answer.status_code == 201, answer.text
        if topup:
            paid = api("POST", "/ads/advertiser/topups", who, json={"amount": topup})
            assert paid.status_code == 201, paid.text
        return who

    return make


@pytest.fixture
def live_campaign(api: Api, moderator: Actor) -> Callable[..., dict[str, Any]]:
    """``live_campaign(who, **fields)``: a campaign with an uploaded image, approved."""

    def make(who: Actor, **changes: Any) -> dict[str, Any]:
        image = uploaded(api, who)
        made = api("POST", "/ads/campaigns", who, json=campaign_body(image["id"], **changes))
        assert made.status_code == 201, made.text
        cid = made.json()["id"]
        assert api("POST", f"/ads/campaigns/{cid}/submit", who).status_code == 200
        approved = api("POST", f"/ads/review/{cid}", moderator, json={"decision": "approve"})
        assert approved.status_code == 200, approved.text
        return dict(approved.json())

    return make
