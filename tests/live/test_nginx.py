"""The ``nginx-rtmp`` provider against a real nginx started by the test.

The same flow as the built-in provider's (two streams at once playable by
ffprobe within 5 s, a wrong key refused before any segment, recordings), a
duplicate key refused while its first publisher is on, a publisher dropped
through the control module, and the conformance suite.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialflow.builtins.nginx_live.provider import NginxRtmpSettings, NginxRtmpStreaming
from socialflow.core.settings import Settings
from socialflow.live.channels import streaming_provider
from socialflow.testing.conformance import StreamingProviderConformance
from socialflow.testing.waiting import wait_until
from tests.live import event_recorder
from tests.live.conftest import Api, create_stream, read_stream
from tests.live.nginx_server import free_port, running_nginx
from tests.live.test_publish import ffprobe_streams, local_url, segments_under
from tests.social.conftest import Actor

pytestmark = pytest.mark.ffmpeg
Publish = Callable[..., subprocess.Popen[bytes]]
SECRET = "callback-secret-for-tests-0123456789"


def nginx_settings(**extra: Any) -> dict[str, Any]:
    return {
        "rtmp_port": free_port(),
        "control_url": f"http://127.0.0.1:{free_port()}/control",
        "callback_secret": SECRET,
        "renditions": [240, 144],
        "preset": "ultrafast",
        **extra,
    }


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {
        "streaming": "nginx-rtmp",
        "plugin_modules": ["tests.live.event_recorder"],
        "plugin": {"nginx_rtmp": nginx_settings()},
    }


@pytest.fixture(autouse=True)
def _clear_events() -> None:
    event_recorder.EVENTS.clear()


@pytest.fixture
def nginx(platform: Any, live_server: str, tmp_path: Path) -> Iterator[Path]:
    provider = streaming_provider(platform)
    assert isinstance(provider, NginxRtmpStreaming)
    with running_nginx(
        provider, callback_base=f"{live_server}/api/v1", prefix=tmp_path / "nginx"
    ) as log:
        yield log


def test_two_streams_play_within_5_s_and_record(
    api: Api,
    actor: Callable[..., Actor],
    publish: Publish,
    live_server: str,
    nginx: Path,
    platform: Any,
) -> None:
    alice, bob = actor("alice"), actor("bob")
    streams = [create_stream(api, alice, title="Alice live"), create_stream(api, bob)]
    assert all(s["ingest_url"].startswith("rtmp://127.0.0.1:") for s in streams)
    started = time.monotonic()
    publishers = [publish(f"{s['ingest_url']}/{s['stream_key']}", 6) for s in streams]

    def time_to_play(stream: dict[str, Any]) -> float:
        url = local_url(live_server, stream["playback_url"])
        probed = wait_until(lambda: ffprobe_streams(url), timeout=10, interval=0.2)
        assert {s["codec_type"] for s in probed} == {"video", "audio"}
        return time.monotonic() - started

    with ThreadPoolExecutor(2) as pool:
        delays = list(pool.map(time_to_play, streams))
    assert max(delays) < 5, f"playable {delays} s after publish"
    live = api("GET", "/live/streams", None).json()["items"]
    assert {s["id"] for s in live} == {s["id"] for s in streams}

    for process in publishers:
        assert process.wait(timeout=30) == 0
    for stream in streams:
        done = wait_until(
            lambda s=stream: (r := read_stream(api, None, s["id"]))["recording_video_id"] and r,
            timeout=30,
            what="the recording",
        )
        assert done["status"] == "ended"
        video = api("GET", f"/videos/{done['recording_video_id']}", None).json()
        assert video["status"] == "ready"
        assert abs(video["duration"] - 6.0) <= 1.0
        assert [r["height"] for r in video["renditions"]] == [144, 240]
        playlist = api("GET", video["renditions"][-1]["playlist_url"].split("/api/v1", 1)[1])
        assert "#EXT-X-ENDLIST" in playlist.text
    # The keys are nowhere on disk: not in the live folder, nor in nginx's logs.
    root = platform.settings.project_dir / "live"
    for path in [*root.rglob("*"), *nginx.parent.glob("*.log")]:
        if path.is_file():
            content = path.read_bytes()
            assert all(s["stream_key"].encode() not in content for s in streams), path
    names = [e.name for e in event_recorder.EVENTS]
    assert names.count("stream_started") == 2
    assert names.count("stream_ended") == 2


def test_a_wrong_key_is_refused_before_any_segment(
    api: Api, actor: Callable[..., Actor], publish: Publish, nginx: Path, platform: Any
) -> None:
    alice = actor("alice")
    stream = create_stream(api, alice)
    root = platform.settings.project_dir / "live"
    wrong = publish(f"{stream['ingest_url']}/live_{'x' * 43}", 3)
    assert wrong.wait(timeout=20) != 0
    assert segments_under(root) == []
    assert not (root / "broadcasts").exists() or list((root / "broadcasts").iterdir()) == []
    after = read_stream(api, alice, stream["id"])
    assert after["status"] == "idle"
    assert event_recorder.EVENTS == []
    # Rotated: the old key is refused too.
    old_key = stream["stream_key"]
    assert api("POST", f"/live/streams/{stream['id']}/key", alice).status_code == 200
    stale = publish(f"{stream['ingest_url']}/{old_key}", 3)
    assert stale.wait(timeout=20) != 0
    assert segments_under(root) == []


def test_a_duplicate_key_is_refused_and_end_drops_the_publisher(
    api: Api, actor: Callable[..., Actor], publish: Publish, nginx: Path, platform: Any
) -> None:
    alice = actor("alice")
    stream = create_stream(api, alice, permanent=True)
    url = f"{stream['ingest_url']}/{stream['stream_key']}"
    first = publish(url, 60)
    wait_until(lambda: read_stream(api, None, stream["id"])["status"] == "live", timeout=10)
    second = publish(url, 5)
    assert second.wait(timeout=20) != 0  # refused: the channel has its publisher
    assert first.poll() is None
    root = platform.settings.project_dir / "live"
    wait_until(lambda: list(root.rglob("*.ts")), timeout=15, what="a segment")
    time.sleep(1)
    ended = api("POST", f"/live/streams/{stream['id']}/end", alice)
    assert ended.status_code == 200
    assert ended.json()["status"] == "ended"
    first.wait(timeout=15)  # dropped through nginx's control module
    done = wait_until(
        lambda: (r := read_stream(api, None, stream["id"]))["recording_video_id"] and r,
        timeout=30,
        what="the recording",
    )
    video = api("GET", f"/videos/{done['recording_video_id']}", alice).json()
    assert video["status"] == "ready"
    again = publish(url, 3)
    assert again.wait(timeout=20) != 0


def test_callbacks_need_the_secret(live_server: str, nginx: Path) -> None:
    form = {"name": "live_" + "x" * 43, "clientid": "7", "call": "publish"}
    for secret in ("", "wrong"):
        for call in ("on_publish", "on_publish_done"):
            response = httpx.post(
                f"{live_server}/api/v1/live/nginx/{call}", params={"secret": secret}, data=form
            )
            assert response.status_code == 403, response.text
            assert response.headers["content-type"] == "application/problem+json"
    refused = httpx.post(
        f"{live_server}/api/v1/live/nginx/on_publish", params={"secret": SECRET}, data=form
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "unknown or outdated stream key"
    unknown = httpx.post(
        f"{live_server}/api/v1/live/nginx/on_publish_done", params={"secret": SECRET}, data=form
    )
    assert unknown.status_code == 204


class TestNginxRtmpStreaming(StreamingProviderConformance):
    @pytest.fixture
    def provider(self, tmp_path: Path) -> Iterator[NginxRtmpStreaming]:
        settings = Settings(project_dir=tmp_path, environment="test")
        provider = NginxRtmpStreaming(settings, NginxRtmpSettings(**nginx_settings()))
        with running_nginx(
            provider, callback_base="http://127.0.0.1:9/api/v1", prefix=tmp_path / "nginx"
        ):
            yield provider


def test_the_cli_writes_a_config_nginx_accepts(tmp_path: Path) -> None:
    import os
    import sys

    port, control = free_port(), free_port()
    (tmp_path / "socialflow.toml").write_text(
        'streaming = "nginx-rtmp"\n\n[plugin.nginx_rtmp]\n'
        f'rtmp_port = {port}\ncontrol_url = "http://127.0.0.1:{control}/control"\n'
        f'callback_secret = "{SECRET}"\n'
    )
    env = {**os.environ, "SOCIALFLOW_PROJECT_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "socialflow", "live", "nginx-config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    conf = tmp_path / "nginx" / "nginx.conf"
    assert conf.stat().st_mode & 0o077 == 0  # holds the secret
    text = conf.read_text()
    assert f"listen 127.0.0.1:{port};" in text
    assert "on_publish http://127.0.0.1:8000/api/v1/live/nginx/on_publish?secret=" in text
    assert "exec_kill_signal term;" in text
    assert "-rw_timeout" in text
    nginx = "/usr/sbin/nginx"
    if Path(nginx).exists():
        checked = subprocess.run(
            [nginx, "-t", "-p", str(tmp_path / "nginx"), "-c", str(conf)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr
    missing = tmp_path / "other"
    missing.mkdir()
    (missing / "socialflow.toml").write_text('streaming = "nginx-rtmp"\n')
    refused = subprocess.run(
        [sys.executable, "-m", "socialflow", "live", "nginx-config"],
        env={**env, "SOCIALFLOW_PROJECT_DIR": str(missing)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1
    assert "callback_secret" in refused.stdout
