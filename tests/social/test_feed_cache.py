"""The feed cache serves a page again only while nothing the viewer may see changed.

Each test first reads a page (so it is cached), then changes something, and
reads again at once: the change must show although the cache's time to live
(``feed_cache_seconds``) has not run out.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from socialflow.feeds.cache import FeedCache
from socialflow.feeds.generations import Generations
from tests.social.conftest import feed_ids, follow, make_post


def page(api, path, who):
    response = api("GET", path, who)
    assert response.status_code == 200, response.text
    return response.json()["items"]


@pytest.fixture
def socialflow_overrides() -> dict[str, object]:
    return {"feed_cache_seconds": 60.0, "fanout_threshold": 3}


def assembled(platform) -> float:
    """Pages sent from a cached skeleton and cached posts (Prometheus counter)."""
    value = platform.metrics.registry.get_sample_value(
        "socialflow_feed_cache_requests_total", {"result": "assembled"}
    )
    return value or 0.0


def test_the_same_page_is_served_from_the_cache(api, actor, platform) -> None:
    viewer, author = actor("viewer"), actor("author")
    follow(api, viewer, author)
    make_post(api, author, "hello")
    pages = platform.get(FeedCache).pages
    first = page(api, "/feed/home", viewer)
    hits = pages.hits
    assert page(api, "/feed/home", viewer) == first
    assert pages.hits == hits + 1


def test_own_like_and_new_posts_show_at_once(api, actor) -> None:
    viewer, author = actor("viewer"), actor("author")
    follow(api, viewer, author)
    post = make_post(api, author, "first")
    assert page(api, "/feed/home", viewer)[0]["liked_by_me"] is False
    assert api("POST", f"/posts/{post['id']}/like", viewer).status_code == 200
    item = page(api, "/feed/home", viewer)[0]
    assert (item["liked_by_me"], item["like_count"]) == (True, 1)
    newer = make_post(api, author, "second")  # fanned out to the viewer's timeline
    assert feed_ids(api, "/feed/home", viewer)[0] == newer["id"]
    mine = make_post(api, viewer, "my own")
    assert feed_ids(api, "/feed/home", viewer)[0] == mine["id"]


def test_pages_are_assembled_from_cached_posts_whose_counters_stay_exact(
    api, actor, platform
) -> None:
    """Once a page's body has aged out, its skeleton and the shared hydrated posts
    serve it without the database; another user's like of a post on it shows at
    once (the like moves the post's counter, which stamps its cached copy)."""
    viewer, author, fan = actor("viewer"), actor("author"), actor("fan")
    follow(api, viewer, author)
    post = make_post(api, author, "counted")
    platform.get(FeedCache).pages.ttl = 0.001  # bodies age out at once; skeletons stay
    first = page(api, "/feed/home", viewer)
    time.sleep(0.01)
    before = assembled(platform)
    assert page(api, "/feed/home", viewer) == first
    assert assembled(platform) == before + 1
    assert api("POST", f"/posts/{post['id']}/like", fan).status_code == 200
    time.sleep(0.01)
    item = page(api, "/feed/home", viewer)[0]
    assert (item["id"], item["like_count"], item["liked_by_me"]) == (post["id"], 1, False)
    assert (
        api("POST", f"/posts/{post['id']}/comments", fan, json={"text": "nice"}).status_code == 201
    )
    time.sleep(0.01)
    assert page(api, "/feed/home", viewer)[0]["comment_count"] == 1
    # A like committed by another API process: only its bump of the post's
    # counter arrives here (Redis pub/sub or PostgreSQL NOTIFY).
    with platform.engine.begin() as connection:
        connection.execute(
            text("UPDATE posts SET like_count = 5 WHERE id = :id"), {"id": post["id"]}
        )
    platform.get(Generations).bump([], posts=[post["id"]])
    time.sleep(0.01)
    assert page(api, "/feed/home", viewer)[0]["like_count"] == 5


def test_a_big_accounts_new_post_reaches_cached_home_pages_at_once(api, actor, platform) -> None:
    """Big accounts' posts are merged at read time, not fanned out, so nothing moves
    their followers' own counters: their pages are stamped with the account's
    "authored" counter instead."""
    from socialflow.feeds import pages as feed_service

    star = actor("star")
    fans = [actor(f"fan{i}") for i in range(3)]
    for fan in fans:
        follow(api, fan, star)  # 3 followers: at the threshold, merged at read time
    feed_service.forget_celebrity_cache(platform)
    first = make_post(api, star, "one")
    assert feed_ids(api, "/feed/home", fans[0]) == [first["id"]]
    second = make_post(api, star, "two")
    assert feed_ids(api, "/feed/home", fans[0]) == [second["id"], first["id"]]
    with platform.session() as session:
        stored = feed_service.timeline_store(platform).page(session, fans[0].id, None, 10)
    assert second["id"] not in stored  # merged at read time indeed


def test_block_unfollow_and_delete_take_effect_at_once(api, actor) -> None:
    viewer, author, other = actor("viewer"), actor("author"), actor("other")
    follow(api, viewer, author)
    follow(api, viewer, other)
    post = make_post(api, author, "by author #cachetag")
    gone = make_post(api, other, "soon deleted #cachetag")
    assert post["id"] in feed_ids(api, "/feed/home", viewer)
    assert post["id"] in feed_ids(api, "/feed/explore", viewer)
    assert post["id"] in feed_ids(api, "/feed/hashtag/cachetag", None)
    assert api("POST", f"/users/{viewer.name}/block", author).status_code in (200, 204)
    assert post["id"] not in feed_ids(api, "/feed/home", viewer)
    assert post["id"] not in feed_ids(api, "/feed/explore", viewer)
    assert gone["id"] in feed_ids(api, "/feed/home", viewer)
    assert api("DELETE", f"/posts/{gone['id']}", other).status_code == 204
    assert gone["id"] not in feed_ids(api, "/feed/home", viewer)
    assert gone["id"] not in feed_ids(api, "/feed/hashtag/cachetag", None)


def test_followers_only_post_leaves_the_page_after_unfollow(api, actor) -> None:
    viewer, author = actor("viewer"), actor("author")
    follow(api, viewer, author)
    secret = make_post(api, author, "for followers", visibility="followers")
    assert secret["id"] in feed_ids(api, "/feed/home", viewer)
    assert api("DELETE", f"/users/{author.name}/follow", viewer).status_code in (200, 204)
    assert secret["id"] not in feed_ids(api, "/feed/home", viewer)


def test_a_new_public_post_reaches_cached_explore_pages(api, actor) -> None:
    author = actor("author")
    make_post(api, author, "one")
    feed_ids(api, "/feed/explore", None)
    newer = make_post(api, author, "two")
    assert feed_ids(api, "/feed/explore", None)[0] == newer["id"]


def test_logout_refuses_the_token_even_with_a_cached_page(api, actor) -> None:
    from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD

    viewer = actor("viewer")
    login = api(
        "POST", "/auth/login", json={"username_or_email": viewer.name, "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200, login.text
    viewer.headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    make_post(api, viewer, "mine")
    assert api("GET", "/feed/home", viewer).status_code == 200
    assert api("GET", "/feed/home", viewer).status_code == 200
    assert api("POST", "/auth/logout", viewer).status_code in (200, 204)
    refused = api("GET", "/feed/home", viewer)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_suspension_refuses_the_token_at_once(api, actor, platform) -> None:
    from socialflow.accounts import users as user_service
    from socialflow.accounts.models import User

    viewer = actor("viewer")
    assert api("GET", "/feed/home", viewer).status_code == 200
    with platform.session() as session:
        user = session.get(User, viewer.id)
        user_service.suspend(session=session, user=user, actor_id=None, reason="test")
        session.commit()
    assert api("GET", "/feed/home", viewer).status_code == 401


def test_generations_move_for_every_process(platform, make_platform) -> None:
    """With Redis (or on PostgreSQL), a bump by another process (another Platform
    on the same settings) reaches this one's counters within moments: what keeps
    several API processes consistent. On SQLite the counters are this process's own."""
    other = make_platform()
    generations = platform.get(Generations)
    before = generations.stamp(7, public=False)
    if generations.broadcast:
        assert generations.connected.wait(10), "listener never subscribed"
        before = generations.stamp(7, public=False)
    other.get(Generations).bump([7])
    deadline = time.monotonic() + 5
    while generations.broadcast and time.monotonic() < deadline:
        if generations.stamp(7, public=False) != before:
            break
        time.sleep(0.01)
    after_other = generations.stamp(7, public=False)
    generations.bump([7])
    after_own = generations.stamp(7, public=False)
    if generations.broadcast:
        assert before != after_other != after_own
    else:
        assert before == after_other != after_own


def test_cache_off_when_ttl_is_zero(actor, api, platform) -> None:
    platform.get(FeedCache).pages.ttl = 0
    viewer = actor("viewer")
    page(api, "/feed/home", viewer)
    page(api, "/feed/home", viewer)
    assert platform.get(FeedCache).pages.hits == 0
