"""Viewers over the realtime hub: following ``live:<id>`` is watching; counts per user,
peak and total; the stream's visibility decides who may follow."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from socialflow.testing.waiting import wait_until
from tests.live.conftest import Api, create_stream, read_stream
from tests.realtime.clients import (
    close_code,
    open_socket,
    receive_until,
    subscribe,
    token_of,
)
from tests.social.conftest import Actor

pytestmark = pytest.mark.ffmpeg


def counts(ws: Any, viewers: int) -> dict[str, Any]:
    frame = receive_until(
        ws, lambda f: f["event"] == "viewers" and f["data"]["viewer_count"] == viewers, timeout=10
    )
    return dict(frame["data"])


def test_viewer_counts_peak_and_total(
    api: Api,
    actor: Callable[..., Actor],
    publish: Callable[..., subprocess.Popen[bytes]],
    live_server: str,
) -> None:
    alice, bob, carol, mallory = actor("alice"), actor("bob"), actor("carol"), actor("mallory")
    stream = create_stream(api, alice, permanent=True)
    topic = f"live:{stream['id']}"
    publish(f"{stream['ingest_url']}/{stream['stream_key']}", 60)
    wait_until(lambda: read_stream(api, None, stream["id"])["status"] == "live", timeout=10)

    with open_socket(live_server, token_of(bob.headers)) as phone:
        subscribe(phone, topic)
        assert counts(phone, 1) == {
            "stream_id": stream["id"],
            "viewer_count": 1,
            "peak_viewers": 1,
            "total_viewers": 1,
        }
        with open_socket(live_server, token_of(bob.headers)) as laptop:
            subscribe(laptop, topic)  # the same user on a second device counts once
            assert counts(laptop, 1)["total_viewers"] == 1
            with open_socket(live_server, token_of(carol.headers)) as other:
                subscribe(other, topic)
                assert counts(phone, 2) == {
                    "stream_id": stream["id"],
                    "viewer_count": 2,
                    "peak_viewers": 2,
                    "total_viewers": 2,
                }
            after = counts(phone, 1)
            assert after["peak_viewers"] == 2
            assert after["total_viewers"] == 2
        read = read_stream(api, None, stream["id"])
        assert (read["viewer_count"], read["peak_viewers"], read["total_viewers"]) == (1, 2, 2)

    assert api("POST", f"/users/{mallory.name}/block", alice).status_code in (200, 201, 204)
    with open_socket(live_server, token_of(mallory.headers)) as blocked:
        blocked.send(json.dumps({"op": "subscribe", "topic": topic}))
        assert close_code(blocked) == 4403
    with open_socket(live_server, token_of(bob.headers)) as unknown:
        unknown.send(json.dumps({"op": "subscribe", "topic": "nope:1"}))
        assert close_code(unknown) == 4400

    wait_until(lambda: read_stream(api, None, stream["id"])["viewer_count"] == 0, timeout=10)
    ended = api("POST", f"/live/streams/{stream['id']}/end", alice).json()
    assert ended["viewer_count"] == 0
    assert ended["peak_viewers"] == 2
    assert ended["total_viewers"] == 2
