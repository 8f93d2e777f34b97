"""Bulk loading: millions of rows into PostgreSQL (COPY) or SQLite, as ``socialflow seed``
needs. Loading into empty tables without their indexes and keys is
``db.loading``.

Kept apart from ``services.sqlutil`` (helpers of every request) because it
works on NumPy columns: API processes that never bulk-load never import NumPy.
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np
from sqlalchemy import JSON, Table
from sqlalchemy.engine import Connection


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


def insert_columns(connection: Connection, table: Table, columns: Mapping[str, Any]) -> None:
    """Insert rows given column by column: :func:`bulk_insert` without a dict per row.

    Each value is a NumPy array or a list of strings with one item per row,
    or a scalar shared by every row (``None`` for NULL). Datetime arrays hold UTC; JSON
    columns take encoded JSON text (building it with an f-string is several
    times cheaper than ``json.dumps`` per row). PostgreSQL gets one COPY
    (:func:`copy_columns`), other engines one executemany.
    """
    if connection.dialect.name == "postgresql":
        copy_payload(connection, table, list(columns), copy_columns(table, columns))
    elif rows := python_rows(table, columns):
        connection.execute(table.insert(), rows)


def copy_payload(connection: Connection, table: Table, names: Sequence[str], payload: str) -> None:
    """Send COPY text (as made by :func:`copy_columns`) for ``names`` of ``table``."""
    if not payload:
        return
    quoted = ", ".join(f'"{name}"' for name in names)
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        copy.write(payload)


def _row_count(columns: Mapping[str, Any]) -> int:
    sizes = {len(v) for v in columns.values() if isinstance(v, np.ndarray | list)}
    if len(sizes) != 1:
        raise ValueError(f"columns need one common length, got {sorted(sizes)}")
    return sizes.pop()


def copy_columns(table: Table, columns: Mapping[str, Any]) -> str:
    """COPY text for columns of values, encoded a column at a time.

    A column becomes a list of strings in a few vectorised steps (integers
    through ``str``, datetimes through NumPy, texts escaped in one pass over
    the joined column), then rows are tab-joined: a fraction of the cost of
    :func:`copy_text` on every value.
    """
    count = _row_count(columns)
    if not count:
        return ""
    fields = [_copy_field(table.c[name], value, count) for name, value in columns.items()]
    return "\n".join(map("\t".join, zip(*fields, strict=False))) + "\n"


def _copy_field(column: Any, value: Any, count: int) -> Iterable[str]:
    if isinstance(value, list):
        return _escaped(value)
    if not isinstance(value, np.ndarray):
        return itertools.repeat(copy_text(value, as_json=isinstance(column.type, JSON)), count)
    if value.dtype == np.bool_:
        return cast(list[str], np.where(value, "t", "f").tolist())
    if np.issubdtype(value.dtype, np.datetime64):
        return cast(list[str], np.datetime_as_string(value, unit="us", timezone="UTC").tolist())
    if value.dtype.kind == "U":
        return _escaped(value.tolist())
    return list(map(str, value.tolist()))


def _escaped(texts: list[str]) -> list[str]:
    """COPY-escape many strings at once: joined by NUL (never valid in PostgreSQL text),
    escaped with four C-speed replaces, split again."""
    joined = "\0".join(texts)
    for raw, escaped in _COPY_SPECIALS:
        if raw in joined:
            joined = joined.replace(raw, escaped)
    return joined.split("\0")


_COPY_SPECIALS = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def python_rows(table: Table, columns: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of ``columns`` as dicts of Python values, for engines without COPY."""
    count = _row_count(columns)
    names = list(columns)
    fields = [_python_field(table.c[name], value, count) for name, value in columns.items()]
    return [dict(zip(names, row, strict=True)) for row in zip(*fields, strict=False)]


def _python_field(column: Any, value: Any, count: int) -> Iterable[Any]:
    if isinstance(value, list):
        return [json.loads(v) for v in value] if isinstance(column.type, JSON) else value
    if not isinstance(value, np.ndarray):
        return itertools.repeat(value, count)
    if np.issubdtype(value.dtype, np.datetime64):
        naive = value.astype("datetime64[us]").tolist()
        return [moment.replace(tzinfo=UTC) for moment in naive]
    return cast(list[Any], value.tolist())


class BulkWriter:
    """:func:`insert_columns` with the database work on a thread of its own, so
    PostgreSQL stores one batch while the caller draws the next.

    The caller's thread encodes each batch to COPY text (Python work, which
    holds the GIL anyway); the writer thread only sends it, waiting on the
    server. Batches are written in the order given, on ``connection`` and in
    its transaction. At most ``depth`` batches wait. ``close()`` (or leaving
    the ``with`` block) waits for the last one and re-raises the writer's
    error, if any. On other engines than PostgreSQL (SQLite: one writer at a
    time anyway) it writes inline.
    """

    def __init__(self, connection: Connection, depth: int = 3) -> None:
        self.connection = connection
        self.error: BaseException | None = None
        self._threaded = connection.dialect.name == "postgresql"
        self._queue: queue.Queue[tuple[Table, list[str], str] | None] = queue.Queue(depth)
        self._thread = threading.Thread(target=self._run, name="socialflow-bulk", daemon=True)
        if self._threaded:
            self._thread.start()

    def write(self, table: Table, columns: Mapping[str, Any]) -> None:
        if self.error is not None:
            raise self.error
        if not self._threaded:
            insert_columns(self.connection, table, columns)
        elif payload := copy_columns(table, columns):
            self._queue.put((table, list(columns), payload))

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
                    copy_payload(self.connection, *item)
                except BaseException as exc:  # handed to the caller by write()/close()
                    self.error = exc


# Rows per COPY or insert batch: large enough to amortise a statement, small enough to pipeline.
BATCH_ROWS = 50_000


def column_count(columns: dict[str, Any]) -> int:
    """How many rows ``columns`` (arrays or lists of equal length, and scalars) hold."""
    return next(len(v) for v in columns.values() if isinstance(v, np.ndarray | list))


def column_slices(columns: dict[str, Any], size: int = BATCH_ROWS) -> Iterator[dict[str, Any]]:
    """``columns`` cut into batches of ``size`` rows (scalars shared by every batch)."""
    for start in range(0, column_count(columns), size):
        yield {
            name: value[start : start + size] if isinstance(value, np.ndarray | list) else value
            for name, value in columns.items()
        }
