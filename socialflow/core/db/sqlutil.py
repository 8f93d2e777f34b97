"""Small cross-engine SQL helpers the social services share.

``insert_ignore`` is the building block of every idempotent action (follow,
like, bookmark): the insert either creates the row or does nothing, and its
row count says which, so counters move exactly once per real change even
under concurrency.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

# What services that only run Core statements accept: an ORM session, or a
# bare connection (the hot read paths use one to skip ORM overhead).
DB = Session | Connection


def dialect_name(session: DB) -> str:
    if isinstance(session, Connection):
        return session.dialect.name
    return session.get_bind().dialect.name


def _insert_for(session: DB, table: Table) -> Any:
    dialect = dialect_name(session)
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(session: DB, table: Table, values: dict[str, Any]) -> bool:
    """Insert ``values`` unless the primary key exists; True if a row was created."""
    return insert_ignore_key(session, table, values) is not None


def insert_ignore_key(session: DB, table: Table, values: dict[str, Any]) -> Any:
    """:func:`insert_ignore`, returning the new row's primary key (``None``: not created)."""
    # RETURNING, not rowcount: psycopg reports -1 for ON CONFLICT inserts.
    key = next(iter(table.primary_key.columns))
    statement = _insert_for(session, table).values(**values).on_conflict_do_nothing().returning(key)
    row = session.execute(statement).first()
    return None if row is None else row[0]


def insert_many_ignore(session: DB, table: Table, rows: list[dict[str, Any]]) -> None:
    """Bulk insert, skipping rows whose key exists (one statement, executemany)."""
    if rows:
        session.execute(_insert_for(session, table).on_conflict_do_nothing(), rows)


def upsert_increment(
    session: DB, table: Table, keys: dict[str, Any], column: str, amount: int = 1
) -> None:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE SET column = column + amount``."""
    statement = _insert_for(session, table).values(**keys, **{column: amount})
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={column: table.c[column] + statement.excluded[column]},
    )
    session.execute(statement)


def bump(session: DB, table: Table, row_id: Any, **deltas: int) -> None:
    """Atomically add ``deltas`` to counters of one row (``x = x + n``), never below zero."""
    from sqlalchemy import case

    values = {}
    for column, delta in deltas.items():
        target = table.c[column] + delta
        values[column] = case((target < 0, 0), else_=target) if delta < 0 else target
    pk = next(iter(table.primary_key.columns))
    session.execute(update(table).where(pk == row_id).values(**values))
