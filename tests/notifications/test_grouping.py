"""``GET /notifications?grouped=true``: likes on one post fold into one item."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from socialflow.core.db.base import utcnow
from socialflow.notifications.grouping import group_page
from socialflow.notifications.models import Notification
from tests.notifications.conftest import notes, ok
from tests.social.conftest import follow, make_post


def test_likes_on_one_post_are_one_item(api, actor) -> None:
    ana = actor("ana")
    post, other = make_post(api, ana, "my video"), make_post(api, ana, "another")
    likers = [actor(name) for name in ("bob", "cyd", "dan", "eve", "fay")]
    for liker in likers:
        ok(api("POST", f"/posts/{post['id']}/like", liker))
    ok(api("POST", f"/posts/{other['id']}/like", likers[0]))
    follow(api, likers[1], ana)
    items = notes(api, ana, grouped="true")
    assert [(i["kind"], i["actor"]["username"]) for i in items] == [
        ("followed", "cyd"),
        ("liked", "bob"),
        ("liked", "fay"),
    ]
    group = items[2]["group"]
    assert group["text"] == "fay and 4 others liked your post"
    assert group["count"] == 5
    assert group["actor_count"] == 5
    assert [a["username"] for a in group["actors"]] == ["fay", "eve", "dan"]
    assert items[1]["group"]["text"] == "bob liked your post"
    assert items[0].get("group") is None
    # Marking the group read marks every member.
    ok(api("POST", "/notifications/read", ana, json={"ids": group["ids"]}))
    assert notes(api, ana, grouped="true")[2]["read"] is True
    assert len([i for i in notes(api, ana) if i["kind"] == "liked" and i["read"]]) == 5
    # Ungrouped, the list is as before.
    assert len(notes(api, ana)) == 7
    assert all("group" not in i or i["group"] is None for i in notes(api, ana))


def test_outside_the_window_is_a_new_group(api, actor, platform) -> None:
    ana = actor("ana")
    post = make_post(api, ana, "old hit")
    ok(api("POST", f"/posts/{post['id']}/like", actor("bob")))
    with platform.session() as session:
        session.execute(update(Notification).values(created_at=utcnow() - timedelta(days=2)))
        session.commit()
    ok(api("POST", f"/posts/{post['id']}/like", actor("cyd")))
    items = notes(api, ana, grouped="true")
    assert [i["group"]["text"] for i in items] == [
        "cyd liked your post",
        "bob liked your post",
    ]


def test_group_page_rules() -> None:
    def item(i: int, kind: str, post: int | None, actor: int, minutes: int) -> dict[str, Any]:
        when = (utcnow() - timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
        return {
            "id": i,
            "kind": kind,
            "created_at": when,
            "read": i != 3,
            "actor": {"id": actor, "username": f"u{actor}"},
            "post": {"id": post} if post else None,
        }

    page = [
        item(5, "liked", 1, 10, 0),
        item(4, "mentioned", 1, 11, 1),  # not groupable
        item(3, "liked", 1, 10, 2),  # same actor again: 2 notifications, 1 actor
        item(2, "commented", 1, 12, 3),  # another kind: its own group
        item(1, "liked", 2, 13, 4),  # another post
    ]
    grouped = group_page(page, 3600)
    assert [i["id"] for i in grouped] == [5, 4, 2, 1]
    assert grouped[0]["group"]["count"] == 2
    assert grouped[0]["group"]["actor_count"] == 1
    assert grouped[0]["group"]["text"] == "u10 liked your post"
    assert grouped[0]["read"] is False  # a member is unread
    assert group_page(page, 0) == page
