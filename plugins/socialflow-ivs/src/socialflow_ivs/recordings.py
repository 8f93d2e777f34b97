"""IVS recordings (S3 recording configuration) as socialflow recordings.

IVS writes each recorded broadcast under
``ivs/v1/<account>/<channel id>/<y>/<m>/<d>/<h>/<min>/<recording id>/`` in the
recording configuration's bucket: ``media/hls/<rendition>/playlist.m3u8``
with its segments, ``media/hls/master.m3u8``, thumbnails under
``media/thumbnails/`` and, last, ``events/recording-ended.json`` (the
renditions, their sizes, the duration). The platform's recording job asks
for a broadcast's recording once the broadcast (an IVS stream session) has
ended; this module finds it by polling that prefix: the recording of the
session is the one whose ``recording_started_at`` is nearest the session's
start (within :data:`MATCH_SECONDS`). While only ``recording-started.json``
is there, :class:`RecordingNotReady` makes the job try again later.

Files are handed over as the platform expects them (``<rendition>/index.m3u8``,
the segments beside it, ``poster.jpg`` from the last thumbnail) and copied
as they are: nothing is encoded again. IVS's copy stays in its bucket (its
lifecycle rules decide how long).
"""

from __future__ import annotations

import json
import re
import tempfile
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

from botocore.exceptions import ClientError
from socialflow.plugins.protocols import LiveRecording, RecordedRendition, RecordingNotReady

MATCH_SECONDS = 120
ENDED = "events/recording-ended.json"
STARTED = "events/recording-started.json"
HLS = "media/hls/"
SAFE_PATH = re.compile(r"^[A-Za-z0-9_.-]{1,128}(/[A-Za-z0-9_.-]{1,128})?$")
STREAM_INF = re.compile(r"#EXT-X-STREAM-INF:(?P<attrs>.*)\n(?P<uri>[^\n#]+)")


def channel_prefix(channel_arn: str) -> str:
    """``ivs/v1/<account>/<channel id>/`` of a channel ARN."""
    account = channel_arn.split(":")[4]
    return f"ivs/v1/{account}/{channel_arn.rsplit('/', 1)[-1]}/"


def _day_prefixes(channel_arn: str, started: datetime) -> list[str]:
    """The day folders a recording of a session started at ``started`` may be under."""
    days = {started.date(), (started - timedelta(minutes=5)).date()}
    base = channel_prefix(channel_arn)
    return [f"{base}{d.year}/{d.month}/{d.day}/" for d in sorted(days)]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parse_time(value: str) -> datetime:
    return _aware(datetime.fromisoformat(value.replace("Z", "+00:00")))


class IvsRecordings:
    """Finds and reads IVS recordings in one bucket, over an S3 client."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket

    def _keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return keys

    def _json(self, key: str) -> dict[str, Any]:
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return dict(json.loads(body))

    def find(self, channel_arn: str, session_start: datetime) -> LiveRecording | None:
        """The recording of the session started at ``session_start``; None if IVS made none."""
        started_keys: list[str] = []
        for day in _day_prefixes(channel_arn, session_start):
            started_keys += [k for k in self._keys(day) if k.endswith(STARTED)]
        best: tuple[float, str, dict[str, Any]] | None = None
        for key in started_keys:
            prefix = key[: -len(STARTED)]
            started = self._json(key).get("recording_started_at")
            if not started:
                continue
            gap = abs((_parse_time(started) - session_start).total_seconds())
            if gap <= MATCH_SECONDS and (best is None or gap < best[0]):
                best = (gap, prefix, {})
        if best is None:
            return None
        prefix = best[1]
        try:
            ended = self._json(prefix + ENDED)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise RecordingNotReady(f"IVS is still writing {prefix}") from None
            raise
        return self._recording(prefix, ended)

    def _recording(self, prefix: str, ended: dict[str, Any]) -> LiveRecording:
        hls = ended["media"]["hls"]
        master = self._read(prefix + HLS + hls.get("playlist", "master.m3u8")).decode()
        variants = {
            m["uri"].strip().split("/", 1)[0]: _attributes(m["attrs"])
            for m in STREAM_INF.finditer(master)
        }
        renditions: list[RecordedRendition] = []
        files: list[str] = []
        for rendition in hls["renditions"]:
            name = str(rendition["path"])
            playlist = self._read(f"{prefix}{HLS}{name}/{rendition['playlist']}").decode()
            segments = [line.strip() for line in playlist.splitlines() if line.strip()]
            segments = [s for s in segments if not s.startswith("#")]
            if "#EXT-X-ENDLIST" not in playlist or not all(SAFE_PATH.match(s) for s in segments):
                raise ValueError(f"IVS playlist {prefix}{name} is not a closed, flat playlist")
            attrs = variants.get(name, {})
            width = int(rendition.get("resolution_width") or 0)
            height = int(rendition.get("resolution_height") or 0)
            renditions.append(
                RecordedRendition(
                    name=name,
                    width=width,
                    height=height,
                    bandwidth=int(attrs.get("BANDWIDTH") or max(1, width * height * 3)),
                    codecs=attrs.get("CODECS"),
                )
            )
            files += [f"{name}/index.m3u8", *(f"{name}/{s}" for s in segments)]
        if self._thumbnail(prefix) is not None:
            files.append("poster.jpg")
        return LiveRecording(
            recording_ref=prefix,
            duration=float(hls.get("duration_ms", 0)) / 1000.0,
            renditions=tuple(renditions),
            files=tuple(files),
        )

    def _read(self, key: str) -> bytes:
        return bytes(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def _thumbnail(self, prefix: str) -> str | None:
        jpgs = sorted(k for k in self._keys(prefix + "media/thumbnails/") if k.endswith(".jpg"))
        return jpgs[-1] if jpgs else None

    def key_of(self, recording_ref: str, path: str) -> str:
        """The S3 key of one of a recording's files (:attr:`LiveRecording.files`)."""
        if not recording_ref.startswith("ivs/v1/") or ".." in recording_ref:
            raise KeyError(path)
        if path == "poster.jpg":
            found = self._thumbnail(recording_ref)
            if found is None:
                raise KeyError(path)
            return found
        if not SAFE_PATH.match(path) or ".." in path:
            raise KeyError(path)
        name, _, leaf = path.partition("/")
        if leaf == "index.m3u8":
            ended = self._json(recording_ref + ENDED)
            for rendition in ended["media"]["hls"]["renditions"]:
                if rendition["path"] == name:
                    return f"{recording_ref}{HLS}{name}/{rendition['playlist']}"
            raise KeyError(path)
        return recording_ref + HLS + path

    def open(self, recording_ref: str, path: str) -> BinaryIO:
        """A local copy of the file (spooled: small ones in memory), to read."""
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        try:
            self.s3.download_fileobj(self.bucket, self.key_of(recording_ref, path), spool)
        except ClientError as exc:
            spool.close()
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise KeyError(path) from None
            raise
        spool.seek(0)
        return spool  # type: ignore[return-value]


def _attributes(text: str) -> dict[str, str]:
    """``#EXT-X-STREAM-INF`` attributes (quoted values unquoted)."""
    found = re.findall(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', text)
    return {k: v.strip('"') for k, v in found}
