"""Verdicts of moderation models: every one stored; a ``hold`` hides and queues.

The apps that own content call ``socialflow_content_screened`` (through
:mod:`socialflow.core.screening`) in the transaction that stores it. Here
each verdict becomes a :class:`ModelVerdict` row (model name and version
included). A hold also takes effect at once: a post or video gets the
``moderated`` audience and a comment is hidden (their author alone sees
them), a profile stays as it is; a ``hold`` action by no moderator records what to
put back, and the target's case opens in the review queue reports use.

A moderator then decides: ``dismiss`` releases it (the hold is undone, the
content is published as it was), ``hide`` or ``remove`` take it over (the
content stays down, as a strike). A hold is no strike and cannot be appealed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session, col

from socialflow.core.db.base import utcnow
from socialflow.moderation.actions import _record
from socialflow.moderation.audience import NAME as MODERATED
from socialflow.moderation.models import ActionKind, ModelVerdict, ModerationAction
from socialflow.moderation.reports import REASONS, open_case
from socialflow.moderation.targets import target_kinds

if TYPE_CHECKING:
    from socialflow.core.platform import Platform
    from socialflow.plugins.protocols import ScreenedContent

# A model's label -> the report reason whose severity ranks its queue item.
LABEL_REASONS = {
    "nsfw": "sexual_content",
    "sexual": "sexual_content",
    "profanity": "harassment",
    "insult": "harassment",
    "hate": "hate",
    "violence": "violence",
    "spam": "spam",
}
DEFAULT_SEVERITY = 2


def severity_of(labels: list[str]) -> int:
    found = [REASONS[LABEL_REASONS[label]] for label in labels if label in LABEL_REASONS]
    return max(found, default=DEFAULT_SEVERITY)


def on_screened(session: Session, platform: Platform, screened: ScreenedContent) -> bool:
    """Store the verdict; carry out a hold (True) when the target's kind is known."""
    verdict = screened.verdict
    row = ModelVerdict(
        target_type=screened.kind,
        target_id=screened.target_id,
        author_id=screened.author_id,
        verdict=verdict.action,
        score=float(verdict.score),
        labels=list(verdict.labels),
        reason=verdict.reason or "",
        model=verdict.model[:64],
        model_version=verdict.model_version[:64],
    )
    session.add(row)
    session.flush()
    if verdict.action != "hold" or screened.target_id is None:
        return False
    labels = ", ".join(row.labels) or "policy"
    action = place_hold(
        session,
        platform,
        screened.kind,
        screened.target_id,
        severity=severity_of(row.labels),
        reason=f"held by {row.model} {row.model_version} ({labels}, score {row.score:.2f})",
    )
    if action is None:
        return False
    row.case_id = action.case_id
    row.action_id = action.id
    session.add(row)
    session.flush()
    return True


def place_hold(
    session: Session,
    platform: Platform,
    kind: str,
    target_id: str,
    *,
    severity: int,
    reason: str,
) -> ModerationAction | None:
    """Hide the target (a post, video or comment) and open its review item, with a
    ``hold`` action by no moderator; None when the kind or the target is unknown."""
    kinds = target_kinds(platform).by_name
    if kind not in kinds:
        return None
    target_kind = kinds[kind]
    target = target_kind.load(session, target_id)
    if target is None:
        return None
    fields: dict[str, str] = {}
    hideable = kind in ("post", "video", "comment")
    if hideable and target.summary.get("visibility") != MODERATED:
        fields["previous_visibility"] = target_kind.hide(session, platform, target.id)
    case = open_case(session, target)
    case.severity = max(case.severity, severity)
    case.updated_at = utcnow()
    session.add(case)
    return _record(
        session,
        kind=ActionKind.hold,
        target=target,
        moderator=None,
        reason=reason,
        case_id=case.id,
        **fields,
    )


def standing_hold(session: Session, target_type: str, target_id: str) -> ModerationAction | None:
    """The hold on a target that no moderator has decided yet."""
    return session.execute(
        select(ModerationAction)
        .where(
            col(ModerationAction.target_type) == target_type,
            col(ModerationAction.target_id) == target_id,
            col(ModerationAction.kind) == ActionKind.hold.value,
            col(ModerationAction.reverted_at).is_(None),
        )
        .order_by(col(ModerationAction.id).desc())
        .limit(1)
    ).scalar_one_or_none()


def verdicts_on(session: Session, target_type: str, target_id: str) -> list[ModelVerdict]:
    return list(
        session.execute(
            select(ModelVerdict)
            .where(
                col(ModelVerdict.target_type) == target_type,
                col(ModelVerdict.target_id) == target_id,
            )
            .order_by(col(ModelVerdict.id).desc())
        ).scalars()
    )
