"""Impressions and engagement land in the day-partitioned log; old days are pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socialflow.core.effects import PendingTask
from socialflow.testing.tasks import wait_for_tasks
from tests.recommendations.conftest import event, log_rows, wait_rows, write_log
from tests.social.conftest import feed_ids, follow, make_post


def test_a_built_feed_page_logs_its_impressions_in_order(api, actor, platform) -> None:
    viewer, author = actor("viewer"), actor("author")
    follow(api, viewer, author)
    first = make_post(api, author, "first")
    second = make_post(api, author, "second")
    assert feed_ids(api, "/feed/home", viewer) == [second["id"], first["id"]]
    shown = wait_rows(platform, 2, kind="shown", user_id=viewer.id)
    assert [(r.post_id, r.position, r.surface, r.ranker) for r in shown] == [
        (second["id"], 0, "home", "chronological"),
        (first["id"], 1, "home", "chronological"),
    ]
    assert shown[0].day == datetime.now(UTC).date()


def test_likes_and_shares_are_logged_with_their_author(api, actor, platform) -> None:
    viewer, author = actor("viewer"), actor("author")
    post = make_post(api, author, "a post")
    assert api("POST", f"/posts/{post['id']}/like", viewer).status_code == 200
    assert api("POST", f"/posts/{post['id']}/share", viewer).status_code in (200, 201)
    kinds = {(r.kind, r.author_id) for r in wait_rows(platform, 2, user_id=viewer.id)}
    assert kinds == {("liked", author.id), ("shared", author.id)}


def test_feedback_records_watches_and_skips_of_visible_posts_only(api, actor, platform) -> None:
    viewer, author, stranger = actor("viewer"), actor("author"), actor("stranger")
    seen = make_post(api, author, "public")
    hidden = make_post(api, stranger, "only followers", visibility="followers")
    body = {
        "items": [
            {"post_id": seen["id"], "kind": "watched", "watch_ratio": 0.75, "surface": "for_you"},
            {"post_id": hidden["id"], "kind": "skipped", "watch_ratio": 0.0},
        ]
    }
    response = api("POST", "/recommendations/feedback", viewer, json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"recorded": 1}
    rows = log_rows(platform, user_id=viewer.id)
    assert [(r.kind, r.post_id, r.author_id, r.watch_ratio) for r in rows] == [
        ("watched", seen["id"], author.id, 0.75)
    ]


def test_feedback_refuses_bad_input_without_writing(api, actor, platform) -> None:
    viewer = actor("viewer")
    for body in (
        {"items": []},
        {"items": [{"post_id": 1, "kind": "loved"}]},
        {"items": [{"post_id": 1, "kind": "watched", "watch_ratio": 1.5}]},
    ):
        response = api("POST", "/recommendations/feedback", viewer, json=body)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
    assert api("POST", "/recommendations/feedback", None, json={"items": []}).status_code == 401
    assert log_rows(platform, user_id=viewer.id) == []


def test_the_prune_task_drops_days_past_retention(api, actor, platform) -> None:
    from socialflow.recommendations.tasks import PRUNE_TASK

    viewer, author = actor("viewer"), actor("author")
    post = make_post(api, author, "a post")
    now = datetime.now(UTC)
    write_log(
        platform,
        [
            event("shown", post["id"], viewer.id, now - timedelta(days=90)),
            event("shown", post["id"], viewer.id, now - timedelta(days=59)),
            event("shown", post["id"], viewer.id, now),
        ],
    )
    platform.enqueue(PendingTask(PRUNE_TASK))
    wait_for_tasks(platform)
    days = sorted(r.day for r in log_rows(platform, user_id=viewer.id))
    assert days == [(now - timedelta(days=59)).date(), now.date()]
