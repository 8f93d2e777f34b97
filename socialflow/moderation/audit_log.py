"""Reading the audit log for the admin API: filtered pages and a CSV export.

The log itself is the accounts app's (``audit_log``): account changes (roles,
suspensions, 2FA) and every moderation action and appeal land there, in the
transaction of the change they describe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session, col

from socialflow.accounts.models import AuditLogEntry
from socialflow.core.db.base import iso_or_none

COLUMNS = ("id", "created_at", "action", "actor_id", "subject_user_id", "ip", "details")


def query(
    *,
    action: str | None,
    actor_id: int | None,
    subject_user_id: int | None,
    since: datetime | None,
    until: datetime | None,
) -> Select[AuditLogEntry]:
    statement = select(AuditLogEntry)
    if action:
        if action.endswith("*"):
            statement = statement.where(col(AuditLogEntry.action).startswith(action[:-1]))
        else:
            statement = statement.where(col(AuditLogEntry.action) == action)
    if actor_id is not None:
        statement = statement.where(col(AuditLogEntry.actor_id) == actor_id)
    if subject_user_id is not None:
        statement = statement.where(col(AuditLogEntry.subject_user_id) == subject_user_id)
    if since is not None:
        statement = statement.where(col(AuditLogEntry.created_at) >= since)
    if until is not None:
        statement = statement.where(col(AuditLogEntry.created_at) < until)
    return statement.order_by(col(AuditLogEntry.id).desc())


def page(
    session: Session, statement: Select[AuditLogEntry], *, limit: int, before: int | None
) -> list[AuditLogEntry]:
    if before is not None:
        statement = statement.where(col(AuditLogEntry.id) < before)
    return list(session.execute(statement.limit(limit)).scalars())


def serialize(entry: AuditLogEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "created_at": iso_or_none(entry.created_at),
        "action": entry.action,
        "actor_id": entry.actor_id,
        "subject_user_id": entry.subject_user_id,
        "ip": entry.ip,
        "details": entry.details,
    }


def _cell(value: Any) -> str:
    text = json.dumps(value, sort_keys=True) if isinstance(value, dict) else str(value or "")
    # Spreadsheet formula injection: a cell starting with = + - @ is read as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(
    session: Session, statement: Select[AuditLogEntry], *, batch: int = 500
) -> Iterator[str]:
    """The CSV export, a header then one line per entry, read in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    before: int | None = None
    while True:
        entries = page(session, statement, limit=batch, before=before)
        for entry in entries:
            row = serialize(entry)
            writer.writerow([_cell(row[name]) for name in COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(entries) < batch:
            return
        before = entries[-1].id
