"""The one ffmpeg pass reports progress while it runs, and the sprite it leaves.

ffmpeg writes ``-progress`` lines only once every output has written its
header; an output that produces its first frame at the end (as a ``tile``
filter does) held every report back until the job was done.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from socialflow.testing.video import make_clip
from socialflow.video.media.pipeline import transcode
from socialflow.video.media.probe import probe
from socialflow.video.media.safety import Limits


def test_progress_is_reported_during_the_transcode_and_the_sprite_is_tiled(
    tmp_path: Path,
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", seconds=12, size="320x180")
    limits = Limits(timeout=120, memory_bytes=2**31)
    source = probe(clip, limits=limits, max_duration=3600, max_pixels=10**8)
    reports: list[float] = []
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = transcode(
        clip,
        out_dir,
        source,
        limits=limits,
        max_height=1080,
        segment_seconds=4,
        preset="veryslow",
        on_progress=reports.append,
    )
    assert reports[-1] == 1.0
    assert any(0 < fraction < 0.9 for fraction in reports), reports
    layout = result.storyboard
    assert layout.count == 12
    with Image.open(out_dir / "storyboard.jpg") as sprite:
        assert sprite.size == (
            layout.columns * layout.tile_width,
            layout.rows * layout.tile_height,
        )
        last_tile = (
            (layout.count - 1) % layout.columns * layout.tile_width + layout.tile_width // 2,
            (layout.count - 1) // layout.columns * layout.tile_height + layout.tile_height // 2,
        )
        assert max(sprite.getpixel(last_tile)) > 0  # testsrc frames, not the black fill
    assert not any(p.name.startswith("storyboard-") for p in out_dir.iterdir())
