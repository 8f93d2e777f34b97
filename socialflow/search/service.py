"""Search over users, posts, hashtags and videos through the active SearchBackend.

The backend only returns ids; this module hydrates them and applies the
viewer's rules (visibility, blocks, mutes, account state), so a plugin
backend (OpenSearch...) cannot leak what the viewer may not see.

The index is kept in step after each commit: services queue
``socialflow.search.index_post`` / ``index_user`` / ``index_video`` (see
:mod:`socialflow.search.tasks`), and the worker runs :func:`sync_post`,
:func:`sync_user` or :func:`sync_video` with its platform. Nothing is indexed
on the request path. :func:`rebuild_index` (``socialflow search reindex``)
rebuilds everything, and :func:`catch_up_users` replays users changed since a
persisted watermark: both are repair paths for an index that fell behind
(a lost task, a restored backup, a new backend).

Long because the index has one set of rules: what is searchable, how each
kind becomes a document, how hits are hydrated and filtered for the viewer,
and how the index is kept in step, rebuilt and caught up all read the same
column lists and visibility checks. Split apart, a change to what a viewer
may find would have to be made in several modules at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, cast, delete, func, insert, literal, select
from sqlalchemy.sql import Select
from sqlmodel import Session

from socialflow.accounts.models import AccountState, User
from socialflow.core.errors import ValidationProblem
from socialflow.core.inputs import MAX_DB_ID, ascii_int
from socialflow.core.progress import Progress, SilentProgress
from socialflow.graph import relations as graph
from socialflow.plugins.protocols import (
    BulkLoadingSearchBackend,
    SearchBackend,
    SearchDocument,
    SearchHits,
)
from socialflow.search.models import SearchSyncState
from socialflow.social.models import Post, PostHashtag
from socialflow.social.posts import (
    is_public,
    load_rows,
    public_condition,
    serialize_many,
    visible_rows,
)
from socialflow.video.models import Video, VideoStatus
from socialflow.video.models import Visibility as VideoVisibility
from socialflow.video.public import public_videos

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

USERS = User.__table__  # type: ignore[attr-defined]
POSTS = Post.__table__  # type: ignore[attr-defined]
HASHTAGS = PostHashtag.__table__  # type: ignore[attr-defined]
VIDEOS = Video.__table__  # type: ignore[attr-defined]
SYNC = SearchSyncState.__table__  # type: ignore[attr-defined]
KINDS = {"users": "user", "posts": "post", "hashtags": "hashtag", "videos": "video"}
# Only these accounts are findable; suspended and deleted ones drop out.
SEARCHABLE_STATES = (AccountState.active.value, AccountState.unverified.value)
USER_SYNC_BATCH = 5000
REBUILD_BATCH = 2000
# Backend queries one search page may take to fill up with hits the viewer may see.
MAX_SEARCH_ROUNDS = 5


# ----------------------------------------------------------------- documents


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


def video_document(video: Any) -> SearchDocument:
    """Videos are found by title and description."""
    text = " ".join(part for part in (video.title, video.description) if part)
    return SearchDocument(kind="video", id=str(video.id), text=text, fields={})


def _public_tags() -> Select[Any]:
    return (
        select(HASHTAGS.c.tag)
        .join(POSTS, POSTS.c.id == HASHTAGS.c.post_id)
        .join(USERS, USERS.c.id == POSTS.c.author_id)
        .where(public_condition(), POSTS.c.deleted_at.is_(None))
        .distinct()
    )


def document_queries() -> dict[str, Select[Any]]:
    """Every findable document as ``(kind, ref_id, text, prefix)`` rows, by rebuild count name.

    The SQL twins of the functions above (and of ``user_is_searchable`` /
    ``video_is_searchable``), for a backend that can load a million documents
    in one statement instead of receiving them in batches.
    """

    def kind(name: str) -> Any:
        return literal(name, String).label("kind")

    user_text = func.concat_ws(
        " ",
        func.nullif(USERS.c.username, ""),
        func.nullif(USERS.c.display_name, ""),
        func.nullif(USERS.c.bio, ""),
    )
    tags = _public_tags().subquery()
    return {
        "users": select(
            kind("user"), cast(USERS.c.id, String), user_text, USERS.c.username_key
        ).where(USERS.c.state.in_(SEARCHABLE_STATES)),
        "posts": select(kind("post"), cast(POSTS.c.id, String), POSTS.c.text, literal("")).where(
            POSTS.c.deleted_at.is_(None)
        ),
        "hashtags": select(kind("hashtag"), tags.c.tag, tags.c.tag, tags.c.tag),
        "videos": select(
            kind("video"),
            VIDEOS.c.id,
            func.concat_ws(
                " ", func.nullif(VIDEOS.c.title, ""), func.nullif(VIDEOS.c.description, "")
            ),
            literal(""),
        ).where(VIDEOS.c.status == VideoStatus.ready.value),
    }


def user_is_searchable(row: Any) -> bool:
    return row is not None and row.state in SEARCHABLE_STATES


def video_is_searchable(row: Any) -> bool:
    return row is not None and row.status == VideoStatus.ready.value


# -------------------------------------------------------------- incremental


def sync_post(platform: Platform, session: Session, post_id: int) -> None:
    """Index a live post (and its hashtags when anyone may see it), or drop a deleted one.

    Commits: ends the read transaction before the backend runs; on SQLite it
    holds the database lock, and the backend writes through its own
    connection. Nothing is written through ``session`` here.
    """
    backend = platform.provider("search")
    post = session.get(Post, post_id)
    public = post is not None and is_public(session, post)
    # End the read transaction first: on SQLite it holds the database lock, and
    # the backend writes through its own connection.
    session.commit()
    if post is None or post.deleted_at is not None:
        backend.delete("post", [str(post_id)])
        return
    backend.index([post_document(post)])
    if public:
        backend.index([hashtag_document(t) for t in post.entities.get("hashtags", [])])


def sync_user(platform: Platform, session: Session, user_id: int) -> None:
    """Index a findable account, or drop a suspended, deleted or missing one.

    Commits: ends the read transaction before the backend runs (see :func:`sync_post`).
    """
    row = session.execute(select(USERS).where(USERS.c.id == user_id)).first()
    session.commit()  # see sync_post
    backend = platform.provider("search")
    if user_is_searchable(row):
        backend.index([user_document(row)])
    else:
        backend.delete("user", [str(user_id)])


def sync_video(platform: Platform, session: Session, video_id: str) -> None:
    """Index a ready video, or drop one that is gone or not (any longer) ready.

    Commits: ends the read transaction before the backend runs (see :func:`sync_post`).
    """
    row = session.execute(select(VIDEOS).where(VIDEOS.c.id == video_id)).first()
    session.commit()  # see sync_post
    backend = platform.provider("search")
    if video_is_searchable(row):
        backend.index([video_document(row)])
    else:
        backend.delete("video", [video_id])


_USER_COLUMNS = (
    USERS.c.id,
    USERS.c.username,
    USERS.c.username_key,
    USERS.c.display_name,
    USERS.c.bio,
    USERS.c.state,
    USERS.c.updated_at,
)


def catch_up_users(platform: Platform, session: Session) -> int:
    """Repair path: index users registered or changed since the watermark; returns how many.

    Runs in batches of ``USER_SYNC_BATCH`` (call until it returns less).
    The event path (:func:`sync_user`) keeps the index current; this only
    replays what a lost task may have missed.

    Commits: a batch job. The read transaction ends before the backend runs
    (see :func:`sync_post`), and the watermark is committed once the batch is
    indexed, so the next call starts where this one stopped.
    """
    state = session.get(SearchSyncState, "users") or SearchSyncState(name="users")
    since = datetime.fromtimestamp(state.last_updated, UTC)
    new = list(
        session.execute(
            select(*_USER_COLUMNS)
            .where(USERS.c.id > state.last_id)
            .order_by(USERS.c.id)
            .limit(USER_SYNC_BATCH)
        )
    )
    changed = list(
        session.execute(
            select(*_USER_COLUMNS)
            .where(USERS.c.updated_at > since, USERS.c.id <= state.last_id)
            .limit(USER_SYNC_BATCH)
        )
    )
    rows = new + changed
    session.commit()  # see sync_post
    if not rows:
        return 0
    backend = platform.provider("search")
    backend.index([user_document(r) for r in rows if user_is_searchable(r)])
    backend.delete("user", [str(r.id) for r in rows if not user_is_searchable(r)])
    if new:
        state.last_id = max(r.id for r in new)
    stamps = [r.updated_at.timestamp() for r in rows if r.updated_at is not None]
    if stamps:
        state.last_updated = max(state.last_updated, *stamps)
    session.add(state)
    session.commit()
    return len(rows)


# ------------------------------------------------------------------ rebuild


def _batches(items: Sequence[Any], size: int = REBUILD_BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _feed(
    progress: Progress,
    name: str,
    rows: Sequence[Any],
    keep: Callable[[Any], bool],
    index: Callable[[list[Any]], None],
    drop: Callable[[list[Any]], None],
) -> None:
    """Index the rows ``keep`` accepts and drop the others from the backend, in batches."""
    progress.phase(name, len(rows))
    for chunk in _batches(rows):
        index([r for r in chunk if keep(r)])
        drop([r for r in chunk if not keep(r)])
        progress.advance(len(chunk))


def rebuild_index(platform: Platform, progress: Progress | None = None) -> dict[str, int]:
    """Feed every user, post, public hashtag and video to the backend; drop the unfindable.

    Idempotent and safe while the platform runs (the incremental tasks write
    the same documents). Suspended or deleted users, deleted posts and videos
    that are not ready are deleted from the index. Moves the user watermark
    to now. Returns how many documents of each kind were indexed.

    A backend that can fill an empty index in one bulk load (the optional
    ``fill_empty`` of ``SearchBackend``; the built-in ``sql`` one on
    PostgreSQL, for a first seed or a new database) does so instead: nothing
    is in it to drop.
    """
    progress = progress or SilentProgress()
    backend = platform.provider("search")
    started = datetime.now(UTC).timestamp()
    with platform.engine.connect() as connection:
        # Read first: users registering during the rebuild are replayed by catch_up_users.
        max_user = connection.execute(select(func.max(USERS.c.id))).scalar() or 0
    counts = None
    if isinstance(backend, BulkLoadingSearchBackend):  # optional, see its protocol
        progress.phase("Search index (bulk load)", None)
        counts = backend.fill_empty(document_queries())
    if counts is None:
        counts = _feed_everything(platform, backend, progress)
    with platform.engine.begin() as connection:
        connection.execute(delete(SYNC).where(SYNC.c.name == "users"))
        connection.execute(
            insert(SYNC).values(name="users", last_id=max_user, last_updated=started)
        )
    return counts


def _feed_everything(
    platform: Platform, backend: SearchBackend, progress: Progress
) -> dict[str, int]:
    """Read every source row and index (or drop) its document, batch by batch."""
    with platform.engine.connect() as connection:
        users = connection.execute(select(*_USER_COLUMNS).order_by(USERS.c.id)).all()
        posts = connection.execute(
            select(POSTS.c.id, POSTS.c.text, POSTS.c.deleted_at).order_by(POSTS.c.id)
        ).all()
        tags = [row[0] for row in connection.execute(_public_tags())]
        videos = connection.execute(
            select(VIDEOS.c.id, VIDEOS.c.title, VIDEOS.c.description, VIDEOS.c.status).order_by(
                VIDEOS.c.id
            )
        ).all()
    _feed(
        progress,
        "Users",
        users,
        user_is_searchable,
        lambda rows: backend.index([user_document(r) for r in rows]),
        lambda rows: backend.delete("user", [str(r.id) for r in rows]),
    )
    _feed(
        progress,
        "Posts",
        posts,
        lambda r: r.deleted_at is None,
        lambda rows: backend.index([post_document(r) for r in rows]),
        lambda rows: backend.delete("post", [str(r.id) for r in rows]),
    )
    _feed(
        progress,
        "Hashtags",
        tags,
        lambda _tag: True,
        lambda rows: backend.index([hashtag_document(t) for t in rows]),
        lambda rows: None,
    )
    _feed(
        progress,
        "Videos",
        videos,
        video_is_searchable,
        lambda rows: backend.index([video_document(r) for r in rows]),
        lambda rows: backend.delete("video", [str(r.id) for r in rows]),
    )
    return {
        "users": sum(1 for r in users if user_is_searchable(r)),
        "posts": sum(1 for r in posts if r.deleted_at is None),
        "hashtags": len(tags),
        "videos": sum(1 for r in videos if video_is_searchable(r)),
    }


# -------------------------------------------------------------------- query


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
    """One page of results the viewer may see: ``{"items", "next_cursor"}``.

    Commits: only to end the read transaction before each backend query
    (see :func:`sync_post`); it writes nothing.
    """
    kind = KINDS.get(type_)
    if kind is None:
        raise ValidationProblem(
            f"type must be one of {', '.join(KINDS)}.", slug="invalid-search-type"
        )
    if not q.strip():
        raise ValidationProblem("q must not be empty.", slug="validation-error")
    viewer_id = viewer.id if viewer else None
    backend = platform.provider("search")
    items: list[dict[str, Any]] = []
    for _ in range(MAX_SEARCH_ROUNDS):
        session.commit()  # see sync_post: no open transaction while the backend runs
        hits = backend.query(q, kind=kind, limit=limit - len(items), cursor=cursor)
        items += _highlighted(_shown(platform, session, viewer_id, kind, hits.ids), hits)
        cursor = hits.next_cursor
        if len(items) >= limit or cursor is None:
            break
    return {"items": items, "next_cursor": cursor}


def _highlighted(items: list[dict[str, Any]], hits: SearchHits) -> list[dict[str, Any]]:
    """Each item with ``highlight``: the backend's excerpt of it (``<mark>`` around the
    matched terms, the rest HTML-escaped), or ``None`` when the backend gave none."""
    marks = hits.highlights
    return [
        {**item, "highlight": marks.get(str(item.get("id", item.get("tag"))))} for item in items
    ]


def _shown(
    platform: Platform, session: Session, viewer_id: int | None, kind: str, ids: list[str]
) -> list[dict[str, Any]]:
    """The hits ``viewer_id`` may see, hydrated in their public shape, in the backend's order.

    The backend knows nothing of the viewer, so :func:`search` asks it again
    (from where the last answer ended, for as many as are still missing) until
    a page is full: each hit is either shown or passed over, never both, so
    pages neither repeat nor skip.
    """
    if kind == "post":
        post_ids = _row_ids(ids)
        rows = load_rows(session, post_ids)
        kept = {row.id: row for row in visible_rows(session, viewer_id, rows.values())}
        return serialize_many(
            session, viewer_id, [kept[i] for i in post_ids if i in kept], platform=platform
        )
    if kind == "user":
        return _users(session, viewer_id, _row_ids(ids))
    if kind == "hashtag":
        return [{"tag": tag} for tag in ids]
    return _videos(platform, session, viewer_id, ids)


def _row_ids(refs: list[str]) -> list[int]:
    """The row ids among a backend's hits (anything else, e.g. ``"²"``, is skipped)."""
    ids = (ascii_int(ref, maximum=MAX_DB_ID) for ref in refs)
    return [row_id for row_id in ids if row_id is not None]


def _users(session: Session, viewer_id: int | None, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    hidden = graph.hidden_user_ids(session, viewer_id)
    rows = {
        row.id: row
        for row in session.execute(
            select(USERS).where(USERS.c.id.in_(ids), USERS.c.state.in_(SEARCHABLE_STATES))
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


def visible_video_ids(session: Session, viewer_id: int | None, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` a search may show ``viewer_id``.

    The rules of ``GET /videos/{id}`` (``videos.can_view``: ready and not
    private, or the viewer's own), narrowed for a listing: only ``ready``
    videos, and ``unlisted`` ones only to their owner (like ``GET /videos``).
    On top: the owner's account is searchable, public or followed by the
    viewer (a private account's videos are for its approved followers), no
    block either way and no mute by the viewer, and a video carried by live posts is shown only if
    the viewer may see at least one of them (a followers-only post's video
    does not surface to strangers through search).
    """
    wanted = [i for i in dict.fromkeys(ids) if len(i) <= 32]
    if not wanted:
        return set()
    rows = session.execute(
        select(VIDEOS.c.id, VIDEOS.c.owner_id, VIDEOS.c.visibility, USERS.c.is_private)
        .select_from(VIDEOS.join(USERS, USERS.c.id == VIDEOS.c.owner_id))
        .where(
            VIDEOS.c.id.in_(wanted),
            VIDEOS.c.status == VideoStatus.ready.value,
            USERS.c.state.in_(SEARCHABLE_STATES),
        )
    ).all()
    hidden = graph.hidden_user_ids(session, viewer_id)
    followed = graph.followed_among(session, viewer_id, {r.owner_id for r in rows if r.is_private})
    candidates = {
        row.id
        for row in rows
        if row.owner_id not in hidden
        and (
            row.owner_id == viewer_id
            or (
                row.visibility == VideoVisibility.public.value
                and (not row.is_private or row.owner_id in followed)
            )
        )
    }
    if not candidates:
        return set()
    carriers = session.execute(
        select(POSTS.c.id, POSTS.c.video_id).where(
            POSTS.c.video_id.in_(candidates), POSTS.c.deleted_at.is_(None)
        )
    ).all()
    live = load_rows(session, [c.id for c in carriers])
    seen = {row.id for row in visible_rows(session, viewer_id, live.values(), hidden=hidden)}
    attached: dict[str, bool] = {}
    for carrier in carriers:
        if carrier.id in live:
            attached[carrier.video_id] = attached.get(carrier.video_id, False) or (
                carrier.id in seen
            )
    return {i for i in candidates if attached.get(i, True)}


def _videos(
    platform: Platform, session: Session, viewer_id: int | None, ids: list[str]
) -> list[dict[str, Any]]:
    """Hydrate through the video domain's public serializer, in the backend's order."""
    allowed = visible_video_ids(session, viewer_id, ids)
    shaped = public_videos(platform, session, allowed)
    return [shaped[i] for i in ids if i in shaped]
