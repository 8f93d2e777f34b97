"""Search over users, posts, hashtags and videos through the active SearchBackend.

The backend only returns ids; this module hydrates them and applies the
viewer's rules (visibility, blocks, mutes), so a plugin backend (OpenSearch...)
cannot leak what the viewer may not see. The index is kept in step by the
``socialflow.search.index_post`` task, queued after the commit of every post
change, and users are indexed incrementally from a persisted watermark
(new ids and newer ``updated_at``) before each user search.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import Session

from socialflow.errors import ValidationProblem
from socialflow.models.posts import Post, Visibility
from socialflow.models.search import SearchSyncState
from socialflow.models.user import AccountState, User
from socialflow.plugins.protocols import SearchDocument
from socialflow.services import graph
from socialflow.services.posts import load_rows, serialize_many, visible_rows

if TYPE_CHECKING:
    from socialflow.platform import Platform

USERS = User.__table__  # type: ignore[attr-defined]
KINDS = {"users": "user", "posts": "post", "hashtags": "hashtag", "videos": "video"}
USER_SYNC_BATCH = 5000


def user_document(row: Any) -> SearchDocument:
    return SearchDocument(
        kind="user",
        id=str(row.id),
        text=" ".join(part for part in (row.username, row.display_name, row.bio) if part),
        fields={"prefix": row.username_key},
    )


def post_document(post: Any) -> SearchDocument:
    return SearchDocument(kind="post", id=str(post.id), text=post.text, fields={})


def hashtag_document(tag: str) -> SearchDocument:
    return SearchDocument(kind="hashtag", id=tag, text=tag, fields={"prefix": tag})


def sync_post(platform: Platform, session: Session, post_id: int) -> None:
    """Index a live post (and its hashtags when public), or drop a deleted one."""
    backend = platform.provider("search")
    post = session.get(Post, post_id)
    # End the read transaction first: on SQLite it holds the database lock, and
    # the backend writes through its own connection.
    session.commit()
    if post is None or post.deleted_at is not None:
        backend.delete("post", [str(post_id)])
        return
    backend.index([post_document(post)])
    if post.visibility == Visibility.public.value:
        backend.index([hashtag_document(t) for t in post.entities.get("hashtags", [])])


def sync_users(platform: Platform, session: Session) -> int:
    """Index users registered or changed since the last sync; returns how many."""
    state = session.get(SearchSyncState, "users") or SearchSyncState(name="users")
    since = datetime.fromtimestamp(state.last_updated, UTC)
    columns = (
        USERS.c.id,
        USERS.c.username,
        USERS.c.username_key,
        USERS.c.display_name,
        USERS.c.bio,
        USERS.c.state,
        USERS.c.updated_at,
    )
    new = list(
        session.execute(
            select(*columns)
            .where(USERS.c.id > state.last_id)
            .order_by(USERS.c.id)
            .limit(USER_SYNC_BATCH)
        )
    )
    changed = list(
        session.execute(
            select(*columns)
            .where(USERS.c.updated_at > since, USERS.c.id <= state.last_id)
            .limit(USER_SYNC_BATCH)
        )
    )
    rows = new + changed
    session.commit()  # release SQLite's lock before the backend writes on its own connection
    if not rows:
        return 0
    backend = platform.provider("search")
    live = [r for r in rows if r.state != AccountState.deleted.value]
    gone = [str(r.id) for r in rows if r.state == AccountState.deleted.value]
    backend.index([user_document(r) for r in live])
    backend.delete("user", gone)
    if new:
        state.last_id = max(r.id for r in new)
    stamps = [r.updated_at.timestamp() for r in rows if r.updated_at is not None]
    if stamps:
        state.last_updated = max(state.last_updated, *stamps)
    session.add(state)
    session.commit()
    return len(rows)


def search(
    platform: Platform,
    session: Session,
    *,
    viewer: User | None,
    q: str,
    type_: str,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """One page of results the viewer may see: ``{"items", "next_cursor"}``."""
    kind = KINDS.get(type_)
    if kind is None:
        raise ValidationProblem(
            f"type must be one of {', '.join(KINDS)}.", slug="invalid-search-type"
        )
    if not q.strip():
        raise ValidationProblem("q must not be empty.", slug="validation-error")
    if kind == "user":
        while sync_users(platform, session) >= USER_SYNC_BATCH:
            pass
    session.commit()  # see sync_post: no open transaction while the backend runs
    hits = platform.provider("search").query(q, kind=kind, limit=limit, cursor=cursor)
    viewer_id = viewer.id if viewer else None
    items: list[dict[str, Any]]
    if kind == "post":
        ids = [int(i) for i in hits.ids if i.isdigit()]
        rows = load_rows(session, ids)
        kept = {row.id: row for row in visible_rows(session, viewer_id, rows.values())}
        items = serialize_many(
            session, viewer_id, [kept[i] for i in ids if i in kept], platform=platform
        )
    elif kind == "user":
        items = _users(session, viewer_id, [int(i) for i in hits.ids if i.isdigit()])
    elif kind == "hashtag":
        items = [{"tag": tag} for tag in hits.ids]
    else:
        # Videos are indexed by the video domain; hydrating them belongs to it.
        items = []
    return {"items": items, "next_cursor": hits.next_cursor}


def _users(session: Session, viewer_id: int | None, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    hidden = graph.hidden_user_ids(session, viewer_id)
    rows = {
        row.id: row
        for row in session.execute(
            select(USERS).where(USERS.c.id.in_(ids), USERS.c.state != AccountState.deleted.value)
        )
        if row.id not in hidden
    }
    following = graph.followed_among(session, viewer_id, rows)
    return [
        {
            "id": row.id,
            "username": row.username,
            "display_name": row.display_name,
            "bio": row.bio,
            "avatar_url": None,
            "follower_count": row.follower_count,
            "following_count": row.following_count,
            "is_following": row.id in following,
            "is_private": row.is_private,
        }
        for row in (rows[i] for i in ids if i in rows)
    ]
