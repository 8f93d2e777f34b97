"""Moderation actions: hide, remove, warn, suspend, ban, dismiss, and undoing them.

Every action is a row (who, what, when, why, on what, and what it takes to
undo it), an audit-log entry (:mod:`socialflow.accounts.audit`, the one log
of security-relevant changes) and a ``moderation_action`` event naming the
author (``user_id``), which reaches webhooks, realtime and ``socialflow_on_event``
plugins after the commit. Content changes go through the social and video
apps' moderator-side services, which emit the events their own edits and
deletions emit, so feed caches and search follow in every process at once.

An action on a target closes its open case (its reports get the outcome) and
is refused while another moderator's claim on that case runs. The caller commits.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from socialflow.accounts import audit
from socialflow.accounts import users as user_service
from socialflow.accounts.models import ROLE_RANK, AccountState, Role, User
from socialflow.core.db.base import utcnow
from socialflow.core.effects import record_event
from socialflow.core.errors import Conflict, Forbidden, NotFound, ValidationProblem
from socialflow.moderation.audience import NAME as MODERATED
from socialflow.moderation.cases import check_not_claimed_by_other, close_case, open_case_of
from socialflow.moderation.models import STRIKE_KINDS, ActionKind, ModerationAction
from socialflow.moderation.settings import moderation_settings
from socialflow.moderation.targets import Target, target_kinds

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

# The kinds a moderator takes on a target (restore and reinstate undo earlier ones).
TAKEN = (
    ActionKind.dismiss,
    ActionKind.hide,
    ActionKind.remove,
    ActionKind.warn,
    ActionKind.suspend,
    ActionKind.ban,
)
ACCOUNT_KINDS = frozenset({ActionKind.suspend, ActionKind.ban})


def _rank(user: User) -> int:
    return ROLE_RANK[Role(user.role)]


def _record(
    session: Session,
    *,
    kind: ActionKind,
    target: Target,
    moderator: User | None,
    reason: str,
    case_id: int | None = None,
    **fields: Any,
) -> ModerationAction:
    action = ModerationAction(
        kind=kind.value,
        case_id=case_id,
        target_type=target.kind,
        target_id=target.id,
        author_id=target.author_id,
        moderator_id=moderator.id if moderator is not None else None,
        reason=reason,
        **fields,
    )
    session.add(action)
    session.flush()
    audit.record(
        session,
        f"moderation_{kind.value}",
        subject_user_id=target.author_id,
        actor_id=action.moderator_id,
        action_id=action.id,
        target_type=target.kind,
        target_id=target.id,
        reason=reason,
    )
    record_event(
        session,
        "moderation_action",
        action_id=action.id,
        kind=kind.value,
        user_id=target.author_id,
        target_type=target.kind,
        target_id=target.id,
    )
    return action


def load_target(platform: Platform, session: Session, target_type: str, target_id: str) -> Target:
    target = target_kinds(platform).get(target_type).load(session, target_id)
    if target is None:
        raise NotFound("No such object.")
    return target


def take_action(
    session: Session,
    platform: Platform,
    *,
    moderator: User,
    target_type: str,
    target_id: str,
    kind: ActionKind,
    reason: str,
    duration_hours: int | None = None,
) -> ModerationAction:
    """Act on a target (and close its open case); the caller commits."""
    if kind not in TAKEN:
        raise ValidationProblem(
            f"kind must be one of: {', '.join(k.value for k in TAKEN)}.",
            errors=[{"field": "kind", "message": "not an action to take", "code": "invalid"}],
        )
    settings = moderation_settings(platform)
    target_kind = target_kinds(platform).get(target_type)
    target = load_target(platform, session, target_type, target_id)
    author = session.get(User, target.author_id)
    if author is None:
        raise NotFound("No such object.")
    if author.id == moderator.id:
        raise Forbidden("Moderators do not act on their own content.", slug="own-content")
    if _rank(author) >= _rank(moderator) and kind is not ActionKind.dismiss:
        raise Forbidden("Only an admin acts on staff accounts.", slug="staff-account")
    case = open_case_of(session, target.kind, target.id)
    if case is not None:
        check_not_claimed_by_other(case, moderator)
    fields: dict[str, Any] = {}
    held = _decide_hold(session, platform, target, kind)
    if held is not None:
        fields["reverts_id"] = held.id
    if kind is ActionKind.dismiss:
        if case is None:
            raise Conflict("No open reports about this object.", slug="nothing-to-dismiss")
    elif kind is ActionKind.hide and held is not None:
        fields["previous_visibility"] = held.previous_visibility  # the hold hid it already
    elif kind is ActionKind.hide:
        if target.summary.get("visibility") == MODERATED:
            raise Conflict("It is hidden already.", slug="already-hidden")
        if target.summary.get("deleted"):
            raise Conflict("It is removed already.", slug="already-removed")
        fields["previous_visibility"] = target_kind.hide(session, platform, target.id)
    elif kind is ActionKind.remove:
        if target.summary.get("deleted"):
            raise Conflict("It is removed already.", slug="already-removed")
        # What a restore puts back: as it was before a hold, if one was released above.
        before = held.previous_visibility if held is not None else None
        fields["previous_visibility"] = before or target.summary.get("visibility")
        kept = target_kind.remove(session, platform, target.id, keep_storage=settings.legal_hold)
        if settings.legal_hold and kept:
            fields["kept_storage"] = kept
    elif kind in ACCOUNT_KINDS:
        if kind is ActionKind.ban and _rank(moderator) < ROLE_RANK[Role.admin]:
            raise Forbidden("A ban needs the admin role; suspend for a period.", slug="admin-only")
        if kind is ActionKind.suspend:
            limit = settings.max_suspension_days * 24
            if duration_hours is None or not 1 <= duration_hours <= limit:
                raise ValidationProblem(
                    f"duration_hours: a suspension lasts 1 to {limit} hours.",
                    errors=[
                        {"field": "duration_hours", "message": "out of range", "code": "invalid"}
                    ],
                )
            fields["expires_at"] = utcnow() + timedelta(hours=duration_hours)
        if author.state != AccountState.suspended.value:
            user_service.suspend(session=session, user=author, actor_id=moderator.id, reason=reason)
    action = _record(
        session,
        kind=kind,
        target=target,
        moderator=moderator,
        reason=reason,
        case_id=case.id if case is not None else None,
        **fields,
    )
    if case is not None:
        close_case(session, case, "no_action" if kind is ActionKind.dismiss else kind.value)
    return action


def _decide_hold(
    session: Session, platform: Platform, target: Target, kind: ActionKind
) -> ModerationAction | None:
    """A moderator's action ends a model's standing hold on the target: ``dismiss``
    releases the content (put back as it was), ``hide`` and ``remove`` take it over.
    Returns the hold, now ended, or None."""
    from socialflow.moderation.holds import standing_hold

    hold = standing_hold(session, target.kind, target.id)
    if hold is None or kind not in (ActionKind.dismiss, ActionKind.hide, ActionKind.remove):
        return None
    target_kind = target_kinds(platform).get(target.kind)
    releases = kind in (ActionKind.dismiss, ActionKind.remove)
    if releases and hold.previous_visibility is not None:
        target_kind.unhide(session, platform, target.id, hold.previous_visibility)
    hold.reverted_at = utcnow()
    session.add(hold)
    session.flush()
    return hold


def revert_action(
    session: Session,
    platform: Platform,
    *,
    moderator: User | None,
    action_id: int,
    reason: str,
) -> ModerationAction:
    """Undo a standing hide, remove, warn, suspend or ban (restore / retract / reinstate);
    the caller commits.

    ``moderator`` None: the system (a suspension's period ran out)."""
    original = session.get(ModerationAction, action_id)
    if original is None:
        raise NotFound("No such action.")
    if original.reverted_at is not None:
        raise Conflict("That action was undone already.", slug="already-reverted")
    kind = ActionKind(original.kind)
    target_kind = target_kinds(platform).get(original.target_type)
    target = Target(original.target_type, original.target_id, original.author_id)
    if kind is ActionKind.hide:
        if target_kind.load(session, original.target_id) is None:
            raise Conflict("The object is gone.", slug="not-restorable")
        target_kind.unhide(
            session, platform, original.target_id, original.previous_visibility or "private"
        )
        undo = ActionKind.restore
    elif kind is ActionKind.remove:
        if (
            not target_kind.restorable_removal
            or target_kind.load(session, original.target_id) is None
        ):
            raise Conflict("A removed object of this kind cannot come back.", slug="not-restorable")
        target_kind.unremove(session, platform, original.target_id, original.previous_visibility)
        undo = ActionKind.restore
    elif kind in ACCOUNT_KINDS:
        if (
            kind is ActionKind.ban
            and moderator is not None
            and _rank(moderator) < ROLE_RANK[Role.admin]
        ):
            raise Forbidden("Lifting a ban needs the admin role.", slug="admin-only")
        undo = ActionKind.reinstate
        original.reverted_at = utcnow()  # so the standing check below does not count it
        session.add(original)
        session.flush()
        author = session.get(User, original.author_id)
        if (
            author is not None
            and author.state == AccountState.suspended.value
            and not standing_suspensions(session, original.author_id)
        ):
            user_service.reinstate(
                session=session, user=author, actor_id=moderator.id if moderator else None
            )
    elif kind is ActionKind.warn:
        undo = ActionKind.retract  # nothing to put back: the strike goes
    else:
        raise ValidationProblem(
            "Only a hide, a removal, a warning, a suspension or a ban can be undone.",
            slug="not-revertible",
        )
    original.reverted_at = original.reverted_at or utcnow()
    session.add(original)
    return _record(
        session,
        kind=undo,
        target=target,
        moderator=moderator,
        reason=reason,
        reverts_id=original.id,
    )


def standing_suspensions(session: Session, user_id: int) -> list[ModerationAction]:
    """Suspensions and bans of ``user_id`` still in force."""
    now = utcnow()
    rows = session.execute(
        select(ModerationAction).where(
            col(ModerationAction.author_id) == user_id,
            col(ModerationAction.kind).in_([ActionKind.suspend.value, ActionKind.ban.value]),
            col(ModerationAction.reverted_at).is_(None),
        )
    ).scalars()
    return [a for a in rows if a.expires_at is None or a.expires_at > now]


def strike_counts(session: Session, user_ids: list[int]) -> dict[int, int]:
    """Standing strikes (actions not undone) per author: the repeat-offender signal."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(col(ModerationAction.author_id), func.count())
        .where(
            col(ModerationAction.author_id).in_(user_ids),
            col(ModerationAction.kind).in_([k.value for k in STRIKE_KINDS]),
            col(ModerationAction.reverted_at).is_(None),
        )
        .group_by(col(ModerationAction.author_id))
    )
    return {int(author): int(count) for author, count in rows}


def actions_against(
    session: Session, *, author_id: int, limit: int, before: int | None = None
) -> list[ModerationAction]:
    statement = select(ModerationAction).where(col(ModerationAction.author_id) == author_id)
    if before is not None:
        statement = statement.where(col(ModerationAction.id) < before)
    return list(
        session.execute(statement.order_by(col(ModerationAction.id).desc()).limit(limit)).scalars()
    )


def expire_suspensions(session: Session, platform: Platform) -> int:
    """Lift suspensions whose period is over (idempotent); returns how many ended."""
    now = utcnow()
    due = session.execute(
        select(col(ModerationAction.id)).where(
            col(ModerationAction.kind) == ActionKind.suspend.value,
            col(ModerationAction.reverted_at).is_(None),
            col(ModerationAction.expires_at) <= now,
        )
    ).scalars()
    ended = 0
    for action_id in list(due):
        revert_action(
            session, platform, moderator=None, action_id=action_id, reason="suspension period over"
        )
        ended += 1
    return ended
