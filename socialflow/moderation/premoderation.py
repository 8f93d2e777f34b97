"""Pre-moderation: new videos held until a moderator approves them.

Under ``premoderation = "new_accounts"`` (accounts younger than
``new_account_days``) or ``"all"``, a video turning ready for the first time
is held the way a moderation model's hold is (:func:`holds.place_hold`): it
gets the ``moderated`` audience (its owner alone sees it), its review item
opens in the queue, and ``dismiss`` publishes it as it was while ``hide`` or
``remove`` keep it down. The video app asks through
``socialflow_content_arrived`` in the transaction that makes the video ready,
so it is never visible in between.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.db.base import utcnow
from socialflow.moderation.holds import place_hold
from socialflow.moderation.settings import moderation_settings

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

KINDS = frozenset({"video"})
SEVERITY = 1  # behind every report of harm in the queue


def applies(session: Session, platform: Platform, author_id: int) -> bool:
    """Whether the setting holds this author's new content."""
    config = moderation_settings(platform)
    if config.premoderation == "all":
        return True
    if config.premoderation != "new_accounts":
        return False
    author = session.get(User, author_id)
    if author is None:
        return False
    return author.created_at > utcnow() - timedelta(days=config.new_account_days)


def on_arrived(
    session: Session, platform: Platform, *, kind: str, target_id: str, author_id: int
) -> bool:
    """Hold ``target_id`` for review when pre-moderation applies; True if held."""
    if kind not in KINDS or not applies(session, platform, author_id):
        return False
    reason = f"pre-moderation ({moderation_settings(platform).premoderation})"
    return (
        place_hold(session, platform, kind, target_id, severity=SEVERITY, reason=reason) is not None
    )
