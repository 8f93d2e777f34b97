"""Celery tasks in tests on a real worker: one per test process, shared by its tests.

On the services backend (PostgreSQL + Redis) every test's tasks go through a
real Celery worker, not ``task_always_eager``. Starting a worker per test
would cost seconds each, so each test process (each pytest-xdist worker)
starts one for its session (:func:`start_session_worker`), on Redis keys of
its own (the ``celery_namespace`` setting), while every test keeps its own
project folder, database and ``redis_namespace``.

How a task finds its test:

* In the test process, a ``before_task_publish`` receiver adds a header
  (:data:`HEADER`) carrying the settings of the platform that sends it
  (:func:`socialflow.core.platform.sending_platform`), so a platform made
  with other settings (``make_platform``) or whose settings a test changed
  sends those. In the worker, the same receiver copies the running task's
  header onto the tasks it sends, so children follow their parent.
* In the worker, ``task_prerun`` builds (and keeps a few of) a
  :class:`~socialflow.core.platform.Platform` per distinct settings and makes
  :func:`~socialflow.core.celery.platform_of` answer it for that task.
* Each publish increments a per-test counter in Redis and each run
  decrements it when it ends (success, failure or retry; a retry is a new
  publish). :func:`wait_for_tasks` waits for zero, then raises what failed in
  the worker (:class:`TaskFailedError`). The ``client`` fixtures call it after
  each response, and the settings fixture before the test's database goes,
  so a test reads what its request's tasks did, as it did with eager tasks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import Token
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from socialflow.core.settings import Settings

logger = logging.getLogger("socialflow.testing.tasks")

HEADER = "socialflow_test"
# Counters and error lists outlive a killed test run by this much, no longer.
TRACKING_TTL_SECONDS = 3600
DEFAULT_TIMEOUT = 120.0
POLL_SECONDS = 0.01
# Platforms a worker keeps (each holds a database pool); tests come one after another.
KEEP_PLATFORMS = 4

# This process's session worker (test process side), set by start_session_worker.
_session: dict[str, Any] = {}
_redis_clients: dict[str, Any] = {}
_redis_lock = threading.Lock()


class TaskFailedError(AssertionError):
    """A task the test sent failed in the worker (its traceback is the message)."""


# ------------------------------------------------------------------ settings


def _plain(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump()
    raise TypeError(f"cannot send {type(value).__name__} in a task header")


def settings_payload(settings: Settings) -> str:
    """The settings as JSON, secrets included (they stay on the test machine's Redis)."""
    values = settings.model_dump(exclude_unset=True)
    return json.dumps(values, default=_plain, sort_keys=True)


def tracking_key(settings: Settings) -> str:
    """Where a test's counter and failures live: under the shared Celery namespace,
    named after the test's own ``redis_namespace``."""
    return f"{settings.celery_namespace}:sftest:{settings.redis_namespace}"


def session_namespace() -> str | None:
    """The ``celery_namespace`` of this process's session worker, once started."""
    return _session.get("namespace")


def on_session_worker(settings: Settings) -> bool:
    """Whether tasks sent with ``settings`` go to this process's session worker."""
    namespace = session_namespace()
    return (
        namespace is not None
        and settings.celery_namespace == namespace
        and not settings.task_always_eager
        and settings.redis_url is not None
    )


def _redis(url: str) -> Any:
    client = _redis_clients.get(url)
    if client is None:
        import redis

        with _redis_lock:
            client = _redis_clients.setdefault(url, redis.Redis.from_url(url))
    return client


# ------------------------------------------------------------------ signals


def _header_of(request: Any) -> dict[str, Any] | None:
    header = getattr(request, HEADER, None)
    if header is None:  # a task's context keeps it in headers, a worker Request in its dict
        carried = getattr(request, "headers", None) or getattr(request, "_request_dict", None)
        header = (carried or {}).get(HEADER)
    return header if isinstance(header, dict) else None


def _before_publish(
    sender: str | None = None, headers: dict[str, Any] | None = None, **_: Any
) -> None:
    """Name the test on each task it sends, and count the task as pending."""
    if headers is None:
        return
    header = headers.get(HEADER)
    if header is None:
        from celery import current_task

        from socialflow.core.platform import sending_platform

        parent = current_task._get_current_object() if current_task else None
        if parent is not None and not parent.request.called_directly:
            header = _header_of(parent.request)
        if header is None:
            platform = sending_platform()
            if platform is not None and on_session_worker(platform.settings):
                settings = platform.settings
                header = {
                    "settings": settings_payload(settings),
                    "key": tracking_key(settings),
                    "redis": settings.redis_url,
                }
        if header is None:
            return
        headers[HEADER] = header
    key = f"{header['key']}:pending"
    pipe = _redis(header["redis"]).pipeline()
    pipe.incr(key)
    pipe.expire(key, TRACKING_TTL_SECONDS)
    pipe.execute()


def connect_publisher() -> None:
    """In every process that sends tasks for tests (test processes, the worker)."""
    from celery.signals import before_task_publish

    before_task_publish.connect(_before_publish, weak=False, dispatch_uid="socialflow-test")


class _WorkerState:
    """The worker side: a Platform per settings, and the task's platform while it runs."""

    def __init__(self) -> None:
        self.platforms: OrderedDict[str, Any] = OrderedDict()
        self.tokens: dict[str, Token[Any]] = {}

    def platform_for(self, payload: str) -> Any:
        from socialflow.core.platform import Platform

        key = hashlib.sha256(payload.encode()).hexdigest()
        platform = self.platforms.get(key)
        if platform is not None:
            self.platforms.move_to_end(key)
            return platform
        platform = Platform(Settings(**json.loads(payload))).start()
        self.platforms[key] = platform
        while len(self.platforms) > KEEP_PLATFORMS:
            _, old = self.platforms.popitem(last=False)
            old.stop()
        return platform

    def prerun(self, task_id: str = "", task: Any = None, **_: Any) -> None:
        from socialflow.core.celery import run_task_on

        header = _header_of(task.request) if task is not None else None
        if header is None:
            return
        self.tokens[task_id] = run_task_on(self.platform_for(header["settings"]))

    def postrun(self, task_id: str = "", task: Any = None, **_: Any) -> None:
        from socialflow.core.celery import reset_task_platform

        token = self.tokens.pop(task_id, None)
        if token is not None:
            reset_task_platform(token)
        header = _header_of(task.request) if task is not None else None
        if header is not None:
            _redis(header["redis"]).decr(f"{header['key']}:pending")

    def failure(
        self,
        sender: Any = None,
        task_id: str = "",
        exception: Any = None,
        einfo: Any = None,
        **_: Any,
    ) -> None:
        header = _header_of(sender.request) if sender is not None else None
        if header is None:
            return
        name = getattr(sender, "name", "?")
        report = f"{name}[{task_id}] failed in the worker: {exception!r}\n{einfo}"
        key = f"{header['key']}:errors"
        pipe = _redis(header["redis"]).pipeline()
        pipe.rpush(key, report)
        pipe.expire(key, TRACKING_TTL_SECONDS)
        pipe.execute()

    def revoked(self, request: Any = None, **_: Any) -> None:
        """An expired or revoked message never runs: it is no longer pending."""
        header = _header_of(request) if request is not None else None
        if header is not None:
            _redis(header["redis"]).decr(f"{header['key']}:pending")


def connect_worker() -> None:
    """In the session worker process, before it starts consuming."""
    from celery.signals import task_failure, task_postrun, task_prerun, task_revoked

    state = _WorkerState()
    connect_publisher()
    task_prerun.connect(state.prerun, weak=False)
    task_postrun.connect(state.postrun, weak=False)
    task_failure.connect(state.failure, weak=False)
    task_revoked.connect(state.revoked, weak=False)


# ------------------------------------------------------------------ waiting


def wait_for_tasks(settings: Settings | Any, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Wait until every task the test sent (and the tasks they sent) has run, then raise
    :class:`TaskFailedError` if one failed. Takes a Platform or its Settings.

    Does nothing where tasks run eagerly (the embedded backend) or on a worker
    the test runs itself (``celery_worker``): there the test waits for what it expects.
    """
    settings = getattr(settings, "settings", settings)
    if not on_session_worker(settings) or settings.redis_url is None:
        return
    client = _redis(settings.redis_url)
    key = tracking_key(settings)
    deadline = time.monotonic() + timeout
    while int(client.get(f"{key}:pending") or 0) > 0:
        process = _session.get("process")
        if process is not None and process.poll() is not None:
            raise TaskFailedError(
                f"the test session's Celery worker exited with {process.returncode} "
                f"(log: {_session.get('log')})"
            )
        if time.monotonic() > deadline:
            raise TaskFailedError(
                f"tasks still pending after {timeout:.0f} s (log: {_session.get('log')})"
            )
        time.sleep(POLL_SECONDS)
    pipe = client.pipeline()
    pipe.lrange(f"{key}:errors", 0, -1)
    pipe.delete(f"{key}:errors")
    errors, _ = pipe.execute()
    if errors:
        raise TaskFailedError("\n\n".join(e.decode(errors="replace") for e in errors))


# ------------------------------------------------------------------ the session worker


@contextmanager
def session_worker(project_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start this process's shared worker on ``project_dir``'s settings (whose
    ``celery_namespace`` tests then use), ready when a ping has round-tripped."""
    from socialflow.core.platform import Platform
    from socialflow.core.processes import die_with_parent, stop_child
    from socialflow.core.settings import ENV_PREFIX, load_settings
    from socialflow.testing.worker import wait_until_serving

    settings = load_settings(project_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env[f"{ENV_PREFIX}PROJECT_DIR"] = str(project_dir)
    log_path = project_dir / "worker.log"
    log = open(log_path, "ab")  # noqa: SIM115 - lives with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "socialflow.testing.tasks", str(project_dir), str(os.getpid())],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=die_with_parent(),
    )
    platform = Platform(settings).start()
    try:
        wait_until_serving(platform, process)
        connect_publisher()
        _session.update(namespace=settings.celery_namespace, process=process, log=log_path)
        yield process
    finally:
        _session.clear()
        platform.stop()
        stop_child(process, grace=20)
        log.close()


def _main(project_dir: str, parent_pid: str) -> None:
    """The worker process: socialflow's worker, solo pool, plus the receivers above."""
    from socialflow.core.celery import DEFAULT_QUEUE, MEDIA_QUEUE
    from socialflow.core.platform import Platform
    from socialflow.core.processes import watch_parent
    from socialflow.core.settings import load_settings

    watch_parent(int(parent_pid))
    connect_worker()
    platform = Platform(load_settings(project_dir)).start()
    platform.celery.worker_main(
        [
            "worker",
            "--queues",
            f"{DEFAULT_QUEUE},{MEDIA_QUEUE}",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


if __name__ == "__main__":
    _main(*sys.argv[1:3])
