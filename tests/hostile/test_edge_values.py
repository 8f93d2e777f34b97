"""Explicit edge values for every id, cursor, text and header: 4xx problems, never a 500.

Each class of bad input is tried with several members, on the routes that
take it. Most go through a real server (``client``); raw header values that
an HTTP client would refuse to send (a NUL in a header) go in-process
(an ``httpx.AsyncClient`` on the same app), as a hostile proxy could.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from socialflow.core.errors import PROBLEM_CONTENT_TYPE
from socialflow.video.media.tus import TUS_VERSION

API = "/api/v1"
MAX_INT4 = 2**31 - 1
# str.isdigit() is True for each; int() refuses some and reads others as numbers.
UNICODE_DIGITS = ["²", "١٢", "߁", "\U0001d7d9"]
BAD_IDS = [
    "0",
    "-1",
    str(MAX_INT4 + 1),
    str(2**63),
    str(2**64),
    *UNICODE_DIGITS,
    "1e3",
    "0x10",
    "1.5",
    "abc",
    "9" * 500,
    "%00",
]
BAD_TEXTS = ["a\x00b", "\x00", "bell\x07", "esc\x1b[31m", "del\x7f"]


def _feed_cursor(boundary: object, deferred: object) -> str:
    raw = json.dumps({"b": boundary, "d": deferred}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_CURSORS = [
    *UNICODE_DIGITS,
    "-1",
    str(MAX_INT4 + 1),
    str(2**63),
    str(2**64),
    "\x00",
    "12\x00",
    _feed_cursor(2**63, []),
    _feed_cursor(1, [2**70]),
    _feed_cursor(-5, []),
    _feed_cursor("x", []),
    "99999999999999999999_abc",  # a video cursor past any datetime
    "²_abc",
    "1_\x00",
    "1_" + "a" * 40,
]
BAD_LIMITS = [*UNICODE_DIGITS, "0", "-1", "101", str(2**64), "1.5", ""]


def refused(response: httpx.Response, *statuses: int) -> None:
    """``response`` is one of ``statuses`` and a problem document."""
    assert response.status_code in statuses, (
        response.request.method,
        str(response.request.url),
        response.status_code,
        response.text[:300],
    )
    assert response.headers["content-type"].startswith(PROBLEM_CONTENT_TYPE), response.headers
    if response.request.method == "HEAD":
        return  # no body to a HEAD
    body = response.json()
    assert body["status"] == response.status_code
    assert body["type"].startswith("urn:socialflow:problem:")


def not_a_server_error(response: httpx.Response) -> None:
    assert response.status_code < 500, (str(response.request.url), response.text[:300])
    if response.status_code >= 400:
        refused(response, response.status_code)


@pytest.fixture
def author(client: httpx.Client, bearer: dict[str, str]) -> dict[str, Any]:
    """The registered user, with one post and one comment on it."""
    post = client.post(f"{API}/posts", json={"text": "hello #edge"}, headers=bearer)
    assert post.status_code == 201, post.text
    comment = client.post(
        f"{API}/posts/{post.json()['id']}/comments", json={"text": "first"}, headers=bearer
    )
    assert comment.status_code == 201, comment.text
    return {"post": post.json(), "comment": comment.json()}


ID_ROUTES = [
    ("GET", "/posts/{id}", False),
    ("GET", "/posts/{id}/edits", False),
    ("GET", "/posts/{id}/comments", False),
    ("POST", "/posts/{id}/views", False),
    ("PATCH", "/posts/{id}", True),
    ("DELETE", "/posts/{id}", True),
    ("POST", "/posts/{id}/like", True),
    ("DELETE", "/posts/{id}/share", True),
    ("POST", "/posts/{id}/bookmark", True),
    ("DELETE", "/comments/{id}", True),
]


def test_ids_out_of_range_or_not_ascii_digits_are_422(
    client: httpx.Client, bearer: dict[str, str], author: dict[str, Any]
) -> None:
    for method, template, needs_user in ID_ROUTES:
        headers = bearer if needs_user else {}
        body = {"text": "edit"} if method == "PATCH" else None
        for bad in BAD_IDS:
            response = client.request(
                method, API + template.format(id=bad), headers=headers, json=body
            )
            refused(response, 422)
        # The largest id the column holds is a valid id: no such post.
        response = client.request(
            method, API + template.format(id=MAX_INT4), headers=headers, json=body
        )
        refused(response, 404)


def test_ids_in_bodies_and_queries_are_range_checked(
    client: httpx.Client, bearer: dict[str, str], author: dict[str, Any]
) -> None:
    post_id = author["post"]["id"]
    bad_values: list[int | str] = [0, -1, MAX_INT4 + 1, 2**63, 2**64, "²", "١٢"]
    for bad in bad_values:
        for body in ({"ids": [bad]}, {"up_to": bad}):
            refused(client.post(f"{API}/notifications/read", json=body, headers=bearer), 422)
        refused(
            client.post(
                f"{API}/posts/{post_id}/comments",
                json={"text": "reply", "parent_id": bad},
                headers=bearer,
            ),
            422,
        )
        refused(client.get(f"{API}/posts/{post_id}/comments", params={"parent_id": bad}), 422)


CURSOR_ROUTES = [
    ("/bookmarks", True),
    ("/posts/{post}/comments", False),
    ("/notifications", True),
    ("/users/fuzzer/followers", False),
    ("/users/fuzzer/following", False),
    ("/users/me/follow-requests", True),
    ("/users/fuzzer/posts", False),
    ("/videos", False),
    ("/search?q=hello", False),
    ("/feed/home", True),
    ("/feed/explore", False),
    ("/feed/hashtag/edge", False),
]
ID_CURSOR_ROUTES = {
    "/bookmarks",
    "/posts/{post}/comments",
    "/notifications",
    "/users/fuzzer/followers",
    "/users/me/follow-requests",
}


def test_bad_cursors_never_reach_the_database(
    client: httpx.Client, bearer: dict[str, str], author: dict[str, Any]
) -> None:
    for template, needs_user in CURSOR_ROUTES:
        path = API + template.format(post=author["post"]["id"])
        headers = bearer if needs_user else {}
        for cursor in BAD_CURSORS:
            response = client.get(path, params={"cursor": cursor}, headers=headers)
            if template in ID_CURSOR_ROUTES or "\x00" in cursor:
                refused(response, 422)
            else:
                # Opaque cursors of other routes may read as "from the start".
                not_a_server_error(response)


def test_feed_fast_lane_parses_like_the_rest(client: httpx.Client, bearer: dict[str, str]) -> None:
    for path, headers in (("/feed/explore", {}), ("/feed/home", bearer)):
        for limit in BAD_LIMITS:
            response = client.get(API + path, params={"limit": limit}, headers=headers)
            refused(response, 422)
            assert response.json()["errors"][0]["field"] == "limit"
        for cursor in ("\x00", "a\x00b", "x" * 1001):
            refused(client.get(API + path, params={"cursor": cursor}, headers=headers), 422)
        assert client.get(API + path, params={"limit": "5"}, headers=headers).status_code == 200


def _post_count(client: httpx.Client) -> int:
    response = client.get(f"{API}/users/fuzzer/posts", params={"limit": 100})
    assert response.status_code == 200, response.text
    return len(response.json()["items"])


def test_control_characters_in_texts_are_422_and_nothing_is_written(
    client: httpx.Client, bearer: dict[str, str], author: dict[str, Any]
) -> None:
    post_id = author["post"]["id"]
    before = _post_count(client)
    for bad in BAD_TEXTS:
        refused(client.post(f"{API}/posts", json={"text": bad}, headers=bearer), 422)
        refused(
            client.post(f"{API}/posts", json={"text": "ok", "image_ids": [bad]}, headers=bearer),
            422,
        )
        refused(client.patch(f"{API}/posts/{post_id}", json={"text": bad}, headers=bearer), 422)
        refused(
            client.post(f"{API}/posts/{post_id}/comments", json={"text": bad}, headers=bearer),
            422,
        )
        for field in ("display_name", "bio"):
            refused(client.patch(f"{API}/users/me", json={field: bad}, headers=bearer), 422)
        refused(
            client.post(
                f"{API}/auth/register",
                json={"username": f"u{bad}x", "email": "x@example.com", "password": "pw" * 8},
            ),
            422,
        )
        refused(
            client.post(f"{API}/auth/login", json={"username_or_email": bad, "password": "x"}),
            422,
        )
        refused(client.get(f"{API}/search", params={"q": bad}), 422)
        refused(client.get(f"{API}/notifications", params={"kinds": bad}, headers=bearer), 422)
    # A lone surrogate cannot be stored as UTF-8 either (sent as a raw JSON escape).
    surrogate = b'{"text": "x\\ud800y"}'
    refused(
        client.post(
            f"{API}/posts",
            content=surrogate,
            headers={**bearer, "Content-Type": "application/json"},
        ),
        422,
    )
    assert _post_count(client) == before
    assert client.get(f"{API}/posts/{post_id}").json()["text"] == author["post"]["text"]
    # Tabs and newlines are text, not control noise.
    made = client.post(f"{API}/posts", json={"text": "two\nlines\tand a tab"}, headers=bearer)
    assert made.status_code == 201, made.text


def test_path_segments_with_nul_or_too_long_are_422(
    client: httpx.Client, bearer: dict[str, str]
) -> None:
    for segment in ("a%00b", "%00", "x" * 201):
        for path in (
            f"/users/{segment}",
            f"/users/{segment}/followers",
            f"/users/{segment}/posts",
            f"/feed/hashtag/{segment}",
            f"/videos/{segment}",
            f"/media/images/{segment}",
            f"/auth/oauth/{segment}/authorize",
        ):
            headers = bearer if path.startswith("/media/images") else {}
            refused(client.get(API + path, headers=headers), 422)
        refused(client.post(f"{API}/users/{segment}/follow", headers=bearer), 422)
        refused(client.delete(f"{API}/auth/sessions/{segment}", headers=bearer), 422)
    # Empty or overlong search queries are refused too.
    for q in ("", "q" * 201):
        refused(client.get(f"{API}/search", params={"q": q}), 422)


def test_signed_url_expiries_are_parsed_strictly(client: httpx.Client) -> None:
    for expires in [*UNICODE_DIGITS, "-1", str(2**64), "1e3", "soon"]:
        refused(client.get(f"{API}/media/a/b.mp4", params={"expires": expires, "sig": "x"}), 422)
        refused(
            client.get(f"{API}/videos/abc/master.m3u8", params={"expires": expires, "sig": "x"}),
            422,
        )
    for params in ({"expires": "1", "sig": "x"}, {"expires": str(2**62), "sig": "\x00"}):
        refused(client.get(f"{API}/media/a/b.mp4", params=params), 404, 422)
    refused(client.get(f"{API}/media/a%00b.mp4", params={"expires": "1", "sig": "x"}), 422)


def test_signatures_with_any_characters_are_refused_not_errors(client: httpx.Client) -> None:
    """Signatures are compared in constant time whatever characters a caller sends."""
    future = str(2**40)
    for sig in ("é", "²" * 64, "\u00e9" * 64, "😀", "a" * 64):
        for path in (
            f"{API}/media/a/b.mp4",
            f"{API}/videos/abc/master.m3u8",
            f"{API}/videos/abc/hls/360p/index.m3u8",
        ):
            refused(client.get(path, params={"expires": future, "sig": sig}), 404, 422)


def _tus(bearer: dict[str, str], **headers: str) -> dict[bytes, bytes]:
    """tus request headers, as raw UTF-8 bytes (what a hostile client can send)."""
    values = {**bearer, "Tus-Resumable": TUS_VERSION, **headers}
    return {name.encode(): value.encode() for name, value in values.items()}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.anyio
async def test_tus_headers_are_parsed_strictly(
    async_client: httpx.AsyncClient, bearer: dict[str, str]
) -> None:
    uploads = f"{API}/uploads/"
    for length in [*UNICODE_DIGITS, "-1", "", "1 2", "0x10", "1e3", str(2**64), "9" * 30]:
        refused(
            await async_client.post(uploads, headers=_tus(bearer, **{"Upload-Length": length})), 400
        )
    for metadata in (
        f"filename {_b64('a' + chr(0) + 'b.mp4')}",
        f"title {_b64('bell' + chr(7))}",
        f"filename {_b64('ok.mp4')},visibility {_b64(chr(0))}",
        "filename\x00 abc",
        "filename not-base64!",
    ):
        response = await async_client.post(
            uploads, headers=_tus(bearer, **{"Upload-Length": "10", "Upload-Metadata": metadata})
        )
        refused(response, 400)
        assert response.headers["Tus-Resumable"] == TUS_VERSION
    created = await async_client.post(
        uploads,
        headers=_tus(
            bearer, **{"Upload-Length": "4", "Upload-Metadata": f"filename {_b64('ok.mp4')}"}
        ),
    )
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    for offset in [*UNICODE_DIGITS, "-1", "", "1e3", str(2**64)]:
        response = await async_client.patch(
            location,
            content=b"abcd",
            headers=_tus(
                bearer,
                **{"Upload-Offset": offset, "Content-Type": "application/offset+octet-stream"},
            ),
        )
        refused(response, 400)
    for upload_id in ("%00", "x" * 33):
        target = f"{API}/uploads/{upload_id}"
        refused(await async_client.head(target, headers=_tus(bearer)), 422)
        refused(await async_client.delete(target, headers=_tus(bearer)), 422)
    # Still whole: the good upload takes its bytes.
    done = await async_client.patch(
        location,
        content=b"abcd",
        headers=_tus(
            bearer, **{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
        ),
    )
    assert done.status_code == 204, done.text
    assert done.headers["Upload-Offset"] == "4"


@pytest.mark.anyio
async def test_header_labels_are_cleaned_and_bad_tokens_refused(
    async_client: httpx.AsyncClient,
) -> None:
    password = "another long password 2"
    registered = await async_client.post(
        f"{API}/auth/register",
        json={"username": "labels", "email": "labels@example.com", "password": password},
    )
    assert registered.status_code == 201, registered.text
    login = await async_client.post(
        f"{API}/auth/login",
        json={"username_or_email": "labels", "password": password},
        headers={"User-Agent": "agent\x00with\x07noise"},
    )
    assert login.status_code == 200, login.text
    token = {"Authorization": f"Bearer {login.json()['access_token']}"}
    sessions = (await async_client.get(f"{API}/auth/sessions", headers=token)).json()["items"]
    assert sessions[0]["user_agent"] == "agent\ufffdwith\ufffdnoise"
    for authorization in ("Bearer \x00", "Bearer ²", "Bearer " + "a" * 5000):
        response = await async_client.get(
            f"{API}/posts/1", headers={b"Authorization": authorization.encode()}
        )
        refused(response, 401)


def test_image_alt_text_with_control_characters_is_422(
    client: httpx.Client, bearer: dict[str, str]
) -> None:
    for bad in BAD_TEXTS:
        response = client.post(
            f"{API}/media/images",
            headers=bearer,
            files={"file": ("x.png", b"not really a png", "image/png")},
            data={"alt": bad},
        )
        refused(response, 422)
