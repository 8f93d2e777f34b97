"""Reports: what a user may report, duplicates merging, the reporter's own list, limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.moderation.conftest import Api, make_post, ready_video, report
from tests.social.conftest import Actor


def test_report_each_kind_and_list_mine(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "buy cheap pills")
    comment = api("POST", f"/posts/{post['id']}/comments", alice, json={"text": "more pills"})
    assert comment.status_code == 201, comment.text
    video_id = ready_video(platform, alice)
    made = [
        report(api, bob, "post", post["id"], "spam", "an ad"),
        report(api, bob, "comment", comment.json()["id"], "spam"),
        report(api, bob, "video", video_id, "violence"),
        report(api, bob, "profile", "alice", "impersonation"),
    ]
    assert [r.status_code for r in made] == [201] * 4, [r.text for r in made]
    assert made[3].json()["target_id"] == str(alice.id)  # a profile is kept by id
    mine = api("GET", "/reports", bob)
    assert mine.status_code == 200
    items = mine.json()["items"]
    assert [i["target_type"] for i in items] == ["profile", "video", "comment", "post"]
    assert all(i["status"] == "open" and i["outcome"] is None for i in items)
    # Nobody else sees bob's reports.
    assert api("GET", "/reports", alice).json()["items"] == []
    assert api("GET", f"/reports/{items[0]['id']}", alice).status_code == 404
    assert api("GET", f"/reports/{items[0]['id']}", bob).status_code == 200


def test_duplicates_merge(api: Api, actor: Callable[..., Actor], mod: Actor) -> None:
    alice, bob, carol = actor("alice"), actor("bob"), actor("carol")
    post = make_post(api, alice, "hello")
    first = report(api, bob, "post", post["id"], "spam", "first")
    second = report(api, bob, "post", post["id"], "hate", "second")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["times"] == 2
    assert second.json()["reason"] == "hate"  # the more severe reason wins
    assert second.json()["text"] == "second"
    assert report(api, carol, "post", post["id"], "spam").status_code == 201
    queue = api("GET", "/admin/reports", mod).json()["items"]
    assert len(queue) == 1  # one item per target
    assert queue[0]["report_count"] == 2
    assert queue[0]["severity"] == 4


def test_cannot_report_what_you_cannot_see(api: Api, actor: Callable[..., Actor]) -> None:
    alice, bob = actor("alice"), actor("bob")
    hidden = make_post(api, alice, "only me", visibility="private")
    assert report(api, bob, "post", hidden["id"]).status_code == 404
    assert report(api, bob, "post", 999_999).status_code == 404
    assert report(api, bob, "post", "not-a-number").status_code == 404
    assert report(api, bob, "video", "nope").status_code == 404
    assert report(api, bob, "profile", "nobody_here").status_code == 404
    assert api("POST", "/users/bob/block", alice).status_code in (200, 201, 204)
    public = make_post(api, alice, "public, but bob is blocked")
    assert report(api, bob, "post", public["id"]).status_code == 404
    assert report(api, bob, "profile", "alice").status_code == 404


def test_validation(api: Api, actor: Callable[..., Actor]) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "hello")
    bad_kind = report(api, bob, "spaceship", 1)
    assert bad_kind.status_code == 422
    assert bad_kind.headers["content-type"].startswith("application/problem+json")
    assert report(api, bob, "post", post["id"], "boring").status_code == 422
    assert report(api, alice, "post", post["id"]).status_code == 422  # your own
    assert api("POST", "/reports", None, json={}).status_code == 401
    extra = {"target_type": "post", "target_id": str(post["id"]), "reason": "spam", "x": 1}
    assert api("POST", "/reports", bob, json=extra).status_code == 422


def test_report_rate_limited(api: Api, actor: Callable[..., Actor]) -> None:
    alice, bob = actor("alice"), actor("bob")
    posts = [make_post(api, alice, f"post {i}") for i in range(9)]
    codes = [report(api, bob, "post", p["id"]).status_code for p in posts]
    assert codes == [201] * 8 + [429]  # [plugin.moderation] report_rate = "8/minute"
