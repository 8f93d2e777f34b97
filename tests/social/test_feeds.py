"""Home, explore and hashtag feeds: fan-out, hybrid merge, ranking, stable cursors, rebuild."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socialflow.builtins.rankers import EngagementRanker
from socialflow.feeds import pages as feed_service
from socialflow.plugins.protocols import FeedCandidate, FeedContext
from tests.social.conftest import all_pages, feed_ids, follow, make_post


def test_home_feed_has_own_and_followed_posts_newest_first(api, actor) -> None:
    alice, bob, carol = actor("alice"), actor("bob"), actor("carol")
    early = make_post(api, bob, "before the follow")
    follow(api, alice, bob)  # backfill brings bob's recent posts
    mine = make_post(api, alice, "mine")
    later = make_post(api, bob, "after the follow")
    make_post(api, carol, "not followed")
    assert feed_ids(api, "/feed/home", alice) == [later["id"], mine["id"], early["id"]]
    # Unfollowing removes what bob brought.
    api("DELETE", f"/users/{bob.name}/follow", alice)
    assert feed_ids(api, "/feed/home", alice) == [mine["id"]]
    assert api("GET", "/feed/home", None).status_code == 401


@pytest.mark.parametrize("ranker", ["chronological", "engagement"])
def test_cursor_pagination_has_no_gaps_or_duplicates_while_posts_arrive(
    api, actor, platform, ranker
) -> None:
    platform.settings.ranker = ranker
    viewer, a, b = actor("viewer"), actor("aaa"), actor("bbb")
    follow(api, viewer, a)
    follow(api, viewer, b)
    before = [make_post(api, (a, b)[i % 3 == 0], f"post {i}")["id"] for i in range(23)]
    for post_id in before[::4]:
        api("POST", f"/posts/{post_id}/like", viewer)
    seen: list[int] = []
    cursor = None
    arrived = []
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = api("GET", "/feed/home", viewer, params=params).json()
        seen += [p["id"] for p in body["items"]]
        # New posts keep arriving between pages; they must not shift later pages.
        arrived.append(make_post(api, a, "interloper")["id"])
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)), "duplicates across pages"
    assert sorted(seen) == sorted(before), "gaps across pages"
    assert not set(arrived) & set(seen)


def test_switching_the_ranker_setting_changes_the_home_feed_order(api, actor, platform) -> None:
    viewer, author, fans = actor("viewer"), actor("author"), [actor(f"fan{i}") for i in range(5)]
    follow(api, viewer, author)
    popular = make_post(api, author, "older but loved")
    fresh = make_post(api, author, "newer, ignored")
    for fan in fans:
        api("POST", f"/posts/{popular['id']}/like", fan)
    assert platform.settings.ranker == "chronological"
    assert feed_ids(api, "/feed/home", viewer) == [fresh["id"], popular["id"]]
    platform.settings.ranker = "engagement"
    assert feed_ids(api, "/feed/home", viewer) == [popular["id"], fresh["id"]]


def test_engagement_ranker_keeps_one_author_from_filling_the_page() -> None:
    now = datetime.now(UTC)
    prolific = [
        FeedCandidate(
            post_id=str(i), author_id="1", created_at=now - timedelta(minutes=i), like_count=5
        )
        for i in range(1, 9)
    ]
    quiet = FeedCandidate(post_id="100", author_id="2", created_at=now - timedelta(hours=1))
    ranked = EngagementRanker().rank([*prolific, quiet], FeedContext("home", "9", now))
    assert sorted(c.post_id for c in ranked) == sorted(c.post_id for c in [*prolific, quiet])
    assert "100" in [c.post_id for c in ranked[:4]]
    again = EngagementRanker().rank([quiet, *reversed(prolific)], FeedContext("home", "9", now))
    assert [c.post_id for c in again] == [c.post_id for c in ranked]  # deterministic


@pytest.fixture
def socialflow_overrides() -> dict[str, object]:
    return {"fanout_threshold": 3, "fanout_chunk_size": 2, "timeline_max_length": 20}


def test_hybrid_fanout_merges_big_accounts_at_read_time(api, actor, platform) -> None:
    star, small = actor("star"), actor("small")
    fans = [actor(f"fan{i}") for i in range(4)]
    for fan in fans:
        follow(api, fan, star)  # 4 followers: over the threshold of 3
    fans = fans[:2]
    for fan in fans:
        follow(api, fan, small)  # 2 followers: fanned out on write
    feed_service.forget_celebrity_cache(platform)
    star_post = make_post(api, star, "to the many")
    small_post = make_post(api, small, "to the few")
    # O(1) writes for the big account: only its own timeline holds the post,
    # while the small account's post reached every fan's stored timeline.
    store = feed_service.timeline_store(platform)
    with platform.session() as session:
        assert star_post["id"] in store.page(session, star.id, None, 10)
        for fan in fans:
            stored = store.page(session, fan.id, None, 10)
            assert star_post["id"] not in stored, store.kind
            assert small_post["id"] in stored, store.kind
    for fan in fans:
        assert feed_ids(api, "/feed/home", fan) == [small_post["id"], star_post["id"]]


def test_timelines_are_capped_and_deep_pages_fall_back_to_the_graph(api, actor, platform) -> None:
    viewer, author = actor("viewer"), actor("author")
    follow(api, viewer, author)
    posts = [make_post(api, author, f"p{i}")["id"] for i in range(25)]
    store = feed_service.timeline_store(platform)
    with platform.session() as session:
        assert store.length(session, viewer.id) <= 22  # trimmed lazily, 10% over the cap at most
    assert all_pages(api, "/feed/home", viewer, limit=7) == sorted(posts, reverse=True)


def test_rebuild_restores_a_lost_timeline(api, actor, platform) -> None:
    viewer, author = actor("viewer"), actor("author")
    follow(api, viewer, author)
    posts = [make_post(api, author, f"p{i}")["id"] for i in range(3)]
    store = feed_service.timeline_store(platform)
    with platform.session() as session:
        store.clear(session, viewer.id)
        session.commit()
        assert store.page(session, viewer.id, None, 10) == []
        feed_service.rebuild_timeline(platform, session, viewer.id)
        session.commit()
    assert feed_ids(api, "/feed/home", viewer) == posts[::-1]


def test_explore_and_hashtag_feeds_show_public_posts(api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    tagged = make_post(api, alice, "I like #Cats")
    make_post(api, alice, "secret #cats", "followers")
    plain = make_post(api, bob, "no tags")
    assert feed_ids(api, "/feed/explore", None) == [plain["id"], tagged["id"]]
    assert feed_ids(api, "/feed/hashtag/cats", None) == [tagged["id"]]
    assert feed_ids(api, "/feed/hashtag/%23CATS", bob) == [tagged["id"]]
    bad = api("GET", "/feed/explore", None, params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
