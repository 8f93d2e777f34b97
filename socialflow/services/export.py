"""A user's data export (GDPR-style): every domain's part in one JSON document.

The accounts part comes from :func:`socialflow.services.users.export_data`;
this module adds what the user created or chose elsewhere: posts (with edit
history), comments, likes, shares, bookmarks, the social graph, videos and
images (their metadata; the bytes stay behind the signed URLs of the posts).
Other people's data is never included beyond the ids the user acted on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from socialflow.models.graph import Block, Follow, FollowRequest, Mute
from socialflow.models.images import MediaImage
from socialflow.models.posts import Bookmark, Comment, Post, PostEdit, PostLike, Share
from socialflow.models.user import User
from socialflow.models.video import Video
from socialflow.services.users import export_data as export_account

EXPORT_FORMAT = "socialflow-export/1"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _posts(session: Session, user_id: int) -> list[dict[str, Any]]:
    posts = list(session.exec(select(Post).where(Post.author_id == user_id).order_by(col(Post.id))))
    edits: dict[int, list[dict[str, Any]]] = {}
    if posts:
        post_ids = [p.id for p in posts]
        for edit in session.exec(
            select(PostEdit).where(col(PostEdit.post_id).in_(post_ids)).order_by(col(PostEdit.id))
        ):
            edits.setdefault(edit.post_id, []).append(
                {"text": edit.text, "replaced_at": _iso(edit.created_at)}
            )
    return [
        {
            "id": p.id,
            "text": p.text,
            "entities": p.entities,
            "visibility": p.visibility,
            "video_id": p.video_id,
            "created_at": _iso(p.created_at),
            "edited_at": _iso(p.edited_at),
            "deleted_at": _iso(p.deleted_at),
            "earlier_versions": edits.get(p.id or 0, []),
        }
        for p in posts
    ]


def _content(session: Session, user_id: int) -> dict[str, Any]:
    def acted_on(model: Any) -> list[dict[str, Any]]:
        rows = session.exec(select(model).where(model.user_id == user_id))
        return [{"post_id": r.post_id, "at": _iso(r.created_at)} for r in rows]

    comments = session.exec(
        select(Comment).where(Comment.author_id == user_id).order_by(col(Comment.id))
    )
    return {
        "posts": _posts(session, user_id),
        "comments": [
            {
                "id": c.id,
                "post_id": c.post_id,
                "parent_id": c.parent_id,
                "text": c.text,
                "created_at": _iso(c.created_at),
                "deleted_at": _iso(c.deleted_at),
            }
            for c in comments
        ],
        "likes": acted_on(PostLike),
        "shares": acted_on(Share),
        "bookmarks": acted_on(Bookmark),
    }


def _graph(session: Session, user_id: int) -> dict[str, Any]:
    def usernames(model: Any, mine: str, theirs: str) -> list[dict[str, Any]]:
        statement = (
            select(User.username, model.created_at)
            .join(model, getattr(model, theirs) == User.id)
            .where(getattr(model, mine) == user_id)
        )
        return [{"username": name, "since": _iso(at)} for name, at in session.exec(statement)]

    return {
        "following": usernames(Follow, "follower_id", "followee_id"),
        "followers": usernames(Follow, "followee_id", "follower_id"),
        "follow_requests_sent": usernames(FollowRequest, "requester_id", "target_id"),
        "blocked": usernames(Block, "blocker_id", "blocked_id"),
        "muted": usernames(Mute, "muter_id", "muted_id"),
    }


def _videos(session: Session, user_id: int) -> list[dict[str, Any]]:
    videos = session.exec(select(Video).where(Video.owner_id == user_id))
    return [
        {
            "id": v.id,
            "title": v.title,
            "description": v.description,
            "visibility": v.visibility,
            "status": v.status,
            "duration": v.duration,
            "width": v.width,
            "height": v.height,
        }
        for v in videos
    ]


def export_user_data(*, session: Session, user: User) -> dict[str, Any]:
    """Everything the platform holds about ``user``, as plain JSON values."""
    assert user.id is not None
    data = export_account(session=session, user=user)
    data["format"] = EXPORT_FORMAT
    data["content"] = _content(session, user.id)
    data["graph"] = _graph(session, user.id)
    data["videos"] = _videos(session, user.id)
    data["images"] = _images(session, user.id)
    return data


def _images(session: Session, user_id: int) -> list[dict[str, Any]]:
    images = session.exec(
        select(MediaImage)
        .where(MediaImage.owner_id == user_id)
        .order_by(col(MediaImage.created_at))
    )
    return [
        {
            "id": i.id,
            "post_id": i.post_id,
            "alt": i.alt,
            "content_type": i.content_type,
            "width": i.width,
            "height": i.height,
            "created_at": _iso(i.created_at),
        }
        for i in images
    ]
