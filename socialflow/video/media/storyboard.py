"""The storyboard sprite: thumbnails at a fixed interval, tiled in one JPEG.

Players show it while scrubbing; ``StoryboardLayout`` says where each
thumbnail sits. ffmpeg writes the thumbnails one file each during the one
transcoding pass; ``compose`` tiles them with Pillow afterwards.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from socialflow.video.media.probe import ProbeResult

COLUMNS = 10
MAX_TILES = 100
TILE_WIDTH = 160
TILES_DIR = "storyboard-tiles"


def even(value: float) -> int:
    """The nearest even size of at least 2 (x264 needs even frame sizes)."""
    return max(2, round(value / 2) * 2)


@dataclass(frozen=True)
class StoryboardLayout:
    """Where each thumbnail sits in the sprite: players need this to use it."""

    interval: float
    count: int
    columns: int
    rows: int
    tile_width: int
    tile_height: int


def storyboard_layout(source: ProbeResult) -> StoryboardLayout:
    """One tile a second, stretched to at most ``MAX_TILES`` for long videos."""
    interval = max(1.0, source.duration / MAX_TILES)
    count = max(1, min(MAX_TILES, math.ceil(source.duration / interval)))
    columns = min(COLUMNS, count)
    return StoryboardLayout(
        interval=round(interval, 3),
        count=count,
        columns=columns,
        rows=math.ceil(count / columns),
        tile_width=TILE_WIDTH,
        tile_height=even(TILE_WIDTH * source.height / source.width),
    )


def compose(out_dir: Path, layout: StoryboardLayout) -> Path:
    """Tile ``out_dir/storyboard-tiles/*.jpg`` into ``out_dir/storyboard.jpg``.

    The tiles' folder is removed so that only the sprite is published. A
    source whose probed duration ran long yields fewer tiles than the layout
    holds: their places stay black, as ffmpeg's ``tile`` filter left them.
    """
    tiles_dir = out_dir / TILES_DIR
    sprite = Image.new(
        "RGB", (layout.columns * layout.tile_width, layout.rows * layout.tile_height)
    )
    for index, path in enumerate(sorted(tiles_dir.glob("*.jpg"))[: layout.count]):
        with Image.open(path) as tile:
            row, column = divmod(index, layout.columns)
            place = (column * layout.tile_width, row * layout.tile_height)
            sprite.paste(tile.convert("RGB"), place)
    target = out_dir / "storyboard.jpg"
    sprite.save(target, "JPEG", quality=80)
    shutil.rmtree(tiles_dir)
    return target


def sample_frames(out_dir: Path, count: int) -> list[bytes]:
    """Up to ``count`` frames the transcoding pass already wrote, for the moderation
    model: the poster and storyboard tiles spread evenly over the video (read before
    :func:`compose` removes the tiles; no second decode of the source)."""
    if count <= 0:
        return []
    picked = [out_dir / "poster.jpg"] if (out_dir / "poster.jpg").is_file() else []
    tiles = sorted((out_dir / TILES_DIR).glob("*.jpg"))
    wanted = count - len(picked)
    if tiles and wanted > 0:
        step = len(tiles) / wanted
        picked += list(dict.fromkeys(tiles[int(i * step)] for i in range(min(wanted, len(tiles)))))
    return [path.read_bytes() for path in picked]
