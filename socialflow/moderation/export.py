"""The moderation part of a user's data export: their reports, appeals, and actions
taken against them (never who reported them, nor moderators' identities)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from socialflow.core.db.base import iso_or_none
from socialflow.moderation.models import Appeal, ModerationAction, Report


def export_for(session: Session, user_id: int) -> dict[str, Any]:
    reports = session.execute(
        select(Report).where(col(Report.reporter_id) == user_id).order_by(col(Report.id))
    ).scalars()
    actions = session.execute(
        select(ModerationAction)
        .where(col(ModerationAction.author_id) == user_id)
        .order_by(col(ModerationAction.id))
    ).scalars()
    appeals = session.execute(
        select(Appeal).where(col(Appeal.appellant_id) == user_id).order_by(col(Appeal.id))
    ).scalars()
    return {
        "reports": [
            {
                "target_type": r.target_type,
                "target_id": r.target_id,
                "reason": r.reason,
                "text": r.text,
                "status": r.status,
                "outcome": r.outcome,
                "created_at": iso_or_none(r.created_at),
            }
            for r in reports
        ],
        "actions_against_me": [
            {
                "id": a.id,
                "kind": a.kind,
                "target_type": a.target_type,
                "target_id": a.target_id,
                "reason": a.reason,
                "expires_at": iso_or_none(a.expires_at),
                "reverted_at": iso_or_none(a.reverted_at),
                "created_at": iso_or_none(a.created_at),
            }
            for a in actions
        ],
        "appeals": [
            {
                "action_id": a.action_id,
                "text": a.text,
                "status": a.status,
                "decision_note": a.decision_note,
                "created_at": iso_or_none(a.created_at),
                "decided_at": iso_or_none(a.decided_at),
            }
            for a in appeals
        ],
    }
