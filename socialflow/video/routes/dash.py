"""``/videos/{id}/manifest.mpd``: the DASH manifest of a CMAF-packaged video.

Rendered per request from the stored HLS media playlists (the same fMP4
segments serve both protocols; see :mod:`socialflow.video.media.dash`), with
every segment URL signed by the storage backend, exactly like the HLS media
playlists; the manifest URL itself is signed like the HLS master's.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from socialflow.accounts.deps import OptionalUser
from socialflow.core.errors import NotFound
from socialflow.core.http.deps import PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import Expiry, ObjectKey, SafeText
from socialflow.plugins.protocols import ObjectNotFound
from socialflow.video.media.dash import Track, parse_media_playlist, render_mpd
from socialflow.video.public import DASH
from socialflow.video.routes.videos import playable

router = APIRouter(prefix="/videos", tags=["videos"])
MPD_TYPE = "application/dash+xml"


@router.get(
    "/{video_id}/manifest.mpd",
    response_class=Response,
    responses={
        200: {
            "content": {
                MPD_TYPE: {
                    "example": '<?xml version="1.0" encoding="utf-8"?>\n<MPD '
                    'xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" ...>...</MPD>'
                }
            },
            "description": "A static DASH manifest whose segment URLs are signed.",
        },
        **problems(404, 422),
    },
)
def dash_manifest(
    video_id: ObjectKey,
    session: SessionDep,
    platform: PlatformDep,
    viewer: OptionalUser,
    expires: Expiry | None = None,
    sig: SafeText | None = None,
) -> Response:
    """The DASH manifest (MPD) of a video packaged as CMAF; 404 for HLS-only videos."""
    video = playable(session, platform, video_id, DASH, viewer, expires, sig)
    if video.packaging != "cmaf" or not video.renditions:
        raise NotFound("This video has no DASH manifest.", slug="dash-not-available")
    assert video.hls_prefix is not None
    storage = platform.storage
    prefix = video.hls_prefix
    entries = [("video", r) for r in video.renditions]
    if video.audio_track:
        entries.append(("audio", video.audio_track))
    tracks = []
    for kind, facts in entries:
        try:
            text = storage.get(f"{prefix}{facts['name']}/index.m3u8").decode()
        except ObjectNotFound as exc:
            raise NotFound("This video has no DASH manifest.", slug="dash-not-available") from exc
        codecs = facts.get("codecs") or ""
        # The HLS variant names its audio codec too; a DASH representation names its own.
        own = [c for c in codecs.split(",") if c.startswith("mp4a" if kind == "audio" else "avc")]
        bandwidth = int(facts.get("bandwidth") or 0)
        if kind == "video" and video.audio_track:
            bandwidth -= int(video.audio_track.get("bandwidth") or 0)
        tracks.append(
            Track(
                name=facts["name"],
                kind=kind,
                bandwidth=bandwidth,
                codecs=",".join(own) or None,
                width=int(facts.get("width") or 0),
                height=int(facts.get("height") or 0),
                playlist=parse_media_playlist(text),
            )
        )
    lifetime = platform.settings.media_url_expires
    text = render_mpd(
        tracks,
        float(video.duration or 0.0),
        lambda track, name: storage.signed_url(f"{prefix}{track}/{name}", expires_in=lifetime),
    )
    return Response(
        text,
        media_type=MPD_TYPE,
        headers={"Cache-Control": "private, max-age=60", "X-Content-Type-Options": "nosniff"},
    )
