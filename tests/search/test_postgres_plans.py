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
    if backend.engine.dialect.name != "postgresql":
        pytest.skip("query plans are PostgreSQL's (SOCIALFLOW_TEST_BACKEND=services)")
    return backend


def _plan(search: SqlSearchBackend, statement: str, params: dict[str, Any]) -> str:
    with search.engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        rows = connection.execute(text("EXPLAIN " + statement), params)
        return "\n".join(row[0] for row in rows)


def _fill(search: SqlSearchBackend, platform: Any) -> None:
    """3000 user and 3000 post documents (posts point at real post rows for the join)."""
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
