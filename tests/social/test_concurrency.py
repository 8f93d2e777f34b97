"""Two hundred concurrent likes from different users, over real HTTP, count exactly 200."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from socialflow.accounts.models import User
from tests.social.conftest import make_post

LIKERS = 200
# Fewer client threads than the server's 40 worker threads: on SQLite a request holding
# the write lock must still find a free thread to finish in.
THREADS = 32


@pytest.fixture
def socialflow_overrides() -> dict[str, object]:
    # SQLite serialises writers: let them queue for the lock rather than give up after 5 s.
    return {"sqlite_busy_timeout_ms": 60_000}


def _bulk_users(platform, count: int) -> list[User]:
    """Users straight into the table (no password hashing: the test is about likes)."""
    with platform.session() as session:
        users = [
            User(
                username=f"liker{i}",
                username_key=f"liker{i}",
                email=f"liker{i}@example.com",
                state="active",
            )
            for i in range(count)
        ]
        session.add_all(users)
        session.commit()
        return users


def test_two_hundred_concurrent_likes_count_exactly(
    api, actor, platform, live_server, auth_headers
) -> None:
    author = actor("author")
    post = make_post(api, author, "like me, everyone")
    likers = _bulk_users(platform, LIKERS)
    headers = [auth_headers(user) for user in likers]
    url = f"{live_server}/api/v1/posts/{post['id']}/like"
    limits = httpx.Limits(max_connections=THREADS, max_keepalive_connections=THREADS)
    with httpx.Client(timeout=60, limits=limits) as http:

        def like(index: int) -> int:
            return http.post(url, headers=headers[index]).status_code

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            statuses = list(pool.map(like, range(LIKERS)))
            # Everyone likes again at once: idempotent, still exactly 200.
            statuses += list(pool.map(like, range(LIKERS)))
    assert statuses.count(200) == 2 * LIKERS, {s: statuses.count(s) for s in set(statuses)}
    body = api("GET", f"/posts/{post['id']}").json()
    assert body["like_count"] == LIKERS
