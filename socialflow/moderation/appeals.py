"""Appeals: the author asks once to have an action looked at again; another moderator decides.

An author may appeal a standing hide, removal, warning, suspension or ban
taken against them, once per action, within ``appeal_window_days``. The
moderator who took the action may not decide its appeal. Overturning undoes
the action (:func:`~socialflow.moderation.actions.revert_action`: a restore or
a reinstatement, and the strike no longer counts); upholding leaves it. The
outcome is recorded, audited and told to the author (``appeal_decided``).
The caller commits.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlmodel import Session, col

from socialflow.accounts import audit
from socialflow.accounts.models import User
from socialflow.core.db.base import iso_or_none, utcnow
from socialflow.core.db.sqlutil import insert_ignore_key
from socialflow.core.effects import record_event
from socialflow.core.errors import Conflict, Forbidden, NotFound
from socialflow.moderation.actions import revert_action
from socialflow.moderation.models import (
    STRIKE_KINDS,
    ActionKind,
    Appeal,
    AppealStatus,
    ModerationAction,
)
from socialflow.moderation.settings import moderation_settings

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

APPEALS = Appeal.__table__  # type: ignore[attr-defined]


def serialize(appeal: Appeal) -> dict[str, Any]:
    return {
        "id": appeal.id,
        "action_id": appeal.action_id,
        "appellant_id": appeal.appellant_id,
        "text": appeal.text,
        "status": appeal.status,
        "decision_note": appeal.decision_note,
        "decided_by": appeal.decided_by,
        "created_at": iso_or_none(appeal.created_at),
        "decided_at": iso_or_none(appeal.decided_at),
    }


def file_appeal(
    session: Session, platform: Platform, *, appellant: User, action_id: int, text: str
) -> Appeal:
    """Appeal an action taken against ``appellant`` (404 for anyone else's)."""
    action = session.get(ModerationAction, action_id)
    if action is None or action.author_id != appellant.id:
        raise NotFound("No such action.")
    if ActionKind(action.kind) not in STRIKE_KINDS or action.reverted_at is not None:
        raise Conflict("That action does not stand against you.", slug="not-appealable")
    window = timedelta(days=moderation_settings(platform).appeal_window_days)
    if action.created_at + window < utcnow():
        raise Conflict("The time to appeal that action is over.", slug="appeal-window-closed")
    appeal_id = insert_ignore_key(
        session,
        APPEALS,
        {
            "action_id": action.id,
            "appellant_id": appellant.id,
            "text": text,
            "status": AppealStatus.open.value,
            "decision_note": "",
            "created_at": utcnow(),
        },
    )
    if appeal_id is None:
        raise Conflict("That action was appealed already.", slug="already-appealed")
    appeal = session.get(Appeal, appeal_id)
    assert appeal is not None
    audit.record(
        session,
        "moderation_appeal_filed",
        subject_user_id=appellant.id,
        actor_id=appellant.id,
        appeal_id=appeal.id,
        action_id=action.id,
    )
    record_event(session, "appeal_filed", appeal_id=appeal.id, action_id=action.id)
    return appeal


def decide(
    session: Session,
    platform: Platform,
    *,
    moderator: User,
    appeal_id: int,
    outcome: Literal["upheld", "overturned"],
    note: str,
) -> Appeal:
    """Decide an open appeal; a different moderator than the action's must decide."""
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound("No such appeal.")
    if appeal.status != AppealStatus.open.value:
        raise Conflict("That appeal was decided already.", slug="appeal-decided")
    action = session.get(ModerationAction, appeal.action_id)
    assert action is not None
    if action.moderator_id == moderator.id:
        raise Forbidden(
            "Another moderator decides the appeal of your own action.", slug="own-action"
        )
    if appeal.appellant_id == moderator.id:
        raise Forbidden("You cannot decide your own appeal.", slug="own-appeal")
    assert action.id is not None
    if outcome == AppealStatus.overturned.value and action.reverted_at is None:
        revert_action(
            session,
            platform,
            moderator=moderator,
            action_id=action.id,
            reason=f"appeal {appeal.id} overturned: {note}".strip(),
        )
    appeal.status = outcome
    appeal.decided_by = moderator.id
    appeal.decision_note = note
    appeal.decided_at = utcnow()
    session.add(appeal)
    audit.record(
        session,
        "moderation_appeal_decided",
        subject_user_id=appeal.appellant_id,
        actor_id=moderator.id,
        appeal_id=appeal.id,
        action_id=action.id,
        outcome=outcome,
        reason=note,
    )
    record_event(
        session, "appeal_decided", appeal_id=appeal.id, user_id=appeal.appellant_id, outcome=outcome
    )
    return appeal


def list_appeals(
    session: Session,
    *,
    appellant_id: int | None = None,
    status: str | None = None,
    limit: int,
    before: int | None,
) -> list[Appeal]:
    statement = select(Appeal)
    if appellant_id is not None:
        statement = statement.where(col(Appeal.appellant_id) == appellant_id)
    if status is not None:
        statement = statement.where(col(Appeal.status) == status)
    if before is not None:
        statement = statement.where(col(Appeal.id) < before)
    return list(session.execute(statement.order_by(col(Appeal.id).desc()).limit(limit)).scalars())


def get_mine(session: Session, *, appellant: User, appeal_id: int) -> Appeal:
    """One of the caller's appeals; anyone else's is 404."""
    appeal = session.get(Appeal, appeal_id)
    if appeal is None or appeal.appellant_id != appellant.id:
        raise NotFound("No such appeal.")
    return appeal
