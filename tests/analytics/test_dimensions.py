"""Countries, regions and user agents of views; live audiences; follows lost through a
block; revenue from the ledger: through the API and the rollup task, each checked
against a direct count over what was written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from socialflow.analytics.models import AnalyticsEvent
from tests.analytics.conftest import Api, get_json, run_rollup, video_of
from tests.social.conftest import Actor, follow

CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {
        "trusted_proxies": ["127.0.0.1", "::1"],
        "payments": "offline",
        "plugin": {
            "payments": {"pending_days": 0},
            "analytics": {
                "retention_bucket_seconds": 1,
                "country_header": "CF-IPCountry",
                "region_header": "X-Region-Code",
            },
        },
    }


def _view(client: httpx.Client, video_id: str, who: Actor, agent: str, **headers: str) -> None:
    response = client.post(
        f"/api/v1/videos/{video_id}/views",
        json={"watched_seconds": 4, "position": 4, "source": "feed"},
        headers={**who.headers, "User-Agent": agent, **headers},
    )
    assert response.status_code == 200, response.text


def test_countries_regions_and_agents_roll_up_per_video_and_creator(
    api: Api, client: httpx.Client, actor: Callable[..., Actor], platform: Any
) -> None:
    creator = actor("globe")
    first, second = video_of(platform, creator), video_of(platform, creator)
    viewers = [actor(f"viewer{i}") for i in range(5)]
    _view(
        client, first, viewers[0], CHROME_ANDROID, **{"CF-IPCountry": "fr", "X-Region-Code": "IDF"}
    )
    _view(client, first, viewers[1], CHROME_ANDROID, **{"CF-IPCountry": "FR"})
    _view(client, first, viewers[2], FIREFOX_WINDOWS, **{"CF-IPCountry": "XX"})  # none
    _view(client, first, viewers[3], IPAD, **{"CF-IPCountry": "not a country"})
    _view(client, second, viewers[4], FIREFOX_WINDOWS, **{"CF-IPCountry": "DE"})
    # The same viewer again within the view window: watch time, not a view.
    _view(
        client, first, viewers[0], CHROME_ANDROID, **{"CF-IPCountry": "FR", "X-Region-Code": "IDF"}
    )
    run_rollup(platform)

    stats = get_json(api, f"/analytics/creator/videos/{first}", creator, days=2)
    audience = stats["audience"]
    assert audience["countries"] == [
        {"country": "FR", "views": 2, "watch_seconds": 12.0},
        {"country": "unknown", "views": 2, "watch_seconds": 8.0},
    ]
    assert audience["regions"] == [
        {"country": "FR", "region": "IDF", "views": 1, "watch_seconds": 8.0}
    ]
    assert audience["devices"] == [
        {"name": "mobile", "views": 2},
        {"name": "desktop", "views": 1},
        {"name": "tablet", "views": 1},
    ]
    assert {b["name"]: b["views"] for b in audience["browsers"]} == {
        "Chrome Mobile": 2,
        "Firefox": 1,
        "Mobile Safari": 1,
    }
    assert {o["name"]: o["views"] for o in audience["operating_systems"]} == {
        "Android": 2,
        "Windows": 1,
        "iOS": 1,
    }

    overall = get_json(api, "/analytics/creator/audience", creator, days=2)
    assert {c["country"]: c["views"] for c in overall["countries"]} == {
        "FR": 2,
        "unknown": 2,
        "DE": 1,
    }
    # Equal to a direct count over the raw events.
    with platform.session() as session:
        events = AnalyticsEvent.__table__  # type: ignore[attr-defined]
        raw = dict(
            session.execute(
                select(events.c.country, func.count())
                .where(events.c.kind == "view", events.c.new_view.is_(True))
                .where(events.c.creator_id == creator.id)
                .group_by(events.c.country)
            ).all()
        )
    assert {(c or "unknown"): n for c, n in raw.items()} == {
        c["country"]: c["views"] for c in overall["countries"]
    }
    assert sum(d["views"] for d in overall["devices"]) == 5
    # Nobody else's numbers: another creator sees nothing.
    other = get_json(api, "/analytics/creator/audience", actor("nobody"), days=2)
    assert other["countries"] == []
    assert other["browsers"] == []


def test_a_country_header_is_ignored_unless_a_trusted_proxy_sent_it() -> None:
    import asyncio

    from socialflow.analytics.capture import where_and_what
    from socialflow.analytics.settings import AnalyticsSettings
    from socialflow.core.http.request_facts import RequestFacts

    settings = AnalyticsSettings(country_header="CF-IPCountry", region_header="X-Region")
    seen: list[dict[str, Any]] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(where_and_what(settings))

    def through(trusted: list[str], peer: str) -> dict[str, Any]:
        scope = {
            "type": "http",
            "client": (peer, 5000),
            "headers": [
                (b"cf-ipcountry", b"NL"),
                (b"x-region", b"NH"),
                (b"user-agent", b"agent/1.0"),
            ],
        }
        asyncio.run(RequestFacts(inner, trusted)(scope, None, None))  # type: ignore[arg-type]
        return seen[-1]

    assert through(["10.0.0.0/8"], "10.1.2.3") == {
        "user_agent": "agent/1.0",
        "country": "NL",
        "region": "NH",
    }
    assert through(["10.0.0.0/8"], "192.0.2.7") == {"user_agent": "agent/1.0"}
    assert through([], "10.1.2.3") == {"user_agent": "agent/1.0"}
    assert through(["*"], "192.0.2.7")["country"] == "NL"
    assert where_and_what(settings) == {}, "outside a request: nothing"


def test_follows_cut_by_a_block_count_as_followers_lost(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    creator, fan, other, mutual = actor("blocker"), actor("fan"), actor("other"), actor("mutual")
    for who in (fan, other, mutual):
        assert follow(api, who, creator) == "following"
    assert follow(api, creator, mutual) == "following"
    # The creator blocks fan (a follower lost); mutual blocks the creator (the creator
    # loses mutual as a follower, and mutual loses the creator).
    assert api("POST", f"/users/{fan.name}/block", creator).status_code == 200
    assert api("POST", f"/users/{creator.name}/block", mutual).status_code == 200
    assert api("POST", f"/users/{creator.name}/block", mutual).status_code == 200  # again
    run_rollup(platform)
    totals = get_json(api, "/analytics/creator/overview", creator, days=2)["totals"]
    assert (totals["follows_gained"], totals["follows_lost"], totals["net_followers"]) == (
        3,
        2,
        1,
    )
    assert (
        get_json(api, "/analytics/creator/overview", mutual, days=2)["totals"]["follows_lost"] == 1
    )
    profile = api("GET", f"/users/{creator.name}", creator).json()
    assert profile["follower_count"] == totals["net_followers"]


def test_live_audience_peak_and_when(api: Api, actor: Callable[..., Actor], platform: Any) -> None:
    from socialflow.live import viewers
    from socialflow.live.models import LiveStream

    creator = actor("streamer")
    made = api("POST", "/live/streams", creator, json={"title": "Live!"})
    assert made.status_code == 201, made.text
    stream_id = made.json()["id"]
    with platform.session() as session:
        session.execute(
            update(LiveStream.__table__)  # type: ignore[attr-defined]
            .where(LiveStream.__table__.c.id == stream_id)  # type: ignore[attr-defined]
            .values(status="live")
        )
        session.commit()
    a, b, c = (actor(f"watcher{i}").id for i in range(3))
    steps = [(a, +1), (b, +1), (a, +1), (c, +1), (b, -1), (a, -1), (a, -1), (b, +1)]
    counts = [viewers.change(platform, stream_id, user, delta) for user, delta in steps]
    assert [n["viewer_count"] for n in counts] == [1, 2, 2, 3, 2, 2, 1, 2]
    run_rollup(platform)
    live = get_json(api, "/analytics/creator/live", creator, days=2)
    (stream,) = live["streams"]
    assert stream["stream_id"] == stream_id
    assert stream["peak_viewers"] == 3 == live["peak_viewers"]
    assert stream["total_viewers"] == 3
    assert stream["joins"] == 5 == live["joins"]
    with platform.session() as session:
        events = AnalyticsEvent.__table__  # type: ignore[attr-defined]
        fourth = session.execute(
            select(events.c.occurred_at)
            .where(events.c.kind == "live", events.c.stream_id == stream_id)
            .order_by(events.c.id)
            .offset(3)
            .limit(1)
        ).scalar_one()
    assert stream["peak_at"] == fourth.isoformat()
    assert get_json(api, "/analytics/creator/live", actor("quiet"), days=2)["streams"] == []


def test_revenue_by_source_equals_the_ledger(
    api: Api,
    client: httpx.Client,
    actor: Callable[..., Actor],
    make_user: Any,
    auth_headers: Any,
    platform: Any,
) -> None:
    from socialflow.accounts.models import Role
    from socialflow.payments.models import ACCOUNTS, ENTRIES, LINES
    from tests.social.conftest import make_post

    creator, fan, second = actor("earner"), actor("payer"), actor("payer2")
    tier = api(
        "POST",
        "/payments/tiers",
        creator,
        json={"name": "Gold", "price": 1000, "currency": "usd", "perks": "p"},
    )
    assert tier.status_code == 201, tier.text
    sub = api("POST", "/payments/subscriptions", fan, json={"tier_id": tier.json()["id"]})
    assert sub.status_code == 201, sub.text
    post = make_post(api, creator, "tips welcome")
    for who, amount, key in ((fan, 555, "t1"), (second, 300, "t2")):
        tipped = client.post(
            "/api/v1/payments/tips",
            json={"to": creator.name, "amount": amount, "currency": "usd", "post_id": post["id"]},
            headers={**who.headers, "Idempotency-Key": key},
        )
        assert tipped.status_code == 201, tipped.text
        if key == "t1":
            tip = tipped.json()
    eur = client.post(
        "/api/v1/payments/tips",
        json={"to": creator.name, "amount": 1000, "currency": "eur", "post_id": post["id"]},
        headers={**second.headers, "Idempotency-Key": "t3"},
    )
    assert eur.status_code == 201, eur.text
    refunded = api("POST", f"/payments/charges/{tip['id']}/refunds", creator, json={"amount": 55})
    assert refunded.status_code == 201, refunded.text
    cancel = api("POST", f"/payments/subscriptions/{sub.json()['id']}/cancel", fan, json={})
    assert cancel.status_code == 200, cancel.text

    found = get_json(api, "/analytics/creator/revenue", creator, days=2)
    usd = next(c for c in found["currencies"] if c["currency"] == "usd")
    # 10% fee: 1000 -> 900; 555 -> 499; 300 -> 270; the refund takes 55 - 5 back.
    assert usd["by_source"] == {"refunds": -50, "subscriptions": 900, "tips": 769}
    assert usd["net"] == 1619
    assert (usd["payers"], usd["arpu"]) == (2, 809)
    assert sum(sum(d["by_source"].values()) for d in usd["daily"]) == usd["net"]
    eur_slot = next(c for c in found["currencies"] if c["currency"] == "eur")
    assert eur_slot["by_source"] == {"tips": 900}
    # Direct sums over the ledger lines of the creator's accounts.
    with platform.session() as session:
        direct = dict(
            session.execute(
                select(LINES.c.currency, -func.sum(LINES.c.amount))
                .select_from(
                    LINES.join(ACCOUNTS, ACCOUNTS.c.id == LINES.c.account_id).join(
                        ENTRIES, ENTRIES.c.id == LINES.c.entry_id
                    )
                )
                .where(
                    ACCOUNTS.c.owner_id == creator.id,
                    ENTRIES.c.kind.not_in(["release", "payout", "payout_paid", "payout_failed"]),
                )
                .group_by(LINES.c.currency)
            ).all()
        )
    assert {c["currency"]: c["net"] for c in found["currencies"]} == direct
    subscribers = found["subscribers"]
    assert (subscribers["gained"], subscribers["at_start"]) == (1, 0)
    assert subscribers["lost"] in (0, 1)  # cancel at period end keeps it until then
    assert subscribers["churn"] is None

    assert api("GET", "/analytics/platform/revenue", creator).status_code == 403
    admin = make_user("moneyadmin", role=Role.admin)
    whole = api(
        "GET", "/analytics/platform/revenue", Actor(admin, auth_headers(admin)), params={"days": 2}
    )
    assert whole.status_code == 200, whole.text
    platform_usd = next(c for c in whole.json()["currencies"] if c["currency"] == "usd")
    assert platform_usd["net"] >= usd["net"]
    assert platform_usd["platform_fees"] >= 100 + 56 + 30 - 5
