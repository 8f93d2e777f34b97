"""Posts over real HTTP: create with entities, read, edit with history, delete, likes, shares."""

from __future__ import annotations

from tests.social.conftest import follow, make_post


def test_create_post_parses_entities_and_has_the_public_shape(api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(
        api, alice, "Hello @bob and @nobody #Python #python https://example.com/x #fun"
    )
    assert post["author"]["id"] == alice.id
    assert post["author"]["username"] == "alice"
    assert post["author"]["avatar_url"] is None
    assert post["entities"]["hashtags"] == ["python", "fun"]
    assert post["entities"]["mentions"] == [{"id": bob.id, "username": "bob"}]
    assert post["entities"]["links"] == ["https://example.com/x"]
    for field in (
        "created_at",
        "edited_at",
        "like_count",
        "comment_count",
        "share_count",
        "view_count",
        "liked_by_me",
        "video",
        "visibility",
    ):
        assert field in post
    assert post["video"] is None
    read = api("GET", f"/posts/{post['id']}")
    assert read.status_code == 200
    assert read.json()["text"] == post["text"]


def test_post_validation_and_length_limit(api, actor) -> None:
    alice = actor("alice")
    too_long = api("POST", "/posts", alice, json={"text": "x" * 501})
    assert too_long.status_code == 422
    assert too_long.headers["content-type"] == "application/problem+json"
    assert api("POST", "/posts", alice, json={"text": "hi", "role": "admin"}).status_code == 422
    assert api("POST", "/posts", None, json={"text": "hi"}).status_code == 401
    assert (
        api("POST", "/posts", alice, json={"text": "hi", "visibility": "secret"}).status_code == 422
    )


def test_edit_keeps_history_and_only_the_author_may_edit_or_delete(api, actor) -> None:
    alice, mallory = actor("alice"), actor("mallory")
    post = make_post(api, alice, "first #one")
    edited = api("PATCH", f"/posts/{post['id']}", alice, json={"text": "second #two"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["edited_at"] is not None
    assert edited.json()["entities"]["hashtags"] == ["two"]
    history = api("GET", f"/posts/{post['id']}/edits").json()
    assert [h["text"] for h in history] == ["first #one"]
    assert api("PATCH", f"/posts/{post['id']}", mallory, json={"text": "pwned"}).status_code == 404
    assert api("DELETE", f"/posts/{post['id']}", mallory).status_code == 404
    assert api("DELETE", f"/posts/{post['id']}", alice).status_code == 204
    assert api("GET", f"/posts/{post['id']}").status_code == 404
    assert api("DELETE", f"/posts/{post['id']}", alice).status_code == 404


def test_likes_are_idempotent_and_counted(api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, alice, "like me")
    for _ in range(3):
        liked = api("POST", f"/posts/{post['id']}/like", bob)
        assert liked.status_code == 200
    assert liked.json() == {"liked": True, "like_count": 1, "share_count": 0}
    assert api("GET", f"/posts/{post['id']}", bob).json()["liked_by_me"] is True
    assert api("GET", f"/posts/{post['id']}", alice).json()["liked_by_me"] is False
    for _ in range(2):
        unliked = api("DELETE", f"/posts/{post['id']}/like", bob)
    assert unliked.json()["like_count"] == 0


def test_shares_bookmarks_and_views(api, actor) -> None:
    alice, bob, carol = actor("alice"), actor("bob"), actor("carol")
    follow(api, carol, bob)
    post = make_post(api, alice, "share me")
    shared = api("POST", f"/posts/{post['id']}/share", bob)
    assert shared.status_code == 200
    assert api("POST", f"/posts/{post['id']}/share", bob).json()["share_count"] == 1
    # The repost reaches the sharer's followers.
    home = api("GET", "/feed/home", carol).json()["items"]
    assert [p["id"] for p in home] == [post["id"]]
    private = make_post(api, alice, "mine only", "followers")
    follow(api, bob, alice)
    assert api("POST", f"/posts/{private['id']}/share", bob).status_code == 422

    assert api("POST", f"/posts/{post['id']}/bookmark", carol).status_code == 204
    marks = api("GET", "/bookmarks", carol).json()["items"]
    assert [p["id"] for p in marks] == [post["id"]]
    assert api("DELETE", f"/posts/{post['id']}/bookmark", carol).status_code == 204
    assert api("GET", "/bookmarks", carol).json()["items"] == []

    assert api("POST", f"/posts/{post['id']}/views", None).json() == {"view_count": 1}
    assert api("POST", f"/posts/{post['id']}/views", carol).json() == {"view_count": 2}


def test_comments_thread_and_reply_counts(api, actor) -> None:
    alice, bob, carol = actor("alice"), actor("bob"), actor("carol")
    post = make_post(api, alice, "discuss")
    top = api("POST", f"/posts/{post['id']}/comments", bob, json={"text": "first!"})
    assert top.status_code == 201, top.text
    top_id = top.json()["id"]
    reply = api(
        "POST", f"/posts/{post['id']}/comments", carol, json={"text": "reply", "parent_id": top_id}
    )
    assert reply.json()["parent_id"] == top_id
    deeper = api(
        "POST",
        f"/posts/{post['id']}/comments",
        bob,
        json={"text": "reply to reply", "parent_id": reply.json()["id"]},
    )
    assert deeper.json()["parent_id"] == top_id  # threads stay two levels deep
    listing = api("GET", f"/posts/{post['id']}/comments").json()["items"]
    assert [c["id"] for c in listing] == [top_id]
    assert listing[0]["reply_count"] == 2
    replies = api("GET", f"/posts/{post['id']}/comments", params={"parent_id": top_id}).json()[
        "items"
    ]
    assert [c["text"] for c in replies] == ["reply", "reply to reply"]
    assert api("GET", f"/posts/{post['id']}").json()["comment_count"] == 3
    # The post's author may delete any comment on it; others may not.
    assert api("DELETE", f"/comments/{top_id}", carol).status_code == 404
    assert api("DELETE", f"/comments/{reply.json()['id']}", alice).status_code == 204
    assert api("GET", f"/posts/{post['id']}").json()["comment_count"] == 2
    other = make_post(api, bob, "other")
    wrong_parent = api(
        "POST", f"/posts/{other['id']}/comments", bob, json={"text": "x", "parent_id": top_id}
    )
    assert wrong_parent.status_code == 404
