"""Messages on a report, between the reporter and the moderators.

A message belongs to one report (one reporter's complaint), so the reporter
only ever talks about their own report and never sees other reporters of the
same target. Moderators work per case (the queue item): they read the messages
of every report in the case and address one report when they write. Each
message is audited and the other side is told (the ``report_message`` event,
a notification kind); the reporter is never told which moderator wrote.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from socialflow.accounts import audit
from socialflow.accounts.models import User
from socialflow.core.db.base import iso_or_none, utcnow
from socialflow.core.effects import record_event
from socialflow.core.errors import NotFound
from socialflow.moderation.cases import check_not_claimed_by_other
from socialflow.moderation.models import ModerationCase, Report, ReportMessage
from socialflow.moderation.reports import get_mine


def _write(
    session: Session, report: Report, author: User, text: str, *, moderator: bool
) -> ReportMessage:
    assert report.id is not None
    message = ReportMessage(
        report_id=report.id,
        author_id=author.id,
        from_moderator=moderator,
        text=text,
        created_at=utcnow(),
    )
    session.add(message)
    session.flush()
    audit.record(
        session,
        "moderation_report_message",
        subject_user_id=report.reporter_id,
        actor_id=author.id,
        report_id=report.id,
        case_id=report.case_id,
        message_id=message.id,
        side="moderator" if moderator else "reporter",
    )
    record_event(session, "report_message", message_id=message.id, report_id=report.id)
    return message


def _messages(
    session: Session, report_ids: list[int], limit: int, before: int | None
) -> list[ReportMessage]:
    statement = select(ReportMessage).where(col(ReportMessage.report_id).in_(report_ids))
    if before is not None:
        statement = statement.where(col(ReportMessage.id) < before)
    statement = statement.order_by(col(ReportMessage.id).desc()).limit(limit)
    return list(session.execute(statement).scalars())


def post_as_reporter(
    session: Session, *, reporter: User, report_id: int, text: str
) -> ReportMessage:
    """The reporter writes on their own report (anyone else's is 404); the caller commits."""
    report = get_mine(session, reporter=reporter, report_id=report_id)
    return _write(session, report, reporter, text, moderator=False)


def list_for_reporter(
    session: Session, *, reporter: User, report_id: int, limit: int, before: int | None
) -> list[ReportMessage]:
    """The messages on the reporter's own report, newest first."""
    report = get_mine(session, reporter=reporter, report_id=report_id)
    assert report.id is not None
    return _messages(session, [report.id], limit, before)


def _case(session: Session, case_id: int) -> ModerationCase:
    case = session.get(ModerationCase, case_id)
    if case is None:
        raise NotFound("No such queue item.")
    return case


def post_as_moderator(
    session: Session, *, moderator: User, case_id: int, report_id: int, text: str
) -> ReportMessage:
    """A moderator writes to the reporter of one report of the case; the caller commits.

    The claim rule of actions holds here too: while another moderator's claim
    runs, they speak for the case (409 ``claimed``).
    """
    case = _case(session, case_id)
    report = session.get(Report, report_id)
    if report is None or report.case_id != case.id:
        raise NotFound("No such report in this queue item.")
    check_not_claimed_by_other(case, moderator)
    return _write(session, report, moderator, text, moderator=True)


def list_for_case(
    session: Session, *, case_id: int, limit: int, before: int | None
) -> list[ReportMessage]:
    """The messages on every report of the case, newest first."""
    case = _case(session, case_id)
    report_ids = list(
        session.execute(select(col(Report.id)).where(col(Report.case_id) == case.id)).scalars()
    )
    return _messages(session, [r for r in report_ids if r is not None], limit, before)


def serialize(message: ReportMessage, *, for_moderator: bool) -> dict[str, Any]:
    """A message as its reader sees it: a reporter never learns which moderator wrote."""
    row: dict[str, Any] = {
        "id": message.id,
        "report_id": message.report_id,
        "sender": "moderator" if message.from_moderator else "reporter",
        "text": message.text,
        "created_at": iso_or_none(message.created_at),
    }
    if for_moderator:
        row["author_id"] = message.author_id
    return row


def moderators_on(session: Session, report: Report) -> list[int]:
    """Who hears a reporter's message: the case's claimant and the moderators who wrote on it."""
    ids = set(
        session.execute(
            select(col(ReportMessage.author_id)).where(
                col(ReportMessage.report_id) == report.id,
                col(ReportMessage.from_moderator).is_(True),
            )
        ).scalars()
    )
    case = session.get(ModerationCase, report.case_id)
    if case is not None and case.claimed_by is not None:
        ids.add(case.claimed_by)
    return sorted(i for i in ids if i is not None)
