"""Home-timeline stores: a SQL table, or Redis sorted sets when ``redis_url`` is set.

Both keep, per viewer, the ids of posts fanned out to them (newest first,
capped at ``timeline_max_length``) and the id of the account that brought
each post (author, or the sharer of a repost) so an unfollow can remove it.
The post id is the sort key: ids grow with time, so "older than the cursor"
is a range query on either store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import delete, func, select

from socialflow.core.db.sqlutil import DB, insert_many_ignore
from socialflow.feeds.models import TimelineEntry

if TYPE_CHECKING:
    from socialflow.core.platform import Platform
    from socialflow.core.settings import Settings

ENTRIES = TimelineEntry.__table__  # type: ignore[attr-defined]


def timeline_key(namespace: str, user_id: int) -> str:
    """The Redis sorted set holding ``user_id``'s home timeline (member ``post:author``)."""
    return f"{namespace}:tl:{user_id}"


def built_key(namespace: str, user_id: int) -> str:
    """The Redis key that marks ``user_id``'s timeline as built."""
    return f"{namespace}:tlb:{user_id}"


class TimelineStore(Protocol):
    """Where home timelines live; every method takes the caller's session."""

    kind: str

    def add(self, session: DB, user_ids: Sequence[int], post_id: int, source_id: int) -> None:
        """Put ``post_id`` on each user's timeline and trim them to the cap."""
        ...

    def add_many(self, session: DB, user_id: int, entries: Sequence[tuple[int, int]]) -> None:
        """Put (post_id, source_id) entries on one timeline (backfill, rebuild)."""
        ...

    def page(self, session: DB, user_id: int, before: int | None, count: int) -> list[int]:
        """Up to ``count`` post ids older than ``before`` (all if None), newest first."""
        ...

    def length(self, session: DB, user_id: int) -> int: ...

    def remove_source(
        self, session: DB, user_id: int, source_id: int, post_ids: Sequence[int]
    ) -> None:
        """Drop entries brought by ``source_id`` (``post_ids``: its recent posts, for Redis)."""
        ...

    def clear(self, session: DB, user_id: int) -> None: ...

    def is_built(self, session: DB, user_id: int) -> bool:
        """False when the timeline must be rebuilt before reading (e.g. Redis was flushed)."""
        ...

    def mark_built(self, session: DB, user_id: int) -> None: ...


class SqlTimelineStore:
    """``timeline_entries`` rows; writes join the caller's transaction."""

    kind = "sql"

    def __init__(self, cap: int) -> None:
        self.cap = cap

    def add(self, session: DB, user_ids: Sequence[int], post_id: int, source_id: int) -> None:
        insert_many_ignore(
            session,
            ENTRIES,
            [{"user_id": uid, "post_id": post_id, "author_id": source_id} for uid in user_ids],
        )
        self._trim(session, user_ids)

    def add_many(self, session: DB, user_id: int, entries: Sequence[tuple[int, int]]) -> None:
        insert_many_ignore(
            session,
            ENTRIES,
            [{"user_id": user_id, "post_id": pid, "author_id": sid} for pid, sid in entries],
        )
        self._trim(session, [user_id])

    def _trim(self, session: DB, user_ids: Sequence[int]) -> None:
        # Trim lazily: only timelines more than 10% over the cap, each with one
        # DELETE below its own cutoff. Most chunks find nobody to trim, so a
        # fan-out chunk costs one GROUP BY over its users' index entries.
        slack = self.cap + max(1, self.cap // 10)
        over = session.execute(
            select(ENTRIES.c.user_id)
            .where(ENTRIES.c.user_id.in_(list(user_ids)))
            .group_by(ENTRIES.c.user_id)
            .having(func.count() > slack)
        ).all()
        for (user_id,) in over:
            cutoff = session.execute(
                select(ENTRIES.c.post_id)
                .where(ENTRIES.c.user_id == user_id)
                .order_by(ENTRIES.c.post_id.desc())
                .offset(self.cap - 1)
                .limit(1)
            ).scalar()
            if cutoff is not None:
                session.execute(
                    delete(ENTRIES).where(ENTRIES.c.user_id == user_id, ENTRIES.c.post_id < cutoff)
                )

    def page(self, session: DB, user_id: int, before: int | None, count: int) -> list[int]:
        statement = (
            select(ENTRIES.c.post_id)
            .where(ENTRIES.c.user_id == user_id)
            .order_by(ENTRIES.c.post_id.desc())
            .limit(count)
        )
        if before is not None:
            statement = statement.where(ENTRIES.c.post_id < before)
        return [row[0] for row in session.execute(statement)]

    def length(self, session: DB, user_id: int) -> int:
        return int(
            session.execute(
                select(func.count()).select_from(ENTRIES).where(ENTRIES.c.user_id == user_id)
            ).scalar_one()
        )

    def remove_source(
        self, session: DB, user_id: int, source_id: int, post_ids: Sequence[int]
    ) -> None:
        session.execute(
            delete(ENTRIES).where(ENTRIES.c.user_id == user_id, ENTRIES.c.author_id == source_id)
        )

    def clear(self, session: DB, user_id: int) -> None:
        session.execute(delete(ENTRIES).where(ENTRIES.c.user_id == user_id))

    def is_built(self, session: DB, user_id: int) -> bool:
        return True  # rows are written in the same transactions as the follows

    def mark_built(self, session: DB, user_id: int) -> None:
        return None


class RedisTimelineStore:
    """One sorted set per viewer under the namespace: member ``"<post>:<source>"``, score post id.

    Keeping the source in the member lets an unfollow remove exactly the
    entries that account brought, and trimming by rank keeps everything
    bounded. A ``built`` marker tells reads whether the set is authoritative
    or must be rebuilt from SQL first (after a Redis flush or eviction).
    """

    kind = "redis"

    def __init__(self, client: Any, namespace: str, cap: int) -> None:
        self.client = client
        self.ns = namespace
        self.cap = cap

    def _key(self, user_id: int) -> str:
        return timeline_key(self.ns, user_id)

    def _built(self, user_id: int) -> str:
        return built_key(self.ns, user_id)

    def add(self, session: DB, user_ids: Sequence[int], post_id: int, source_id: int) -> None:
        pipe = self.client.pipeline(transaction=False)
        member = f"{post_id}:{source_id}"
        for uid in user_ids:
            pipe.zadd(self._key(uid), {member: post_id})
            pipe.zremrangebyrank(self._key(uid), 0, -(self.cap + 1))
        pipe.execute()

    def add_many(self, session: DB, user_id: int, entries: Sequence[tuple[int, int]]) -> None:
        if not entries:
            return
        pipe = self.client.pipeline(transaction=False)
        pipe.zadd(self._key(user_id), {f"{pid}:{sid}": pid for pid, sid in entries})
        pipe.zremrangebyrank(self._key(user_id), 0, -(self.cap + 1))
        pipe.execute()

    def page(self, session: DB, user_id: int, before: int | None, count: int) -> list[int]:
        upper = f"({before}" if before is not None else "+inf"
        # A post brought by two sources has two members: read a little more and dedupe.
        members = self.client.zrevrangebyscore(
            self._key(user_id), upper, "-inf", start=0, num=count * 2
        )
        ids = list(dict.fromkeys(int(m.split(":", 1)[0]) for m in members))
        return ids[:count]

    def length(self, session: DB, user_id: int) -> int:
        return int(self.client.zcard(self._key(user_id)))

    def remove_source(
        self, session: DB, user_id: int, source_id: int, post_ids: Sequence[int]
    ) -> None:
        suffix = f":{source_id}"
        members = self.client.zrange(self._key(user_id), 0, -1)
        doomed = [m for m in members if m.endswith(suffix)]
        if doomed:
            self.client.zrem(self._key(user_id), *doomed)

    def clear(self, session: DB, user_id: int) -> None:
        self.client.delete(self._key(user_id), self._built(user_id))

    def is_built(self, session: DB, user_id: int) -> bool:
        return bool(self.client.exists(self._built(user_id)))

    def mark_built(self, session: DB, user_id: int) -> None:
        self.client.set(self._built(user_id), 1)


def build_timeline_store(settings: Settings) -> TimelineStore:
    """A timeline store for ``settings``: in Redis when it is configured, else in SQL."""
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
        return RedisTimelineStore(client, settings.redis_namespace, settings.timeline_max_length)
    return SqlTimelineStore(settings.timeline_max_length)


def close_timeline_store(store: TimelineStore) -> None:
    """Close the Redis connection pool of a store, if it has one (``Platform.stop()``)."""
    client = getattr(store, "client", None)
    if client is not None:
        client.close()


def timeline_store(platform: Platform) -> TimelineStore:
    """The platform's timeline store (attached by the feeds app, built once per platform)."""
    return platform.get(TimelineStore)
