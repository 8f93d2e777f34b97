"""Likes, shares (reposts) and bookmarks: idempotent, with exact counters.

Each action inserts its row with insert-or-ignore and bumps the post counter
only if the row was new, in the same transaction: two hundred concurrent
likes by different users leave ``like_count`` at exactly two hundred, and a
repeated like is a no-op.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.db.sqlutil import bump, insert_ignore
from socialflow.core.effects import enqueue_after_commit, record_event
from socialflow.core.errors import ValidationProblem
from socialflow.social import trending
from socialflow.social.models import Bookmark, Post, PostLike, Share
from socialflow.social.posts import POSTS, get_visible_post, is_public

if TYPE_CHECKING:
    from socialflow.core.settings import Settings

LIKES = PostLike.__table__  # type: ignore[attr-defined]
SHARES = Share.__table__  # type: ignore[attr-defined]
BOOKMARKS = Bookmark.__table__  # type: ignore[attr-defined]


def _counts(session: Session, post_id: int) -> dict[str, int]:
    """Counters as this transaction sees them; read before the commit so that no
    new transaction (which on SQLite holds the write lock) outlives the action."""
    row = session.execute(
        select(POSTS.c.like_count, POSTS.c.share_count).where(POSTS.c.id == post_id)
    ).one()
    return {"like_count": int(row.like_count), "share_count": int(row.share_count)}


def like(session: Session, *, settings: Settings, user: User, post_id: int) -> dict[str, Any]:
    post = get_visible_post(session, viewer=user, post_id=post_id)
    if insert_ignore(session, LIKES, {"user_id": user.id, "post_id": post.id}):
        bump(session, POSTS, post.id, like_count=1)
        if is_public(session, post):
            trending.count_post_engagement(
                session,
                post_id=post_id,
                action="like",
                bucket_seconds=settings.trending_bucket_seconds,
            )
        record_event(session, "liked", post_id=post.id, user_id=user.id, author_id=post.author_id)
    counts = _counts(session, post_id)
    return {"liked": True, **counts}


def unlike(session: Session, *, user: User, post_id: int) -> dict[str, Any]:
    post = get_visible_post(session, viewer=user, post_id=post_id)
    result = session.execute(
        delete(LIKES).where(LIKES.c.user_id == user.id, LIKES.c.post_id == post.id)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        bump(session, POSTS, post.id, like_count=-1)
        record_event(session, "unliked", post_id=post.id, user_id=user.id, author_id=post.author_id)
    counts = _counts(session, post_id)
    return {"liked": False, **counts}


def share(session: Session, *, settings: Settings, user: User, post_id: int) -> dict[str, Any]:
    """Repost to one's followers. Only posts anyone may see can be shared (no leak of
    narrower ones: followers-only and private posts, and every post of a private account)."""
    post: Post = get_visible_post(session, viewer=user, post_id=post_id)
    if not is_public(session, post):
        raise ValidationProblem(
            "Only public posts of public accounts can be shared.", slug="not-shareable"
        )
    if insert_ignore(session, SHARES, {"user_id": user.id, "post_id": post.id}):
        bump(session, POSTS, post.id, share_count=1)
        trending.count_post_engagement(
            session,
            post_id=post_id,
            action="share",
            bucket_seconds=settings.trending_bucket_seconds,
        )
        record_event(session, "shared", post_id=post.id, user_id=user.id, author_id=post.author_id)
        enqueue_after_commit(session, "socialflow.feeds.fanout", post.id, via_user_id=user.id)
    counts = _counts(session, post_id)
    return {"shared": True, **counts}


def unshare(session: Session, *, user: User, post_id: int) -> dict[str, Any]:
    post = get_visible_post(session, viewer=user, post_id=post_id)
    result = session.execute(
        delete(SHARES).where(SHARES.c.user_id == user.id, SHARES.c.post_id == post.id)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        bump(session, POSTS, post.id, share_count=-1)
        record_event(
            session, "unshared", post_id=post.id, user_id=user.id, author_id=post.author_id
        )
    counts = _counts(session, post_id)
    return {"shared": False, **counts}


def bookmark(session: Session, *, user: User, post_id: int) -> None:
    post = get_visible_post(session, viewer=user, post_id=post_id)
    if insert_ignore(session, BOOKMARKS, {"user_id": user.id, "post_id": post.id}):
        record_event(session, "bookmarked", post_id=post.id, user_id=user.id)


def unbookmark(session: Session, *, user: User, post_id: int) -> None:
    session.execute(
        delete(BOOKMARKS).where(BOOKMARKS.c.user_id == user.id, BOOKMARKS.c.post_id == post_id)
    )


def bookmarked_ids(session: Session, *, user: User, limit: int, before: int | None) -> list[int]:
    """Post ids the user bookmarked, newest post first."""
    statement = (
        select(BOOKMARKS.c.post_id)
        .where(BOOKMARKS.c.user_id == user.id)
        .order_by(BOOKMARKS.c.post_id.desc())
        .limit(limit)
    )
    if before is not None:
        statement = statement.where(BOOKMARKS.c.post_id < before)
    return [row[0] for row in session.execute(statement)]
