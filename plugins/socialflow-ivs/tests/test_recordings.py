"""IVS recordings become on-demand videos: a small HLS recording made with ffmpeg, laid out
as IVS writes it, in a bucket of moto's S3 server; the platform (``streaming = "ivs"``)
ends the broadcast, finds the recording and copies its renditions as they are."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import RECORDING, settings_for
from socialflow.live.channels import streaming_provider
from socialflow.plugins.protocols import RecordingNotReady
from socialflow.testing.services import require_binary

from ivs_fake import Keys, fill_in
from socialflow_ivs import IvsStreaming
from socialflow_ivs.recordings import channel_prefix

RENDITIONS = {"160p30": (160, 120), "80p30": (80, 60)}


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="module")
def hls_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``media/`` of an IVS recording: two renditions of 3 s, a master, a thumbnail."""
    ffmpeg = require_binary("ffmpeg")
    root = tmp_path_factory.mktemp("ivs-recording") / "media"
    master = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for name, (width, height) in RENDITIONS.items():
        folder = root / "hls" / name
        folder.mkdir(parents=True)
        subprocess.run(
            [
                ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin",
                "-f", "lavfi", "-i", f"testsrc=size={width}x{height}:rate=30:duration=3",
                "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-c:a", "aac",
                "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod",
                "-hls_segment_filename", str(folder / "%d.ts"), str(folder / "playlist.m3u8"),
            ],
            check=True,
            timeout=60,
        )  # fmt: skip
        master += [
            f"#EXT-X-STREAM-INF:BANDWIDTH={width * 1000},RESOLUTION={width}x{height},"
            f'CODECS="avc1.42C00D,mp4a.40.2"',
            f"{name}/playlist.m3u8",
        ]
    (root / "hls" / "master.m3u8").write_text("\n".join(master) + "\n")
    thumbs = root / "thumbnails"
    thumbs.mkdir()
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi",
         "-i", "testsrc=size=160x120", "-frames:v", "1", str(thumbs / "thumb0.jpg")],
        check=True,
        timeout=30,
    )  # fmt: skip
    return root


def upload_recording(
    s3: Any, channel_arn: str, started: datetime, media: Path, *, ended: bool
) -> str:
    """Write the recording where IVS would; its prefix."""
    prefix = (
        f"{channel_prefix(channel_arn)}{started.year}/{started.month}/{started.day}/"
        f"{started.hour}/{started.minute}/recAAAAAAAAA/"
    )
    for path in sorted(media.rglob("*")):
        if path.is_file():
            key = prefix + "media/" + path.relative_to(media).as_posix()
            s3.put_object(Bucket="recordings", Key=key, Body=path.read_bytes())
    stamp = started.isoformat().replace("+00:00", "Z")
    s3.put_object(
        Bucket="recordings",
        Key=prefix + "events/recording-started.json",
        Body=json.dumps({"recording_started_at": stamp, "recording_status": "RECORDING_STARTED"}),
    )
    if ended:
        ended_doc = {
            "channel_arn": channel_arn,
            "recording_started_at": stamp,
            "recording_ended_at": (started + timedelta(seconds=3)).isoformat(),
            "recording_status": "RECORDING_ENDED",
            "media": {
                "hls": {
                    "duration_ms": 3000,
                    "path": "media/hls",
                    "playlist": "master.m3u8",
                    "renditions": [
                        {
                            "path": n,
                            "playlist": "playlist.m3u8",
                            "resolution_width": w,
                            "resolution_height": h,
                        }
                        for n, (w, h) in RENDITIONS.items()
                    ],
                },
                "thumbnails": {"path": "media/thumbnails"},
            },
            "version": "v1",
        }
        s3.put_object(
            Bucket="recordings",
            Key=prefix + "events/recording-ended.json",
            Body=json.dumps(ended_doc),
        )
    return prefix


@pytest.fixture
def bucket(ivs_endpoint: str) -> Iterator[Any]:
    s3 = s3_client(ivs_endpoint)
    s3.create_bucket(Bucket="recordings")
    yield s3
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="recordings"):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket="recordings", Key=item["Key"])
    s3.delete_bucket(Bucket="recordings")


def test_the_provider_finds_the_recording_of_a_session(
    ivs_endpoint: str, bucket: Any, hls_recording: Path
) -> None:
    provider = IvsStreaming(
        settings_for(
            ivs_endpoint, recording_configuration_arn=RECORDING, s3_endpoint_url=ivs_endpoint
        )
    )
    keys = fill_in(provider.client)
    channel = provider.create_channel(owner_id="1", title="t", record=True).channel_ref
    stream_id = keys.go_live(channel)
    with pytest.raises(RecordingNotReady):  # still live
        provider.recording(channel_ref=channel, broadcast_ref=stream_id)
    provider.disconnect(channel_ref=channel)
    started = keys.sessions[channel][0]["startTime"]
    assert provider.recording(channel_ref=channel, broadcast_ref=stream_id) is None  # nothing yet
    upload_recording(bucket, channel, started + timedelta(seconds=1), hls_recording, ended=False)
    with pytest.raises(RecordingNotReady):  # started, not ended
        provider.recording(channel_ref=channel, broadcast_ref=stream_id)
    prefix = upload_recording(
        bucket, channel, started + timedelta(seconds=1), hls_recording, ended=True
    )
    found = provider.recording(channel_ref=channel, broadcast_ref=stream_id)
    assert found is not None
    assert found.recording_ref == prefix
    assert found.duration == 3.0
    assert [(r.name, r.width, r.height, r.bandwidth) for r in found.renditions] == [
        ("160p30", 160, 120, 160000),
        ("80p30", 80, 60, 80000),
    ]
    assert found.renditions[0].codecs == "avc1.42C00D,mp4a.40.2"
    assert "160p30/index.m3u8" in found.files
    assert "poster.jpg" in found.files
    with provider.open_recording_file(
        channel_ref=channel, recording_ref=prefix, path="160p30/index.m3u8"
    ) as fh:
        assert fh.read() == (hls_recording / "hls/160p30/playlist.m3u8").read_bytes()
    for bad in ("../events/recording-ended.json", "160p30/../../x", "nope/index.m3u8"):
        with pytest.raises(KeyError):
            provider.open_recording_file(channel_ref=channel, recording_ref=prefix, path=bad)


@pytest.fixture
def socialflow_overrides(ivs_endpoint: str) -> dict[str, Any]:
    return {
        "streaming": "ivs",
        "task_always_eager": True,  # the IVS calls moto lacks are answered in this process
        "plugin": {
            "ivs": {
                "endpoint_url": ivs_endpoint,
                "s3_endpoint_url": ivs_endpoint,
                "access_key_id": "testing",
                "secret_access_key": "testing",
                "recording_configuration_arn": RECORDING,
            }
        },
    }


def test_an_ended_ivs_broadcast_becomes_a_ready_video(
    platform: Any,
    client: Any,
    make_user: Any,
    auth_headers: Any,
    bucket: Any,
    hls_recording: Path,
) -> None:
    provider = streaming_provider(platform)
    assert isinstance(provider, IvsStreaming)
    keys: Keys = fill_in(provider.client)
    alice = auth_headers(make_user("alice"))
    made = client.post("/api/v1/live/streams", headers=alice, json={"title": "On IVS"})
    assert made.status_code == 201, made.text
    stream = made.json()
    channel = next(iter(keys.keys.values()))["channelArn"]
    keys.go_live(channel)
    upload_recording(
        bucket, channel, keys.sessions[channel][0]["startTime"], hls_recording, ended=True
    )
    ended = client.post(f"/api/v1/live/streams/{stream['id']}/end", headers=alice)
    assert ended.status_code == 200, ended.text
    shown = client.get(f"/api/v1/live/streams/{stream['id']}", headers=alice).json()
    assert shown["recording_video_id"], shown
    video = client.get(f"/api/v1/videos/{shown['recording_video_id']}", headers=alice).json()
    assert video["status"] == "ready"
    assert video["duration"] == 3.0
    assert [r["height"] for r in video["renditions"]] == [60, 120]
    assert video["thumbnail_url"]
    url = video["renditions"][-1]["playlist_url"]
    playlist = client.get("/api/v1" + url.split("/api/v1", 1)[1], headers=alice)
    assert playlist.status_code == 200, playlist.text
    assert "#EXT-X-ENDLIST" in playlist.text
    segments = [line for line in playlist.text.splitlines() if line and not line.startswith("#")]
    assert len(segments) == 3
