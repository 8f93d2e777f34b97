"""Transcode wall time: socialflow's pipeline vs the same ffmpeg command run directly.

Usage::

    .venv/bin/python -m benchmarks.video_transcode --seconds 10 --size 1280x720 --repeat 3

Both sides run the identical command line (built by
``socialflow.video.media.ladder.transcode_command``); the pipeline adds the
safety limits (rlimits, own process group, watchdog), progress parsing
and a heartbeat callback. Runs alternate to share the machine's noise.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from socialflow.video.media.ladder import choose_rungs, transcode_command
from socialflow.video.media.pipeline import transcode
from socialflow.video.media.probe import probe
from socialflow.video.media.safety import Limits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    limits = Limits(timeout=600, memory_bytes=4 * 1024**3)
    with tempfile.TemporaryDirectory(prefix="sf-transcode-") as tmp:
        folder = Path(tmp)
        source = folder / "source.mp4"
        subprocess.run(
            [
                "ffmpeg",
                "-y",
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size={args.size}:rate=30:duration={args.seconds}",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=440:duration={args.seconds}",
                "-pix_fmt",
                "yuv420p",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-c:a",
                "aac",
                "-shortest",
                str(source),
            ],
            check=True,
        )
        facts = probe(source, limits=limits, max_duration=3600, max_pixels=10**8)
        rungs = choose_rungs(facts)
        direct_times, pipeline_times = [], []
        for run in range(args.repeat):
            out = folder / f"direct{run}"
            for rung in rungs:
                (out / rung.name).mkdir(parents=True)
            command = transcode_command(source, out, facts, rungs)
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            direct_times.append(time.perf_counter() - started)
            shutil.rmtree(out)

            out = folder / f"pipeline{run}"
            out.mkdir()
            started = time.perf_counter()
            transcode(
                source,
                out,
                facts,
                limits=limits,
                max_height=1080,
                segment_seconds=4,
                preset="veryfast",
                on_progress=lambda fraction: None,
            )
            pipeline_times.append(time.perf_counter() - started)
            shutil.rmtree(out)
    direct, ours = statistics.median(direct_times), statistics.median(pipeline_times)
    print(
        json.dumps(
            {
                "source": f"{args.seconds:g} s {args.size} testsrc2 + sine",
                "rungs": [r.name for r in rungs],
                "direct_s": [round(t, 2) for t in direct_times],
                "pipeline_s": [round(t, 2) for t in pipeline_times],
                "direct_median_s": round(direct, 2),
                "pipeline_median_s": round(ours, 2),
                "ratio": round(ours / direct, 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
