"""Threaded comments: top-level comments and one level of replies.

A reply to a reply attaches to the same top-level comment (the thread stays
two levels deep, as on most video platforms). Blocks and mutes apply: the
viewer never sees comments by hidden accounts, and a post's author who
blocked you makes the post (and so its comments) invisible to you.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, or_, select
from sqlmodel import Session

from socialflow.accounts.models import AccountState, User
from socialflow.core import screening
from socialflow.core.db.base import utcnow
from socialflow.core.db.sqlutil import bump
from socialflow.core.effects import record_event
from socialflow.core.errors import NotFound
from socialflow.graph import relations as graph
from socialflow.social import trending
from socialflow.social.models import Comment
from socialflow.social.posts import (
    POSTS,
    _iso,
    _validate_text,
    get_visible_post,
    is_public,
    parse_entities,
    resolve_mentions,
)

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

COMMENTS = Comment.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]
MAX_COMMENT_LENGTH = 1000


def create_comment(
    session: Session,
    *,
    platform: Platform,
    author: User,
    post_id: int,
    text: str,
    parent_id: int | None = None,
) -> dict[str, Any]:
    post = get_visible_post(session, viewer=author, post_id=post_id)
    data = platform.plugins.apply_filters(
        "socialflow_filter_comment",
        {"author_id": author.id, "post_id": post.id, "text": text, "parent_id": parent_id},
    )
    clean = _validate_text(str(data["text"]), MAX_COMMENT_LENGTH)
    assert author.id is not None
    verdict = screening.judge_text(platform, clean, kind="comment", author_id=author.id)
    screening.refuse_if_rejected(session, platform, verdict, kind="comment", author_id=author.id)
    root_id = None
    reply_to_author_id = None
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        if parent is None or parent.post_id != post.id or not _shown(parent, author):
            raise NotFound("No such comment to reply to.")
        root_id = parent.parent_id or parent.id
        reply_to_author_id = parent.author_id
    comment = Comment(post_id=post.id, author_id=author.id, parent_id=root_id, text=clean)  # type: ignore[arg-type]
    session.add(comment)
    session.flush()
    bump(session, POSTS, post.id, comment_count=1)
    if root_id is not None:
        bump(session, COMMENTS, root_id, reply_count=1)
    if screening.record(
        session,
        platform,
        kind="comment",
        target_id=str(comment.id),
        author_id=author.id,
        verdict=verdict,
    ):
        # Held: taken down until a moderator releases it; nobody is told of it meanwhile.
        return _one(session, comment.id)  # type: ignore[arg-type]
    if is_public(session, post):
        trending.count_post_engagement(
            session,
            post_id=post_id,
            action="comment",
            bucket_seconds=platform.settings.trending_bucket_seconds,
        )
    record_event(
        session,
        "commented",
        comment_id=comment.id,
        post_id=post.id,
        author_id=author.id,
        post_author_id=post.author_id,
        parent_id=root_id,
        reply_to_id=parent_id,
        reply_to_author_id=reply_to_author_id,
    )
    # Mentions in a comment fire ``mentioned`` like mentions in a post (with the comment).
    usernames = parse_entities(clean)["mentions"]
    for mention in resolve_mentions(session, author_id=author.id, usernames=usernames):
        if mention["id"] != author.id:
            record_event(
                session,
                "mentioned",
                post_id=post.id,
                comment_id=comment.id,
                author_id=author.id,
                user_id=mention["id"],
            )
    return _one(session, comment.id)  # type: ignore[arg-type]


def _shown(comment: Comment, viewer: User | None) -> bool:
    """Not deleted, and not hidden by a moderator unless ``viewer`` wrote it."""
    if comment.deleted_at is not None:
        return False
    return comment.hidden_at is None or (viewer is not None and viewer.id == comment.author_id)


def shown_condition(viewer_id: int | None) -> ColumnElement[bool]:
    """SQL: the comment is not hidden by a moderator, or ``viewer_id`` wrote it."""
    not_hidden: ColumnElement[bool] = COMMENTS.c.hidden_at.is_(None)
    if viewer_id is None:
        return not_hidden
    return or_(not_hidden, COMMENTS.c.author_id == viewer_id)


def delete_comment(session: Session, *, actor: User, comment_id: int) -> None:
    """The comment's author or the post's author may delete it (soft)."""
    comment = session.get(Comment, comment_id)
    if comment is None or not _shown(comment, actor):
        raise NotFound("No such comment.")
    post = get_visible_post(session, viewer=actor, post_id=comment.post_id)
    if actor.id not in (comment.author_id, post.author_id):
        raise NotFound("No such comment.")
    comment.deleted_at = utcnow()
    session.add(comment)
    if comment.hidden_at is None:  # a hidden comment left the counts when it was hidden
        bump(session, POSTS, post.id, comment_count=-1)
        if comment.parent_id is not None:
            bump(session, COMMENTS, comment.parent_id, reply_count=-1)
    record_event(
        session,
        "comment_deleted",
        comment_id=comment.id,
        post_id=post.id,
        author_id=comment.author_id,
        post_author_id=post.author_id,
    )


_COLUMNS = (
    COMMENTS.c.id,
    COMMENTS.c.post_id,
    COMMENTS.c.parent_id,
    COMMENTS.c.author_id,
    COMMENTS.c.text,
    COMMENTS.c.reply_count,
    COMMENTS.c.created_at,
    USERS.c.username,
    USERS.c.display_name,
)


def _serialize(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "post_id": row.post_id,
        "parent_id": row.parent_id,
        "author": {
            "id": row.author_id,
            "username": row.username,
            "display_name": row.display_name,
            "avatar_url": None,
        },
        "text": row.text,
        "reply_count": row.reply_count,
        "created_at": _iso(row.created_at),
    }


def _one(session: Session, comment_id: int) -> dict[str, Any]:
    row = session.execute(
        select(*_COLUMNS)
        .join(USERS, USERS.c.id == COMMENTS.c.author_id)
        .where(COMMENTS.c.id == comment_id)
    ).one()
    return _serialize(row)


def list_comments(
    session: Session,
    *,
    viewer: User | None,
    post_id: int,
    parent_id: int | None,
    limit: int,
    after: int | None,
) -> list[dict[str, Any]]:
    """Comments of a visible post (top level, or replies to ``parent_id``), oldest first."""
    get_visible_post(session, viewer=viewer, post_id=post_id)
    statement = (
        select(*_COLUMNS)
        .join(USERS, USERS.c.id == COMMENTS.c.author_id)
        .where(
            COMMENTS.c.post_id == post_id,
            COMMENTS.c.deleted_at.is_(None),
            shown_condition(viewer.id if viewer else None),
            USERS.c.state != AccountState.deleted.value,
        )
        .order_by(COMMENTS.c.id)
        .limit(limit)
    )
    if parent_id is None:
        statement = statement.where(COMMENTS.c.parent_id.is_(None))
    else:
        statement = statement.where(COMMENTS.c.parent_id == parent_id)
    if after is not None:
        statement = statement.where(COMMENTS.c.id > after)
    hidden = graph.hidden_user_ids(session, viewer.id if viewer else None)
    if hidden:
        statement = statement.where(COMMENTS.c.author_id.not_in(hidden))
    return [_serialize(row) for row in session.execute(statement)]
