"""search at scale: prefix pattern index, pg_trgm for fuzzy user search

Revision ID: 5b9d2e7f4c18
Revises: b7d3e5a9c1f4
Create Date: 2026-12-07 15:00:00

PostgreSQL only; on SQLite this is a no-op (the FTS5 table ``search_fts``
made by the first social migration already serves words, prefixes and
highlights). The GIN full-text index ``search_fts_tsv`` on
``to_tsvector('simple', text)`` exists since that migration; this adds:

* ``search_fts_prefix_pattern``: a btree on ``(kind, prefix
  text_pattern_ops)`` so ``prefix LIKE 'ali%'`` is an index range scan under
  any database collation;
* the ``pg_trgm`` extension and ``search_fts_user_trgm``: a trigram GIN
  index on the lower-cased text of user documents (username, display name,
  bio) for fuzzy matching (``alcie`` finds ``alice``).

Creating an extension needs the CREATE privilege on the database (or a
superuser). Without it the migration logs how to create it by hand and goes
on: the backend then finds users by prefix and words only, and picks up
fuzzy matching once an administrator has created the extension and the
index (the warning prints both statements; see docs/operators.md).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b9d2e7f4c18"
down_revision: str | Sequence[str] | None = "b7d3e5a9c1f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("alembic.runtime.migration")
TRGM_INDEX = (
    "CREATE INDEX IF NOT EXISTS search_fts_user_trgm ON search_documents "
    "USING gin (lower(text) gin_trgm_ops) WHERE kind = 'user'"
)
NO_TRGM = (
    "pg_trgm: could not create the extension (%s). Fuzzy user search stays off; "
    "users are still found by username prefix and by words. To turn it on, have a "
    "superuser run `CREATE EXTENSION IF NOT EXISTS pg_trgm;` in this database, then "
    "run as the application's user: " + TRGM_INDEX + ";"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX IF NOT EXISTS search_fts_prefix_pattern "
        "ON search_documents (kind, prefix text_pattern_ops)"
    )
    try:
        with bind.begin_nested():  # a failure rolls back to here, not the whole migration
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:  # InsufficientPrivilege, extension not installed...
        logger.warning(NO_TRGM, str(exc.orig).strip().splitlines()[0])
        return
    op.execute(TRGM_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS search_fts_user_trgm")
    op.execute("DROP INDEX IF EXISTS search_fts_prefix_pattern")
