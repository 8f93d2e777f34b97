"""Generation counters: the cheap "has anything I cached changed?" check of hot reads.

Every cached feed page and cached access-token check is stamped with the
generations it was built under, and is served again only while they are
unchanged (and its short time to live has not run out):

* ``all`` moves when something can change what *anyone* may see (a post
  edited or deleted, an account suspended, deleted, or made private or
  public, a video edited or deleted);
* ``public`` moves when a public post appears (explore and hashtag feeds);
* one counter per user moves when that user's own view changes: they post,
  like, share, follow, block or mute (or are blocked, muted, followed...),
  their home timeline receives posts, or their account or sessions change
  (logout, password change, revocation: the token check must see it at once);
* one "authored" counter per user moves when they publish a post: the home
  pages of big accounts' followers, who merge those posts at read time, are
  stamped with it (and not with the busier counter above);
* one counter per post moves when its counters move (liked, shared,
  commented): cached hydrated posts are stamped with it and their author's.

Counters live in each process. On SQLite (the embedded default, one API
process) that is all: a separate worker's timeline writes then show after the
cache's time to live. With Redis, or on PostgreSQL, every bump is also
broadcast (Redis pub/sub, or PostgreSQL's ``LISTEN``/``NOTIFY``) and every
process applies the others' bumps (:class:`BroadcastGenerations`), so all
agree within a millisecond. Reading them never leaves the process. Which
counters a committed event moves is :mod:`socialflow.feeds.generation_events`.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from socialflow.core.settings import Settings

logger = logging.getLogger(__name__)
# The first read waits this long for the listener to subscribe, so nothing is
# cached while bumps from other processes could still go unheard.
LISTENER_START_WAIT_SECONDS = 1.0
LISTENER_STOP_WAIT_SECONDS = 2.0
# How often a waiting listener looks up to notice close(): stopping costs up to this.
LISTENER_POLL_SECONDS = 0.2

# Per-post counters kept in a process before they are dropped (and ``all``
# moved here, so no stamp taken before can match a counter counted afresh).
MAX_POST_COUNTERS = 1_000_000

Stamp = tuple[int, ...]


class Generations(Protocol):
    """Where the counters live (see the module doc)."""

    version: int  # moves with every bump, whoever's
    broadcast: bool  # True when other processes' bumps arrive (caches may live longer)

    def stamp(self, user_id: int | None, *, public: bool) -> Stamp:
        """The counters a page for ``user_id`` depends on, read together."""
        ...

    def authored(self, author_ids: Iterable[int]) -> Stamp:
        """The "authored" counters of ``author_ids``, in order."""
        ...

    def post_stamp(self, post_id: int, author_id: int) -> Stamp:
        """What a cached hydrated post depends on: ``all``, its author, itself."""
        ...

    def bump(
        self,
        user_ids: Iterable[int],
        *,
        public: bool = False,
        everything: bool = False,
        authors: Iterable[int] = (),
        posts: Iterable[int] = (),
    ) -> None:
        """Move the counters of ``user_ids``, the "authored" ones of ``authors``,
        those of ``posts`` (and ``public`` / ``all``)."""
        ...

    def close(self) -> None:
        """Release what the store holds (called when its platform stops)."""
        ...


class MemoryGenerations:
    """Counters in this process: reading them costs a dict lookup."""

    broadcast = False  # other processes' bumps never arrive here

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[int, int] = {}
        self._authored: dict[int, int] = {}
        self._posts: dict[int, int] = {}
        self._all = 0
        self._public = 0
        # Moves with every bump: a reader that saw it unchanged across a database
        # read knows no counter moved meanwhile (see services.hydration).
        self.version = 0

    def stamp(self, user_id: int | None, *, public: bool) -> Stamp:
        stamp = [self._all]
        if public:
            stamp.append(self._public)
        if user_id is not None:
            stamp.append(self._users.get(user_id, 0))
        return tuple(stamp)

    def authored(self, author_ids: Iterable[int]) -> Stamp:
        return tuple(self._authored.get(author_id, 0) for author_id in author_ids)

    def post_stamp(self, post_id: int, author_id: int) -> Stamp:
        return (self._all, self._users.get(author_id, 0), self._posts.get(post_id, 0))

    def bump(
        self,
        user_ids: Iterable[int],
        *,
        public: bool = False,
        everything: bool = False,
        authors: Iterable[int] = (),
        posts: Iterable[int] = (),
    ) -> None:
        with self._lock:
            for user_id in user_ids:
                self._users[user_id] = self._users.get(user_id, 0) + 1
            for author_id in authors:
                self._authored[author_id] = self._authored.get(author_id, 0) + 1
            for post_id in posts:
                self._posts[post_id] = self._posts.get(post_id, 0) + 1
            if len(self._posts) > MAX_POST_COUNTERS:
                self._posts.clear()
                everything = True
            if public:
                self._public += 1
            if everything:
                self._all += 1
            self.version += 1

    def close(self) -> None:
        return None


class BroadcastGenerations(MemoryGenerations, ABC):
    """Counters in this process, moved in every process through a broadcast channel.

    A bump moves the local counters and broadcasts the change; each process
    listens on a daemon thread (started by its first read) and applies what
    the others send, within a millisecond or so. Reading stays a dict lookup,
    where a round trip per request would cost more than the page itself.
    Whenever the listener (re)connects it moves ``all``, since changes may
    have been missed; a lost message otherwise costs staleness of at most
    the caches' time to live. Subclasses are the transports.
    """

    broadcast = True
    users_per_message: int | None = None  # a transport's cap on one message (None: none)

    def __init__(self) -> None:
        super().__init__()
        self.origin = uuid.uuid4().hex
        self._listener: threading.Thread | None = None
        self._closed = threading.Event()
        self.connected = threading.Event()
        self._missed_possible = False

    def stamp(self, user_id: int | None, *, public: bool) -> Stamp:
        if not self.connected.is_set():
            if self._listener is None:
                self._start_listener()
                self.connected.wait(LISTENER_START_WAIT_SECONDS)
            if not self.connected.is_set():
                self._missed_possible = True  # what is cached now may miss a bump
        return super().stamp(user_id, public=public)

    def bump(
        self,
        user_ids: Iterable[int],
        *,
        public: bool = False,
        everything: bool = False,
        authors: Iterable[int] = (),
        posts: Iterable[int] = (),
    ) -> None:
        users = [int(u) for u in user_ids]
        writers = [int(a) for a in authors]
        touched = [int(p) for p in posts]
        super().bump(users, public=public, everything=everything, authors=writers, posts=touched)
        step = self.users_per_message or max(len(users), 1)
        for start in range(0, max(len(users), 1), step):
            first = start == 0
            message = {
                "o": self.origin,
                "u": users[start : start + step],
                "p": public and first,
                "a": everything and first,
                "w": writers if first else [],
                "q": touched if first else [],
            }
            self._publish(json.dumps(message, separators=(",", ":")))

    def close(self) -> None:
        """Stop the listener (it looks up within :data:`LISTENER_POLL_SECONDS`) and
        release the transport."""
        self._closed.set()
        if self._listener is not None:
            self._listener.join(LISTENER_STOP_WAIT_SECONDS)

    def _start_listener(self) -> None:
        with self._lock:
            if self._listener is None:
                self._listener = threading.Thread(
                    target=self._listen, name="socialflow-generations", daemon=True
                )
                self._listener.start()

    def _listen(self) -> None:
        while not self._closed.is_set():
            try:
                with self._subscription() as messages:
                    if self._missed_possible:
                        MemoryGenerations.bump(self, (), everything=True)
                        self._missed_possible = False
                    self.connected.set()
                    for data in messages:
                        if self._closed.is_set():
                            break
                        if data is not None:
                            self._apply(data)
            except Exception:
                self.connected.clear()
                self._missed_possible = True
                logger.warning("generation listener lost its channel; retrying", exc_info=True)
                self._closed.wait(1.0)

    def _apply(self, data: str | bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            return
        if message.get("o") == self.origin:
            return
        MemoryGenerations.bump(
            self,
            [int(u) for u in message.get("u", ())],
            public=bool(message.get("p")),
            everything=bool(message.get("a")),
            authors=[int(a) for a in message.get("w", ())],
            posts=[int(p) for p in message.get("q", ())],
        )

    # ------------------------------------------------------------- transport

    @abstractmethod
    def _publish(self, data: str) -> None:
        """Send one message to every process on the channel."""

    @abstractmethod
    def _subscription(self) -> AbstractContextManager[Iterator[str | bytes | None]]:
        """Subscribe; the iterator yields messages, and None at least every
        :data:`LISTENER_POLL_SECONDS` (so the listener notices ``close``)."""


class RedisGenerations(BroadcastGenerations):
    """Bumps broadcast on the Redis channel ``<namespace>:generations``."""

    def __init__(self, url: str, namespace: str) -> None:
        import redis

        super().__init__()
        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self.channel = f"{namespace}:generations"

    def close(self) -> None:
        super().close()
        self.client.close()

    def _publish(self, data: str) -> None:
        self.client.publish(self.channel, data)

    @contextmanager
    def _subscription(self) -> Iterator[Iterator[str | bytes | None]]:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(self.channel)

        def messages() -> Iterator[bytes | None]:
            while True:
                message = pubsub.get_message(timeout=LISTENER_POLL_SECONDS)
                yield None if message is None else message["data"]

        try:
            yield messages()
        finally:
            pubsub.close()


class PostgresGenerations(BroadcastGenerations):
    """Bumps broadcast with PostgreSQL ``NOTIFY`` (channel ``socialflow_generations`` of
    the database, by default): deployments on PostgreSQL without Redis keep their
    processes' caches exact too.

    Publishing uses one autocommit connection of its own (a ``NOTIFY`` in the
    caller's transaction would wait for its commit; bumps come after it);
    listening, another. Payloads are capped at 8000 bytes by PostgreSQL, so a
    bump of many users (a fan-out chunk) goes out in several messages.
    """

    users_per_message = 500  # ids of up to 7 digits stay well under 8000 bytes

    def __init__(self, url: str, channel: str = "socialflow_generations") -> None:
        if not channel.isidentifier():
            raise ValueError(f"not a channel name: {channel!r}")
        super().__init__()
        self.url = url
        self.channel = channel
        self._publisher: Any = None
        self._publish_lock = threading.Lock()

    def close(self) -> None:
        super().close()
        with self._publish_lock:
            if self._publisher is not None:
                self._publisher.close()
                self._publisher = None

    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(_libpq_url(self.url), autocommit=True, connect_timeout=5)

    def _publish(self, data: str) -> None:
        with self._publish_lock:
            for attempt in (1, 2):
                try:
                    if self._publisher is None or self._publisher.closed:
                        self._publisher = self._connect()
                    self._publisher.execute("SELECT pg_notify(%s, %s)", (self.channel, data))
                    return
                except Exception:
                    self._publisher = None  # reconnect once (the server restarted...)
                    if attempt == 2:
                        raise

    @contextmanager
    def _subscription(self) -> Iterator[Iterator[str | bytes | None]]:
        connection = self._connect()
        connection.execute(f"LISTEN {self.channel}")  # an identifier (checked)

        def messages() -> Iterator[str | None]:
            while True:
                got = False
                for notify in connection.notifies(timeout=LISTENER_POLL_SECONDS):
                    got = True
                    yield notify.payload
                if not got:
                    yield None

        try:
            yield messages()
        finally:
            connection.close()


def _libpq_url(url: str) -> str:
    """``postgresql+psycopg://...`` (SQLAlchemy's spelling) as libpq takes it."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+')[0]}{sep}{rest}"


def make_generations(settings: Settings) -> Generations:
    """Redis pub/sub when Redis is configured, else ``NOTIFY`` on PostgreSQL, else this
    process's counters alone."""
    if settings.redis_url:
        return RedisGenerations(settings.redis_url, settings.redis_namespace)
    database_url = settings.database_url or ""
    if database_url.startswith("postgresql"):
        return PostgresGenerations(database_url)
    return MemoryGenerations()
