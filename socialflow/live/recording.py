"""A finished broadcast becomes an on-demand video, without encoding anything again.

The provider hands over the broadcast's HLS files (``<rendition>/index.m3u8``
with ``#EXT-X-ENDLIST``, the segments, a poster); they are copied as they are
under the video's ``videos/<id>/hls/<attempt>/`` prefix in the storage
backend, and the video row is written ``ready`` with the renditions, the
duration and the poster, owned by the stream's creator. The video app then
serves it like any upload (playlists, signed segment URLs, lists, search).

Idempotent, in steps (a worker killed anywhere runs it again): the video row
is created once and remembered on the broadcast, the copy goes to a prefix
named after the broadcast (a rerun overwrites the same keys), and the row
turns ready, the broadcast ``ready`` and the events go out in one commit;
only then is the provider's copy deleted.
"""

from __future__ import annotations

import logging
import mimetypes
from typing import Any

from socialflow.core.db.base import utcnow
from socialflow.core.effects import record_event
from socialflow.core.indexing import queue_video
from socialflow.core.platform import Platform
from socialflow.live.channels import streaming_provider
from socialflow.live.models import LiveBroadcast, LiveStream, RecordingStatus
from socialflow.plugins.protocols import LiveRecording, StreamingProvider
from socialflow.video.models import Video, VideoStatus, Visibility
from socialflow.video.videos import hls_root

logger = logging.getLogger("socialflow.live.recording")
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".jpg": "image/jpeg",
}


def record_broadcast(platform: Platform, broadcast_id: int) -> str | None:
    """Make (or finish making) the broadcast's on-demand video; its id, or None.

    Commits: a job in steps, each durable on its own: the video row is
    created and remembered on the broadcast before any byte is copied, so a
    rerun reuses it instead of making a second video.
    """
    provider = streaming_provider(platform)
    # Asked outside any transaction: a provider may wait for its playlists to close
    # (seconds), and on SQLite an open write transaction would hold every writer back.
    with platform.session(read_only=True) as session:
        broadcast = session.get(LiveBroadcast, broadcast_id)
        if broadcast is None or broadcast.recording_status != RecordingStatus.pending.value:
            return broadcast.video_id if broadcast is not None else None
        stream = session.get(LiveStream, broadcast.stream_id)
        assert stream is not None
        refs = stream.channel_ref, broadcast.broadcast_ref
    recording = provider.recording(channel_ref=refs[0], broadcast_ref=refs[1])
    with platform.session() as session:
        broadcast = session.get(LiveBroadcast, broadcast_id)
        stream = session.get(LiveStream, broadcast.stream_id) if broadcast is not None else None
        if broadcast is None or stream is None:
            return None
        if broadcast.recording_status != RecordingStatus.pending.value:
            return broadcast.video_id  # another run of this job got here first
        if recording is None:
            broadcast.recording_status = RecordingStatus.none.value
            session.add(broadcast)
            session.commit()
            return None
        if broadcast.video_id is None:
            video = Video(
                owner_id=stream.owner_id,
                title=stream.title,
                # The recording is for whom the stream was (public, or subscribers only).
                visibility=stream.visibility or Visibility.public.value,
                status=VideoStatus.processing.value,
            )
            session.add(video)
            session.flush()
            broadcast.video_id = video.id
            session.add(broadcast)
            session.commit()
        video_id = broadcast.video_id
        channel_ref, broadcast_ref = stream.channel_ref, broadcast.broadcast_ref
    assert video_id is not None
    prefix = f"{hls_root(video_id)}live-{broadcast_ref[:16]}/"
    _copy(platform, provider, channel_ref, recording, prefix)
    _finish(platform, broadcast_id, video_id, recording, prefix)
    provider.delete_recording(channel_ref=channel_ref, recording_ref=recording.recording_ref)
    return video_id


def _copy(
    platform: Platform,
    provider: StreamingProvider,
    channel_ref: str,
    recording: LiveRecording,
    prefix: str,
) -> None:
    storage = platform.storage
    for path in recording.files:
        suffix = "." + path.rsplit(".", 1)[-1]
        content_type = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path)[0]
        with provider.open_recording_file(
            channel_ref=channel_ref, recording_ref=recording.recording_ref, path=path
        ) as fh:
            storage.put(prefix + path, fh, content_type=content_type)


def _finish(
    platform: Platform, broadcast_id: int, video_id: str, recording: LiveRecording, prefix: str
) -> None:
    """The video turns ready and the broadcast recorded, in one commit, with the events.

    Commits: the last step of the recording job, in its own session.
    """
    top = max(recording.renditions, key=lambda r: r.bandwidth)
    renditions: list[dict[str, Any]] = [
        {
            "name": r.name,
            "width": r.width,
            "height": r.height,
            "bandwidth": r.bandwidth,
            "codecs": r.codecs,
        }
        for r in sorted(recording.renditions, key=lambda r: r.bandwidth)
    ]
    now = utcnow()
    with platform.session() as session:
        video = session.get(Video, video_id)
        broadcast = session.get(LiveBroadcast, broadcast_id)
        if video is None or broadcast is None:
            return  # deleted meanwhile: nothing to finish
        stream = session.get(LiveStream, broadcast.stream_id)
        assert stream is not None
        video.status = VideoStatus.ready.value
        video.progress = 100
        video.hls_prefix = prefix
        video.renditions = renditions
        video.duration = recording.duration
        video.width, video.height = top.width or None, top.height
        video.thumbnail_key = prefix + "poster.jpg" if "poster.jpg" in recording.files else None
        video.updated_at = video.ready_at = now
        broadcast.recording_status = RecordingStatus.ready.value
        stream.recording_video_id = video_id
        session.add_all([video, broadcast, stream])
        record_event(session, "video_ready", video_id=video_id, owner_id=video.owner_id)
        record_event(
            session,
            "recording_ready",
            stream_id=stream.id,
            owner_id=stream.owner_id,
            broadcast_id=broadcast_id,
            video_id=video_id,
            duration=recording.duration,
        )
        queue_video(session, video_id)
        session.commit()


def mark_failed(platform: Platform, broadcast_id: int) -> None:
    """The recording cannot be made (the task gave up).

    Commits: the error path of the recording job, in its own session.
    """
    with platform.session() as session:
        broadcast = session.get(LiveBroadcast, broadcast_id)
        if broadcast is not None and broadcast.recording_status == RecordingStatus.pending.value:
            broadcast.recording_status = RecordingStatus.failed.value
            session.add(broadcast)
            session.commit()
