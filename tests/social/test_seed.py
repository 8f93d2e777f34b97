"""``socialflow seed`` and ``socialflow feeds rebuild`` through the real CLI."""

from __future__ import annotations

import statistics

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from socialflow.cli import build_cli


def _run(project, *args: str):
    return CliRunner().invoke(build_cli(with_plugins=False), [*args, "-C", str(project)])


def _snapshot(platform) -> tuple[list[str], list[str], list[int]]:
    with platform.engine.connect() as connection:
        names = [r[0] for r in connection.execute(text("SELECT username FROM users ORDER BY id"))]
        texts = [r[0] for r in connection.execute(text("SELECT text FROM posts ORDER BY id"))]
        followers = [
            r[0] for r in connection.execute(text("SELECT follower_count FROM users ORDER BY id"))
        ]
    return names, texts, followers


# Three days of analytics history: the seed's rollup of a long one is another test's cost.
SEED = ("seed", "--users", "300", "--posts", "1500", "--seed", "7", "--analytics-days", "3")


def test_seed_is_deterministic_power_law_and_refuses_to_reseed(
    platform, socialflow_project, api, actor
) -> None:
    first = _run(
        socialflow_project,
        *SEED,
    )
    assert first.exit_code == 0, first.output
    assert "Seeded" in first.output
    names, texts, followers = _snapshot(platform)
    assert len(names) == 300
    assert len(texts) == 1500
    # A power law: the most followed account has many times the median.
    assert max(followers) > 10 * max(1, statistics.median(followers))
    with platform.engine.connect() as connection:
        counted = connection.execute(
            text("SELECT COUNT(*) FROM follows f JOIN users u ON u.id = f.followee_id")
        ).scalar_one()
        assert counted == sum(followers)
        likes = connection.execute(text("SELECT SUM(like_count) FROM posts")).scalar_one()
        assert likes == connection.execute(text("SELECT COUNT(*) FROM post_likes")).scalar_one()
        # Lookalike protection covers seeded addresses as registered ones.
        unguarded = "SELECT COUNT(*) FROM users WHERE email_skeleton IS NULL"
        assert connection.execute(text(unguarded)).scalar_one() == 0

    again = _run(
        socialflow_project,
        *SEED,
    )
    assert again.exit_code == 1
    assert "--reset" in again.output

    replaced = _run(
        socialflow_project,
        *SEED,
        "--reset",
    )
    assert replaced.exit_code == 0, replaced.output
    assert _snapshot(platform) == (names, texts, followers)

    # Seeded users can read their home feed, search finds seeded users.
    with platform.engine.connect() as connection:
        busiest = connection.execute(
            text("SELECT username FROM users ORDER BY following_count DESC LIMIT 1")
        ).scalar_one()
    from socialflow.graph.relations import get_visible_user

    with platform.session() as session:
        user = get_visible_user(session, username=busiest, viewer=None)
    from socialflow.accounts.tokens import issue_access_token
    from tests.social.conftest import Actor

    token = issue_access_token(platform.settings, user_id=user.id, token_version=0)
    home = api("GET", "/feed/home", Actor(user, {"Authorization": f"Bearer {token}"}))
    assert home.status_code == 200
    assert len(home.json()["items"]) == 20
    found = api("GET", "/search", params={"q": busiest[:5], "type": "users"}).json()["items"]
    assert busiest in [u["username"] for u in found]

    rebuilt = _run(socialflow_project, "feeds", "rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    one = _run(socialflow_project, "feeds", "rebuild", "--user", busiest)
    assert one.exit_code == 0, one.output
    assert "entries" in one.output


@pytest.mark.parametrize("store", ["configured", "sql"])
def test_seeded_timelines_match_a_rebuild_from_the_graph(platform, make_platform, store) -> None:
    """The seed merges timelines in memory; a rebuild from the database agrees.

    ``sql`` forces the SQL timeline store even where Redis is configured, so on
    PostgreSQL the seed's COPY path is covered too.
    """
    from socialflow.demo.seed import SeedPlan, seed
    from socialflow.feeds.pages import rebuild_timeline
    from socialflow.feeds.timelines import timeline_store

    if store == "sql":
        platform = make_platform(redis_url=None)

    report = seed(platform, SeedPlan(users=80, posts=800, seed=3, timeline_depth=25, search=False))
    assert report.timeline_entries > 0
    store = timeline_store(platform)
    with platform.engine.connect() as connection:
        readers = [
            r[0]
            for r in connection.execute(
                text("SELECT id FROM users ORDER BY following_count DESC, id LIMIT 12")
            )
        ]
    with platform.session() as session:
        seeded = {uid: store.page(session, uid, None, 25) for uid in readers}
        for uid in readers:
            rebuild_timeline(platform, session, uid)
            session.commit()
            assert store.page(session, uid, None, 25) == seeded[uid], uid
    assert any(len(ids) == 25 for ids in seeded.values())


def _documents(platform) -> set[tuple[str, str, str, str]]:
    with platform.engine.connect() as connection:
        rows = connection.execute(text("SELECT kind, ref_id, text, prefix FROM search_documents"))
        return {tuple(row) for row in rows}


def test_an_empty_search_index_is_filled_as_a_rebuild_would(platform) -> None:
    """On PostgreSQL an empty ``sql`` index is bulk-loaded in SQL (``document_queries``):
    it must hold exactly the documents the batch-by-batch rebuild writes, and be
    searchable. Elsewhere both rebuilds take the batch path."""
    from socialflow.demo.seed import SeedPlan, seed
    from socialflow.search.service import rebuild_index

    seed(platform, SeedPlan(users=40, posts=300, seed=5, timelines=False, search=False))
    with platform.engine.begin() as connection:
        suspended = connection.execute(
            text("UPDATE users SET state = 'suspended' WHERE id = (SELECT MIN(id) FROM users)")
        )
        assert suspended.rowcount == 1
        connection.execute(
            text("UPDATE posts SET deleted_at = created_at WHERE id = (SELECT MIN(id) FROM posts)")
        )
        oldest, body = connection.execute(
            text("SELECT id, text FROM posts ORDER BY id LIMIT 1 OFFSET 1")
        ).one()

    loaded = rebuild_index(platform)
    bulk = _documents(platform)
    assert loaded["users"] == 39
    assert loaded["posts"] == 299
    assert sum(loaded.values()) == len(bulk)
    word = max(body.split(), key=len).strip(".#@")
    hits = platform.provider("search").query(word, kind="post", limit=100)
    assert str(oldest) in hits.ids

    # Not empty any more: the batch path upserts over what is there.
    with platform.engine.begin() as connection:
        connection.execute(text("DELETE FROM search_documents WHERE kind <> 'hashtag'"))
    assert rebuild_index(platform) == loaded
    assert _documents(platform) == bulk
