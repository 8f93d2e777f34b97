"""Users, calls and media for the plugin's platform tests."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from socialflow.testing.services import require_binary


@dataclass
class Actor:
    user: Any
    headers: dict[str, str]

    @property
    def id(self) -> int:
        return int(self.user.id)


def call(client: httpx.Client) -> Callable[..., httpx.Response]:
    def request(method: str, path: str, who: Actor | None = None, **kwargs: Any) -> httpx.Response:
        headers = dict(who.headers) if who else {}
        return client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    return request


def skin_image(size: int = 320) -> bytes:
    """A soft, skin-toned figure filling the frame: open_nsfw scores it high (the
    tests check the score they rely on, so a model update cannot pass silently)."""
    from PIL import Image, ImageDraw, ImageFilter

    image = Image.new("RGB", (size, size), (205, 150, 125))
    draw = ImageDraw.Draw(image)
    for box, tone in (
        ((40, 30, 280, 300), (225, 172, 145)),
        ((70, 120, 150, 200), (232, 180, 150)),
        ((170, 120, 250, 200), (232, 180, 150)),
        ((100, 150, 120, 170), (170, 95, 85)),
        ((200, 150, 220, 170), (170, 95, 85)),
    ):
        draw.ellipse(box, fill=tone)
    image = image.filter(ImageFilter.GaussianBlur(6))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def clip_of(image: bytes, path: Path, seconds: float = 2.0) -> Path:
    """An H.264 clip showing ``image`` for ``seconds``."""
    still = path.with_suffix(".jpg")
    still.write_bytes(image)
    ffmpeg = require_binary("ffmpeg")
    subprocess.run(
        [
            ffmpeg,
            "-y",
            "-hide_banner",
            "-loglevel",
            "error",
            "-loop",
            "1",
            "-i",
            str(still),
            "-t",
            str(seconds),
            "-r",
            "25",
            "-vf",
            "scale=320:320",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path


def processed(platform: Any, owner_id: int, clip: Path) -> tuple[str, str]:
    """Run ``clip`` through the platform's real media pipeline; (video id, outcome)."""
    from socialflow.video import videos as video_service
    from socialflow.video.models import Video, VideoStatus

    with platform.session() as session:
        video = Video(owner_id=owner_id, title="clip", status=VideoStatus.processing.value)
        session.add(video)
        session.commit()
        video_id = video.id
        key = video_service.source_key(video_id)
        platform.storage.put(key, clip.read_bytes(), content_type="video/mp4")
        video.source_key = key
        video.source_size = clip.stat().st_size
        session.add(video)
        session.commit()
    outcome = video_service.process_video(
        sessions=platform.session,
        storage=platform.storage,
        settings=platform.settings,
        video_id=video_id,
        platform=platform,
    )
    return video_id, outcome
