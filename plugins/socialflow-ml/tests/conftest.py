"""Seeded data with planted preferences, and a guard that no socket leaves 127.0.0.1."""

from __future__ import annotations

import random
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@pytest.fixture
def socialflow_overrides(tmp_path) -> dict[str, Any]:
    return {
        "plugin_modules": ["outside_ranker"],
        "plugin": {
            "recommendations": {"flush_seconds": 0.0},
            "ml": {
                "model_dir": str(tmp_path / "models"),
                "iterations": 10,
                "factors": 4,
                "regularization": 0.1,
            },
        },
    }


@pytest.fixture(autouse=True)
def no_outside_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every socket connection of the test must go to the loopback or a unix socket."""
    seen: list[Any] = []
    real = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        seen.append(address)
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            assert host in LOOPBACK, f"outbound connection to {address!r}"
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


@dataclass
class Seeded:
    """Viewers, each with a planted favourite author, and the posts and logs made."""

    viewers: list[Any]
    authors: list[Any]
    favourite: dict[int, int]
    posts_by_author: dict[int, list[int]]


def seed_planted(platform: Any, make_user: Callable[..., Any], *, viewers: int = 24) -> Seeded:
    """Posts by 8 authors; each viewer was shown random posts over 14 days and engaged
    (watched, liked) almost only with their favourite author's; a little noise elsewhere.
    The favourite authors' posts are the oldest, so recency alone cannot find them."""
    from socialflow.recommendations import logbook
    from socialflow.social.models import Post
    from socialflow.social.posts import parse_entities

    rng = random.Random(7)
    authors = [make_user(f"author{i}") for i in range(8)]
    people = [make_user(f"viewer{i}") for i in range(viewers)]
    now = datetime.now(UTC)
    posts: dict[int, list[int]] = {a.id: [] for a in authors}
    with platform.session() as session:
        for round_ in range(6):
            for n, author in enumerate(authors):
                text = f"post {round_} by {author.username} #topic{n % 4}"
                post = Post(
                    author_id=author.id,
                    text=text,
                    entities=parse_entities(text),
                    created_at=now - timedelta(days=20 - round_ - n * 0.1),
                )
                session.add(post)
                session.flush()
                posts[author.id].append(post.id)
        session.commit()
    favourite = {v.id: authors[i % 4].id for i, v in enumerate(people)}
    rows = []
    every = [p for ids in posts.values() for p in ids]
    for day in range(14, 0, -1):
        at = now - timedelta(days=day, hours=-1)
        for viewer in people:
            shown = rng.sample(every, 10)
            for position, post_id in enumerate(shown):
                author = next(a for a, ids in posts.items() if post_id in ids)
                rows.append(
                    logbook.row(
                        "shown",
                        post_id,
                        user_id=viewer.id,
                        position=position,
                        surface="home",
                        ranker="chronological",
                        at=at,
                    )
                )
                liked = author == favourite[viewer.id] and rng.random() < 0.85
                noise = author != favourite[viewer.id] and rng.random() < 0.02
                if liked or noise:
                    rows.append(
                        logbook.row(
                            "watched",
                            post_id,
                            user_id=viewer.id,
                            author_id=author,
                            watch_ratio=0.9,
                            at=at + timedelta(minutes=5),
                        )
                    )
    with platform.session() as session:
        logbook.write(session, rows)
        session.commit()
    return Seeded(people, authors, favourite, posts)


@dataclass
class Actor:
    user: Any
    headers: dict[str, str]

    @property
    def id(self) -> int:
        return int(self.user.id)

    @property
    def name(self) -> str:
        return str(self.user.username)


@pytest.fixture
def actor(
    make_user: Callable[..., Any], auth_headers: Callable[[Any], dict[str, str]]
) -> Callable[..., Actor]:
    def factory(username: str) -> Actor:
        user = make_user(username)
        return Actor(user, auth_headers(user))

    return factory


@pytest.fixture
def api(client: Any) -> Callable[..., Any]:
    """``api("POST", "/posts", who, json=...)`` against the live test server."""

    def call(method: str, path: str, who: Actor | None = None, **kwargs: Any) -> Any:
        headers = dict(who.headers) if who else {}
        return client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    return call
