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


def skin_image(size: int = 256) -> bytes:
    """A shaded, skin-toned torso with two darker spots on a pale background, which
    open_nsfw scores about 0.87 (the tests assert the scores they rely on, so a model
    update that changes them fails loudly instead of passing by luck)."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    skin = np.array((190, 130, 100), np.float32)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    pixels = np.zeros((size, size, 3), np.float32) + np.array((230, 225, 220), np.float32)
    scale = size / 256
    chest = [(80, 100, 45, 45), (176, 100, 45, 45)]
    for cx, cy, rx, ry in [(128, 128, 120, 130), *chest]:
        d = ((x - cx * scale) / (rx * scale)) ** 2 + ((y - cy * scale) / (ry * scale)) ** 2
        mask = np.clip(1.2 - d, 0, 1)[..., None]
        shade = (0.75 + 0.25 * np.clip(1 - d, 0, 1))[..., None]
        pixels = pixels * (1 - mask) + skin * shade * mask
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    image = image.filter(ImageFilter.GaussianBlur(2))
    draw = ImageDraw.Draw(image)
    for cx, cy, _, _ in chest:
        r = 7 * scale
        draw.ellipse(
            (cx * scale - r, cy * scale - r, cx * scale + r, cy * scale + r), fill=(150, 85, 75)
        )
    image = image.filter(ImageFilter.GaussianBlur(1.5))
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
