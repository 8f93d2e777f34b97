"""The data export holds what the user made in every domain, and nobody else's data."""

from __future__ import annotations

from typing import Any

import httpx


def test_export_covers_content_graph_and_videos(
    client: httpx.Client, make_user: Any, auth_headers: Any
) -> None:
    me, friend, pest = make_user("exporter"), make_user("friend"), make_user("pest")
    mine = auth_headers(me)
    post = client.post("/api/v1/posts", json={"text": "first #hello"}, headers=mine)
    assert post.status_code == 201, post.text
    post_id = post.json()["id"]
    edited = client.patch(f"/api/v1/posts/{post_id}", json={"text": "first, edited"}, headers=mine)
    assert edited.status_code == 200, edited.text
    theirs = client.post("/api/v1/posts", json={"text": "friend's"}, headers=auth_headers(friend))
    their_id = theirs.json()["id"]
    assert client.post(f"/api/v1/posts/{their_id}/like", headers=mine).status_code in (200, 201)
    comment = client.post(f"/api/v1/posts/{their_id}/comments", json={"text": "nice"}, headers=mine)
    assert comment.status_code == 201, comment.text
    assert client.post("/api/v1/users/friend/follow", headers=mine).status_code in (200, 201)
    assert client.post("/api/v1/users/pest/block", headers=mine).status_code in (200, 201, 204)
    upload = client.post(
        "/api/v1/uploads/",
        headers={**mine, "Tus-Resumable": "1.0.0", "Upload-Length": "10"},
    )
    assert upload.status_code == 201, upload.text
    video_id = upload.headers["Video-Id"]

    response = client.get("/api/v1/users/me/export", headers=mine)
    assert response.status_code == 200
    data = response.json()
    assert data["format"] == "socialflow-export/1"
    assert data["account"]["username"] == "exporter"
    [exported] = data["content"]["posts"]
    assert exported["text"] == "first, edited"
    assert [v["text"] for v in exported["earlier_versions"]] == ["first #hello"]
    assert data["content"]["likes"][0]["post_id"] == their_id
    assert data["content"]["comments"][0]["text"] == "nice"
    assert [f["username"] for f in data["graph"]["following"]] == ["friend"]
    assert [b["username"] for b in data["graph"]["blocked"]] == ["pest"]
    assert [v["id"] for v in data["videos"]] == [video_id]
    assert "friend@example.com" not in response.text
    assert pest.email not in response.text
