"""The built-in ``sql`` search backend: full-text search in the main database.

On SQLite it queries an FTS5 table (``search_fts``) that triggers keep in
step with ``search_documents``; on PostgreSQL a GIN index over
``to_tsvector('simple', text)``. Both are created by the core migration.
Every query term is a prefix (``ali`` finds ``alice``), and for users and
hashtags an exact prefix of the username / tag ranks first.

The backend opens its own engine from ``database_url`` (providers are built
from settings alone) and writes each batch in its own transaction.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from socialflow.core.inputs import ascii_int
from socialflow.core.settings import Settings
from socialflow.plugins.protocols import SearchDocument, SearchHits
from socialflow.plugins.specs import hookimpl

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
        with self.engine.connect() as connection:
            found: list[str] = []
            if kind in ("user", "hashtag"):
                found += self._prefix(
                    connection, kind, "".join(terms) if kind == "hashtag" else terms[0], want
                )
            if connection.dialect.name == "postgresql":
                found += self._postgres(connection, kind, terms, want)
            else:
                found += self._sqlite(connection, kind, terms, want)
        ids = list(dict.fromkeys(found))
        page = ids[offset : offset + limit]
        more = len(ids) > offset + limit
        return SearchHits(ids=page, next_cursor=str(offset + limit) if more else None)

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

    @staticmethod
    def _sqlite(connection: Any, kind: str, terms: list[str], limit: int) -> list[str]:
        from sqlalchemy import text

        match = " ".join(f'"{t}"*' for t in terms)
        rows = connection.execute(
            text(
                "SELECT d.ref_id FROM search_fts "
                "JOIN search_documents d ON d.id = search_fts.rowid "
                "WHERE search_fts MATCH :match AND d.kind = :kind "
                "ORDER BY search_fts.rank, d.id DESC LIMIT :limit"
            ),
            {"match": match, "kind": kind, "limit": limit},
        )
        return [row[0] for row in rows]

    @staticmethod
    def _postgres(connection: Any, kind: str, terms: list[str], limit: int) -> list[str]:
        from sqlalchemy import bindparam, text

        tsquery = " & ".join(f"{t}:*" for t in terms)
        statement = text(
            "SELECT ref_id FROM search_documents "
            "WHERE kind = :kind AND to_tsvector('simple', text) @@ to_tsquery('simple', :q) "
            "ORDER BY ts_rank(to_tsvector('simple', text), to_tsquery('simple', :q)) DESC, id DESC "
            "LIMIT :limit"
        ).bindparams(bindparam("q"))
        rows = connection.execute(statement, {"kind": kind, "q": tsquery, "limit": limit})
        return [row[0] for row in rows]


def make_sql_search(settings: Settings) -> SqlSearchBackend:
    return SqlSearchBackend(settings)


@hookimpl
def socialflow_search_backends() -> dict[str, object]:
    return {"sql": make_sql_search}
