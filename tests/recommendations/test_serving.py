"""For you, who to follow, more like this: fallbacks, and never what the viewer may not see."""

from __future__ import annotations

from socialflow.accounts.models import Role
from tests.social.conftest import follow, make_post


def ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_for_you_cold_start_serves_hashtags_and_public_posts_only(api, actor, platform) -> None:
    viewer, author, private, blocker = (
        actor("viewer"),
        actor("author"),
        actor("private"),
        actor("blocker"),
    )
    liked = make_post(api, author, "loving #bikes")
    more = make_post(api, author, "again #bikes")
    other = make_post(api, author, "something else")
    secret = make_post(api, private, "for my followers", visibility="followers")
    blocked = make_post(api, blocker, "you will not see this")
    assert api("POST", f"/users/{viewer.name}/block", blocker).status_code in (200, 204)
    assert api("POST", f"/posts/{liked['id']}/like", viewer).status_code == 200
    response = api("GET", "/recommendations/videos", viewer, params={"limit": 10})
    got = ids(response)
    assert response.json()["source"] == "fallback"
    assert got[0] == more["id"]  # the viewer's hashtag first
    assert other["id"] in got
    assert liked["id"] not in got  # already engaged with
    assert secret["id"] not in got
    assert blocked["id"] not in got


def test_for_you_needs_a_caller_and_a_sane_limit(api, actor) -> None:
    assert api("GET", "/recommendations/videos").status_code == 401
    response = api("GET", "/recommendations/videos", actor("viewer"), params={"limit": 0})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_who_to_follow_skips_followed_hidden_and_self(api, actor) -> None:
    viewer, friend, fof, blocked = actor("viewer"), actor("friend"), actor("fof"), actor("blocked")
    follow(api, viewer, friend)
    follow(api, friend, fof)
    follow(api, friend, blocked)
    assert api("POST", f"/users/{blocked.name}/block", viewer).status_code in (200, 204)
    response = api("GET", "/recommendations/users", viewer)
    assert response.status_code == 200, response.text
    names = [u["username"] for u in response.json()["items"]]
    assert names[0] == "fof"
    assert {"viewer", "friend", "blocked"}.isdisjoint(names)


def test_more_like_this_shares_hashtags_and_hides_invisible_posts(api, actor) -> None:
    viewer, author, other = actor("viewer"), actor("author"), actor("other")
    seed = make_post(api, author, "#alps #bikes ride")
    close = make_post(api, other, "#alps #bikes again")
    near = make_post(api, other, "#alps only")
    private = make_post(api, other, "#alps #bikes secret", visibility="followers")
    got = ids(api("GET", f"/recommendations/posts/{seed['id']}/similar", viewer))
    assert got[:2] == [close["id"], near["id"]]
    assert private["id"] not in got
    missing = api("GET", f"/recommendations/posts/{private['id']}/similar", viewer)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_viral_posts_are_for_admins_and_explained_to_viewers(api, actor) -> None:
    admin, user, author = actor("admin", role=Role.admin), actor("user"), actor("author")
    fans = [actor(f"fan{i}") for i in range(12)]
    hot = make_post(api, author, "this will trend")
    cold = make_post(api, author, "this will not")
    for fan in fans:
        assert api("POST", f"/posts/{hot['id']}/like", fan).status_code == 200
        assert api("POST", f"/posts/{hot['id']}/share", fan).status_code in (200, 201)
    assert api("GET", "/recommendations/viral", user).status_code == 403
    response = api("GET", "/recommendations/viral", admin)
    assert response.status_code == 200, response.text
    items = {i["post_id"]: i for i in response.json()["items"]}
    assert items[hot["id"]]["viral"] is True
    assert items[cold["id"]]["viral"] is False
    assert items[hot["id"]]["source"] == "heuristic"
    why = api("GET", f"/recommendations/posts/{hot['id']}/why-trending", user)
    assert why.status_code == 200, why.text
    assert why.json()["reasons"][0]["signal"] in {"early_shares", "early_likes"}
