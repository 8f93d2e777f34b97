"""Live latency of the ``local`` provider on the user's path, beside bare ffmpeg.

Usage::

    .venv/bin/python -m benchmarks.live_latency --rounds 3

A project made as README tells users (``socialflow new``, ``migrate``,
``socialflow serve``; the only settings changed are the RTMP port, 0 so as
not to collide with anything on the machine, and, for the concurrency part,
the ladder's renditions). Publishers are ffmpeg sending a pre-encoded clip
(``-re -c copy``, at camera pace, no encoding cost on the publisher side).

Per round and latency mode (``standard``, ``low``), alternating with the
baseline, a bare ffmpeg listener writing the same ladder to a folder, read
from disk (no relay, no API, nothing measured):

- *publish to first playable segment*: from the publisher's start until a
  media playlist lists a segment and that segment is downloaded;
- *join*: a viewer arriving 3 s in: master, media playlist, first segment;
- *live-edge lag*: every 0.25 s for ``--watch`` seconds, wall clock minus the
  end of the newest segment (``EXT-X-PROGRAM-DATE-TIME`` + ``EXTINF``).

Then ``--streams`` (4) 720p publishers at once on a 360p/240p ladder (the
standard mode), socialflow and baseline alternating, each watched for lag,
and socialflow's own ``speed`` from the health route.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from benchmarks._realtime_procs import PASSWORD, cli, login, project_env, start_serve
from socialflow.builtins.local_live.ladder import LiveRung, ladder_arguments
from socialflow.testing.processes import stop_process_group

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"
PDT = re.compile(r"#EXT-X-PROGRAM-DATE-TIME:(\S+)")
EXTINF = re.compile(r"#EXTINF:([0-9.]+),")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_clip(folder: Path, size: str, seconds: int) -> Path:
    """A clip to publish with ``-c copy``: H.264 with a keyframe each second, AAC."""
    clip = folder / f"clip-{size}.flv"
    subprocess.run(
        [
            FFMPEG, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "2500k",
            "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-c:a", "aac",
            "-f", "flv", str(clip),
        ],
        check=True,
    )  # fmt: skip
    return clip


def publisher(clip: Path, url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1",
         "-i", str(clip), "-c", "copy", "-f", "flv", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip


def newest_end(text: str) -> float | None:
    """Epoch seconds at which the newest segment of a media playlist ends."""
    stamps, durations = PDT.findall(text), EXTINF.findall(text)
    if not stamps or not durations:
        return None
    start = datetime.strptime(stamps[-1], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
    return start + float(durations[-1])


# ------------------------------------------------------------------ readers


class Reader:
    """Reads a stream's playlists and segments: over HTTP (socialflow) or from disk (baseline)."""

    def __init__(self, fetch: Callable[[str], bytes | None], master: str) -> None:
        self.fetch = fetch
        self.master = master

    def media_path(self) -> str | None:
        text = self.fetch(self.master)
        if not text:
            return None
        lines = [line for line in text.decode().splitlines() if line.endswith(".m3u8")]
        if not lines:
            return None
        return self.master.rsplit("/", 1)[0] + "/" + lines[0]  # the lowest rung (sorted)

    def first_segment(self) -> bool:
        """Master, media playlist, its newest segment: True once all three were read."""
        media = self.media_path()
        if media is None:
            return False
        text = self.fetch(media)
        if not text:
            return False
        names = [line for line in text.decode().splitlines() if line.endswith(".ts")]
        if not names:
            return False
        return bool(self.fetch(media.rsplit("/", 1)[0] + "/" + names[-1]))

    def lag(self) -> float | None:
        media = self.media_path()
        text = self.fetch(media) if media else None
        end = newest_end(text.decode()) if text else None
        return time.time() - end if end is not None else None


def http_fetch(http: httpx.Client) -> Callable[[str], bytes | None]:
    def fetch(url: str) -> bytes | None:
        try:
            response = http.get(url)
        except httpx.HTTPError:
            return None
        return response.content if response.status_code == 200 else None

    return fetch


def file_fetch(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def until(check: Callable[[], bool], timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def watch_lag(reader: Reader, seconds: float) -> list[float]:
    lags: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (lag := reader.lag()) is not None:
            lags.append(lag)
        time.sleep(0.25)
    return lags


# ----------------------------------------------------------------- one round


def measure(
    start: Callable[[], tuple[subprocess.Popen[bytes], Reader, Callable[[], None]]],
    watch: float,
) -> dict[str, Any]:
    began = time.monotonic()
    process, reader, finish = start()
    try:
        first = until(reader.first_segment, 20)
        ready = time.monotonic() - began
        time.sleep(max(0.0, 3 - (time.monotonic() - began)))
        join_started = time.monotonic()
        joined = reader.first_segment()
        join = time.monotonic() - join_started if joined else None
        lags = watch_lag(reader, watch)
    finally:
        stop_process_group(process)
        finish()
    return {
        "first_playable_s": ready if first is not None else None,
        "join_s": join,
        "lag_s": statistics.median(lags) if lags else None,
    }


def socialflow_stream(
    http: str, token: str, clip: Path, mode: str, client: httpx.Client
) -> tuple[subprocess.Popen[bytes], Reader, Callable[[], None]]:
    auth = {"Authorization": f"Bearer {token}"}
    made = client.post(f"{http}/api/v1/live/streams", json={"title": "bench"}, headers=auth)
    made.raise_for_status()
    stream = made.json()
    sid = stream["id"]
    client.put(
        f"{http}/api/v1/live/streams/{sid}/latency", json={"mode": mode}, headers=auth
    ).raise_for_status()
    process = publisher(clip, f"{stream['ingest_url']}/{stream['stream_key']}")
    master = http + stream["playback_url"][stream["playback_url"].index("/api/v1/") :]

    def finish() -> None:
        client.post(f"{http}/api/v1/live/streams/{sid}/end", headers=auth)

    return process, Reader(http_fetch(client), master), finish


def baseline_stream(
    folder: Path, clip: Path, rungs: list[LiveRung], seconds: float
) -> tuple[subprocess.Popen[bytes], Reader, Callable[[], None]]:
    """Bare ffmpeg: one listener writing the same ladder into ``folder``, read from disk."""
    shutil.rmtree(folder, ignore_errors=True)
    for rung in rungs:
        (folder / rung.name).mkdir(parents=True)
    lines = ["#EXTM3U"] + [f"#EXT-X-STREAM-INF:BANDWIDTH={r.bandwidth}\n{r.name}/index.m3u8"
                           for r in sorted(rungs, key=lambda r: r.bandwidth)]  # fmt: skip
    (folder / "master.m3u8").write_text("\n".join(lines) + "\n")
    port = free_port()
    url = f"rtmp://127.0.0.1:{port}/live/bench"
    ladder = subprocess.Popen(
        [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-listen", "1", "-i", url,
         *ladder_arguments(out_dir=folder, rungs=rungs, segment_seconds=seconds,
                           preset="veryfast")],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "ffmpeg.log").open("wb"),
        start_new_session=True,
    )  # fmt: skip
    time.sleep(0.3)  # the listener binds its port
    process = publisher(clip, url)

    def finish() -> None:
        stop_process_group(ladder)

    return process, Reader(file_fetch, str(folder / "master.m3u8")), finish


# ---------------------------------------------------------------- concurrency


def concurrent(starts: list[Callable[[], Any]], watch: float) -> dict[str, Any]:
    started = [s() for s in starts]
    try:
        readers = [reader for _, reader, _ in started]
        for reader in readers:
            until(reader.first_segment, 30)
        with ThreadPoolExecutor(len(readers)) as pool:
            lags = list(pool.map(lambda r: watch_lag(r, watch), readers))
        return {
            "lag_median_s": [statistics.median(x) if x else None for x in lags],
            "lag_last_s": [x[-1] if x else None for x in lags],
            "lag_growth_s": [x[-1] - x[0] if len(x) > 1 else None for x in lags],
        }
    finally:
        for process, _, finish in started:
            stop_process_group(process)
            finish()


def summary(values: list[float | None]) -> dict[str, Any]:
    got = [v for v in values if v is not None]
    if not got:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {
        "median": round(statistics.median(got), 3),
        "min": round(min(got), 3),
        "max": round(max(got), 3),
        "n": len(got),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--watch", type=float, default=6, help="seconds of lag sampling")
    parser.add_argument("--streams", type=int, default=4, help="concurrent 720p publishers")
    parser.add_argument("--concurrent-watch", type=float, default=20)
    parser.add_argument("--concurrent-rounds", type=int, default=2)
    opts = parser.parse_args()
    result: dict[str, Any] = {
        "command": " ".join(["python -m benchmarks.live_latency", *sys.argv[1:]]),
        "loadavg_start": os.getloadavg(),
    }
    log(f"load average {result['loadavg_start']}")
    with tempfile.TemporaryDirectory(prefix="sf-livebench-") as tmp:
        folder = Path(tmp)
        small, big = make_clip(folder, "640x360", 20), make_clip(folder, "1280x720", 20)
        project = folder / "site"
        cli(folder, "new", str(project))
        cli(project, "migrate")
        cli(
            project,
            "users",
            "create",
            "creator",
            "creator@example.com",
            env=project_env({"SOCIALFLOW_NEW_USER_PASSWORD": PASSWORD}),
        )
        rtmp = {"SOCIALFLOW_PLUGIN__LOCAL_STREAMING__RTMP_PORT": "0"}
        port = free_port()
        server = start_serve(project, port, [], project_env(rtmp), "serve.log")
        http = f"http://127.0.0.1:{port}"
        rungs = [LiveRung(h) for h in (720, 360, 240)]
        try:
            token = login(http, "creator")
            client = httpx.Client(timeout=10)
            rounds: dict[str, list[dict[str, Any]]] = {}
            for index in range(opts.rounds):
                for mode, seconds in (("standard", 1.0), ("low", 0.5)):
                    sf = measure(
                        partial(socialflow_stream, http, token, small, mode, client), opts.watch
                    )
                    base = measure(
                        partial(baseline_stream, folder / "bare", small, rungs, seconds),
                        opts.watch,
                    )
                    rounds.setdefault(f"socialflow_{mode}", []).append(sf)
                    rounds.setdefault(f"baseline_{mode}", []).append(base)
                    log(f"round {index} {mode}: socialflow {sf} baseline {base}")
            result["rounds"] = rounds
            result["summary"] = {
                name: {key: summary([r[key] for r in runs]) for key in runs[0]}
                for name, runs in rounds.items()
            }
        finally:
            stop_process_group(server)
        # Part 2: a 360p/240p ladder (the only other setting changed), 720p publishers.
        ladder = {**rtmp, "SOCIALFLOW_PLUGIN__LOCAL_STREAMING__RENDITIONS": "360,240"}
        server = start_serve(project, port, [], project_env(ladder), "serve2.log")
        small_rungs = [LiveRung(360), LiveRung(240)]
        try:
            token = login(http, "creator")
            client = httpx.Client(timeout=10)
            many: dict[str, list[dict[str, Any]]] = {"socialflow": [], "baseline": []}
            for index in range(opts.concurrent_rounds):
                sf = concurrent(
                    [
                        partial(socialflow_stream, http, token, big, "standard", client)
                        for _ in range(opts.streams)
                    ],
                    opts.concurrent_watch,
                )
                base = concurrent(
                    [
                        partial(baseline_stream, folder / f"bare{i}", big, small_rungs, 1.0)
                        for i in range(opts.streams)
                    ],
                    opts.concurrent_watch,
                )
                many["socialflow"].append(sf)
                many["baseline"].append(base)
                log(f"concurrent round {index}: socialflow {sf} baseline {base}")
            result["concurrent"] = many
        finally:
            stop_process_group(server)
    result["loadavg_end"] = os.getloadavg()
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results" / "live_latency.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
