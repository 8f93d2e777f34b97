"""Every kind of notification is created by the action it reports, once, in the
public shape; nobody is notified of their own actions."""

from __future__ import annotations

from tests.notifications.conftest import comment, kinds_of, notes, ok, unread
from tests.social.conftest import follow, make_post

POST_KEYS = {
    "id",
    "author",
    "text",
    "entities",
    "visibility",
    "created_at",
    "edited_at",
    "like_count",
    "comment_count",
    "share_count",
    "view_count",
    "liked_by_me",
    "video",
}


def test_follow_kinds(api, actor) -> None:
    alice, bob, carol = actor("alice"), actor("bob"), actor("carol", is_private=True)
    follow(api, bob, alice)
    assert kinds_of(api, alice) == [("followed", "bob")]
    assert follow(api, bob, carol) == "requested"
    assert kinds_of(api, carol) == [("follow_requested", "bob")]
    ok(api("POST", f"/users/me/follow-requests/{bob.name}/approve", carol))
    assert kinds_of(api, bob) == [("follow_approved", "carol")]
    # Carol approved it herself: no extra "bob followed you" for her, and the
    # answered request's notification is gone.
    assert kinds_of(api, carol) == []
    item = notes(api, alice)[0]
    assert item["post"] is None
    assert item["comment"] is None
    assert item["read"] is False
    assert item["actor"] == {
        "id": bob.id,
        "username": "bob",
        "display_name": bob.user.display_name,
        "avatar_url": None,
    }
    assert item["created_at"].endswith("Z")


def test_post_kinds(api, actor) -> None:
    alice, bob, dave = actor("alice"), actor("bob"), actor("dave")
    post = make_post(api, alice, "hello @bob")
    assert kinds_of(api, bob) == [("mentioned", "alice")]
    mention = notes(api, bob)[0]
    assert set(mention["post"]) >= POST_KEYS
    assert mention["post"]["id"] == post["id"]
    assert mention["comment"] is None

    ok(api("POST", f"/posts/{post['id']}/like", bob))
    ok(api("POST", f"/posts/{post['id']}/share", bob))
    first = comment(api, bob, post["id"], "nice one")
    # Alice replies to Bob's comment on her own post: Bob hears "replied".
    reply = comment(api, alice, post["id"], "thanks", parent_id=first)
    # Dave replies to the reply and mentions Bob: Alice hears "replied" (it was
    # her comment), Bob "mentioned" with the comment.
    third = comment(api, dave, post["id"], "@bob agreed", parent_id=reply)
    assert kinds_of(api, alice) == [
        ("replied", "dave"),
        ("commented", "bob"),
        ("shared", "bob"),
        ("liked", "bob"),
    ]
    items = {n["kind"]: n for n in notes(api, alice)}
    assert items["commented"]["comment"] == {"id": first, "text": "nice one"}
    assert items["commented"]["post"]["id"] == post["id"]
    assert items["replied"]["comment"] == {"id": third, "text": "@bob agreed"}
    assert items["liked"]["post"]["liked_by_me"] is False  # the shape is Alice's view
    assert kinds_of(api, bob) == [
        ("mentioned", "dave"),
        ("replied", "alice"),
        ("mentioned", "alice"),
    ]
    assert notes(api, bob)[0]["comment"] == {"id": third, "text": "@bob agreed"}
    assert unread(api, alice) == 4


def test_one_notification_per_comment_per_recipient(api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "a thread")
    # Commenting on Alice's post and mentioning her: one notification, "commented".
    comment(api, bob, post["id"], "@alice look")
    assert kinds_of(api, alice) == [("commented", "bob")]


def test_like_unlike_like_notifies_once(api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "like me")
    for _ in range(3):
        ok(api("POST", f"/posts/{post['id']}/like", bob))
        ok(api("DELETE", f"/posts/{post['id']}/like", bob))
    ok(api("POST", f"/posts/{post['id']}/like", bob))
    assert kinds_of(api, alice) == [("liked", "bob")]
    # Share, unshare, share: once too; and follow, unfollow, follow.
    for _ in range(2):
        ok(api("POST", f"/posts/{post['id']}/share", bob))
        ok(api("DELETE", f"/posts/{post['id']}/share", bob))
        follow(api, bob, alice)
        ok(api("DELETE", f"/users/{alice.name}/follow", bob))
    assert sorted(kinds_of(api, alice)) == [
        ("followed", "bob"),
        ("liked", "bob"),
        ("shared", "bob"),
    ]


def test_no_self_notification(api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "talking to myself @alice")
    ok(api("POST", f"/posts/{post['id']}/like", alice))
    first = comment(api, alice, post["id"], "me again @alice")
    comment(api, alice, post["id"], "and again", parent_id=first)
    ok(api("POST", f"/posts/{post['id']}/share", alice))
    assert notes(api, alice) == []
    assert unread(api, alice) == 0
    # Bob's own comment on Alice's post, replied to by Bob: Alice hears of both
    # comments, Bob of nothing.
    mine = comment(api, bob, post["id"], "hi")
    comment(api, bob, post["id"], "hi again", parent_id=mine)
    assert notes(api, bob) == []
    assert kinds_of(api, alice) == [("commented", "bob"), ("commented", "bob")]
