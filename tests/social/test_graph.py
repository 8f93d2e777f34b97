"""Follow, follow requests, blocks and mutes over real HTTP; counters stay exact."""

from __future__ import annotations

from tests.social.conftest import follow, make_post


def _counts(api, who) -> tuple[int, int]:
    body = api("GET", f"/users/{who.name}").json()
    return body["follower_count"], body["following_count"]


def test_follow_unfollow_is_idempotent_and_keeps_counters(api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    assert follow(api, alice, bob) == "following"
    assert follow(api, alice, bob) == "following"
    assert _counts(api, bob) == (1, 0)
    assert _counts(api, alice) == (0, 1)
    assert api("GET", f"/users/{bob.name}", alice).json()["is_following"] is True
    assert api("GET", f"/users/{bob.name}", None).json()["is_following"] is False
    followers = api("GET", f"/users/{bob.name}/followers").json()
    assert [u["username"] for u in followers["items"]] == ["alice"]
    following = api("GET", f"/users/{alice.name}/following", bob).json()
    assert [u["username"] for u in following["items"]] == ["bob"]
    for _ in range(2):
        assert api("DELETE", f"/users/{bob.name}/follow", alice).json() == {"state": "none"}
    assert _counts(api, bob) == (0, 0)
    assert _counts(api, alice) == (0, 0)
    assert api("POST", f"/users/{alice.name}/follow", alice).status_code == 422
    assert api("POST", "/users/nobody_here/follow", alice).status_code == 404
    assert api("POST", f"/users/{bob.name}/follow", None).status_code == 401


def test_follower_lists_paginate(api, actor) -> None:
    star = actor("star")
    fans = [actor(f"fan{i}") for i in range(7)]
    for fan in fans:
        follow(api, fan, star)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api("GET", f"/users/{star.name}/followers", params=params).json()
        seen += [u["id"] for u in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(f.id for f in fans)
    assert len(seen) == len(set(seen))


def test_private_account_follow_requests(api, actor) -> None:
    owner, asker, other = actor("owner", is_private=True), actor("asker"), actor("other")
    assert follow(api, asker, owner) == "requested"
    assert _counts(api, owner) == (0, 0)
    # A private account's lists and followers-only posts stay hidden from non-followers.
    assert api("GET", f"/users/{owner.name}/followers", asker).status_code == 404
    requests = api("GET", "/users/me/follow-requests", owner).json()["items"]
    assert [u["username"] for u in requests] == ["asker"]
    assert api("POST", f"/users/me/follow-requests/{asker.name}/approve", owner).status_code == 200
    assert _counts(api, owner) == (1, 0)
    assert api("GET", f"/users/{owner.name}/followers", asker).status_code == 200
    # Rejecting: no follow results, and answering twice is a 404.
    assert follow(api, other, owner) == "requested"
    assert api("POST", f"/users/me/follow-requests/{other.name}/reject", owner).status_code == 200
    assert api("POST", f"/users/me/follow-requests/{other.name}/reject", owner).status_code == 404
    assert _counts(api, owner) == (1, 0)
    assert api("POST", f"/users/me/follow-requests/{other.name}/maybe", owner).status_code == 422


def test_block_cuts_follows_and_hides_the_blocker(api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    follow(api, alice, bob)
    follow(api, bob, alice)
    post = make_post(api, alice, "hello")
    assert api("POST", f"/users/{bob.name}/block", alice).json() == {"blocked": True, "muted": None}
    assert _counts(api, alice) == (0, 0)
    assert _counts(api, bob) == (0, 0)
    # Bob sees nothing of Alice: not her profile, not her post, cannot follow her.
    assert api("GET", f"/users/{alice.name}/posts", bob).status_code == 404
    assert api("GET", f"/posts/{post['id']}", bob).status_code == 404
    assert api("POST", f"/users/{alice.name}/follow", bob).status_code == 404
    assert api("POST", f"/posts/{post['id']}/like", bob).status_code == 404
    # Alice cannot follow Bob while she blocks him.
    assert api("POST", f"/users/{bob.name}/follow", alice).status_code == 403
    assert api("DELETE", f"/users/{bob.name}/block", alice).json()["blocked"] is False
    assert api("GET", f"/posts/{post['id']}", bob).status_code == 200


def test_mute_hides_from_feeds_but_not_direct_links(api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    follow(api, alice, bob)
    post = make_post(api, bob, "noise #topic")
    assert [p["id"] for p in api("GET", "/feed/home", alice).json()["items"]] == [post["id"]]
    assert api("POST", f"/users/{bob.name}/mute", alice).json()["muted"] is True
    assert api("GET", "/feed/home", alice).json()["items"] == []
    assert api("GET", "/feed/explore", alice).json()["items"] == []
    assert api("GET", "/feed/hashtag/topic", alice).json()["items"] == []
    assert api("GET", f"/posts/{post['id']}", alice).status_code == 200
    assert api("DELETE", f"/users/{bob.name}/mute", alice).json()["muted"] is False
    assert len(api("GET", "/feed/home", alice).json()["items"]) == 1
