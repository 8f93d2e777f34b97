"""The Platform: everything a running socialflow needs, built from Settings.

One object owns the engine, the session factory, the plugin manager, the
metrics and the Celery app. The FastAPI app, the CLI, Celery workers and tests
each build one (no import-time singletons) and hand it around; API code finds
it on ``request.app.state.socialflow``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from celery import Celery
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from socialflow.db.engine import create_db_engine, make_session_factory, read_only_engine
from socialflow.observability import Metrics
from socialflow.plugins.manager import SocialflowPluginManager, get_plugin_manager
from socialflow.plugins.specs import Event
from socialflow.services.effects import PendingTask, discard_pending, take_pending
from socialflow.services.feed_cache import FeedCache
from socialflow.services.generations import (
    Generations,
    bump_for_events,
    make_generations,
    note_account_changes,
    take_account_changes,
)
from socialflow.services.notifications import project_pending_events
from socialflow.services.tokens import DecodedTokens
from socialflow.settings import Settings, load_settings
from socialflow.tasks.celery_app import make_celery

logger = logging.getLogger("socialflow.platform")
# How long token checks and viewer facts are kept when Redis spreads every bump.
SHARED_FACTS_TTL_SECONDS = 60.0


@dataclass(frozen=True)
class ReadinessCheck:
    """One part of ``/readyz`` or ``socialflow doctor``."""

    name: str
    ok: bool
    detail: str
    # Whether ``detail`` may be shown to anyone (``/readyz``); most details name
    # paths, hosts or driver messages and go to the log and ``doctor`` only.
    public: bool = False


class Platform:
    """The runtime of one socialflow deployment."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        self.metrics = Metrics()
        self._started = False
        self._lock = threading.Lock()
        self._eager_lock = threading.RLock()
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._read_sessions: sessionmaker[Session] | None = None
        self._plugins: SocialflowPluginManager | None = None

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> Platform:
        """Open the engine and load plugins; idempotent and thread-safe.

        Fails with :class:`~socialflow.settings.SettingsError` (naming the
        setting) when an active provider is unknown or its plugin is broken.
        """
        if self._started:
            return self
        with self._lock:
            if self._started:
                return self
            plugins = get_plugin_manager(self.settings)
            plugins.validate_plugin_settings()
            plugins.check_active_providers()
            engine = create_db_engine(self.settings)
            sessions = make_session_factory(engine)
            read_sessions = make_session_factory(read_only_engine(engine))
            event.listen(sessions, "before_flush", note_account_changes)
            # Notifications are written from the events inside the committing
            # transaction (see socialflow.services.notifications for why).
            event.listen(sessions, "before_commit", project_pending_events)
            event.listen(sessions, "after_commit", self._after_commit)
            event.listen(sessions, "after_rollback", self._after_rollback)
            self._plugins, self._engine, self._sessions = plugins, engine, sessions
            self._read_sessions = read_sessions
            self._started = True
        return self

    def stop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        # Cached pages are stamped with these counters: both start afresh together.
        self.__dict__.pop("feed_cache", None)
        generations = self.__dict__.pop("generations", None)  # only if it was built
        if generations is not None:
            generations.close()  # with Redis: a listener thread and its connection
        self._started = False

    @asynccontextmanager
    async def lifespan(self, app: FastAPI | None = None) -> AsyncIterator[None]:
        """Use as (or inside) a FastAPI lifespan: ``FastAPI(lifespan=platform.lifespan)``."""
        self.start()
        if app is not None:
            app.state.socialflow = self
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

    def provider(self, kind: str, name: str | None = None) -> Any:
        """The active provider of ``kind`` (storage, ranker, payments...)."""
        return self.plugins.provider(kind, name)

    @property
    def storage(self) -> Any:
        return self.provider("storage")

    @cached_property
    def celery(self) -> Celery:
        modules = [m for mods in self.plugins.hook.socialflow_task_modules() for m in mods]
        app = make_celery(self.settings, task_modules=modules)
        app.socialflow_platform = self  # type: ignore[attr-defined,unused-ignore]
        # Register every task module once, not on each enqueue (a hot path).
        app.loader.import_default_modules()
        return app

    @cached_property
    def generations(self) -> Generations:
        """Counters that tell cached feed pages and token checks they went stale."""
        return make_generations(self.settings)

    @cached_property
    def decoded_tokens(self) -> DecodedTokens:
        """Access tokens whose signature this process has verified (see services.tokens)."""
        return DecodedTokens()

    @cached_property
    def feed_cache(self) -> FeedCache:
        ttl = self.settings.feed_cache_seconds
        # When every process hears every bump, exact stamped entries may live longer.
        shared = ttl and self.generations.broadcast
        facts_ttl = max(ttl, SHARED_FACTS_TTL_SECONDS) if shared else ttl
        return FeedCache(
            ttl_seconds=ttl,
            max_entries=self.settings.feed_cache_max_entries,
            facts_ttl_seconds=facts_ttl,
        )

    # ----------------------------------------------------------------- effects

    def emit(self, event_: Event) -> None:
        self.metrics.events.labels(event_.name).inc()
        self.plugins.emit(event_)

    def enqueue(self, task: PendingTask) -> None:
        """Send a task by name; honours ``task_always_eager`` for tests."""
        celery = self.celery
        self.metrics.tasks_enqueued.labels(task.name).inc()
        if not celery.conf.task_always_eager:
            celery.tasks[task.name].apply_async(task.args, task.kwargs, queue=task.queue)
            return
        # Celery runs an eager task inside ``denied_join_result()``, which sets a
        # process-global flag and restores the old value on exit: two threads doing so
        # at once can leave it set for good, and every later ``result.get()`` in the
        # process then fails. One eager task at a time (re-entrant: tasks enqueue tasks).
        with self._eager_lock:
            celery.tasks[task.name].apply_async(task.args, task.kwargs, queue=task.queue)

    def _after_commit(self, session: Session) -> None:
        events, tasks = take_pending(session)
        accounts = take_account_changes(session)
        try:
            if accounts:
                self.generations.bump(accounts)
            if events:
                bump_for_events(self.generations, events)
        except Exception:
            # Committed regardless; cached pages then lag by feed_cache_seconds at most.
            logger.exception("could not move the feed cache generations")
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
        take_account_changes(session)

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
