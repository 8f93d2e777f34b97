"""A real Celery worker process for tests, on the test project's settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from socialflow.core.platform import Platform
from socialflow.core.processes import die_with_parent, stop_child
from socialflow.core.settings import ENV_PREFIX


def start_worker(
    project_dir: Path,
    *,
    queues: str = "default,media",
    concurrency: int = 1,
    log_path: Path | None = None,
    beat: bool = False,
) -> subprocess.Popen[bytes]:
    """``socialflow worker`` as a child process; ``beat=True`` embeds Celery beat (``--beat``).

    Like serve's embedded worker it exits with its parent, so a test run that
    is killed leaves no worker consuming from the test broker.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env[f"{ENV_PREFIX}PROJECT_DIR"] = str(project_dir)
    log = open(log_path or project_dir / "worker.log", "ab")  # noqa: SIM115 - lives with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "socialflow",
            "worker",
            "--queues",
            queues,
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--beat" if beat else "--no-beat",
            "--parent-pid",
            str(os.getpid()),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=die_with_parent(),
    )


def wait_until_serving(
    platform: Platform, process: subprocess.Popen[bytes], timeout: float = 60
) -> None:
    """Round-trip a ping task, proving broker, worker and result backend all work."""
    deadline = time.monotonic() + timeout
    result = platform.celery.send_task("socialflow.system.ping", args=["ready"])
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited with {process.returncode}")
        if result.ready():
            result.get(timeout=1)
            return
        time.sleep(0.1)
    raise RuntimeError("celery worker did not answer a ping in time")


def stop_worker(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Warm shutdown, then the whole process group (pool, beat) killed after ``timeout``."""
    stop_child(process, grace=timeout)


@contextmanager
def running_worker(platform: Platform, **kwargs: object) -> Iterator[subprocess.Popen[bytes]]:
    process = start_worker(platform.settings.project_dir, **kwargs)  # type: ignore[arg-type]
    try:
        wait_until_serving(platform, process)
        yield process
    finally:
        stop_worker(process)
