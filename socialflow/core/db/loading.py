"""Loading empty PostgreSQL tables fast: their secondary indexes and foreign keys dropped
for the load and made again once at the end (``socialflow seed``, a first search index).

In ``db`` rather than ``services`` because built-in providers use it too (the
``sql`` search backend), and providers import no service internals.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Table, literal, select, text
from sqlalchemy.engine import Connection

# Secondary indexes (not unique: those are constraints) and foreign keys of a
# table, as the catalog defines them: the GIN index a migration made in raw SQL
# is found as surely as the ones the models declare.
_SECONDARY_INDEXES = text(
    "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index i "
    "JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE i.indrelid = CAST(:table AS regclass) AND NOT i.indisunique ORDER BY c.relname"
)
_FOREIGN_KEYS = text(
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE conrelid = CAST(:table AS regclass) AND contype = 'f' ORDER BY conname"
)


def _secondary_indexes(connection: Connection, table: Table) -> list[tuple[str, str]]:
    """``(drop, create)`` statements for the secondary indexes of ``table``."""
    quote = connection.dialect.identifier_preparer.quote
    return [
        (f"DROP INDEX {quote(name)}", definition)
        for name, definition in connection.execute(_SECONDARY_INDEXES, {"table": table.name})
    ]


def _foreign_keys(connection: Connection, table: Table) -> list[tuple[str, str]]:
    """``(drop, create)`` statements for the foreign keys of ``table``."""
    quote = connection.dialect.identifier_preparer.quote
    on = f"ALTER TABLE {quote(table.name)}"
    return [
        (f"{on} DROP CONSTRAINT {quote(name)}", f"{on} ADD CONSTRAINT {quote(name)} {definition}")
        for name, definition in connection.execute(_FOREIGN_KEYS, {"table": table.name})
    ]


@contextmanager
def _dropped_for_a_while(connection: Connection, deferred: list[tuple[str, str]]) -> Iterator[None]:
    for drop, _ in deferred:
        connection.exec_driver_sql(drop)
    yield
    for _, create in deferred:
        connection.exec_driver_sql(create)


@contextmanager
def foreign_keys_checked_after(connection: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """Run the block without the foreign keys of ``tables`` (on PostgreSQL), then check
    each key once, with one join, when it is added back.

    For mass deletes from parent tables: every deleted parent row fires each
    child's cascade trigger, a sequential scan where the child has no index
    on the key (``post_hashtags.post_id``), so a million deletes cost a
    million scans. The block must delete the child rows the cascades would
    have; a row it misses fails the check and rolls everything back. Locks
    the referenced tables until commit.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    with _dropped_for_a_while(
        connection, [pair for table in tables for pair in _foreign_keys(connection, table)]
    ):
        yield


@contextmanager
def built_after_load(connection: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """Bulk-load empty PostgreSQL tables without their secondary indexes and foreign keys,
    then build the indexes and check the keys once.

    PostgreSQL's advice for populating a database: one sort per index and one
    join per foreign key at the end cost far less than millions of index
    insertions and per-row trigger lookups. Only when every table is empty (a
    first seed: nobody reads them yet) and only on PostgreSQL; otherwise
    nothing changes. Unique indexes stay, as they are constraints. Dropping a
    foreign key locks the table it references until commit, so readers of
    that table wait for the load. If the block fails the transaction rolls
    back and what was dropped comes back with it (DDL is transactional there).
    """
    if connection.dialect.name != "postgresql" or any(
        connection.execute(select(literal(1)).select_from(table).limit(1)).first()
        for table in tables
    ):
        yield
        return
    deferred = [
        pair
        for table in tables
        for pair in _secondary_indexes(connection, table) + _foreign_keys(connection, table)
    ]
    with _dropped_for_a_while(connection, deferred):
        yield
