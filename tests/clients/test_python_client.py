"""The generated Python client walks the main journey against a real server.

``socialflow sdk build`` generates the client once per test module, into the
test session's folder: generation takes a second or two, and nothing
generated is committed, so no merge ever conflicts on it and a new route is
in the client at once. Then, through the
client's typed functions only: register, log in, refresh, follow, upload a
small video over tus (tuspy: the protocol is tus, not JSON), watch it become
ready, post it, read the follower's home feed, fetch the master playlist.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from socialflow.cli import build_cli, sdk
from socialflow.testing.services import require_binary
from socialflow.testing.video import make_clip
from socialflow.testing.waiting import wait_until

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """``socialflow sdk build --no-typescript`` run in a fresh project folder (the apps
    every test app has), its ``socialflow_client`` package imported."""
    project = tmp_path_factory.mktemp("sdk-project")
    out = project / "clients"
    result = CliRunner().invoke(
        build_cli(with_plugins=False),
        ["sdk", "build", "--out", str(out), "--no-typescript", "--project", str(project)],
    )
    assert result.exit_code == 0, result.output
    assert (out / "openapi.json").is_file()
    sys.path.insert(0, str(out / "python"))
    try:
        yield importlib.import_module(sdk.PYTHON_PACKAGE)
    finally:
        sys.path.remove(str(out / "python"))
        for name in [m for m in sys.modules if m.split(".")[0] == sdk.PYTHON_PACKAGE]:
            del sys.modules[name]


def api(name: str) -> ModuleType:
    """One generated operation module: ``api("auth.auth_login")``."""
    return importlib.import_module(f"{sdk.PYTHON_PACKAGE}.api.{name}")


def models() -> ModuleType:
    return importlib.import_module(f"{sdk.PYTHON_PACKAGE}.models")


def sign_up(anonymous: Any, username: str) -> Any:
    """Register and log in through the client; returns the token pair."""
    m = models()
    created = api("auth.auth_register").sync_detailed(
        client=anonymous,
        body=m.RegisterRequest(
            username=username, email=f"{username}@example.com", password=PASSWORD
        ),
    )
    assert created.status_code == 201, created.content
    assert isinstance(created.parsed, m.UserPrivate)
    assert created.parsed.username == username
    pair = api("auth.auth_login").sync(
        client=anonymous, body=m.LoginRequest(username_or_email=username, password=PASSWORD)
    )
    assert isinstance(pair, m.TokenPair), pair
    return pair


@pytest.mark.ffmpeg
def test_the_main_journey_through_the_generated_client(
    generated: ModuleType, live_server: str, tmp_path: Path
) -> None:
    require_binary("ffmpeg")
    from tusclient import client as tus

    m = models()
    anonymous = generated.Client(base_url=live_server, raise_on_unexpected_status=True)
    alice_pair = sign_up(anonymous, "alice")
    bob_pair = sign_up(anonymous, "bob")

    # Refresh rotates the pair; the new access token works, the old refresh token is spent.
    refreshed = api("auth.auth_refresh").sync(
        client=anonymous, body=m.RefreshRequest(refresh_token=alice_pair.refresh_token)
    )
    assert isinstance(refreshed, m.TokenPair), refreshed
    assert refreshed.refresh_token != alice_pair.refresh_token
    alice = generated.AuthenticatedClient(base_url=live_server, token=refreshed.access_token)
    bob = generated.AuthenticatedClient(base_url=live_server, token=bob_pair.access_token)
    me = api("users.users_read_me").sync(client=alice)
    assert isinstance(me, m.UserPrivate)
    assert me.username == "alice"

    followed = api("graph.graph_follow").sync("alice", client=bob)
    assert isinstance(followed, m.FollowState), followed
    assert str(followed.state.value) == "following"

    # tus upload (tuspy), then the video's id from the generated HEAD operation.
    clip = make_clip(tmp_path / "clip.mp4", seconds=1.0, size="320x180")
    uploader = tus.TusClient(
        f"{live_server}/api/v1/uploads/",
        headers={"Authorization": f"Bearer {refreshed.access_token}"},
    ).uploader(str(clip), chunk_size=1024 * 1024, metadata={"filename": clip.name})
    uploader.upload()
    assert uploader.url is not None
    upload_id = uploader.url.rstrip("/").rsplit("/", 1)[-1]
    head = api("uploads.uploads_head_upload").sync_detailed(
        upload_id, client=alice, tus_resumable=m.UploadsHeadUploadTusResumable("1.0.0")
    )
    assert head.status_code == 200
    assert int(head.headers["Upload-Offset"]) == clip.stat().st_size
    video_id = head.headers["Video-Id"]

    read_video = api("videos.videos_read_video")

    def ready() -> Any:
        video = read_video.sync(video_id, client=alice)
        assert isinstance(video, m.VideoPublic), video
        assert video.status != "failed", video.failure_reason
        return video if video.status == "ready" else None

    video = wait_until(ready, timeout=90, what=f"video {video_id} ready")

    post = api("posts.posts_create_post").sync(
        client=alice, body=m.PostCreate(text="First ride #mtb", video_id=video_id)
    )
    assert isinstance(post, m.PostOut), post
    assert post.author.username == "alice"
    assert post.entities.hashtags == ["mtb"]

    feed = api("feeds.feeds_home").sync(client=bob)
    assert isinstance(feed, m.PostPage), feed
    assert [item.id for item in feed.items] == [post.id]
    assert feed.items[0].video.id == video_id

    # Watch: the master playlist the video's (signed) master_url names.
    query = parse_qs(urlsplit(video.master_url).query)
    playlist = api("videos.videos_master_playlist").sync_detailed(
        video_id, client=bob, expires=int(query["expires"][0]), sig=query["sig"][0]
    )
    assert playlist.status_code == 200
    assert playlist.content.startswith(b"#EXTM3U")
    assert b"#EXT-X-STREAM-INF" in playlist.content


def test_problems_come_back_typed(generated: ModuleType, live_server: str) -> None:
    """An error is the document's ``Problem`` model, with its stable ``type``."""
    m = models()
    anonymous = generated.Client(base_url=live_server)
    answer = api("auth.auth_login").sync_detailed(
        client=anonymous, body=m.LoginRequest(username_or_email="nobody", password="wrong")
    )
    assert answer.status_code == 401
    assert isinstance(answer.parsed, m.Problem)
    assert answer.parsed.type_.startswith("urn:socialflow:problem:")
