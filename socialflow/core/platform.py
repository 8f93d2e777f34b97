"""The Platform: everything a running socialflow needs, built from Settings.

One object owns the engine, the session factory, the plugin manager, the
metrics and the Celery app. The FastAPI app, the CLI, Celery workers and tests
each build one (no import-time singletons) and hand it around; API code finds
it on ``request.app.state.socialflow``.

The kernel knows no domain: apps attach what they keep per platform (a feed
cache, Redis clients, a projection run inside each commit) when it starts,
through the ``socialflow_platform_start`` hook and :meth:`Platform.attach`,
:meth:`Platform.listen_sessions` and :meth:`Platform.on_commit`; ``stop()``
closes what they attached.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar, cast

from celery import Celery
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from socialflow.core.celery import make_celery
from socialflow.core.db.engine import create_db_engine, make_session_factory, read_only_engine
from socialflow.core.effects import PendingTask, discard_pending, take_pending
from socialflow.core.observability import Metrics
from socialflow.core.settings import Settings, load_settings
from socialflow.plugins.facade import ModelT, PlatformFacade, ProviderKind
from socialflow.plugins.manager import SocialflowPluginManager, get_plugin_manager
from socialflow.plugins.protocols import StorageBackend
from socialflow.plugins.session import mark_connections, session_info
from socialflow.plugins.specs import Event

# Session.info key: (events, tasks) of a commit, until its transaction has ended.
COMMITTED_KEY = "socialflow.committed"
logger = logging.getLogger("socialflow.core.platform")
# The platform whose enqueue() is publishing now (see sending_platform).
_sending: ContextVar[Platform | None] = ContextVar("socialflow_sending_platform", default=None)
T = TypeVar("T")
CommitObserver = Callable[[Session, list[Event]], None]


@dataclass(frozen=True)
class ReadinessCheck:
    """One part of ``/readyz`` or ``socialflow doctor``."""

    name: str
    ok: bool
    detail: str
    # Whether ``detail`` may be shown to anyone (``/readyz``); most details name
    # paths, hosts or driver messages and go to the log and ``doctor`` only.
    public: bool = False


def sending_platform() -> Platform | None:
    """The platform whose :meth:`Platform.enqueue` is publishing a task right now, if any.

    For Celery ``before_task_publish`` receivers, which are told the task's
    name but not which platform (which project) sends it.
    """
    return _sending.get()


class Platform(PlatformFacade):
    """The runtime of one socialflow deployment.

    Hooks that take a ``platform`` argument get this object; what plugins may
    rely on is its :class:`~socialflow.plugins.facade.PlatformFacade` part.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        self.metrics = Metrics()
        self._started = False
        # Re-entrant: an attachment's factory may get() another (the feed cache, its bumps).
        self._lock = threading.RLock()
        self._eager_lock = threading.RLock()
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._read_sessions: sessionmaker[Session] | None = None
        self._plugins: SocialflowPluginManager | None = None
        # What apps attach at start (see attach()): key -> (factory, close).
        self._attachments: dict[type[Any], tuple[Callable[[], Any], Callable[[Any], None] | None]]
        self._attachments = {}
        self._attached: dict[type[Any], Any] = {}
        # Re-entrant: a factory may get() what it builds on (the feeds' cache asks
        # for the generation counters), on the same thread, while this is held.
        self._attach_lock = threading.RLock()
        self._commit_observers: list[CommitObserver] = []

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> Platform:
        """Open the engine and load plugins; idempotent and thread-safe.

        Fails with :class:`~socialflow.core.settings.SettingsError` (naming the
        setting) when an active provider is unknown or its plugin is broken.
        """
        if self._started:
            return self
        with self._lock:
            if self._started:
                return self
            plugins = get_plugin_manager(self.settings)
            plugins.bind(self)
            plugins.validate_plugin_settings()
            plugins.check_active_providers()
            engine = create_db_engine(self.settings)
            mark_connections(engine, plugins)
            info = session_info(plugins)
            sessions = make_session_factory(engine, info)
            read_sessions = make_session_factory(read_only_engine(engine), info)
            self._plugins, self._engine, self._sessions = plugins, engine, sessions
            self._read_sessions = read_sessions
            plugins.hook.socialflow_platform_start(platform=self)
            # After the apps' listeners: they see a commit before its events go out.
            event.listen(sessions, "after_commit", self._after_commit)
            event.listen(sessions, "after_transaction_end", self._after_transaction_end)
            event.listen(sessions, "after_rollback", self._after_rollback)
            self._started = True
        return self

    def stop(self) -> None:
        """Dispose of the engine and close what apps attached; ``start()`` begins afresh."""
        if self._engine is not None:
            self._engine.dispose()
        for key, value in reversed(list(self._attached.items())):
            close = self._attachments[key][1]
            if close is not None:
                try:
                    close(value)
                except Exception:
                    logger.exception("could not close %s", key.__name__)
        self._attached.clear()
        self._attachments.clear()
        self._commit_observers.clear()
        self._started = False

    # ------------------------------------------------------------ attachments

    def attach(
        self,
        key: type[T],
        factory: Callable[[], T],
        *,
        close: Callable[[T], None] | None = None,
    ) -> None:
        """Keep one ``key`` per platform, built by ``factory`` on first :meth:`get`.

        For apps, from ``socialflow_platform_start``: the object lives as long
        as the platform runs and ``close`` (if given) is called by ``stop()``.
        """
        self._attachments[key] = (factory, close)

    def get(self, key: type[T]) -> T:
        """The platform's ``key`` object (see :meth:`attach`), built once."""
        self.start()
        try:
            return cast(T, self._attached[key])
        except KeyError:
            pass
        with self._attach_lock:
            if key not in self._attached:
                if key not in self._attachments:
                    raise LookupError(
                        f"nothing attached {key.__name__} to this platform: is the app "
                        "that provides it installed and enabled?"
                    )
                self._attached[key] = self._attachments[key][0]()
            return cast(T, self._attached[key])

    def listen_sessions(self, identifier: str, listener: Callable[..., Any]) -> None:
        """Listen to a SQLAlchemy session event on this platform's sessions
        (``before_flush``, ``before_commit``, ``after_rollback``...)."""
        assert self._sessions is not None, "listen_sessions() is for socialflow_platform_start"
        event.listen(self._sessions, identifier, listener)

    def on_commit(self, observer: CommitObserver) -> None:
        """Call ``observer(session, events)`` after each commit, before the events go out.

        An observer that raises is logged: the commit stands regardless.
        """
        self._commit_observers.append(observer)

    @asynccontextmanager
    async def lifespan(self, app: FastAPI | None = None) -> AsyncIterator[None]:
        """Use as (or inside) a FastAPI lifespan: ``FastAPI(lifespan=platform.lifespan)``."""
        self.start()
        if app is not None:
            app.state.socialflow = self
        self.plugins.hook.socialflow_platform_serving(platform=self)
        try:
            yield
        finally:
            self.stop()

    # ------------------------------------------------------------------ access

    @property
    def engine(self) -> Engine:
        self.start()
        assert self._engine is not None
        return self._engine

    @property
    def plugins(self) -> SocialflowPluginManager:
        self.start()
        assert self._plugins is not None
        return self._plugins

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """A session; the caller commits. Rolled back if the block raises.

        ``read_only=True`` is for work that never writes (safe HTTP methods):
        on SQLite it lets readers run side by side instead of one at a time.
        """
        self.start()
        factory = self._read_sessions if read_only else self._sessions
        assert factory is not None
        with factory() as session:
            yield session

    def _provider(self, kind: ProviderKind, name: str | None) -> Any:
        # provider(kind, name) and providers(kind), typed by kind: see ProviderAccess.
        return self.plugins.provider(kind, name)

    def _active_names(self, kind: ProviderKind) -> list[str]:
        return self.plugins.active_names(kind)

    def plugin_settings(self, model: type[ModelT]) -> ModelT:
        """A plugin's own ``[plugin.<section>]``, validated by ``model`` (see
        :meth:`SocialflowPluginManager.plugin_settings`)."""
        return self.plugins.plugin_settings(model)

    @property
    def storage(self) -> StorageBackend:
        """The active storage backend."""
        return self.provider("storage")

    @cached_property
    def celery(self) -> Celery:
        hook = self.plugins.hook
        modules = [m for mods in hook.socialflow_task_modules() for m in mods]
        schedule = {
            name: entry
            for entries in hook.socialflow_beat_schedule(settings=self.settings)
            for name, entry in entries.items()
        }
        app = make_celery(self.settings, task_modules=modules, beat_schedule=schedule)
        app.socialflow_platform = self  # type: ignore[attr-defined,unused-ignore]
        # Register every task module once, not on each enqueue (a hot path).
        app.loader.import_default_modules()
        return app

    # ----------------------------------------------------------------- effects

    def emit(self, event_: Event) -> None:
        self.metrics.events.labels(event_.name).inc()
        self.plugins.emit(event_)

    def enqueue(self, task: PendingTask) -> None:
        """Send a task by name; honours ``task_always_eager`` for tests."""
        celery = self.celery
        self.metrics.tasks_enqueued.labels(task.name).inc()
        if not celery.conf.task_always_eager:
            token = _sending.set(self)
            try:
                celery.tasks[task.name].apply_async(
                    task.args, task.kwargs, queue=task.queue, countdown=task.countdown
                )
            finally:
                _sending.reset(token)
            return
        # Celery runs an eager task inside ``denied_join_result()``, which sets a
        # process-global flag and restores the old value on exit: two threads doing so
        # at once can leave it set for good, and every later ``result.get()`` in the
        # process then fails. One eager task at a time (re-entrant: tasks enqueue tasks).
        with self._eager_lock:
            celery.tasks[task.name].apply_async(task.args, task.kwargs, queue=task.queue)

    def _after_commit(self, session: Session) -> None:
        """Take what waited for this commit; it goes out once the connection is back in
        the pool (:meth:`_after_transaction_end`)."""
        session.info[COMMITTED_KEY] = take_pending(session)

    def _after_transaction_end(self, session: Session, transaction: Any) -> None:
        """Deliver what a commit released, once its connection is back in the pool.

        ``after_commit`` runs while the session still holds its connection: an
        eager task or an event handler opening a session there needs a second one,
        and 200 concurrent requests doing so ran the pool dry (timeouts, 500s).
        """
        if transaction.parent is not None or COMMITTED_KEY not in session.info:
            return
        events, tasks = session.info.pop(COMMITTED_KEY)
        for observer in self._commit_observers:
            try:
                observer(session, events)
            except Exception:
                # Committed regardless; what the observer keeps (a cache) catches up later.
                logger.exception("commit observer %r failed", observer)
        for event_ in events:
            self.emit(event_)
        for task in tasks:
            try:
                self.enqueue(task)
            except Exception:
                # The row is committed; the periodic sweeper of each domain
                # picks up work whose task never reached the broker.
                logger.exception("could not enqueue %s", task.name)

    @staticmethod
    def _after_rollback(session: Session) -> None:
        discard_pending(session)

    # --------------------------------------------------------------- readiness

    def readiness(self, *, broker: bool = True) -> list[ReadinessCheck]:
        """Check database, broker and storage; each failure names itself."""
        checks = [self._check("database", self._check_database)]
        if broker:
            checks.append(self._check("broker", self._check_broker))
        checks.append(self._check("storage", lambda: self.storage.check()))
        return checks

    @staticmethod
    def _check(name: str, probe: Any) -> ReadinessCheck:
        try:
            return ReadinessCheck(name, True, str(probe() or "ok"))
        except Exception as exc:
            return ReadinessCheck(name, False, f"{type(exc).__name__}: {exc}")

    def _check_database(self) -> str:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return f"{self.engine.dialect.name} reachable"

    def _check_broker(self) -> str:
        with self.celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
            return f"{connection.transport_cls} reachable"
