"""The Celery app, built from Settings (never at import time).

Embedded default: kombu's SQLAlchemy transport on a SQLite file in the
project folder, so a laptop needs no broker server. With ``redis_url`` set,
Redis is broker and result backend. Tasks are written to survive a crashed
worker: late acks plus reject-on-worker-lost put the message back, and every
task is idempotent.

Periodic work (the trending prune, the media sweep...) is a Celery beat
schedule that apps add entries to (``socialflow_beat_schedule``, with
:func:`every`); beat runs embedded in one worker
(``socialflow worker --beat``, and ``socialflow serve``'s embedded worker) or
alone (``socialflow beat``). Exactly one beat per deployment: each one sends
every task on the schedule. Its state file lives in the project's state
folder, never in the current directory.

Celery and kombu are imported when an app is made, not with this module: the
CLI reads the queue names from here and must start fast.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialflow.core.settings import Settings

if TYPE_CHECKING:
    from celery import Celery

    from socialflow.core.platform import Platform

KERNEL_TASK_MODULES = ["socialflow.core.system_tasks"]
DEFAULT_QUEUE = "default"
# Long media work (transcoding) has its own queue, so a worker fleet can be sized for it.
MEDIA_QUEUE = "media"
BEAT_SCHEDULE_FILE = "celerybeat-schedule"
SQLITE_BROKER_PREFIX = "sqla+sqlite"
SQLITE_TRANSPORT = "socialflow.core.celery_sqlite:Transport"
SQLITE_BROKER_PREFETCH = 8
# The platform the running task works for, when it is not its app's (see run_task_on).
_task_platform: ContextVar[Platform | None] = ContextVar("socialflow_task_platform", default=None)


def result_backend_url(settings: Settings) -> str:
    if settings.redis_url:
        return settings.redis_url
    return f"db+sqlite:///{settings.state_dir / 'results.sqlite'}"


def beat_schedule_path(settings: Settings) -> Path:
    """Where beat keeps its schedule state (last run of each entry): the state folder."""
    return settings.state_dir / BEAT_SCHEDULE_FILE


def every(task: str, seconds: int, queue: str = DEFAULT_QUEUE) -> dict[str, Any]:
    """A beat entry running ``task`` every ``seconds`` on ``queue``.

    Each message expires after one interval: if no worker takes it in time,
    the next one supersedes it instead of piling up behind it.
    """
    return {
        "task": task,
        "schedule": timedelta(seconds=seconds),
        "options": {"queue": queue, "expires": seconds},
    }


def make_celery(
    settings: Settings,
    *,
    task_modules: list[str] | None = None,
    beat_schedule: dict[str, dict[str, Any]] | None = None,
) -> Celery:
    """A Celery app configured from ``settings``."""
    from celery import Celery
    from kombu.entity import Queue

    broker = str(settings.broker_url)
    if broker.startswith(SQLITE_BROKER_PREFIX) or not settings.redis_url:
        # The SQLite broker and/or result backend live in the state folder.
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    app = Celery("socialflow", set_as_current=False)
    app.conf.update(
        broker_url=broker,
        result_backend=result_backend_url(settings),
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=DEFAULT_QUEUE,
        task_queues=(Queue(DEFAULT_QUEUE), Queue(MEDIA_QUEUE)),
        task_always_eager=settings.task_always_eager,
        task_eager_propagates=settings.task_always_eager,
        result_expires=3600,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        include=[*KERNEL_TASK_MODULES, *(task_modules or [])],
        timezone="UTC",
        beat_schedule=beat_schedule or {},
        beat_schedule_filename=str(beat_schedule_path(settings)),
    )
    if settings.redis_url and broker == settings.redis_url:
        namespace = settings.celery_namespace or settings.redis_namespace
        prefix = {"global_keyprefix": f"{namespace}:"}
        app.conf.broker_transport_options = prefix
        app.conf.result_backend_transport_options = prefix
    elif broker.startswith(SQLITE_BROKER_PREFIX):
        _use_fast_sqlite_broker(app, broker)
    return app


def _use_fast_sqlite_broker(app: Celery, broker: str) -> None:
    """The SQLite broker through a transport that polls every 0.1 s instead of every second,
    and workers that hold a few messages each, so that a poll is not paid per task.

    A worker holds up to ``SQLITE_BROKER_PREFETCH`` messages per process: the
    SQL transport takes a message (hides it) when the worker reserves it, and
    with one reserved at a time the worker slept one polling interval between
    every two tasks. Messages a worker holds go back on a warm shutdown.
    """
    app.conf.broker_url = broker.removeprefix("sqla+")
    app.conf.broker_transport = SQLITE_TRANSPORT
    # kombu's SQL transport hands these to create_engine: wait for the
    # file lock rather than fail when the API and the worker write at once.
    app.conf.broker_transport_options = {"connect_args": {"timeout": 30}}
    app.conf.worker_prefetch_multiplier = SQLITE_BROKER_PREFETCH


def run_task_on(platform: Platform | None) -> Token[Platform | None]:
    """Make :func:`platform_of` answer ``platform`` here until :func:`reset_task_platform`.

    For a worker that serves several projects (the test suite's shared worker,
    from ``task_prerun``): the task then reads and writes the project named by
    its message instead of the worker's own.
    """
    return _task_platform.set(platform)


def reset_task_platform(token: Token[Platform | None]) -> None:
    _task_platform.reset(token)


def platform_of(app: Celery) -> Platform:
    """The platform a worker's tasks run against: the one set by :func:`run_task_on`
    for this task, else the app's own (attached by ``Platform.celery``)."""
    platform: Any = _task_platform.get() or getattr(app, "socialflow_platform", None)
    if platform is None:
        raise RuntimeError("this Celery app was not made by socialflow.Platform")
    platform.start()
    return platform  # type: ignore[no-any-return,unused-ignore]
