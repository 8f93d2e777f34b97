"""Moderator-side changes to posts and comments: no author check, the usual events.

The moderation app (above this one) hides, removes and restores content
through these functions. They skip the author check of :mod:`socialflow.social.posts`
and :mod:`socialflow.social.comments` (a moderator is not the author) but emit
the same events as the author's own edits and deletions (``post_edited``,
``post_deleted``, ``comment_deleted``), so feed caches, search and every
other listener follow at once, in every process. The caller commits.
"""

from __future__ import annotations

from sqlmodel import Session

from socialflow.core.db.base import utcnow
from socialflow.core.db.sqlutil import bump
from socialflow.core.effects import record_event
from socialflow.core.errors import NotFound
from socialflow.core.indexing import queue_post
from socialflow.social.comments import COMMENTS
from socialflow.social.models import Comment, Post
from socialflow.social.posts import POSTS


def _post(session: Session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound("No such post.")
    return post


def set_post_visibility(session: Session, *, post_id: int, visibility: str) -> str:
    """Set a post's visibility as a moderator (any value, locked audiences included);
    returns the previous one."""
    post = _post(session, post_id)
    previous = post.visibility
    if visibility != previous:
        post.visibility = visibility
        session.add(post)
        record_event(
            session, "post_edited", post_id=post.id, author_id=post.author_id, visibility=visibility
        )
        queue_post(session, post.id)
    return previous


def set_post_removed(session: Session, *, post_id: int, removed: bool) -> None:
    """Soft delete a post (``removed``) or bring a soft-deleted one back."""
    post = _post(session, post_id)
    if removed == (post.deleted_at is not None):
        return
    post.deleted_at = utcnow() if removed else None
    session.add(post)
    event = "post_deleted" if removed else "post_edited"
    record_event(session, event, post_id=post.id, author_id=post.author_id)
    queue_post(session, post.id)


def set_comment_removed(session: Session, *, comment_id: int, removed: bool) -> None:
    """Soft delete a comment (``removed``) or bring it back; counts follow."""
    _set_comment_gone(session, comment_id, "deleted_at", gone=removed)


def set_comment_hidden(session: Session, *, comment_id: int, hidden: bool) -> None:
    """Hide a comment from everyone but its author (``hidden``) or show it again.

    Counted like a removal (others no longer see it), and announced the same
    way, so every cached view of the post is redrawn.
    """
    _set_comment_gone(session, comment_id, "hidden_at", gone=hidden)


def _set_comment_gone(session: Session, comment_id: int, column: str, *, gone: bool) -> None:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("No such comment.")
    if gone == (getattr(comment, column) is not None):
        return
    was_seen = comment.deleted_at is None and comment.hidden_at is None
    setattr(comment, column, utcnow() if gone else None)
    session.add(comment)
    if was_seen == (comment.deleted_at is None and comment.hidden_at is None):
        return  # hidden and removed both: the counts changed with the first
    step = -1 if gone else 1
    bump(session, POSTS, comment.post_id, comment_count=step)
    if comment.parent_id is not None:
        bump(session, COMMENTS, comment.parent_id, reply_count=step)
    post = session.get(Post, comment.post_id)
    record_event(
        session,
        "comment_deleted",  # also after a restore: every cached view of the post is redrawn
        comment_id=comment.id,
        post_id=comment.post_id,
        author_id=comment.author_id,
        post_author_id=post.author_id if post is not None else None,
    )
