"""Generation counters broadcast between processes: both transports, on real servers.

Each API process keeps its own counters (``services.generations``); these
tests stand two stores on one channel, as two processes would, and check that
every kind of bump crosses over, whole, and that a store ignores its own echo.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from socialflow.feeds.cache import FeedCache
from socialflow.feeds.generations import (
    BroadcastGenerations,
    PostgresGenerations,
    RedisGenerations,
)
from socialflow.testing.services import require_postgres, require_redis


def _redis_pair() -> tuple[BroadcastGenerations, BroadcastGenerations]:
    url, namespace = require_redis(), f"gen-test-{uuid.uuid4().hex[:8]}"
    return RedisGenerations(url, namespace), RedisGenerations(url, namespace)


def _postgres_pair() -> tuple[BroadcastGenerations, BroadcastGenerations]:
    url, channel = require_postgres(), f"gen_test_{uuid.uuid4().hex[:8]}"
    return PostgresGenerations(url, channel), PostgresGenerations(url, channel)


@pytest.fixture(params=[_redis_pair, _postgres_pair], ids=["redis", "postgres"])
def pair(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[BroadcastGenerations, BroadcastGenerations]]:
    make: Callable[[], tuple[BroadcastGenerations, BroadcastGenerations]] = request.param
    sender, receiver = make()
    receiver.stamp(None, public=False)  # the first read starts the listener
    assert receiver.connected.wait(10), "listener never subscribed"
    yield sender, receiver
    sender.close()
    receiver.close()


def _eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return check()


def test_every_kind_of_bump_reaches_the_other_process(pair) -> None:
    sender, receiver = pair
    user_before = receiver.stamp(7, public=True)
    authored_before = receiver.authored([9])
    sender.bump([7], public=True, everything=True, authors=[9], posts=[11])
    assert _eventually(lambda: receiver.stamp(7, public=True) != user_before)
    assert _eventually(lambda: receiver.authored([9]) != authored_before)
    all_, public, user = receiver.stamp(7, public=True)
    assert (all_, public, user) == tuple(n + 1 for n in user_before)
    assert receiver.authored([9]) == (authored_before[0] + 1,)
    assert _eventually(lambda: receiver.post_stamp(11, 7) == (all_, user, 1))


def test_a_fan_out_sized_bump_arrives_whole(pair) -> None:
    """A fan-out chunk bumps a thousand users at once: more than one NOTIFY payload
    holds, so it travels in several messages, every user of them counted once."""
    sender, receiver = pair
    users = list(range(100_000, 101_200))
    sender.bump(users)
    assert _eventually(lambda: receiver.stamp(users[-1], public=False)[-1] == 1)
    assert all(receiver.stamp(u, public=False)[-1] == 1 for u in users)
    assert receiver.stamp(None, public=True) == (0, 0)  # `all` and `public` untouched


def test_a_store_ignores_its_own_echo(pair) -> None:
    sender, receiver = pair
    sender.stamp(None, public=False)
    assert sender.connected.wait(10)
    sender.bump([3])
    assert _eventually(lambda: receiver.stamp(3, public=False)[-1] == 1)
    # The receiver answers on the same channel; messages arrive in the order they
    # were sent, so once the answer is in, the sender's own echo came before it.
    receiver.bump([4])
    assert _eventually(lambda: sender.stamp(4, public=False)[-1] == 1)
    assert sender.stamp(3, public=False)[-1] == 1  # its echo was not counted twice


def test_the_transport_follows_the_settings(tmp_path) -> None:
    """Redis when configured; else NOTIFY on PostgreSQL; on SQLite no broadcast (one
    process): then the feed cache keeps stamped entries only as long as pages."""
    from socialflow.core.platform import Platform
    from socialflow.core.settings import Settings
    from socialflow.feeds.generations import MemoryGenerations, make_generations

    postgres = "postgresql://postgres@127.0.0.1:5432/test"
    chosen = {
        "redis": make_generations(
            Settings(project_dir=tmp_path, database_url=postgres, redis_url="redis://127.0.0.1")
        ),
        "postgres": make_generations(Settings(project_dir=tmp_path, database_url=postgres)),
        "sqlite": make_generations(Settings(project_dir=tmp_path)),
    }
    assert type(chosen["redis"]) is RedisGenerations
    assert type(chosen["postgres"]) is PostgresGenerations
    assert type(chosen["sqlite"]) is MemoryGenerations
    for generations in chosen.values():
        generations.close()  # nothing was started: closing costs nothing
    sqlite = Platform(Settings(project_dir=tmp_path, feed_cache_seconds=2.0))
    assert sqlite.get(FeedCache).skeletons.ttl == 2.0


def test_a_like_moves_the_post_and_the_liker_not_the_posts_author() -> None:
    """Every cached post of an author is stamped with the author's counter (their
    name and avatar are on it): a like of one post must not drop them all."""
    from socialflow.feeds.generation_events import bump_for_events
    from socialflow.feeds.generations import MemoryGenerations
    from socialflow.plugins.specs import Event

    generations = MemoryGenerations()
    author, liker, commenter = 1, 2, 3
    before = generations.post_stamp(10, author), generations.post_stamp(20, author)
    commented = {"comment_id": 5, "post_id": 10, "author_id": commenter, "post_author_id": author}
    bump_for_events(
        generations,
        [
            Event("liked", {"post_id": 10, "user_id": liker, "author_id": author}),
            Event("commented", commented),
        ],
    )
    assert generations.post_stamp(10, author) != before[0]
    assert generations.post_stamp(20, author) == before[1]  # the author's other post stays
    assert generations.stamp(author, public=False) == (0, 0)
    assert generations.stamp(liker, public=False) == (0, 1)
    assert generations.stamp(commenter, public=False) == (0, 1)
