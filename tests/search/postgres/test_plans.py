"""On PostgreSQL the ``sql`` backend's queries use their indexes: EXPLAIN on a few
thousand real documents with sequential scans priced out (``enable_seqscan = off``),
so a plan that can only scan the table shows up as a ``Seq Scan``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from socialflow.plugins.protocols import SearchDocument
from socialflow.search import sql_queries
from socialflow.search.sql_backend import SqlSearchBackend

WORDS = ["ridge", "lake", "dawn", "coffee", "trail", "river", "forest", "summit", "valley"]


@pytest.fixture
def search(platform: Any) -> SqlSearchBackend:
    backend = platform.provider("search")
    assert isinstance(backend, SqlSearchBackend)
    assert backend.engine.dialect.name == "postgresql"
    return backend


def _plan(
    search: SqlSearchBackend, statement: str, params: dict[str, Any], only: str | None = None
) -> str:
    """The plan of ``statement``. With ``only``, every other index of ``search_documents``
    but its primary key is dropped first, in a transaction that is rolled back."""
    with search.engine.connect() as connection, connection.begin() as transaction:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        if only is not None:
            _drop_indexes_but(connection, only)
        rows = connection.execute(text("EXPLAIN " + statement), params)
        plan = "\n".join(row[0] for row in rows)
        transaction.rollback()
    return plan


def _drop_indexes_but(connection: Any, kept: str) -> None:
    unique = connection.execute(
        text(
            "SELECT conname FROM pg_constraint "
            "WHERE conrelid = 'search_documents'::regclass AND contype = 'u'"
        )
    ).scalars()
    for name in list(unique):
        connection.execute(text(f'ALTER TABLE search_documents DROP CONSTRAINT "{name}"'))
    names = connection.execute(
        text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'search_documents' "
            "AND indexname NOT IN (:kept, 'search_documents_pkey')"
        ),
        {"kept": kept},
    ).scalars()
    for name in list(names):
        connection.execute(text(f'DROP INDEX "{name}"'))


def _fill(search: SqlSearchBackend, platform: Any) -> None:
    """3000 user and 3000 post documents (no post rows: only plans are read)."""
    users = [
        SearchDocument(
            kind="user",
            id=str(1_000_000 + n),
            text=f"rider{n} Rider {WORDS[n % 9].title()} {n}",
            fields={"prefix": f"rider{n}"},
        )
        for n in range(3000)
    ]
    posts = [
        SearchDocument(kind="post", id=str(n), text=f"{WORDS[n % 9]} {WORDS[(n * 7) % 9]} #{n}")
        for n in range(1, 3001)
    ]
    search.index(users)
    search.index(posts)
    with search.engine.begin() as connection:
        connection.execute(text("ANALYZE search_documents"))


def test_word_queries_use_the_gin_index(search: SqlSearchBackend, platform: Any) -> None:
    _fill(search, platform)
    params = {
        "q": "ridge:*",
        "kind": "post",
        "window": sql_queries.WINDOW,
        "want": 21,
        "skip": 0,
        "options": sql_queries.HEADLINE_OPTIONS,
    }
    plan = _plan(search, sql_queries.POSTGRES_POSTS, params)
    assert "search_fts_tsv" in plan, plan
    assert "Seq Scan on search_documents" not in plan, plan
    assert "Seq Scan on posts" not in plan, plan
    plan = _plan(search, sql_queries.POSTGRES_OTHERS, {**params, "kind": "user"})
    assert "search_fts_tsv" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_username_prefix_uses_the_pattern_index(search: SqlSearchBackend, platform: Any) -> None:
    _fill(search, platform)
    plan = _plan(
        search,
        "SELECT ref_id FROM search_documents WHERE kind = :kind "
        "AND prefix LIKE :p ESCAPE '\\' ORDER BY length(prefix), prefix LIMIT 21",
        {"kind": "user", "p": "rider12%"},
    )
    assert "search_fts_prefix_pattern" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_fuzzy_users_use_the_trigram_index(search: SqlSearchBackend, platform: Any) -> None:
    """The statement matches the trigram index (expression and partial predicate). With
    a few thousand users the planner rightly prefers reading every user through the
    btrees on ``kind``, so only the trigram index is left here; with 200k user documents (PostgreSQL
    15) it picks the trigram index by itself, at about 10 ms a query."""
    _fill(search, platform)
    plan = _plan(
        search,
        sql_queries.POSTGRES_FUZZY_USERS,
        {"q": "ridr summit", "want": 21},
        only="search_fts_user_trgm",
    )
    assert "search_fts_user_trgm" in plan, plan
    assert "Seq Scan" not in plan, plan
    hits = search.query("summitt", kind="user", limit=5)  # a typo: found by trigrams
    assert hits.ids, hits
