"""Serving and counting over HTTP: tokens, replays, forgeries, duplicates, blocks, feeds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.ads.conftest import Actor, Api
from tests.social.conftest import follow, make_post


def serve(api: Api, who: Actor, placement: str = "video") -> dict[str, Any] | None:
    answer = api("GET", "/ads/serve", who, params={"placement": placement})
    assert answer.status_code in (200, 204), answer.text
    return answer.json() if answer.status_code == 200 else None


def event(api: Api, who: Actor, token: str, kind: str = "impression") -> Any:
    return api("POST", "/ads/events", who, json={"token": token, "kind": kind})


def test_tokens_count_once_and_forged_or_replayed_ones_are_refused(
    api: Api,
    advertiser: Callable[..., Actor],
    live_campaign: Callable[..., dict[str, Any]],
    actor: Callable[..., Actor],
) -> None:
    shop = advertiser()
    campaign = live_campaign(shop)
    viewer, other = actor(), actor()
    ad = serve(api, viewer)
    assert ad is not None
    assert ad["campaign_id"] == campaign["id"]
    assert ad["creative"]["kind"] == "image"
    first = event(api, viewer, ad["token"])
    assert first.json() == {"counted": True, "reason": "counted"}
    replay = event(api, viewer, ad["token"])
    assert replay.status_code == 409
    assert replay.json()["type"].endswith("replayed-ad-token")
    payload, _, mac = ad["token"].partition(".")
    forged = event(api, viewer, f"{payload}.{mac[:-2]}AA")
    assert forged.status_code == 400
    assert forged.json()["type"].endswith("forged-ad-token")
    assert event(api, viewer, "x" * 12).status_code == 400
    assert event(api, other, serve(api, viewer)["token"]).status_code == 400, "not theirs"  # type: ignore[index]
    again = serve(api, viewer)
    assert again is not None
    duplicate = event(api, viewer, again["token"])
    assert duplicate.json() == {"counted": False, "reason": "duplicate"}
    assert event(api, viewer, ad["token"], "click").json()["counted"] is True
    report = api("GET", f"/ads/campaigns/{campaign['id']}/report", shop).json()
    assert len(report) == 1
    assert (report[0]["impressions"], report[0]["clicks"], report[0]["reach"]) == (1, 1, 1)
    assert report[0]["ctr"] == "100.00%"
    csv = api("GET", f"/ads/campaigns/{campaign['id']}/report", shop, params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "day,impressions,clicks,ctr,spend,reach"
    assert csv.text.splitlines()[1].split(",")[1:4] == ["1", "1", "100.00%"]
    assert api("GET", f"/ads/campaigns/{campaign['id']}/report", other).status_code == 404


def test_no_ad_from_an_account_the_viewer_blocked_or_muted_or_that_blocked_them(
    api: Api,
    advertiser: Callable[..., Actor],
    live_campaign: Callable[..., dict[str, Any]],
    actor: Callable[..., Actor],
) -> None:
    shop = advertiser()
    live_campaign(shop)
    blocker, muter, blocked = actor(), actor(), actor()
    assert serve(api, blocker) is not None
    api("POST", f"/users/{shop.name}/block", blocker)
    api("POST", f"/users/{shop.name}/mute", muter)
    api("POST", f"/users/{blocked.name}/block", shop)
    for who in (blocker, muter, blocked):
        assert serve(api, who) is None
    assert serve(api, shop) is None, "advertisers are not shown their own ads"
    bad = api("GET", "/ads/serve", blocker, params={"placement": "billboard"})
    assert bad.status_code == 422


def test_home_feeds_carry_ads_at_the_interval_never_from_a_blocked_account(
    api: Api,
    advertiser: Callable[..., Actor],
    live_campaign: Callable[..., dict[str, Any]],
    actor: Callable[..., Actor],
) -> None:
    shops = [advertiser() for _ in range(3)]
    campaigns = {live_campaign(shop, bid=100 + 50 * i)["id"]: shop for i, shop in enumerate(shops)}
    author, reader = actor(), actor()
    follow(api, reader, author)
    for n in range(7):
        make_post(api, author, f"post {n}")
    page = api("GET", "/feed/home", reader, params={"limit": 20}).json()
    assert len(page["items"]) == 7
    assert [i["position"] for i in page["inserts"]] == [3, 6], "feed_interval is 3"
    shown = [i["ad"]["campaign_id"] for i in page["inserts"]]
    assert len(set(shown)) == 2, "never the same campaign twice on a page"
    assert set(shown) <= set(campaigns)
    best = max(campaigns)
    assert shown[0] == best, "the highest bid wins the first slot"
    api("POST", f"/users/{campaigns[best].name}/block", reader)
    for _ in range(3):
        again = api("GET", "/feed/home", reader, params={"limit": 20}).json()
        assert best not in [i["ad"]["campaign_id"] for i in again["inserts"]]
        assert len(again["items"]) == 7
    loner = actor()
    assert "inserts" not in api("GET", "/feed/explore", loner).json()
