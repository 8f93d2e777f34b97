"""The built-in ``sql`` search backend: full-text search in the main database.

On SQLite it queries an FTS5 table (``search_fts``) that triggers keep in
step with ``search_documents``; on PostgreSQL a GIN index over
``to_tsvector('simple', text)``. Both are created by the core migration.
Every query term is a prefix (``ali`` finds ``alice``), and for users and
hashtags an exact prefix of the username / tag ranks first; on PostgreSQL
users are then found fuzzily through ``pg_trgm`` when its index exists.
Ranking (relevance, engagement, recency) and highlight excerpts are in
:mod:`socialflow.search.sql_queries`.

The backend opens its own engine from ``database_url`` (providers are built
from settings alone) and writes each batch in its own transaction.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from socialflow.core.inputs import ascii_int
from socialflow.core.settings import Settings
from socialflow.plugins.protocols import SearchDocument, SearchHits
from socialflow.plugins.specs import hookimpl
from socialflow.search import sql_queries

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Engine
    from sqlalchemy.sql import Select

TOKEN_RE = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8
MAX_OFFSET = 1000


@cache
def _docs() -> Table:
    """The ``search_documents`` table. SQLAlchemy and the models load on first use, not
    when plugins load: the CLI loads every plugin just to list its commands."""
    from socialflow.search.models import SearchDocumentRow

    return cast("Table", SearchDocumentRow.__table__)  # type: ignore[attr-defined]


def query_terms(q: str) -> list[str]:
    return [t.lower() for t in TOKEN_RE.findall(q)][:MAX_TERMS]


class SqlSearchBackend:
    name = "sql"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._trgm: bool | None = None
        self._trgm_checked = 0.0

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    from socialflow.core.db.engine import create_db_engine

                    self._engine = create_db_engine(self.settings)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # ------------------------------------------------------------------ write

    def index(self, documents: Sequence[SearchDocument]) -> None:
        if not documents:
            return
        from sqlalchemy.dialects import postgresql, sqlite

        docs = _docs()
        rows = [
            {
                "kind": d.kind,
                "ref_id": d.id,
                "text": d.text,
                "prefix": str(d.fields.get("prefix", ""))[:100].lower(),
            }
            for d in documents
        ]
        with self.engine.begin() as connection:
            insert: Any = (
                postgresql.insert(docs)
                if connection.dialect.name == "postgresql"
                else sqlite.insert(docs)
            )
            statement = insert.on_conflict_do_update(
                index_elements=["kind", "ref_id"],
                set_={"text": insert.excluded.text, "prefix": insert.excluded.prefix},
            )
            connection.execute(statement, rows)

    def fill_empty(self, sources: Mapping[str, Select[Any]]) -> dict[str, int] | None:
        """Load an empty index straight from SQL, on PostgreSQL; ``None`` if it is not that case.

        ``sources`` select ``(kind, ref_id, text, prefix)`` rows (names are
        only for the counts returned). Into an empty table each is one
        ``INSERT ... SELECT`` without upserts, and the GIN index is built once
        at the end (``built_after_load``) instead of growing by a million
        insertions. The table stays locked against other writers (whose
        documents would be overwritten or collide) until the load commits;
        readers wait only while the indexes are rebuilt.
        """
        from sqlalchemy import select, text

        from socialflow.core.db.loading import built_after_load

        docs = _docs()
        with self.engine.begin() as connection:
            if connection.dialect.name != "postgresql":
                return None
            connection.execute(text("LOCK TABLE search_documents IN EXCLUSIVE MODE"))
            if connection.execute(select(docs.c.id).limit(1)).first() is not None:
                return None
            with built_after_load(connection, [docs]):
                return {
                    name: connection.execute(self._copy_from(source)).rowcount
                    for name, source in sources.items()
                }

    @staticmethod
    def _copy_from(source: Select[Any]) -> Any:
        """``INSERT ... SELECT`` of ``source``'s documents, prefixes shaped as ``index`` does."""
        from sqlalchemy import func, insert, select

        row = source.subquery()
        kind, ref_id, body, prefix = row.c
        shaped = select(kind, ref_id, body, func.lower(func.left(prefix, 100)))
        statement = insert(_docs()).from_select(["kind", "ref_id", "text", "prefix"], shaped)
        return statement.execution_options(preserve_rowcount=True)

    def delete(self, kind: str, ids: Sequence[str]) -> None:
        if not ids:
            return
        from sqlalchemy import delete

        docs = _docs()
        with self.engine.begin() as connection:
            connection.execute(
                delete(docs).where(docs.c.kind == kind, docs.c.ref_id.in_(list(ids)))
            )

    # ------------------------------------------------------------------ query

    def query(self, q: str, *, kind: str, limit: int = 20, cursor: str | None = None) -> SearchHits:
        terms = query_terms(q)
        offset = ascii_int(cursor) or 0
        offset = min(offset, MAX_OFFSET)
        if not terms:
            return SearchHits(ids=[])
        want = offset + limit + 1
        found: list[str] = []
        marks: dict[str, str] = {}
        with self.engine.connect() as connection:
            if kind in ("user", "hashtag"):
                found += self._prefix(
                    connection, kind, "".join(terms) if kind == "hashtag" else terms[0], want
                )
            postgres = connection.dialect.name == "postgresql"
            if postgres:
                rows = sql_queries.postgres_words(connection, kind, terms, want, offset)
            else:
                rows = sql_queries.sqlite_words(connection, kind, terms, want)
            for ref_id, marked in rows:
                found.append(ref_id)
                shown = sql_queries.excerpt(marked)
                if shown is not None:
                    marks.setdefault(ref_id, shown)
            if kind == "user" and postgres and len(set(found)) < want and self._fuzzy(connection):
                found += sql_queries.postgres_fuzzy_users(connection, " ".join(terms), want)
        ids = list(dict.fromkeys(found))
        page = ids[offset : offset + limit]
        more = len(ids) > offset + limit
        return SearchHits(
            ids=page,
            next_cursor=str(offset + limit) if more else None,
            highlights={i: marks[i] for i in page if i in marks},
        )

    def _fuzzy(self, connection: Any) -> bool:
        """Whether the ``pg_trgm`` index exists (looked up again after a minute when not)."""
        from sqlalchemy import text

        now = time.monotonic()
        if self._trgm is None or (not self._trgm and now - self._trgm_checked > 60):
            found = connection.execute(text(sql_queries.HAS_TRGM_INDEX)).first()
            self._trgm, self._trgm_checked = found is not None, now
        return self._trgm

    @staticmethod
    def _prefix(connection: Any, kind: str, prefix: str, limit: int) -> list[str]:
        from sqlalchemy import text

        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = connection.execute(
            text(
                "SELECT ref_id FROM search_documents WHERE kind = :kind "
                "AND prefix LIKE :p ESCAPE '\\' ORDER BY length(prefix), prefix LIMIT :limit"
            ),
            {"kind": kind, "p": escaped + "%", "limit": limit},
        )
        return [row[0] for row in rows]


def make_sql_search(settings: Settings) -> SqlSearchBackend:
    return SqlSearchBackend(settings)


@hookimpl
def socialflow_search_backends() -> dict[str, object]:
    return {"sql": make_sql_search}
