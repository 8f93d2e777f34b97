"""A stream's ingest health and latency mode, for its creator.

The numbers come from the provider when it measures streams
(:class:`~socialflow.plugins.protocols.StreamHealthSource`, the built-in
``local`` one does): read at request time, never stored, since they change
every second. The latency mode is stored on the stream and handed to the
provider (:class:`~socialflow.plugins.protocols.LatencyModes`), which applies
it from the next broadcast. Services over a session; the route commits.
"""

from __future__ import annotations

import contextlib
from typing import Any, get_args

from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.errors import Conflict, Problem
from socialflow.live.models import LiveStream, StreamStatus
from socialflow.live.schemas_ingest import LatencyModeName, StreamHealthOut
from socialflow.live.streams import get_own_stream
from socialflow.plugins.protocols import LatencyModes, StreamHealthSource, StreamingProvider

MODES: tuple[str, ...] = get_args(LatencyModeName)


def stream_health(
    session: Session, provider: StreamingProvider, *, owner: User, stream_id: int
) -> StreamHealthOut:
    """The owner's stream as the ingest last measured it (others get 404)."""
    stream = get_own_stream(session, owner=owner, stream_id=stream_id)
    data: dict[str, Any] = {
        "stream_id": stream.id or 0,
        "status": stream.status,
        "latency_mode": stream.latency_mode if stream.latency_mode in MODES else "standard",
        "available": isinstance(provider, StreamHealthSource),
        "broadcasting": False,
    }
    report = None
    if isinstance(provider, StreamHealthSource):
        with contextlib.suppress(KeyError):  # the provider lost the channel: nothing measured
            report = provider.stream_health(channel_ref=stream.channel_ref)
    if report is not None:
        data["broadcasting"] = report.live
        data["stopped_reason"] = report.stopped_reason
        data.update({key: report.measured.get(key) for key in _MEASURED})
    return StreamHealthOut.model_validate(data)


_MEASURED = (
    "width",
    "height",
    "codec",
    "bitrate_kbps",
    "frame_rate",
    "keyframe_interval",
    "speed",
    "dropped_frames",
    "duplicated_frames",
    "measured_at",
)


def set_latency_mode(
    session: Session, provider: StreamingProvider, *, owner: User, stream_id: int, mode: str
) -> LiveStream:
    """Store ``mode`` on the owner's stream and tell the provider (from its next broadcast)."""
    stream = get_own_stream(session, owner=owner, stream_id=stream_id)
    if stream.status == StreamStatus.ended.value:
        raise Conflict("This stream has ended.", slug="live-stream-ended")
    if not isinstance(provider, LatencyModes):
        raise Problem(
            "This server's streaming provider has one latency mode only.",
            status=409,
            slug="live-latency-mode-unsupported",
        )
    stream.latency_mode = mode
    session.add(stream)
    session.flush()
    try:
        provider.set_latency_mode(channel_ref=stream.channel_ref, mode=mode)  # type: ignore[arg-type]
    except KeyError:
        raise Problem(
            "The streaming provider no longer knows this stream's channel.",
            status=409,
            slug="live-channel-missing",
        ) from None
    return stream


def stopped_reason(provider: StreamingProvider, channel_ref: str, broadcast_ref: str) -> str | None:
    """Why the provider's ingest stopped that broadcast (a limit broken), if it says."""
    if not isinstance(provider, StreamHealthSource):
        return None
    try:
        report = provider.stream_health(channel_ref=channel_ref)
    except KeyError:
        return None
    if report is None or report.broadcast_ref != broadcast_ref:
        return None
    return report.stopped_reason
