"""Who may be told what: blocks and mutes both ways, post visibility at write and
read time, deleted posts and comments, suspended and deleted actors."""

from __future__ import annotations

import pytest

from socialflow.accounts.models import AccountState, User
from tests.notifications.conftest import comment, kinds_of, notes, ok, unread
from tests.social.conftest import follow, make_post


def test_muted_actor_creates_nothing(api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "quiet please")
    ok(api("POST", f"/users/{bob.name}/mute", alice))
    ok(api("POST", f"/posts/{post['id']}/like", bob))
    comment(api, bob, post["id"], "@alice hello")
    follow(api, bob, alice)
    ok(api("DELETE", f"/users/{bob.name}/mute", alice))
    # Nothing was written while muted: unmuting brings nothing back.
    assert notes(api, alice) == []


def test_blocked_actor_creates_nothing_either_way(api, actor) -> None:
    alice, bob, carol = actor("alice"), actor("bob"), actor("carol")
    thread = make_post(api, carol, "a public thread")
    mine = comment(api, alice, thread["id"], "alice was here")
    # Alice blocks Bob: his reply to her comment tells her nothing.
    ok(api("POST", f"/users/{bob.name}/block", alice))
    comment(api, bob, thread["id"], "@alice reply", parent_id=mine)
    make_post(api, bob, "hey @alice")
    ok(api("DELETE", f"/users/{bob.name}/block", alice))
    assert notes(api, alice) == []
    # Bob blocks Alice: her mention of him tells him nothing.
    ok(api("POST", f"/users/{alice.name}/block", bob))
    make_post(api, alice, "hey @bob")
    comment(api, alice, thread["id"], "@bob there?")
    ok(api("DELETE", f"/users/{alice.name}/block", bob))
    assert notes(api, bob) == []


@pytest.mark.parametrize(
    ("who_acts", "relation"),
    [("recipient", "block"), ("actor", "block"), ("recipient", "mute")],
)
def test_existing_notifications_hidden_after_block_or_mute(
    api, actor, who_acts: str, relation: str
) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "before the falling out")
    ok(api("POST", f"/posts/{post['id']}/like", bob))
    follow(api, bob, alice)
    assert len(notes(api, alice)) == 2
    assert unread(api, alice) == 2
    subject, target = (alice, bob) if who_acts == "recipient" else (bob, alice)
    ok(api("POST", f"/users/{target.name}/{relation}", subject))
    assert notes(api, alice) == []
    assert unread(api, alice) == 0
    ok(api("DELETE", f"/users/{target.name}/{relation}", subject))
    # The rows were kept: lifting the block or mute lists them again.
    assert [kind for kind, _ in kinds_of(api, alice)] == ["followed", "liked"]


def test_mention_in_followers_only_post_needs_follow(api, actor) -> None:
    alice, fan, stranger = actor("alice"), actor("fan"), actor("stranger")
    follow(api, fan, alice)
    post = make_post(api, alice, "for friends: @fan @stranger", "followers")
    assert kinds_of(api, fan) == [("mentioned", "alice")]
    assert notes(api, stranger) == []
    # Following later does not conjure a notification that was never due.
    follow(api, stranger, alice)
    assert notes(api, stranger) == []
    # The fan who stops following no longer satisfies the post's visibility.
    ok(api("DELETE", f"/users/{alice.name}/follow", fan))
    assert notes(api, fan) == []
    assert unread(api, fan) == 0
    follow(api, fan, alice)
    assert [n["post"]["id"] for n in notes(api, fan)] == [post["id"]]


def test_mention_in_private_post_notifies_nobody(api, actor) -> None:
    alice, fan = actor("alice"), actor("fan")
    follow(api, fan, alice)
    make_post(api, alice, "note to self about @fan", "private")
    assert notes(api, fan) == []


def test_post_made_narrower_hides_its_notifications(api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "open to all @bob")
    assert len(notes(api, bob)) == 1
    ok(api("PATCH", f"/posts/{post['id']}", alice, json={"visibility": "private"}))
    assert notes(api, bob) == []
    assert unread(api, bob) == 0


def test_deleted_post_and_comment_hidden(api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "soon gone")
    other = make_post(api, alice, "stays")
    ok(api("POST", f"/posts/{post['id']}/like", bob))
    gone = comment(api, bob, other["id"], "regrettable")
    kept = comment(api, bob, other["id"], "fine")
    assert len(notes(api, alice)) == 3
    ok(api("DELETE", f"/posts/{post['id']}", alice))
    ok(api("DELETE", f"/comments/{gone}", bob))
    assert [n["comment"]["id"] for n in notes(api, alice)] == [kept]
    assert unread(api, alice) == 1


@pytest.mark.parametrize("state", [AccountState.suspended, AccountState.deleted])
def test_suspended_or_deleted_actor_not_listed(api, actor, platform, state) -> None:
    alice, bob = actor("alice"), actor("bob")
    follow(api, bob, alice)
    assert len(notes(api, alice)) == 1
    with platform.session() as session:
        user = session.get(User, bob.id)
        user.state = state.value
        session.add(user)
        session.commit()
    assert notes(api, alice) == []
    assert unread(api, alice) == 0
