"""Actions: hide, remove, restore, warn, suspend, ban; audited, told to the author,
effective at once on every route (pages, feeds, search, caches)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from socialflow.testing.tasks import wait_for_tasks
from tests.moderation.conftest import Api, act, make_post, ready_video, report
from tests.social.conftest import Actor, feed_ids, follow


def _search_ids(api: Api, who: Actor, q: str) -> list[Any]:
    response = api("GET", "/search", who, params={"q": q, "type": "posts"})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_hide_and_restore_post_everywhere(
    api: Api, actor: Callable[..., Actor], mod: Actor, mod2: Actor, admin: Actor
) -> None:
    alice, bob = actor("alice"), actor("bob")
    follow(api, bob, alice)
    post = make_post(api, alice, "a wombatish rant")
    pid = post["id"]
    # Warm every cache first: the home feed, explore, the post page.
    assert pid in feed_ids(api, "/feed/home", bob)
    assert pid in feed_ids(api, "/feed/explore", None)
    assert api("GET", f"/posts/{pid}", bob).status_code == 200
    assert pid in _search_ids(api, bob, "wombatish")
    assert report(api, bob, "post", pid, "harassment").status_code == 201

    hidden = act(api, mod, "post", pid, "hide")
    assert hidden.status_code == 201, hidden.text
    assert hidden.json()["kind"] == "hide"
    assert api("GET", f"/posts/{pid}", bob).status_code == 404
    assert api("GET", f"/posts/{pid}", None).status_code == 404
    assert pid not in feed_ids(api, "/feed/home", bob)
    assert pid not in feed_ids(api, "/feed/explore", None)
    assert pid not in _search_ids(api, bob, "wombatish")
    # The author still sees it, hidden, and cannot lift that.
    mine = api("GET", f"/posts/{pid}", alice)
    assert mine.status_code == 200
    assert mine.json()["visibility"] == "moderated"
    refused = api("PATCH", f"/posts/{pid}", alice, json={"visibility": "public"})
    assert refused.status_code == 409
    chosen = make_post_raw(api, alice, "moderated")
    assert chosen.status_code == 422  # nobody picks the moderated audience
    # The reporter sees the outcome; the author is told.
    assert api("GET", "/reports", bob).json()["items"][0]["outcome"] == "hide"
    notices = api("GET", "/moderation/actions", alice).json()["items"]
    assert [n["kind"] for n in notices] == ["hide"]
    assert api("GET", "/moderation/actions", bob).json()["items"] == []
    assert api("GET", f"/moderation/actions/{notices[0]['id']}", bob).status_code == 404
    assert act(api, mod, "post", pid, "hide").status_code == 409  # hidden already

    restored = api(
        "POST", f"/admin/actions/{hidden.json()['id']}/revert", mod2, json={"reason": "ok"}
    )
    assert restored.status_code == 201, restored.text
    assert restored.json()["kind"] == "restore"
    assert api("GET", f"/posts/{pid}", bob).json()["visibility"] == "public"
    assert pid in feed_ids(api, "/feed/home", bob)
    assert pid in _search_ids(api, bob, "wombatish")
    again = api("POST", f"/admin/actions/{hidden.json()['id']}/revert", mod, json={"reason": "x"})
    assert again.status_code == 409
    # Audited: who, what, when, why, target.
    audit = api("GET", "/admin/audit", admin, params={"action": "moderation_*"}).json()["items"]
    assert [(e["action"], e["actor_id"]) for e in audit] == [
        ("moderation_restore", mod2.id),
        ("moderation_hide", mod.id),
    ]
    assert audit[1]["details"]["target_type"] == "post"
    assert audit[1]["details"]["target_id"] == str(pid)
    assert audit[1]["details"]["reason"] == "rules"
    assert audit[1]["subject_user_id"] == alice.id
    assert audit[1]["created_at"]


def make_post_raw(api: Api, who: Actor, visibility: str) -> Any:
    return api("POST", "/posts", who, json={"text": "x", "visibility": visibility})


def test_remove_and_restore_post_and_comment(
    api: Api, actor: Callable[..., Actor], mod: Actor
) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "to be removed")
    comment = api("POST", f"/posts/{post['id']}/comments", bob, json={"text": "a rude reply"})
    cid = comment.json()["id"]
    removed = act(api, mod, "comment", cid, "remove")
    assert removed.status_code == 201, removed.text
    comments = api("GET", f"/posts/{post['id']}/comments", alice).json()["items"]
    assert cid not in [c["id"] for c in comments]
    assert api("GET", f"/posts/{post['id']}", alice).json()["comment_count"] == 0
    assert act(api, mod, "comment", cid, "hide").status_code == 409  # removed already
    back = api("POST", f"/admin/actions/{removed.json()['id']}/revert", mod, json={"reason": "ok"})
    assert back.status_code == 201
    assert api("GET", f"/posts/{post['id']}", alice).json()["comment_count"] == 1

    gone = act(api, mod, "post", post["id"], "remove")
    assert gone.status_code == 201
    assert api("GET", f"/posts/{post['id']}", bob).status_code == 404
    assert api("GET", f"/posts/{post['id']}", alice).status_code == 404
    assert act(api, mod, "post", post["id"], "remove").status_code == 409
    lookup = api("GET", f"/admin/content/post/{post['id']}", mod).json()
    assert lookup["content"]["deleted"] is True
    assert [a["kind"] for a in lookup["actions"]] == ["remove"]
    api("POST", f"/admin/actions/{gone.json()['id']}/revert", mod, json={"reason": "ok"})
    assert api("GET", f"/posts/{post['id']}", bob).status_code == 200


@pytest.mark.parametrize("legal_hold", [False, True])
def test_video_hide_restore_and_remove_with_or_without_legal_hold(
    api: Api,
    actor: Callable[..., Actor],
    mod: Actor,
    admin: Actor,
    platform: Any,
    legal_hold: bool,
) -> None:
    from socialflow.video.videos import videos_prefix

    # An admin's runtime setting, as an operator would switch a legal hold on.
    body = {"values": {"moderation.legal_hold": legal_hold}}
    assert api("PATCH", "/admin/settings", admin, json=body).status_code == 200
    alice, bob = actor("alice"), actor("bob")
    video_id = ready_video(platform, alice, "clip")
    key = f"{videos_prefix(video_id)}source.mp4"
    platform.storage.put(key, b"bytes of the video")
    assert api("GET", f"/videos/{video_id}", bob).status_code == 200
    hidden = act(api, mod, "video", video_id, "hide")
    assert hidden.status_code == 201
    assert api("GET", f"/videos/{video_id}", bob).status_code == 404
    assert api("GET", f"/videos/{video_id}", alice).status_code == 200
    assert (
        api("PATCH", f"/videos/{video_id}", alice, json={"visibility": "public"}).status_code == 409
    )
    api("POST", f"/admin/actions/{hidden.json()['id']}/revert", mod, json={"reason": "ok"})
    assert api("GET", f"/videos/{video_id}", bob).status_code == 200

    removed = act(api, mod, "video", video_id, "remove")
    assert removed.status_code == 201
    wait_for_tasks(platform)
    assert api("GET", f"/videos/{video_id}", bob).status_code == 404
    assert platform.storage.exists(key)  # kept for the record, or until the purge
    undo_path = f"/admin/actions/{removed.json()['id']}/revert"
    if legal_hold:
        # The row goes at once, the bytes stay where the action says; nothing comes back.
        assert api("GET", f"/videos/{video_id}", alice).status_code == 404
        assert videos_prefix(video_id) in removed.json()["kept_storage"]
        assert api("POST", undo_path, mod, json={"reason": "x"}).status_code == 409
        return
    # A soft removal: the owner cannot undo it, a moderator can (an appeal, say).
    assert removed.json()["kept_storage"] is None
    restore = api("POST", f"/videos/{video_id}/restore", alice)
    assert restore.status_code == 409
    assert restore.json()["type"].endswith("removed-by-moderator")
    assert api("POST", undo_path, mod, json={"reason": "x"}).status_code == 201
    back = api("GET", f"/videos/{video_id}", bob)
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "ready"


def test_suspend_ban_reinstate_and_expiry(
    api: Api, actor: Callable[..., Actor], mod: Actor, admin: Actor, platform: Any
) -> None:
    from socialflow.core.db.base import utcnow
    from socialflow.moderation.actions import expire_suspensions
    from socialflow.moderation.models import ModerationAction

    alice = actor("alice", email_verified_at=utcnow())
    assert act(api, mod, "profile", alice.id, "suspend").status_code == 422  # needs a period
    suspended = act(api, mod, "profile", alice.id, "suspend", duration_hours=24)
    assert suspended.status_code == 201, suspended.text
    assert suspended.json()["expires_at"]
    assert api("GET", "/users/me", alice).status_code == 401  # cut off at once
    assert api("GET", f"/admin/users/{alice.id}", mod).json()["state"] == "suspended"
    # The period runs out: the beat task lifts it.
    with platform.session() as session:
        action = session.get(ModerationAction, suspended.json()["id"])
        action.expires_at = action.created_at - timedelta(seconds=1)
        session.add(action)
        session.commit()
    with platform.session() as session:
        assert expire_suspensions(session, platform) == 1
        session.commit()
    with platform.session() as session:
        assert expire_suspensions(session, platform) == 0  # idempotent
    user = api("GET", f"/admin/users/{alice.id}", mod).json()
    assert user["state"] == "active"
    assert user["strikes"] == 0  # a period served is no longer standing

    assert act(api, mod, "profile", alice.id, "ban").status_code == 403  # admins ban
    banned = act(api, admin, "profile", alice.id, "ban")
    assert banned.status_code == 201
    assert api("GET", f"/admin/users/{alice.id}", mod).json()["strikes"] == 1
    lift = api("POST", f"/admin/users/{alice.id}/reinstate", mod, json={"reason": "sorry"})
    assert lift.status_code == 403  # lifting a ban too
    lift = api("POST", f"/admin/users/{alice.id}/reinstate", admin, json={"reason": "sorry"})
    assert lift.status_code == 200, lift.text
    assert lift.json()["state"] == "active"
    assert (
        api("POST", f"/admin/users/{alice.id}/reinstate", admin, json={"reason": "x"}).status_code
        == 409
    )


def test_warn_strikes_and_staff(
    api: Api, actor: Callable[..., Actor], mod: Actor, mod2: Actor, admin: Actor
) -> None:
    alice = actor("alice")
    posts = [make_post(api, alice, f"p{i}") for i in range(2)]
    for post in posts:
        assert act(api, mod, "post", post["id"], "warn").status_code == 201
    assert api("GET", f"/admin/users/{alice.id}", mod).json()["strikes"] == 2
    staff_post = make_post(api, mod2, "a moderator's post")
    assert act(api, mod, "post", staff_post["id"], "hide").status_code == 403
    assert act(api, mod, "profile", admin.id, "suspend", duration_hours=1).status_code == 403
    own = make_post(api, mod, "mine")
    assert act(api, mod, "post", own["id"], "warn").status_code == 403
    assert act(api, admin, "post", staff_post["id"], "warn").status_code == 201
    assert act(api, mod, "post", posts[0]["id"], "dismiss").status_code == 409  # no reports


def test_hide_and_restore_comment(api: Api, actor: Callable[..., Actor], mod: Actor) -> None:
    """A hidden comment is shown to its author alone, leaves the counts and the post
    author's inbox, cannot be replied to, and comes back whole when restored."""
    alice, bob, carol = actor("alice"), actor("bob"), actor("carol")
    post = make_post(api, alice, "a calm post")
    rude = api("POST", f"/posts/{post['id']}/comments", bob, json={"text": "a rude reply"})
    cid = rude.json()["id"]
    assert [n["kind"] for n in api("GET", "/notifications", alice).json()["items"]] == ["commented"]
    hidden = act(api, mod, "comment", cid, "hide")
    assert hidden.status_code == 201, hidden.text
    assert act(api, mod, "comment", cid, "hide").status_code == 409

    def seen_by(who: Actor) -> list[int]:
        items = api("GET", f"/posts/{post['id']}/comments", who).json()["items"]
        return [c["id"] for c in items]

    assert seen_by(alice) == []
    assert seen_by(carol) == []
    assert seen_by(bob) == [cid]  # its author still sees it
    assert api("GET", f"/posts/{post['id']}", carol).json()["comment_count"] == 0
    assert api("GET", "/notifications", alice).json()["items"] == []
    reply = {"text": "me too", "parent_id": cid}
    assert api("POST", f"/posts/{post['id']}/comments", carol, json=reply).status_code == 404
    assert report(api, carol, "comment", cid).status_code == 404  # not seen, not reportable
    lookup = api("GET", f"/admin/content/comment/{cid}", mod).json()
    assert lookup["content"]["visibility"] == "moderated"

    back = api("POST", f"/admin/actions/{hidden.json()['id']}/revert", mod, json={"reason": "ok"})
    assert back.status_code == 201, back.text
    assert seen_by(carol) == [cid]
    assert api("GET", f"/posts/{post['id']}", carol).json()["comment_count"] == 1
    assert len(api("GET", "/notifications", alice).json()["items"]) == 1
