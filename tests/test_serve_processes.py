"""`socialflow serve` stops what it started: its embedded worker (with beat and the pool)
ends with serve on SIGTERM, on Ctrl-C (SIGINT), and when serve is killed outright."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from socialflow.core.platform import Platform
from socialflow.core.settings import load_settings
from socialflow.testing.server import free_port

pytestmark = pytest.mark.slow


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    made = subprocess.run(
        [sys.executable, "-m", "socialflow", "new", "site"],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    return tmp_path / "site"


def _gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE  # dead, waiting to be reaped
    except psutil.NoSuchProcess:
        return True


def _wait_until_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    alive = [p for p in processes if not _gone(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in alive if not _gone(p)]
    return alive


@pytest.fixture
def serve(project: Path) -> Iterator[tuple[subprocess.Popen[bytes], list[psutil.Process]]]:
    """A running `socialflow serve` whose worker answered a ping, and all its descendants."""
    port = free_port()
    log = (project / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "socialflow", "serve", "--port", str(port)],
        cwd=project,
        env=_clean_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # our signals, not the terminal's, reach it
    )
    descendants: list[psutil.Process] = []
    try:
        _wait_for_health(process, f"http://127.0.0.1:{port}", project)
        platform = Platform(load_settings(project)).start()
        try:
            ping = platform.celery.send_task("socialflow.system.ping", args=["up"])
            assert ping.get(timeout=120)["value"] == "up"
        finally:
            platform.stop()
        children = psutil.Process(process.pid).children()
        assert [c for c in children if "worker" in c.cmdline()], [c.cmdline() for c in children]
        descendants = psutil.Process(process.pid).children(recursive=True)
        # The worker's own children (the prefork pool, embedded beat) are among them.
        assert len(descendants) > len(children)
        yield process, descendants
    finally:
        # A failed test must not leave processes behind.
        if process.poll() is None:
            process.kill()
        for leftover in descendants:
            with contextlib.suppress(psutil.NoSuchProcess):
                leftover.kill()
        process.wait(30)
        log.close()


def _wait_for_health(process: subprocess.Popen[bytes], url: str, project: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail((project / "serve.log").read_text())
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"serve did not answer in time:\n{(project / 'serve.log').read_text()}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopping_serve_stops_its_worker(
    serve: tuple[subprocess.Popen[bytes], list[psutil.Process]], signum: int
) -> None:
    process, descendants = serve
    os.kill(process.pid, signum)
    process.wait(60)
    assert _wait_until_gone(descendants, timeout=10) == []
    assert process.returncode in (0, 128 + signal.SIGTERM), process.returncode


def test_a_killed_serve_takes_its_worker_along(
    serve: tuple[subprocess.Popen[bytes], list[psutil.Process]],
) -> None:
    process, descendants = serve
    os.kill(process.pid, signal.SIGKILL)  # no chance to clean up: the worker must notice
    process.wait(10)
    assert _wait_until_gone(descendants, timeout=30) == []
