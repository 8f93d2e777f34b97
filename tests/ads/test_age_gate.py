"""Campaigns with a minimum viewer age, over HTTP: serving, home-feed inserts, validation.

The viewer's age comes from the private date of birth on their own account;
a viewer without one (or signed out) never sees an age-gated campaign.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from socialflow.core.db.base import utcnow
from tests.ads.conftest import Actor, Api, campaign_body
from tests.ads.test_serving import serve
from tests.social.conftest import follow, make_post
from tests.social.test_post_images import uploaded


def born(years: int, days: int = 0) -> str:
    """The date of birth of someone turning ``years`` old ``days`` from today (UTC)."""
    today = utcnow().date()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = date(today.year - years, 3, 1)
    return (birthday + timedelta(days=days)).isoformat()


def aged(api: Api, actor: Callable[..., Actor], birth_date: str | None) -> Actor:
    who = actor()
    if birth_date is not None:
        answer = api("PATCH", "/users/me", who, json={"birth_date": birth_date})
        assert answer.status_code == 200, answer.text
    return who


def test_age_gated_campaigns_reach_only_viewers_known_to_be_old_enough(
    api: Api,
    advertiser: Callable[..., Actor],
    live_campaign: Callable[..., dict[str, Any]],
    actor: Callable[..., Actor],
) -> None:
    gated = live_campaign(advertiser(), bid=900, min_age=18)
    assert gated["min_age"] == 18
    open_to_all = live_campaign(advertiser(), bid=200)
    assert open_to_all["min_age"] is None
    adult = aged(api, actor, born(30))
    just_eighteen = aged(api, actor, born(18))
    eighteen_tomorrow = aged(api, actor, born(18, days=1))
    teen = aged(api, actor, born(15))
    unknown = aged(api, actor, None)
    for who in (adult, just_eighteen):
        ad = serve(api, who)
        assert ad is not None
        assert ad["campaign_id"] == gated["id"], "the higher bid wins for an adult"
    for who in (eighteen_tomorrow, teen, unknown):
        ad = serve(api, who)
        assert ad is not None
        assert ad["campaign_id"] == open_to_all["id"], "the age gate keeps the higher bid out"
    # A viewer who removes their date of birth is of unknown age again.
    api("PATCH", "/users/me", adult, json={"birth_date": None})
    assert serve(api, adult)["campaign_id"] == open_to_all["id"]  # type: ignore[index]
    # Signed out: no ads at all (serving needs a viewer).
    assert api("GET", "/ads/serve", None, params={"placement": "video"}).status_code == 401


def test_only_age_gated_campaigns_leave_unknown_ages_without_an_ad(
    api: Api,
    advertiser: Callable[..., Actor],
    live_campaign: Callable[..., dict[str, Any]],
    actor: Callable[..., Actor],
) -> None:
    live_campaign(advertiser(), min_age=21)
    assert serve(api, aged(api, actor, None)) is None
    assert serve(api, aged(api, actor, born(20))) is None
    assert serve(api, aged(api, actor, born(21))) is not None


def test_home_feed_inserts_respect_the_age_gate(
    api: Api,
    advertiser: Callable[..., Actor],
    live_campaign: Callable[..., dict[str, Any]],
    actor: Callable[..., Actor],
) -> None:
    gated = {live_campaign(advertiser(), bid=800 + n, min_age=18)["id"] for n in range(2)}
    open_to_all = {live_campaign(advertiser(), bid=100 + n)["id"] for n in range(2)}
    author = actor()
    adult, teen, unknown = (aged(api, actor, b) for b in (born(40), born(16), None))
    for reader in (adult, teen, unknown):
        follow(api, reader, author)
    for n in range(6):
        make_post(api, author, f"post {n}")

    def shown(reader: Actor) -> list[int]:
        page = api("GET", "/feed/home", reader, params={"limit": 20})
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) == 6
        return [i["ad"]["campaign_id"] for i in page.json()["inserts"]]

    assert set(shown(adult)) == gated, "both slots go to the higher, age-gated bids"
    for reader in (teen, unknown):
        assert set(shown(reader)) == open_to_all
    assert api("GET", "/feed/home", None).status_code == 401


def test_min_age_is_validated_and_kept(
    api: Api, advertiser: Callable[..., Actor], live_campaign: Callable[..., dict[str, Any]]
) -> None:
    shop = advertiser()
    image = uploaded(api, shop)
    for bad in (12, 100, "adult", -1):
        answer = api("POST", "/ads/campaigns", shop, json=campaign_body(image["id"], min_age=bad))
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert api("GET", "/ads/campaigns", shop).json() == []
    made = live_campaign(shop, min_age=18)
    listed = api("GET", f"/ads/campaigns/{made['id']}", shop).json()
    assert listed["min_age"] == 18


def test_serving_refuses_a_token_that_no_longer_stands_and_bad_placements(
    api: Api, advertiser: Callable[..., Actor], live_campaign: Callable[..., dict[str, Any]]
) -> None:
    from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD

    live_campaign(advertiser())
    login = api(
        "POST",
        "/auth/login",
        None,
        json={"username_or_email": advertiser(topup=0).name, "password": DEFAULT_PASSWORD},
    )
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    viewer = Actor(None, headers)
    assert api("GET", "/ads/serve", viewer, params={"placement": "video"}).status_code == 200
    for bad in ({}, {"placement": "billboard"}, {"placement": "video\\x00"}):
        answer = api("GET", "/ads/serve", viewer, params=bad)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert api("POST", "/auth/logout", viewer).status_code == 204
    gone = api("GET", "/ads/serve", viewer, params={"placement": "video"})
    assert gone.status_code == 401, gone.text
    forged = Actor(None, {"Authorization": f"Bearer {token[:-3]}xyz"})
    assert api("GET", "/ads/serve", forged, params={"placement": "video"}).status_code == 401
