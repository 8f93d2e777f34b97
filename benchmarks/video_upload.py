"""tus upload throughput and server memory: socialflow vs tuspyserver vs a bare ASGI handler.

Usage::

    .venv/bin/python -m benchmarks.video_upload --size-mb 200 --repeat 3 [--memory-gb 1]

Every server runs in its own uvicorn process (uvloop + httptools, one
worker) on 127.0.0.1; the client is this process. For each server: one
PATCH (or one POST for the bare handler) of the whole file, and tuspy in
5 MiB chunks. Medians of ``--repeat`` runs, in MB/s (10^6 bytes). With
``--memory-gb``, socialflow's server peak RSS (VmHWM) is read after one
single-PATCH upload of that size.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from tusclient import client as tus_client

CHUNK = 5 * 1024 * 1024
# filename data.bin, filetype application/octet-stream (tuspyserver needs both)
METADATA = "filename ZGF0YS5iaW4=,filetype YXBwbGljYXRpb24vb2N0ZXQtc3RyZWFt"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(factory: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            f"benchmarks.video_apps:{factory}",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{factory} did not start")


def file_body(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while piece := fh.read(1024 * 1024):
            yield piece


def interleaved(actions: dict[str, Callable[[], None]], size: int, repeat: int) -> dict[str, float]:
    """Median MB/s of each action; one warm-up each, then ``repeat`` interleaved rounds."""
    for action in actions.values():
        action()  # warm-up: lazy imports, first connections, page cache
    rates: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            rates[name].append(size / (time.perf_counter() - started) / 1e6)
    return {name: statistics.median(values) for name, values in rates.items()}


def tus_single_patch(url: str, base: str, headers: dict[str, str], data: Path) -> None:
    size = data.stat().st_size
    with httpx.Client(timeout=600) as http:
        created = http.post(
            url + base,
            headers={
                **headers,
                "Tus-Resumable": "1.0.0",
                "Upload-Length": str(size),
                "Upload-Metadata": METADATA,
            },
        )
        assert created.status_code == 201, created.text
        location = created.headers["Location"]
        if location.startswith("/"):
            location = url + location
        done = http.patch(
            location,
            content=file_body(data),
            headers={
                **headers,
                "Tus-Resumable": "1.0.0",
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(size),
            },
        )
        assert done.status_code == 204, done.text
        assert int(done.headers["Upload-Offset"]) == size


def tuspy_chunks(url: str, base: str, headers: dict[str, str], data: Path) -> None:
    client = tus_client.TusClient(url + base, headers=headers)
    uploader = client.uploader(
        str(data),
        chunk_size=CHUNK,
        metadata={"filename": "data.bin", "filetype": "application/octet-stream"},
    )
    uploader.upload()
    assert uploader.offset == data.stat().st_size


def bare_post(url: str, data: Path) -> None:
    with httpx.Client(timeout=600) as http:
        response = http.post(
            url + "/",
            content=file_body(data),
            headers={"Content-Length": str(data.stat().st_size)},
        )
        assert response.status_code == 204


def bare_chunks(url: str, data: Path) -> None:
    with httpx.Client(timeout=600) as http, data.open("rb") as fh:
        while piece := fh.read(CHUNK):
            assert http.post(url + "/", content=piece).status_code == 204


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def socialflow_project(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    """A migrated project with one user; returns (env, auth headers)."""
    (folder / "socialflow.toml").write_text(
        'environment = "development"\n'
        'secret_key = "benchmark-secret-key-0123456789-0123456789"\n'
        "upload_max_size = 8589934592\n"
        'log_level = "WARNING"\n'
    )
    env = {"SOCIALFLOW_PROJECT_DIR": str(folder)}
    subprocess.run(
        [sys.executable, "-m", "socialflow", "migrate"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    from socialflow.accounts.models import AccountState
    from socialflow.accounts.tokens import issue_access_token
    from socialflow.accounts.users import create_user
    from socialflow.core.platform import Platform
    from socialflow.core.settings import load_settings

    settings = load_settings(folder)
    platform = Platform(settings).start()
    with platform.session() as session:
        user = create_user(
            session=session,
            username="bench",
            email="bench@example.com",
            password="a long benchmark password",
            state=AccountState.active,
        )
        session.commit()
        token = issue_access_token(settings, user_id=user.id, token_version=user.token_version)
    platform.stop()
    return env, {"Authorization": f"Bearer {token}"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-gb", type=float, default=0)
    args = parser.parse_args()
    results: dict[str, Any] = {"size_mb": args.size_mb, "repeat": args.repeat}
    with tempfile.TemporaryDirectory(prefix="sf-bench-") as tmp:
        folder = Path(tmp)
        data = folder / "data.bin"
        with data.open("wb") as out:
            for _ in range(args.size_mb):
                out.write(os.urandom(1024 * 1024))
        size = data.stat().st_size

        files, tus_files, project = folder / "files", folder / "tusfiles", folder / "project"
        for path in (files, tus_files, project):
            path.mkdir()
        env, headers = socialflow_project(project)
        servers = {
            "bare": start_server("bare_app", {"BENCH_FILES_DIR": str(files)}),
            "tuspyserver": start_server("tuspyserver_app", {"BENCH_FILES_DIR": str(tus_files)}),
            "socialflow": start_server("socialflow_app", env),
        }
        bare_url, tus_url, sf_url = (servers[n][1] for n in ("bare", "tuspyserver", "socialflow"))
        base = "/api/v1/uploads/"
        actions: dict[str, Callable[[], None]] = {
            "bare single": lambda: bare_post(bare_url, data),
            "bare 5MiB": lambda: bare_chunks(bare_url, data),
            "tuspyserver single": lambda: tus_single_patch(tus_url, "/files/", {}, data),
            "tuspyserver tuspy": lambda: tuspy_chunks(tus_url, "/files/", {}, data),
            "socialflow single": lambda: tus_single_patch(sf_url, base, headers, data),
            "socialflow tuspy": lambda: tuspy_chunks(sf_url, base, headers, data),
        }
        try:
            # Interleaved: every round runs each case once, so the machine's
            # noise (2 shared cores) spreads evenly over all of them.
            results.update(interleaved(actions, size, args.repeat))
            results["socialflow rss after 200MB runs"] = peak_rss_mb(servers["socialflow"][0].pid)
        finally:
            for process, _ in servers.values():
                process.kill()
        if args.memory_gb:
            data.unlink()
            big = folder / "big.bin"
            with big.open("wb") as out:
                block = os.urandom(1024 * 1024)
                for _ in range(int(args.memory_gb * 1024)):
                    out.write(block)
            server, url = start_server("socialflow_app", env)
            try:
                before = peak_rss_mb(server.pid)
                started = time.perf_counter()
                tus_single_patch(url, "/api/v1/uploads/", headers, big)
                elapsed = time.perf_counter() - started
                results["memory"] = {
                    "upload_gb": args.memory_gb,
                    "rss_peak_before_mb": round(before, 1),
                    "rss_peak_after_mb": round(peak_rss_mb(server.pid), 1),
                    "mb_per_s": round(big.stat().st_size / elapsed / 1e6, 1),
                }
            finally:
                server.kill()
    for key in ("single", "tuspy"):
        ours = results[f"socialflow {key}"]
        results[f"ratio {key} vs tuspyserver"] = round(ours / results[f"tuspyserver {key}"], 2)
    results["ratio single vs bare"] = round(
        results["socialflow single"] / results["bare single"], 2
    )
    results["ratio tuspy vs bare 5MiB"] = round(
        results["socialflow tuspy"] / results["bare 5MiB"], 2
    )
    print(
        json.dumps(
            {k: round(v, 1) if isinstance(v, float) else v for k, v in results.items()}, indent=2
        )
    )


if __name__ == "__main__":
    main()
