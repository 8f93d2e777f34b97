"""Stream chat: persisted, pushed on ``live:<id>``, moderated by the stream's owner
(delete, timeout, ban, slow mode, followers only); others cannot moderate (404)."""

from __future__ import annotations

from collections.abc import Callable

from tests.live.conftest import Api, create_stream
from tests.realtime.clients import open_socket, receive_until, subscribe, token_of
from tests.social.conftest import Actor


def say(api: Api, who: Actor, stream_id: int, text: str, status: int = 201) -> dict[str, object]:
    response = api("POST", f"/live/streams/{stream_id}/chat", who, json={"text": text})
    assert response.status_code == status, response.text
    if status != 201:
        assert response.headers["content-type"].startswith("application/problem+json")
    return dict(response.json())


def test_messages_are_kept_and_pushed(
    api: Api, actor: Callable[..., Actor], live_server: str
) -> None:
    alice, bob = actor("alice"), actor("bob")
    stream = create_stream(api, alice)
    with open_socket(live_server, token_of(alice.headers)) as ws:
        subscribe(ws, f"live:{stream['id']}")
        sent = say(api, bob, stream["id"], "hello!")
        frame = receive_until(ws, lambda f: f["event"] == "chat")
        assert frame["data"] == sent
        assert frame["data"]["user"]["username"] == bob.name
        assert (
            api("DELETE", f"/live/streams/{stream['id']}/chat/{sent['id']}", alice).status_code
            == 204
        )
        gone = receive_until(ws, lambda f: f["event"] == "chat_deleted")
        assert gone["data"] == {"id": sent["id"], "stream_id": stream["id"]}
    say(api, bob, stream["id"], "second")
    history = api("GET", f"/live/streams/{stream['id']}/chat", None).json()["items"]
    assert [m["text"] for m in history] == ["second"]
    assert say(api, None, stream["id"], "anon", 401)  # type: ignore[arg-type]


def test_only_the_owner_moderates(api: Api, actor: Callable[..., Actor]) -> None:
    alice, bob, mallory = actor("alice"), actor("bob"), actor("mallory")
    stream = create_stream(api, alice)
    sid = stream["id"]
    message = say(api, bob, sid, "hi")
    for method, path, body in (
        ("DELETE", f"/live/streams/{sid}/chat/{message['id']}", None),
        ("POST", f"/live/streams/{sid}/chat/bans", {"user_id": bob.id}),
        ("DELETE", f"/live/streams/{sid}/chat/bans/{bob.id}", None),
        ("PATCH", f"/live/streams/{sid}/chat/settings", {"slow_mode_seconds": 60}),
    ):
        response = api(method, path, mallory, json=body) if body else api(method, path, mallory)
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert [m["text"] for m in api("GET", f"/live/streams/{sid}/chat", bob).json()["items"]] == [
        "hi"
    ]


def test_bans_timeouts_slow_mode_and_followers_only(api: Api, actor: Callable[..., Actor]) -> None:
    alice, bob, carol = actor("alice"), actor("bob"), actor("carol")
    stream = create_stream(api, alice)
    sid = stream["id"]

    banned = api("POST", f"/live/streams/{sid}/chat/bans", alice, json={"user_id": bob.id})
    assert banned.json()["until"] is None
    assert say(api, bob, sid, "let me in", 403)["type"].endswith("live-chat-banned")
    assert api("DELETE", f"/live/streams/{sid}/chat/bans/{bob.id}", alice).status_code == 204
    say(api, bob, sid, "back")

    timeout = api(
        "POST", f"/live/streams/{sid}/chat/bans", alice, json={"user_id": bob.id, "seconds": 600}
    )
    assert timeout.json()["until"]
    assert "timed out" in say(api, bob, sid, "hm", 403)["detail"]
    api("DELETE", f"/live/streams/{sid}/chat/bans/{bob.id}", alice)

    settings = api(
        "PATCH", f"/live/streams/{sid}/chat/settings", alice, json={"slow_mode_seconds": 600}
    )
    assert settings.json() == {
        "slow_mode_seconds": 600,
        "followers_only": False,
        "subscribers_only": False,
    }
    say(api, carol, sid, "one")
    assert say(api, carol, sid, "two", 429)["type"].endswith("live-chat-slow-mode")
    say(api, alice, sid, "the owner is never slowed")
    say(api, alice, sid, "really never")

    api(
        "PATCH",
        f"/live/streams/{sid}/chat/settings",
        alice,
        json={"slow_mode_seconds": 0, "followers_only": True},
    )
    assert say(api, carol, sid, "not a follower", 403)["type"].endswith("followers-only")
    assert api("POST", f"/users/{alice.name}/follow", carol).status_code == 200
    say(api, carol, sid, "now a follower")

    own = api("POST", f"/live/streams/{sid}/chat/bans", alice, json={"user_id": alice.id})
    assert own.status_code == 422
    assert api("POST", f"/live/streams/{sid}/chat", bob, json={"text": ""}).status_code == 422
    assert (
        api("POST", f"/live/streams/{sid}/chat", bob, json={"text": "x" * 501}).status_code == 422
    )
