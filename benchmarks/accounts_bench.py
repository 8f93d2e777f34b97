"""Accounts benchmark: login latency and authenticated GET /users/me throughput.

Runs, in one go and on this machine: a socialflow app and a bare FastAPI app,
each in its own uvicorn process pinned to CPU 0, with the load generator
(wrk) pinned to CPU 1, so the ratio between them is meaningful even on a
busy machine. Login latency is measured with sequential httpx requests and
set beside the cost of one Argon2 verification measured in-process.

    .venv/bin/python benchmarks/accounts_bench.py [--seconds 5] [--database-url URL]

Needs `wrk` on PATH. Short and bounded: about 30 seconds in total.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

from socialflow.accounts.passwords import hash_password, verify_password
from socialflow.core.platform import Platform
from socialflow.core.settings import load_settings
from socialflow.testing import toml
from socialflow.testing.database import migrate_url
from socialflow.testing.server import free_port

PASSWORD = "benchmark passphrase 2026"


def start_server(project: Path, module: str, attribute: str, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        f"{module}:{attribute}",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    if shutil.which("taskset"):
        command = ["taskset", "-c", "0", *command]
    env = {**os.environ, "PYTHONPATH": str(project), "SOCIALFLOW_PROJECT_DIR": str(project)}
    process = subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{module} did not start")


def wrk(url: str, seconds: int, header: str | None = None) -> tuple[float, str]:
    command = ["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", url]
    if header:
        command[1:1] = ["-H", header]
    if shutil.which("taskset"):
        command = ["taskset", "-c", "1", *command]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+(\S+)", output).group(1)  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} error responses")
    return rate, p50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--logins", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    project = Path(tempfile.mkdtemp(prefix="sf-bench-"))
    database_url = args.database_url or f"sqlite:///{project / 'socialflow.db'}"
    toml.write(
        project / "socialflow.toml",
        {
            "secret_key": "benchmark-secret-key-that-is-long-enough-0123",
            "database_url": database_url,
            "log_level": "WARNING",
            "task_always_eager": True,
            "rate_limits": {"enabled": False},
        },
    )
    migrate_url(database_url, project)
    (project / "bench_apps.py").write_text(
        textwrap.dedent(
            """
            from fastapi import FastAPI
            from socialflow import create_app

            app = create_app()
            bare = FastAPI()

            @bare.get("/healthz")
            async def health():
                return {"status": "ok"}

            @bare.get("/bare")
            async def bare_endpoint():
                return {"id": 1, "username": "bench", "display_name": "bench"}
            """
        )
    )
    platform = Platform(load_settings(project)).start()
    from socialflow.accounts.models import AccountState
    from socialflow.accounts.users import create_user

    with platform.session() as session:
        create_user(
            session=session,
            username="bench",
            email="bench@example.com",
            password=PASSWORD,
            state=AccountState.active,
        )
        session.commit()
    platform.stop()

    app_port, bare_port = free_port(), free_port()
    servers = [
        start_server(project, "bench_apps", "app", app_port),
        start_server(project, "bench_apps", "bare", bare_port),
    ]
    try:
        base = f"http://127.0.0.1:{app_port}"
        with httpx.Client(base_url=base) as client:
            body = {"username_or_email": "bench", "password": PASSWORD}
            client.post("/api/v1/auth/login", json=body).raise_for_status()
            timings = []
            for _ in range(args.logins):
                started = time.perf_counter()
                response = client.post("/api/v1/auth/login", json=body)
                timings.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            token = response.json()["access_token"]
        stored = hash_password(PASSWORD)
        verify_ms = []
        for _ in range(10):
            started = time.perf_counter()
            verify_password(stored, PASSWORD)
            verify_ms.append((time.perf_counter() - started) * 1000)

        me_rate, me_p50 = wrk(
            f"{base}/api/v1/users/me", args.seconds, header=f"Authorization: Bearer {token}"
        )
        bare_rate, bare_p50 = wrk(f"http://127.0.0.1:{bare_port}/bare", args.seconds)
    finally:
        for server in servers:
            server.send_signal(signal.SIGINT)
            server.wait(10)
        shutil.rmtree(project, ignore_errors=True)

    database = database_url.split(":", 1)[0]
    print(f"database: {database}; cpus: {os.cpu_count()}; load: {os.getloadavg()[0]:.1f}")
    print(
        f"login latency over {args.logins} sequential requests: "
        f"p50 {statistics.median(timings):.1f} ms, "
        f"p95 {statistics.quantiles(timings, n=20)[18]:.1f} ms"
    )
    print(f"argon2id verify alone (in-process): p50 {statistics.median(verify_ms):.1f} ms")
    print(f"GET /api/v1/users/me (authenticated): {me_rate:.0f} req/s, p50 {me_p50}")
    print(f"bare FastAPI JSON endpoint:           {bare_rate:.0f} req/s, p50 {bare_p50}")
    print(f"ratio /users/me : bare = {me_rate / bare_rate:.2f}")


if __name__ == "__main__":
    main()
