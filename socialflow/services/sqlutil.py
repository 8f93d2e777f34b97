"""Small cross-engine SQL helpers the social services share.

``insert_ignore`` is the building block of every idempotent action (follow,
like, bookmark): the insert either creates the row or does nothing, and its
row count says which, so counters move exactly once per real change even
under concurrency.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Table, literal, select, update
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
    # RETURNING, not rowcount: psycopg reports -1 for ON CONFLICT inserts.
    key = next(iter(table.primary_key.columns))
    statement = _insert_for(session, table).values(**values).on_conflict_do_nothing().returning(key)
    return session.execute(statement).first() is not None


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


def bulk_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many new rows in the connection's transaction, as fast as the engine allows.

    PostgreSQL gets ``COPY ... FROM STDIN`` in text format, the rows encoded
    here in one pass (:func:`copy_text`): several times faster than batched
    INSERTs, and than letting the driver adapt each value, for the millions
    of rows ``socialflow seed`` writes. Other engines get one executemany.
    Every row must have the keys of the first.
    """
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    as_json = [isinstance(table.c[name].type, JSON) for name in columns]
    names = ", ".join(f'"{name}"' for name in columns)
    text_rows = "".join(
        "\t".join(
            copy_text(row[name], as_json=encode)
            for name, encode in zip(columns, as_json, strict=True)
        )
        + "\n"
        for row in rows
    )
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        copy.write(text_rows)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any, *, as_json: bool = False) -> str:
    """One value in PostgreSQL's COPY text format (``\\N`` is NULL)."""
    if value is None:
        return "\\N"
    if as_json:
        value = json.dumps(value, separators=(",", ":"))
    elif isinstance(value, bool):
        return "t" if value else "f"
    elif isinstance(value, int | float):
        return str(value)
    elif isinstance(value, datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


class BulkWriter:
    """``bulk_insert`` on a thread of its own, so the database ingests one batch while
    the caller builds the next (the seed spends about as long generating rows as
    PostgreSQL spends storing them).

    Batches are written in the order given, on ``connection`` and in its
    transaction, so foreign keys between batches hold. At most ``depth``
    batches wait. ``close()`` (or leaving the ``with`` block) waits for the
    last one and re-raises the writer's error, if any. On other engines than
    PostgreSQL (SQLite: one writer at a time anyway) it writes inline.
    """

    def __init__(self, connection: Connection, depth: int = 3) -> None:
        self.connection = connection
        self.error: BaseException | None = None
        self._threaded = connection.dialect.name == "postgresql"
        self._queue: queue.Queue[tuple[Table, list[dict[str, Any]]] | None] = queue.Queue(depth)
        self._thread = threading.Thread(target=self._run, name="socialflow-bulk", daemon=True)
        if self._threaded:
            self._thread.start()

    def write(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if self.error is not None:
            raise self.error
        if not self._threaded:
            bulk_insert(self.connection, table, rows)
        elif rows:
            self._queue.put((table, rows))

    def close(self) -> None:
        if self._threaded and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self.error is not None:
            raise self.error

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self.error is None:
                try:
                    bulk_insert(self.connection, *item)
                except BaseException as exc:  # handed to the caller by write()/close()
                    self.error = exc


@contextmanager
def indexes_built_after(connection: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """Bulk-load empty PostgreSQL tables without their secondary indexes, then build them.

    PostgreSQL's advice for populating a database: one sort per index at the
    end costs far less than millions of single insertions into it. Only when
    every table is empty (a first seed: nobody reads them yet) and only on
    PostgreSQL; otherwise nothing changes. Unique indexes stay, as they are
    constraints. If the block fails the transaction rolls back and the
    dropped indexes come back with it (DDL is transactional there).
    """
    if connection.dialect.name != "postgresql" or any(
        connection.execute(select(literal(1)).select_from(table).limit(1)).first()
        for table in tables
    ):
        yield
        return
    deferred = [index for table in tables for index in table.indexes if not index.unique]
    for index in deferred:
        index.drop(connection)
    yield
    for index in deferred:
        index.create(connection)
