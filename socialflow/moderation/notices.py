"""What moderation tells people, through their notification inbox.

The author of moderated content learns what was done and why (and that they
may appeal), reporters learn that their report was reviewed, and an appellant
learns the decision. Added as notification kinds
(``socialflow_notification_kinds``) made from this app's own events, so the
notifications app delivers them by each user's preferences (in-app,
realtime, e-mail, push) without either app importing the other. The platform
speaks, not the moderator: no actor is named.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session

from socialflow.moderation.models import ActionKind, Appeal, ModerationAction
from socialflow.plugins.notification_kinds import NotificationKind, NotificationRequest
from socialflow.plugins.specs import Event

ABOUT_CONTENT = {
    ActionKind.hold: "is held for review before others see it",
    ActionKind.hide: "was hidden",
    ActionKind.remove: "was removed",
    ActionKind.restore: "was restored",
}
ABOUT_ACCOUNT = {
    ActionKind.warn: "You received a warning",
    ActionKind.suspend: "Your account was suspended",
    ActionKind.ban: "Your account was banned",
    ActionKind.reinstate: "Your account was reinstated",
    ActionKind.retract: "A warning on your account was withdrawn",
}
APPEALABLE = frozenset(
    {ActionKind.hide, ActionKind.remove, ActionKind.warn, ActionKind.suspend, ActionKind.ban}
)


def action_notices(session: Session, event: Event) -> Iterator[NotificationRequest]:
    """``moderation_action``: the author is told what was done to their content or account."""
    action = session.get(ModerationAction, event.payload["action_id"])
    if action is None or action.id is None or action.kind == ActionKind.dismiss:
        return
    kind = ActionKind(action.kind)
    if kind in ABOUT_CONTENT:
        line = f"Your {action.target_type} {ABOUT_CONTENT[kind]}"
    elif kind in ABOUT_ACCOUNT:
        line = ABOUT_ACCOUNT[kind]
        if kind is ActionKind.suspend and action.expires_at is not None:
            line += f" until {action.expires_at:%Y-%m-%d %H:%M} UTC"
    else:
        return
    reason = action.reason.strip()
    yield NotificationRequest(
        recipient_id=action.author_id,
        dedup_key=f"moderation_action:{action.id}",
        text=f"{line}: {reason}." if reason else f"{line}.",
        data={
            "action_id": action.id,
            "action": kind.value,
            "target_type": action.target_type,
            "target_id": action.target_id,
            "appealable": kind in APPEALABLE,
        },
    )


def report_notices(session: Session, event: Event) -> Iterator[NotificationRequest]:
    """``reports_resolved``: each reporter learns their report was reviewed, and the outcome."""
    p = event.payload
    acted = p["outcome"] != "no_action"
    outcome = "action was taken" if acted else "no rule was found broken"
    for reporter_id, report_id in zip(p["reporter_ids"], p["report_ids"], strict=True):
        yield NotificationRequest(
            recipient_id=reporter_id,
            dedup_key=f"report:{report_id}",
            text=f"Thank you for your report about a {p['target_type']}: {outcome}.",
            data={"report_id": report_id, "outcome": p["outcome"]},
        )


def appeal_notices(session: Session, event: Event) -> Iterator[NotificationRequest]:
    """``appeal_decided``: the appellant learns whether the action was undone."""
    appeal = session.get(Appeal, event.payload["appeal_id"])
    if appeal is None or appeal.id is None:
        return
    overturned = event.payload["outcome"] == "overturned"
    verdict = "was granted: the action was undone" if overturned else "was declined"
    note = (appeal.decision_note or "").strip()
    yield NotificationRequest(
        recipient_id=appeal.appellant_id,
        dedup_key=f"appeal:{appeal.id}",
        text=f"Your appeal {verdict}: {note}." if note else f"Your appeal {verdict}.",
        data={"appeal_id": appeal.id, "action_id": appeal.action_id, "outcome": appeal.status},
    )


def message_notices(session: Session, event: Event) -> Iterator[NotificationRequest]:
    """``report_message``: the other side of a report's conversation is told.

    A moderator's message reaches the reporter without naming the moderator; a
    reporter's reaches the case's claimant and the moderators who wrote on it.
    """
    from socialflow.moderation.messages import moderators_on
    from socialflow.moderation.models import Report, ReportMessage

    message = session.get(ReportMessage, event.payload["message_id"])
    report = session.get(Report, event.payload["report_id"])
    if message is None or report is None or message.id is None:
        return
    data = {"report_id": report.id, "message_id": message.id}
    if message.from_moderator:
        recipients = [report.reporter_id]
        text = f"A moderator wrote about your report on a {report.target_type}."
    else:
        recipients = [m for m in moderators_on(session, report) if m != message.author_id]
        data["case_id"] = report.case_id
        text = f"The reporter wrote about report {report.id}."
    for recipient in recipients:
        yield NotificationRequest(
            recipient_id=recipient,
            dedup_key=f"report_message:{message.id}",
            text=text,
            data=data,
        )


KINDS = [
    NotificationKind(
        "moderation_action",
        "A moderator acted on your content or account",
        frozenset({"moderation_action"}),
        action_notices,
        email=True,
    ),
    NotificationKind(
        "report_resolved",
        "A report you made was reviewed",
        frozenset({"reports_resolved"}),
        report_notices,
    ),
    NotificationKind(
        "appeal_decided",
        "Your appeal was decided",
        frozenset({"appeal_decided"}),
        appeal_notices,
        email=True,
    ),
    NotificationKind(
        "report_message",
        "A message about a report",
        frozenset({"report_message"}),
        message_notices,
        email=True,
    ),
]
