"""Who may see subscriber-only content: a fan with a live subscription to the author.

:class:`Subscribers` is the ``subscribers`` audience the app registers
(``socialflow_audiences``): posts and videos with that visibility reach the
author's live subscribers on every route, through the social and video apps'
one visibility rule.

Live means trialing, active, or past due (a failed renewal being retried
keeps access while the payment is chased); a canceled or unpaid subscription
gives none. A cancellation at period end keeps access until the period ends.
Other apps reach these through the hook that declares extra visibilities;
they do not import this module.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select
from sqlmodel import Session

from socialflow.payments.models import LIVE_STATUSES, SUBSCRIPTIONS
from socialflow.plugins.session import DB


def subscriber_condition(viewer_id: int | None, author_id_column: Any) -> ColumnElement[bool]:
    """A SQL condition, true on rows whose ``author_id_column`` the viewer subscribes to
    (correlated ``EXISTS``), or whose author is the viewer; false for anonymous viewers."""
    if viewer_id is None:
        return false()
    return or_(
        author_id_column == viewer_id,
        exists(
            select(SUBSCRIPTIONS.c.id).where(
                SUBSCRIPTIONS.c.fan_id == viewer_id,
                SUBSCRIPTIONS.c.creator_id == author_id_column,
                SUBSCRIPTIONS.c.status.in_(LIVE_STATUSES),
            )
        ),
    )


def is_subscriber(session: Session, viewer_id: int | None, creator_id: int) -> bool:
    """True when ``viewer_id`` has a live subscription to ``creator_id`` (or is them)."""
    if viewer_id is None:
        return False
    if viewer_id == creator_id:
        return True
    found = session.scalar(
        select(SUBSCRIPTIONS.c.id)
        .where(
            SUBSCRIPTIONS.c.fan_id == viewer_id,
            SUBSCRIPTIONS.c.creator_id == creator_id,
            SUBSCRIPTIONS.c.status.in_(LIVE_STATUSES),
        )
        .limit(1)
    )
    return found is not None


def subscribed_to(session: DB, fan_id: int, creator_ids: Collection[int]) -> set[int]:
    """Those of ``creator_ids`` ``fan_id`` has a live subscription to (one query)."""
    if not creator_ids:
        return set()
    rows = session.execute(
        select(SUBSCRIPTIONS.c.creator_id).where(
            SUBSCRIPTIONS.c.fan_id == fan_id,
            SUBSCRIPTIONS.c.creator_id.in_(sorted(creator_ids)),
            SUBSCRIPTIONS.c.status.in_(LIVE_STATUSES),
        )
    )
    return {int(row[0]) for row in rows}


class Subscribers:
    """The ``subscribers`` audience: an author's live subscribers."""

    name = "subscribers"
    description = "The author's subscribers (trialing, active or past due)"

    def admitted_by(self, session: DB, viewer_id: int, author_ids: Collection[int]) -> set[int]:
        return subscribed_to(session, viewer_id, author_ids)

    def condition(self, viewer_id: int, author_id: ColumnElement[int]) -> ColumnElement[bool]:
        return subscriber_condition(viewer_id, author_id)
