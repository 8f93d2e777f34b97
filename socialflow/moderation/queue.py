"""The review queue: open cases, ranked, claimed with a lease.

Priority, highest first: the severity of the worst reason reported (the
first key: a child-safety report outranks any number of spam reports), then
how many people reported it, the author's reach (followers, on a log scale)
and whether they are a repeat offender (standing strikes). The queue ranks
the oldest ``queue_size`` open cases.

A moderator **claims** a case before acting on it: the claim is one
conditional ``UPDATE`` (taken only if nobody holds it, the holder is the
caller, or the holder's lease ran out), so of two moderators claiming at once
exactly one wins and the other hears 409. Claiming again renews the lease;
releasing gives it back.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session, col

from socialflow.accounts.models import User
from socialflow.core.db.base import iso_or_none, utcnow
from socialflow.core.errors import Conflict, NotFound
from socialflow.moderation.actions import actions_against, strike_counts
from socialflow.moderation.holds import verdicts_on
from socialflow.moderation.models import (
    CaseStatus,
    ModelVerdict,
    ModerationAction,
    ModerationCase,
    Report,
)
from socialflow.moderation.settings import moderation_settings
from socialflow.moderation.targets import target_kinds

if TYPE_CHECKING:
    from socialflow.core.platform import Platform


def priority(*, severity: int, reports: int, followers: int, strikes: int) -> int:
    reach = math.log10(max(followers, 0) + 1)
    return severity * 10_000 + min(reports, 50) * 40 + int(reach * 150) + min(strikes, 10) * 200


def serialize_case(
    case: ModerationCase, *, author: User | None, strikes: int, now: Any
) -> dict[str, Any]:
    claimed = (
        case.claimed_by is not None and case.lease_until is not None and case.lease_until > now
    )
    followers = author.follower_count if author is not None else 0
    return {
        "id": case.id,
        "target_type": case.target_type,
        "target_id": case.target_id,
        "author_id": case.author_id,
        "author_username": author.username if author is not None else None,
        "author_followers": followers,
        "author_strikes": strikes,
        "status": case.status,
        "severity": case.severity,
        "report_count": case.report_count,
        "priority": priority(
            severity=case.severity, reports=case.report_count, followers=followers, strikes=strikes
        ),
        "claimed_by": case.claimed_by if claimed else None,
        "lease_until": iso_or_none(case.lease_until) if claimed else None,
        "created_at": iso_or_none(case.created_at),
    }


def ranked(
    session: Session, platform: Platform, *, offset: int, limit: int, unclaimed: bool
) -> list[dict[str, Any]]:
    """A page of the queue, highest priority first."""
    now = utcnow()
    statement = select(ModerationCase).where(col(ModerationCase.status) == CaseStatus.open.value)
    if unclaimed:
        statement = statement.where(
            or_(col(ModerationCase.claimed_by).is_(None), col(ModerationCase.lease_until) <= now)
        )
    cases = list(
        session.execute(
            statement.order_by(col(ModerationCase.id)).limit(
                moderation_settings(platform).queue_size
            )
        ).scalars()
    )
    author_ids = sorted({c.author_id for c in cases})
    authors = {
        u.id: u for u in session.execute(select(User).where(col(User.id).in_(author_ids))).scalars()
    }
    strikes = strike_counts(session, author_ids)
    items = [
        serialize_case(
            c, author=authors.get(c.author_id), strikes=strikes.get(c.author_id, 0), now=now
        )
        for c in cases
    ]
    items.sort(key=lambda item: (-item["priority"], item["id"]))
    return items[offset : offset + limit]


def get_case(session: Session, case_id: int) -> ModerationCase:
    case = session.get(ModerationCase, case_id)
    if case is None:
        raise NotFound("No such queue item.")
    return case


def claim(session: Session, platform: Platform, *, moderator: User, case_id: int) -> ModerationCase:
    """Claim (or renew the claim on) an open case; 409 if someone else holds it."""
    now = utcnow()
    lease = now + timedelta(seconds=moderation_settings(platform).claim_lease_seconds)
    taken = session.execute(
        update(ModerationCase)
        .where(
            col(ModerationCase.id) == case_id,
            col(ModerationCase.status) == CaseStatus.open.value,
            or_(
                col(ModerationCase.claimed_by).is_(None),
                col(ModerationCase.claimed_by) == moderator.id,
                and_(
                    col(ModerationCase.lease_until).is_not(None),
                    col(ModerationCase.lease_until) <= now,
                ),
                col(ModerationCase.lease_until).is_(None),
            ),
        )
        .values(claimed_by=moderator.id, lease_until=lease, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    case = get_case(session, case_id)
    if not taken:
        session.refresh(case)
        if case.status != CaseStatus.open.value:
            raise Conflict("That item is closed.", slug="case-closed")
        raise Conflict("Another moderator has claimed this item.", slug="claimed")
    session.refresh(case)
    return case


def release(session: Session, *, moderator: User, case_id: int) -> ModerationCase:
    """Give back the caller's claim; 409 if they do not hold it."""
    released = session.execute(
        update(ModerationCase)
        .where(col(ModerationCase.id) == case_id, col(ModerationCase.claimed_by) == moderator.id)
        .values(claimed_by=None, lease_until=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    case = get_case(session, case_id)
    if not released:
        raise Conflict("You do not hold a claim on that item.", slug="not-claimed")
    session.refresh(case)
    return case


def serialize_action(action: ModerationAction) -> dict[str, Any]:
    return {
        "id": action.id,
        "kind": action.kind,
        "target_type": action.target_type,
        "target_id": action.target_id,
        "author_id": action.author_id,
        "moderator_id": action.moderator_id,
        "reason": action.reason,
        "case_id": action.case_id,
        "reverts_id": action.reverts_id,
        "expires_at": iso_or_none(action.expires_at),
        "reverted_at": iso_or_none(action.reverted_at),
        "kept_storage": action.kept_storage,
        "created_at": iso_or_none(action.created_at),
    }


def serialize_report(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "target_type": report.target_type,
        "target_id": report.target_id,
        "reason": report.reason,
        "text": report.text,
        "times": report.times,
        "status": report.status,
        "outcome": report.outcome,
        "created_at": iso_or_none(report.created_at),
        "resolved_at": iso_or_none(report.resolved_at),
    }


def context(session: Session, platform: Platform, *, case_id: int) -> dict[str, Any]:
    """What a moderator needs to decide: the content, the reports, the author's history."""
    case = get_case(session, case_id)
    target = target_kinds(platform).get(case.target_type).load(session, case.target_id)
    author = session.get(User, case.author_id)
    strikes = strike_counts(session, [case.author_id]).get(case.author_id, 0)
    reports = session.execute(
        select(Report).where(col(Report.case_id) == case.id).order_by(col(Report.id))
    ).scalars()
    on_target = session.execute(
        select(ModerationAction)
        .where(
            col(ModerationAction.target_type) == case.target_type,
            col(ModerationAction.target_id) == case.target_id,
        )
        .order_by(col(ModerationAction.id).desc())
    ).scalars()
    return {
        "case": serialize_case(case, author=author, strikes=strikes, now=utcnow()),
        "content": None if target is None else target.summary,
        "reports": [serialize_report(r) for r in reports],
        "author": None
        if author is None
        else {
            "id": author.id,
            "username": author.username,
            "state": author.state,
            "role": author.role,
            "follower_count": author.follower_count,
            "created_at": iso_or_none(author.created_at),
            "strikes": strikes,
        },
        "author_history": [
            serialize_action(a)
            for a in actions_against(session, author_id=case.author_id, limit=20)
        ],
        "target_history": [serialize_action(a) for a in on_target],
        "verdicts": [
            serialize_verdict(v) for v in verdicts_on(session, case.target_type, case.target_id)
        ],
    }


def serialize_verdict(row: ModelVerdict) -> dict[str, Any]:
    return {
        "id": row.id,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "author_id": row.author_id,
        "verdict": row.verdict,
        "score": row.score,
        "labels": list(row.labels or []),
        "reason": row.reason,
        "model": row.model,
        "model_version": row.model_version,
        "case_id": row.case_id,
        "action_id": row.action_id,
        "created_at": iso_or_none(row.created_at),
    }
