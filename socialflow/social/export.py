"""The social app's part of a user's data export: posts (with edit history), comments,
likes, shares, bookmarks and post images (metadata; the bytes stay behind signed URLs)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from socialflow.core.db.base import iso_or_none as _iso
from socialflow.social.models import Bookmark, Comment, MediaImage, Post, PostEdit, PostLike, Share


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


def content_section(session: Session, user_id: int) -> dict[str, Any]:
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


def images_section(session: Session, user_id: int) -> list[dict[str, Any]]:
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
