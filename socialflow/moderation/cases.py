"""Closing a case: its open reports get their outcome, its claim is cleared.

Shared by actions (a hide, a removal, a dismissal... closes the target's case)
and by the claim rule every action obeys (a case claimed by another moderator
whose lease still runs is theirs to decide).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import Session, col

from socialflow.accounts.models import User
from socialflow.core.db.base import utcnow
from socialflow.core.effects import record_event
from socialflow.core.errors import Conflict
from socialflow.moderation.models import CaseStatus, ModerationCase, Report, ReportStatus


def open_case_of(session: Session, target_type: str, target_id: str) -> ModerationCase | None:
    return session.execute(
        select(ModerationCase).where(
            col(ModerationCase.target_type) == target_type,
            col(ModerationCase.target_id) == target_id,
            col(ModerationCase.status) == CaseStatus.open.value,
        )
    ).scalar_one_or_none()


def check_not_claimed_by_other(case: ModerationCase, moderator: User) -> None:
    """409 while another moderator's claim on ``case`` runs."""
    lease = case.lease_until
    if case.claimed_by not in (None, moderator.id) and lease is not None and lease > utcnow():
        raise Conflict("Another moderator has claimed this item.", slug="claimed")


def close_case(session: Session, case: ModerationCase, outcome: str) -> int:
    """Close ``case``, resolving its open reports with ``outcome``; returns how many.

    Each reporter is told (the ``reports_resolved`` event, a notification kind).
    """
    now = utcnow()
    resolved = list(
        session.execute(
            update(Report)
            .where(col(Report.case_id) == case.id, col(Report.status) == ReportStatus.open.value)
            .values(status=ReportStatus.resolved.value, outcome=outcome, resolved_at=now)
            .returning(col(Report.id), col(Report.reporter_id))
        )
    )
    if resolved:
        record_event(
            session,
            "reports_resolved",
            case_id=case.id,
            target_type=case.target_type,
            outcome=outcome,
            report_ids=[row.id for row in resolved],
            reporter_ids=[row.reporter_id for row in resolved],
        )
    case.status = CaseStatus.closed.value
    case.claimed_by = None
    case.lease_until = None
    case.updated_at = now
    session.add(case)
    return len(resolved)
