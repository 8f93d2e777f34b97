"""Follow-ups: answered follow requests leave no stale notification; an edit that adds a
mention tells the newly mentioned user once."""

from __future__ import annotations

from tests.notifications.conftest import kinds_of, ok
from tests.social.conftest import follow, make_post


def test_approved_or_rejected_request_clears_its_notification(api, actor) -> None:
    carol = actor("carol", is_private=True)
    alice, bob = actor("alice"), actor("bob")
    follow(api, alice, carol)
    follow(api, bob, carol)
    assert kinds_of(api, carol) == [("follow_requested", "bob"), ("follow_requested", "alice")]
    ok(api("POST", f"/users/me/follow-requests/{alice.name}/approve", carol))
    ok(api("POST", f"/users/me/follow-requests/{bob.name}/reject", carol))
    assert kinds_of(api, carol) == []
    assert kinds_of(api, alice) == [("follow_approved", "carol")]


def test_withdrawn_request_clears_its_notification(api, actor) -> None:
    carol, dan = actor("carol", is_private=True), actor("dan")
    follow(api, dan, carol)
    assert kinds_of(api, carol) == [("follow_requested", "dan")]
    assert api("DELETE", f"/users/{carol.name}/follow", dan).status_code in (200, 204)
    assert kinds_of(api, carol) == []
    # Asking again is a new request, told again.
    follow(api, dan, carol)
    assert kinds_of(api, carol) == [("follow_requested", "dan")]


def test_unfollowing_without_a_request_clears_nothing(api, actor) -> None:
    carol, dan, eve = actor("carol", is_private=True), actor("dan"), actor("eve")
    follow(api, dan, carol)
    follow(api, eve, carol)
    assert api("DELETE", f"/users/{carol.name}/follow", actor("fay")).status_code in (200, 204)
    assert len(kinds_of(api, carol)) == 2


def test_edit_adding_a_mention_notifies_once(api, actor) -> None:
    alice, bob, cyd = actor("alice"), actor("bob"), actor("cyd")
    post = make_post(api, alice, "hello @bob")
    assert kinds_of(api, bob) == [("mentioned", "alice")]
    ok(api("PATCH", f"/posts/{post['id']}", alice, json={"text": "hello @bob and @cyd"}))
    assert kinds_of(api, cyd) == [("mentioned", "alice")]
    assert kinds_of(api, bob) == [("mentioned", "alice")]  # not again
    # Later edits (dropping and adding the mention back) tell nobody again.
    ok(api("PATCH", f"/posts/{post['id']}", alice, json={"text": "hello"}))
    ok(api("PATCH", f"/posts/{post['id']}", alice, json={"text": "hello @cyd @bob"}))
    assert kinds_of(api, cyd) == [("mentioned", "alice")]
    assert kinds_of(api, bob) == [("mentioned", "alice")]
    # Mentioning oneself in an edit tells nobody.
    ok(api("PATCH", f"/posts/{post['id']}", alice, json={"text": "me @alice"}))
    assert kinds_of(api, alice) == []
