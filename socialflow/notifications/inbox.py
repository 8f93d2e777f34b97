"""Notifications: written from the domain events, in the action's own transaction.

How core reacts to its own events
---------------------------------
Services already describe every action as events (``record_event``: ``liked``,
``followed``, ``commented``, ``mentioned``...). :func:`project_pending_events`
is a ``before_commit`` listener the :class:`~socialflow.core.platform.Platform`
puts on its session factory: just before a transaction commits, it turns that
transaction's pending events into notification rows, in the same transaction.
No service calls it and no service knows notifications exist.

Why not a built-in plugin whose ``socialflow_on_event`` enqueues a Celery task?

* Events reach plugins *after* the commit, at most once: a process that dies
  between the commit and the enqueue loses the notification for good, and a
  lost "X followed you" has no sweeper to find it again. Written in the same
  transaction, the notification exists exactly when the like or follow does.
* The hook receives only the event (no platform, no session), and built-ins may
  import only ``socialflow.plugins``; a plugin would have to smuggle in the
  platform to reach the database. A core feature would also vanish when an
  operator restricts loading with ``SOCIALFLOW_PLUGINS``.
* Clients read their own writes: the notification is there when the action's
  response arrives, on SQLite with the embedded broker and on PostgreSQL with
  a Celery fleet alike, so tests need not wait for a worker either.

The cost is a handful of small inserts inside the action's transaction (at
most one per mentioned user, twenty at most). Delivery to the outside world
(push, e-mail, webhooks) stays asynchronous and is not done here.

Rules
-----
Written only when the recipient is not the actor, no block stands between
them either way, the recipient has not muted the actor, and the recipient may
see the post concerned (a mention in a followers-only post, or in any post
of a private account, notifies only approved followers). Listing applies the
same rules again at read time, in SQL (so pages and counts stay exact):
notifications from an actor later blocked or muted, suspended or deleted,
about a post later deleted or made invisible to the recipient (an account
gone private, say), or about a deleted comment, are not shown (the rows stay,
so an unblock or a follow brings them back).

Deduplication: each row carries a ``dedup_key`` naming what it is about
(``liked:<actor>:<post>``, ``followed:<actor>``, ``comment:<comment>``,
``post:<post>``), unique per recipient, and rows are inserted or ignored. So
liking, unliking and liking again notifies once, and one comment gives its
recipient one notification even if it both replies to and mentions them
(``replied`` wins over ``commented``, which wins over ``mentioned``).

Long because writing and reading share one table of rules: which events make
which kinds, who may be told (blocks, private accounts, state) and how a row
is deduplicated are the same facts the inbox's reads and counts rely on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from socialflow.accounts import avatars
from socialflow.accounts.models import AccountState, User
from socialflow.accounts.users import ACTIVE_STATES
from socialflow.core.db.base import utcnow
from socialflow.core.db.sqlutil import insert_ignore_key
from socialflow.core.effects import enqueue_after_commit, pending_events
from socialflow.core.errors import ValidationProblem
from socialflow.graph import relations as graph
from socialflow.notifications import kinds as known_kinds
from socialflow.notifications import preferences
from socialflow.notifications.candidates import Candidate, candidates, from_requests
from socialflow.notifications.delivery_models import Medium
from socialflow.notifications.models import Notification
from socialflow.plugins.audiences import Audiences, audiences_of
from socialflow.plugins.notification_kinds import NotificationRequest
from socialflow.plugins.specs import Event
from socialflow.social import posts
from socialflow.social.models import Comment, Post

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]
COMMENTS = Comment.__table__  # type: ignore[attr-defined]
MAX_READ_IDS = 500


@dataclass(frozen=True)
class Written:
    """A notification row a transaction inserted: its id, what it is about, when."""

    id: int
    candidate: Candidate
    created_at: datetime


WRITTEN_KEY = "socialflow.notifications.written"
# What notify() wrote in the open transaction, for WRITTEN_KEY at its commit.
NOTIFIED_KEY = "socialflow.notifications.notified"
FAN_OUT_TASK = "socialflow.notifications.fan_out"


# ----------------------------------------------------------------- writing


def project_pending_events(session: Session) -> None:
    """``before_commit`` listener: write the notifications this transaction's events ask for.

    What it wrote is kept on the session until the commit for
    :func:`take_written` (after-commit delivery, such as the realtime app's).
    """
    session.info.pop(WRITTEN_KEY, None)
    events = pending_events(session)
    if not events and NOTIFIED_KEY not in session.info:
        return
    _clear_answered_requests(session, events)
    live = session.info.pop(NOTIFIED_KEY, []) + _live(
        session, write(session, candidates(session, events))
    )
    if live:
        session.info[WRITTEN_KEY] = live


def write(session: Session, found: Iterable[Candidate]) -> list[Written]:
    """Insert the candidates the rules allow (repeats ignored) and send their deliveries
    after the commit; returns the rows written."""
    written: list[Written] = []
    for candidate in found:
        if _allowed(session, candidate):
            created_at = utcnow()
            new_id = insert_ignore_key(
                session,
                NOTIFICATIONS,
                {
                    "recipient_id": candidate.recipient_id,
                    "actor_id": candidate.actor_id,
                    "kind": candidate.kind,
                    "post_id": candidate.post_id,
                    "comment_id": candidate.comment_id,
                    "dedup_key": candidate.dedup_key,
                    "text": candidate.text,
                    "data": candidate.data,
                    "created_at": created_at,
                },
            )
            if new_id is not None:
                written.append(Written(int(new_id), candidate, created_at))
                # Push and e-mail: fanned out by a task once this commit is done.
                enqueue_after_commit(session, FAN_OUT_TASK, int(new_id))
    return written


def _live(session: Session, written: list[Written]) -> list[Written]:
    """For realtime: only what the recipient wants pushed to open connections."""
    return [w for w in written if _wants_live(session, w.candidate)]


def notify(session: Session, kind: str, requests: Iterable[NotificationRequest]) -> int:
    """Write notifications of an added ``kind`` directly, under the inbox's rules; how many
    were new.

    For apps above this one that tell many users at once (a live stream's
    followers) from a task, in batches, rather than inside the action's
    transaction. Delivered like the rest once ``session`` commits.
    """
    if kind not in known_kinds.added(session):
        raise ValueError(f"notification kind {kind!r} is not added by any app")
    written = write(session, from_requests(kind, requests))
    session.info.setdefault(NOTIFIED_KEY, []).extend(_live(session, written))
    return len(written)


def _wants_live(session: Session, candidate: Candidate) -> bool:
    medium = Medium.realtime.value
    return preferences.wants(session, candidate.recipient_id, candidate.kind, medium)


ANSWERED = frozenset({"follow_approved", "follow_rejected", "follow_request_withdrawn"})


def _clear_answered_requests(session: Session, events: Sequence[Event]) -> None:
    """A follow request approved, rejected or withdrawn: its notification is stale.

    Deleted (its deliveries with it), so the target's inbox no longer offers to
    answer a request that is gone; a new request later notifies again.
    """
    for event in events:
        if event.name in ANSWERED:
            requester, target = event.payload["requester_id"], event.payload["target_id"]
            session.execute(
                delete(NOTIFICATIONS).where(
                    NOTIFICATIONS.c.recipient_id == target,
                    NOTIFICATIONS.c.dedup_key == f"follow_requested:{requester}",
                )
            )


def take_written(session: Session) -> list[Written]:
    """The notifications the transaction ``session`` just committed wrote (then forgotten).

    For commit observers (``Platform.on_commit``): the rows are committed, and
    each was new (a deduplicated repeat is not listed). Only those whose
    recipient wants them in realtime (the ``realtime`` preference) are listed.
    """
    written: list[Written] = session.info.pop(WRITTEN_KEY, [])
    return written


def forget_written(session: Session) -> None:
    """``after_rollback`` listener: nothing was written after all."""
    session.info.pop(WRITTEN_KEY, None)
    session.info.pop(NOTIFIED_KEY, None)


def _allowed(session: Session, candidate: Candidate) -> bool:
    """Never yourself; no blocks either way, no mute by the recipient; the post visible."""
    if candidate.actor_id is not None:
        if candidate.recipient_id == candidate.actor_id:
            return False
        if candidate.actor_id in graph.hidden_user_ids(session, candidate.recipient_id):
            return False
    if candidate.post_id is not None:
        post = session.get(Post, candidate.post_id)
        if post is None or not posts.can_view(session, candidate.recipient_id, post):
            return False
    return True


# ----------------------------------------------------------------- reading

ACTORS = User.__table__.alias("actors")  # type: ignore[attr-defined]
POST_AUTHORS = User.__table__.alias("post_authors")  # type: ignore[attr-defined]
POSTS = posts.POSTS


def _listable(
    recipient_id: int, audiences: Audiences, *, in_app: bool = True
) -> list[ColumnElement[bool]]:
    """The read-time rules, as SQL conditions over notifications joined to
    actors, posts, post authors and comments (see the module docstring).

    ``in_app``: also leave out the kinds the recipient switched off in-app
    (the inbox does; push and e-mail, which have their own preference, do not).
    """
    hidden = graph.hidden_user_ids_query(recipient_id)
    post_visible = and_(
        POSTS.c.deleted_at.is_(None),
        POST_AUTHORS.c.state != AccountState.deleted.value,
        POSTS.c.author_id.not_in(hidden),
        posts.visible_condition(
            recipient_id, posts=POSTS, authors=POST_AUTHORS, audiences=audiences
        ),
    )
    rules = [
        NOTIFICATIONS.c.recipient_id == recipient_id,
        # No actor: the platform itself speaks (a moderation decision).
        or_(
            NOTIFICATIONS.c.actor_id.is_(None),
            and_(ACTORS.c.state.in_(ACTIVE_STATES), NOTIFICATIONS.c.actor_id.not_in(hidden)),
        ),
        or_(NOTIFICATIONS.c.post_id.is_(None), post_visible),
        or_(
            NOTIFICATIONS.c.comment_id.is_(None),
            and_(COMMENTS.c.deleted_at.is_(None), COMMENTS.c.hidden_at.is_(None)),
        ),
    ]
    if in_app:
        off = preferences.disabled_kinds_query(recipient_id, Medium.in_app.value)
        rules.append(NOTIFICATIONS.c.kind.not_in(off))
    return rules


def _joined(statement: Any) -> Any:
    return (
        statement.select_from(NOTIFICATIONS)
        .outerjoin(ACTORS, ACTORS.c.id == NOTIFICATIONS.c.actor_id)
        .outerjoin(POSTS, POSTS.c.id == NOTIFICATIONS.c.post_id)
        .outerjoin(POST_AUTHORS, POST_AUTHORS.c.id == POSTS.c.author_id)
        .outerjoin(COMMENTS, COMMENTS.c.id == NOTIFICATIONS.c.comment_id)
    )


def parse_kinds(session: Session, value: str | None) -> list[str] | None:
    """``"liked,followed"`` -> the kinds; 422 ``invalid-kind`` naming an unknown one."""
    if value is None or not value.strip():
        return None
    wanted = list(dict.fromkeys(k.strip() for k in value.split(",") if k.strip()))
    known = known_kinds.names(session)
    unknown = [k for k in wanted if k not in known]
    if unknown:
        raise ValidationProblem(
            f"Unknown notification kind(s): {', '.join(unknown)}. "
            f"Known: {', '.join(sorted(known))}.",
            slug="invalid-kind",
            errors=[{"field": "kinds", "message": "unknown kind", "code": "invalid_kind"}],
        )
    return wanted


def list_notifications(
    session: Session,
    *,
    platform: Platform,
    recipient: User,
    limit: int,
    before: int | None = None,
    unread_only: bool = False,
    kinds: Iterable[str] | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the recipient's listable notifications, newest first, in their
    public shape, and the id to continue before (``None`` on the last page).

    Paged by id (``before``): ids only grow, and every rule is applied in the
    query itself, so pages have no duplicates, no gaps and no short pages.
    """
    assert recipient.id is not None
    statement = _joined(
        select(
            NOTIFICATIONS.c.id,
            NOTIFICATIONS.c.kind,
            NOTIFICATIONS.c.created_at,
            NOTIFICATIONS.c.read_at,
            NOTIFICATIONS.c.post_id,
            NOTIFICATIONS.c.comment_id,
            NOTIFICATIONS.c.actor_id,
            ACTORS.c.username,
            ACTORS.c.display_name,
            ACTORS.c.avatar_key,
            COMMENTS.c.text.label("comment_text"),
            NOTIFICATIONS.c.text,
            NOTIFICATIONS.c.data,
        )
    ).where(*_listable(recipient.id, audiences_of(session)))
    statement = _filtered(statement, before=before, unread_only=unread_only, kinds=kinds)
    rows = list(session.execute(statement.order_by(NOTIFICATIONS.c.id.desc()).limit(limit)))
    next_before = rows[-1].id if len(rows) == limit else None
    return _serialize_page(session, platform, recipient.id, rows), next_before


def _filtered(
    statement: Any, *, before: int | None, unread_only: bool, kinds: Iterable[str] | None
) -> Any:
    if before is not None:
        statement = statement.where(NOTIFICATIONS.c.id < before)
    if unread_only:
        statement = statement.where(NOTIFICATIONS.c.read_at.is_(None))
    if kinds is not None:
        statement = statement.where(NOTIFICATIONS.c.kind.in_(list(kinds)))
    return statement


def _serialize_page(
    session: Session, platform: Platform, recipient_id: int, rows: list[Any]
) -> list[dict[str, Any]]:
    post_rows = posts.load_rows(session, [r.post_id for r in rows if r.post_id is not None])
    # The query already applied the visibility rules; visible_rows is the same
    # rule from the posts domain, kept as a second guard for the hydrated posts.
    visible = posts.visible_rows(session, recipient_id, post_rows.values())
    shapes = {
        shape["id"]: shape
        for shape in posts.serialize_many(session, recipient_id, visible, platform=platform)
    }
    storage = platform.storage
    items = []
    for row in rows:
        post = shapes.get(row.post_id) if row.post_id is not None else None
        if row.post_id is not None and post is None:
            continue  # changed between the two queries: show nothing rather than leak
        items.append(
            {
                "id": row.id,
                "kind": row.kind,
                "created_at": posts._iso(row.created_at),
                "read": row.read_at is not None,
                "actor": (
                    {
                        "id": row.actor_id,
                        "username": row.username,
                        "display_name": row.display_name,
                        "avatar_url": avatars.avatar_url_for_key(storage, row.avatar_key),
                    }
                    if row.actor_id is not None
                    else None
                ),
                "text": row.text,
                "data": row.data or {},
                "post": post,
                "comment": (
                    {"id": row.comment_id, "text": row.comment_text}
                    if row.comment_id is not None
                    else None
                ),
            }
        )
    return items


def is_listable(session: Session, *, recipient_id: int, notification_id: int) -> bool:
    """Whether the inbox still shows ``notification_id`` to ``recipient_id`` (same rules)."""
    statement = _joined(select(NOTIFICATIONS.c.id)).where(
        *_listable(recipient_id, audiences_of(session), in_app=False),
        NOTIFICATIONS.c.id == notification_id,
    )
    return session.execute(statement).first() is not None


def unread_count(session: Session, *, recipient: User) -> int:
    """How many listable notifications the recipient has not read (same rules as the list)."""
    assert recipient.id is not None
    statement = _joined(select(func.count(NOTIFICATIONS.c.id))).where(
        *_listable(recipient.id, audiences_of(session)), NOTIFICATIONS.c.read_at.is_(None)
    )
    return int(session.execute(statement).scalar_one())


def mark_read(
    session: Session,
    *,
    recipient: User,
    ids: Sequence[int] | None = None,
    up_to: int | None = None,
    everything: bool = False,
) -> int:
    """Mark the recipient's own unread notifications read; returns how many changed.

    Exactly one selector: ``ids``, ``up_to`` (every id up to and including it)
    or ``everything``. Ids of other users' notifications match nothing, so they
    are neither changed nor revealed.
    """
    chosen = [ids is not None, up_to is not None, everything]
    if chosen.count(True) != 1:
        raise ValidationProblem("Give exactly one of ids, up_to or all.", slug="validation-error")
    statement = update(NOTIFICATIONS).where(
        NOTIFICATIONS.c.recipient_id == recipient.id, NOTIFICATIONS.c.read_at.is_(None)
    )
    if ids is not None:
        if len(ids) > MAX_READ_IDS:
            raise ValidationProblem(f"ids: at most {MAX_READ_IDS}.", slug="validation-error")
        statement = statement.where(NOTIFICATIONS.c.id.in_(list(ids)))
    elif up_to is not None:
        statement = statement.where(NOTIFICATIONS.c.id <= up_to)
    result = session.execute(statement.values(read_at=utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]
