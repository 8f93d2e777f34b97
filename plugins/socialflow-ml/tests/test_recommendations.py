"""ALS "for you" and "who to follow", content "more like this", viral prediction, offline."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from conftest import seed_planted
from socialflow.core.effects import PendingTask
from socialflow.testing.tasks import wait_for_tasks


def train(platform) -> None:
    from socialflow.recommendations.tasks import TRAIN_TASK

    platform.enqueue(PendingTask(TRAIN_TASK))
    wait_for_tasks(platform)


def newcomer(platform, make_user, seeded):
    """A new viewer who watched two posts of one planted favourite author, two days ago."""
    from socialflow.recommendations import logbook

    user = make_user("newbie")
    author = seeded.authors[0].id
    at = datetime.now(UTC) - timedelta(days=2)
    with platform.session() as session:
        logbook.write(
            session,
            [
                logbook.row("watched", p, user_id=user.id, author_id=author, watch_ratio=1.0, at=at)
                for p in seeded.posts_by_author[author][:2]
            ],
        )
        session.commit()
    return user, author


def test_als_serves_for_you_from_what_similar_viewers_watched(
    platform, make_user, auth_headers, client, no_outside_network
) -> None:
    seeded = seed_planted(platform, make_user)
    user, author = newcomer(platform, make_user, seeded)
    train(platform)
    response = client.get(
        "/api/v1/recommendations/videos", headers=auth_headers(user), params={"limit": 4}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == "als"
    authors = [item["author"]["id"] for item in body["items"]]
    assert authors.count(author) >= 3, authors
    watched = set(seeded.posts_by_author[author][:2])
    assert not watched & {item["id"] for item in body["items"]}
    assert no_outside_network, "the test server was reached over the loopback"


def test_who_to_follow_comes_from_als_and_skips_the_followed(
    platform, make_user, auth_headers, client
) -> None:
    seeded = seed_planted(platform, make_user)
    user, author = newcomer(platform, make_user, seeded)
    train(platform)
    response = client.get("/api/v1/recommendations/users", headers=auth_headers(user))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == "als"
    assert body["items"][0]["id"] == author, body["items"]
    assert user.id not in [u["id"] for u in body["items"]]


def test_more_like_this_uses_text_similarity(platform, make_user, auth_headers, client) -> None:
    from socialflow.social.models import Post
    from socialflow.social.posts import parse_entities

    author = make_user("writer")
    texts = [
        "alpine cycling climbs in the dolomites",
        "cycling the dolomites alpine passes",
        "sourdough bread baking at home",
        "baking bread with sourdough starter",
    ]
    ids = []
    with platform.session() as session:
        for text in texts:
            post = Post(author_id=author.id, text=text, entities=parse_entities(text))
            session.add(post)
            session.flush()
            ids.append(post.id)
        session.commit()
    train(platform)
    viewer = make_user("reader")
    response = client.get(
        f"/api/v1/recommendations/posts/{ids[0]}/similar", headers=auth_headers(viewer)
    )
    assert response.status_code == 200, response.text
    assert response.json()["source"] == "als"
    assert next(i["id"] for i in response.json()["items"]) == ids[1]


def seed_viral(platform, make_user, posts: int = 120) -> None:
    """Posts over 30 days; one in ten gets a burst of early likes and shares and go on to
    trend, the rest trickle; a few slow burners trend late (noise the model must bear)."""
    from socialflow.social.models import Post, PostLike, Share
    from socialflow.social.posts import parse_entities

    rng = random.Random(3)
    fans = [make_user(f"fan{i}") for i in range(40)]
    author = make_user("creator")
    start = datetime.now(UTC) - timedelta(days=32)
    with platform.session() as session:
        for n in range(posts):
            created = start + timedelta(hours=6 * n)
            post = Post(
                author_id=author.id,
                text=f"post {n}",
                entities=parse_entities(f"post {n}"),
                created_at=created,
            )
            session.add(post)
            session.flush()
            hot = n % 10 == 0
            early = rng.randint(8, 20) if hot else rng.randint(0, 2)
            late = rng.randint(15, 30) if hot else rng.randint(0, 4)
            picked = rng.sample(fans, min(len(fans), early + late))
            for i, fan in enumerate(picked):
                at = created + (
                    timedelta(minutes=rng.randint(1, 55))
                    if i < early
                    else timedelta(hours=rng.randint(2, 20))
                )
                session.add(PostLike(user_id=fan.id, post_id=post.id, created_at=at))
                if hot and i % 3 == 0:
                    session.add(Share(user_id=fan.id, post_id=post.id, created_at=at))
        session.commit()


def test_viral_model_flags_trending_posts_on_held_out_data(platform, make_user) -> None:
    from socialflow.recommendations import jobs

    seed_viral(platform, make_user)
    end = datetime.now(UTC) - timedelta(hours=24)
    report = jobs.evaluate_viral(platform, end - timedelta(days=40), end - timedelta(days=10), end)
    model = report["logistic"]
    assert model["posts"] >= 30
    assert model["recall"] >= 0.8, report
    assert model["precision"] >= 0.6, report


def test_why_trending_explains_with_the_trained_model(
    platform, make_user, auth_headers, client
) -> None:
    from socialflow.recommendations import jobs
    from socialflow.social.models import Post

    seed_viral(platform, make_user)
    now = datetime.now(UTC)
    jobs.train_viral(platform, now - timedelta(days=40), now - timedelta(hours=24))
    with platform.session() as session:
        hot = session.query(Post).order_by(Post.id).first()
    response = client.get(
        f"/api/v1/recommendations/posts/{hot.id}/why-trending",
        headers=auth_headers(make_user("reader")),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == "logistic"
    assert body["viral"] is True
    assert body["reasons"][0]["signal"] in {"early_likes", "early_shares"}
