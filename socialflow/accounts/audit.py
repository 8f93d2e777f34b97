"""The audit log: security-relevant account actions, written in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from socialflow.accounts.models import AuditLogEntry


def record(
    session: Session,
    action: str,
    *,
    subject_user_id: int | None,
    actor_id: int | None = None,
    ip: str | None = None,
    **details: Any,
) -> AuditLogEntry:
    """Add an entry; it commits (or rolls back) with the change it describes.

    ``details`` must hold no secrets: ids, role names, reasons.
    """
    entry = AuditLogEntry(
        action=action, actor_id=actor_id, subject_user_id=subject_user_id, ip=ip, details=details
    )
    session.add(entry)
    return entry


def entries_for(session: Session, *, user_id: int, limit: int = 500) -> list[AuditLogEntry]:
    """Entries about ``user_id``, newest first."""
    statement = (
        select(AuditLogEntry)
        .where(AuditLogEntry.subject_user_id == user_id)
        .order_by(col(AuditLogEntry.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))
