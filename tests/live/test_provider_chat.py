"""The built-in provider has no chat of its own: a provider chat token is a 409 problem,
and the platform's chat goes on working (the IVS plugin's tests cover IVS Chat)."""

from __future__ import annotations

from collections.abc import Callable

from tests.live.conftest import Api, create_stream
from tests.live.test_chat import say
from tests.social.conftest import Actor


def test_no_provider_chat_with_the_local_provider(api: Api, actor: Callable[..., Actor]) -> None:
    alice, bob = actor("alice"), actor("bob")
    sid = create_stream(api, alice)["id"]
    refused = api("POST", f"/live/streams/{sid}/chat/token", bob)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("live-provider-chat-off")
    assert api("POST", f"/live/streams/{sid}/chat/token", None).status_code == 401
    assert api("POST", "/live/streams/2147483647/chat/token", bob).status_code == 404
    say(api, bob, sid, "the platform's chat still works")
    banned = api("POST", f"/live/streams/{sid}/chat/bans", alice, json={"user_id": bob.id})
    assert banned.status_code == 200  # no provider chat to disconnect from: fine
