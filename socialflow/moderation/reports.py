"""Reports: any signed-in user reports what they can see; duplicates merge.

A report names a target (:mod:`socialflow.moderation.targets`) and a reason
category. The reporter must be able to see the target (otherwise 404, as if it
did not exist: a report cannot probe for hidden posts). Every open report
about one target joins that target's open **case**, the unit of the review
queue. The same reporter reporting the same target again merges into their
earlier report (``times`` counts them; the more severe reason and the latest
text win); once a report was resolved, reporting again reopens it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session, col

from socialflow.accounts.models import User
from socialflow.core.db.base import utcnow
from socialflow.core.db.sqlutil import insert_ignore_key
from socialflow.core.errors import ValidationProblem
from socialflow.moderation.models import CaseStatus, ModerationCase, Report, ReportStatus
from socialflow.moderation.targets import Target, target_kinds

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

# Reason categories and their severity (1 low .. 5 most urgent): the queue's first key.
REASONS: dict[str, int] = {
    "spam": 1,
    "other": 1,
    "misinformation": 2,
    "impersonation": 2,
    "intellectual_property": 2,
    "harassment": 3,
    "sexual_content": 3,
    "hate": 4,
    "violence": 4,
    "self_harm": 5,
    "child_safety": 5,
}

CASES = ModerationCase.__table__  # type: ignore[attr-defined]
REPORTS = Report.__table__  # type: ignore[attr-defined]


def severity(reason: str) -> int:
    return REASONS.get(reason, 1)


def check_reason(reason: str) -> str:
    if reason not in REASONS:
        raise ValidationProblem(
            f"reason must be one of: {', '.join(sorted(REASONS))}.",
            errors=[{"field": "reason", "message": "unknown reason", "code": "invalid"}],
        )
    return reason


def open_case(session: Session, target: Target) -> ModerationCase:
    """The target's case, created or reopened (two first reports at once make one case)."""
    now = utcnow()
    insert_ignore_key(
        session,
        CASES,
        {
            "target_type": target.kind,
            "target_id": target.id,
            "author_id": target.author_id,
            "status": CaseStatus.open.value,
            "severity": 0,
            "report_count": 0,
            "created_at": now,
        },
    )
    case: ModerationCase = session.execute(
        select(ModerationCase)
        .where(
            col(ModerationCase.target_type) == target.kind,
            col(ModerationCase.target_id) == target.id,
        )
        .with_for_update()
    ).scalar_one()
    if case.status != CaseStatus.open.value:
        case.status = CaseStatus.open.value
        case.severity = 0
        case.report_count = 0
        case.claimed_by = None
        case.lease_until = None
        case.updated_at = now
    return case


def file_report(
    session: Session,
    platform: Platform,
    *,
    reporter: User,
    target_type: str,
    target_id: str,
    reason: str,
    text: str,
) -> Report:
    """File (or merge) ``reporter``'s report; the caller commits."""
    assert reporter.id is not None
    check_reason(reason)
    target = target_kinds(platform).get(target_type).visible(session, reporter, target_id)
    if target.author_id == reporter.id:
        raise ValidationProblem(
            "You cannot report your own content.",
            slug="own-content",
            errors=[{"field": "target_id", "message": "your own", "code": "invalid"}],
        )
    case = open_case(session, target)
    now = utcnow()
    new_id = insert_ignore_key(
        session,
        REPORTS,
        {
            "reporter_id": reporter.id,
            "case_id": case.id,
            "target_type": target.kind,
            "target_id": target.id,
            "reason": reason,
            "text": text,
            "times": 1,
            "status": ReportStatus.open.value,
            "created_at": now,
        },
    )
    if new_id is not None:
        report = session.get(Report, new_id)
        assert report is not None
        case.report_count += 1
    else:
        report = session.execute(
            select(Report)
            .where(
                col(Report.reporter_id) == reporter.id,
                col(Report.target_type) == target.kind,
                col(Report.target_id) == target.id,
            )
            .with_for_update()
        ).scalar_one()
        report.times += 1
        report.updated_at = now
        if text:
            report.text = text
        if report.status != ReportStatus.open.value:
            report.status = ReportStatus.open.value
            report.outcome = None
            report.resolved_at = None
            report.reason = reason
            report.case_id = case.id
            case.report_count += 1
        elif severity(reason) > severity(report.reason):
            report.reason = reason
        session.add(report)
    case.severity = max(case.severity, severity(report.reason))
    case.updated_at = now
    session.add(case)
    session.flush()
    return report


def list_mine(
    session: Session, *, reporter: User, limit: int, before: int | None
) -> tuple[list[Report], int | None]:
    """The reporter's reports, newest first, and the cursor of the next page."""
    statement = select(Report).where(col(Report.reporter_id) == reporter.id)
    if before is not None:
        statement = statement.where(col(Report.id) < before)
    rows = list(
        session.execute(statement.order_by(col(Report.id).desc()).limit(limit + 1)).scalars()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def get_mine(session: Session, *, reporter: User, report_id: int) -> Report:
    """One of the reporter's reports; anyone else's is 404."""
    from socialflow.core.errors import NotFound

    report = session.get(Report, report_id)
    if report is None or report.reporter_id != reporter.id:
        raise NotFound("No such report.")
    return report
