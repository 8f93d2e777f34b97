"""Posts: create, read, edit (with history), soft delete, visibility, and hydration.

Reads for feeds go through :func:`hydrate`, which loads a page of posts with
their authors in one SQLAlchemy Core query (no ORM objects per row) and the
viewer's likes in a second, returning plain dicts ready for JSON.

Long because the rule of who may see a post is written once, in three
forms that must agree: a Python check on one row (:func:`may_see`,
:func:`can_view`), an SQL condition for lists and feeds
(:func:`visible_condition`) and the filtering of hydrated pages
(:func:`visible_rows`). Writes sit beside them because edits change what
that rule sees (visibility, mentions, attached media). Split apart, a change
to visibility would have to be made in several modules at once, and a
mismatch between them is a leak.

The services here leave the commit to their caller (docs/architecture.md,
"Who commits"); the ``socialflow_filter_post`` hooks run here, before any
write, whoever calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence, Set
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, delete, exists, or_, select, update
from sqlmodel import Session

from socialflow.accounts.models import AccountState, User
from socialflow.core import screening
from socialflow.core.db.base import utcnow
from socialflow.core.db.sqlutil import DB, bump, insert_many_ignore
from socialflow.core.effects import enqueue_after_commit, record_event
from socialflow.core.errors import Conflict, NotFound, ValidationProblem
from socialflow.core.indexing import queue_post
from socialflow.graph import relations as graph
from socialflow.graph.models import Follow
from socialflow.plugins.audiences import Audiences, audiences_of
from socialflow.plugins.protocols import ModerationVerdict
from socialflow.plugins.session import counters_of
from socialflow.social import images as image_service
from socialflow.social import trending
from socialflow.social.models import Post, PostEdit, PostHashtag, PostLike, Visibility
from socialflow.video.models import Video
from socialflow.video.public import public_videos

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

POSTS = Post.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]
LIKES = PostLike.__table__  # type: ignore[attr-defined]
HASHTAGS = PostHashtag.__table__  # type: ignore[attr-defined]
FOLLOWS = Follow.__table__  # type: ignore[attr-defined]

LINK_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
HASHTAG_RE = re.compile(r"(?<![\w#&])#(\w{1,100})")
MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9_]{3,30})\b")
MAX_LINKS = 10
MAX_TAGS = 30
MAX_MENTIONS = 20


# ------------------------------------------------------------------ entities


def parse_entities(text: str) -> dict[str, list[str]]:
    """Hashtags (lower-cased, unique, in order), mention usernames and links of ``text``."""
    links = list(dict.fromkeys(m.group(0).rstrip(".,;:!?)") for m in LINK_RE.finditer(text)))
    without_links = LINK_RE.sub(" ", text)
    tags = list(dict.fromkeys(m.group(1).lower() for m in HASHTAG_RE.finditer(without_links)))
    mentions = list(dict.fromkeys(m.group(1).lower() for m in MENTION_RE.finditer(without_links)))
    return {
        "hashtags": tags[:MAX_TAGS],
        "mentions": mentions[:MAX_MENTIONS],
        "links": links[:MAX_LINKS],
    }


def resolve_mentions(
    session: Session, *, author_id: int, usernames: Sequence[str]
) -> list[dict[str, Any]]:
    """Existing, active users among ``usernames``, minus those with a block against the author."""
    if not usernames:
        return []
    rows = session.execute(
        select(USERS.c.id, USERS.c.username, USERS.c.username_key).where(
            USERS.c.username_key.in_(usernames), USERS.c.state != AccountState.deleted.value
        )
    ).all()
    hidden = graph.hidden_user_ids(session, author_id, include_mutes=False)
    found = {row.username_key: row for row in rows if row.id not in hidden}
    return [{"id": found[u].id, "username": found[u].username} for u in usernames if u in found]


def _validate_text(text: str, limit: int) -> str:
    text = text.strip()
    if not text:
        raise ValidationProblem("text: must not be empty", slug="validation-error")
    if len(text) > limit:
        raise ValidationProblem(
            f"text: at most {limit} characters",
            errors=[
                {"field": "text", "message": f"at most {limit} characters", "code": "too_long"}
            ],
        )
    return text


def _visibility(session: DB, value: str) -> str:
    """``value`` if it is a built-in visibility or an audience a plugin registered."""
    audiences = audiences_of(session)
    if value in Visibility.__members__ or value in audiences.names:
        return value
    allowed = [v.value for v in Visibility] + audiences.names
    raise ValidationProblem(
        f"visibility must be one of: {', '.join(allowed)}.",
        slug="validation-error",
        errors=[{"field": "visibility", "message": "unknown visibility", "code": "invalid"}],
    )


def _own_video(session: Session, author_id: int, video_id: Any) -> str | None:
    """``video_id`` if it names one of the author's videos; 404 otherwise (any status).

    The row is read ``FOR KEY SHARE`` (PostgreSQL) so it cannot be deleted
    between this check and the insert that references it, while the media
    worker's progress updates (non-key columns) are not blocked.
    """
    if video_id is None:
        return None
    if not isinstance(video_id, str) or not video_id or len(video_id) > 32:
        raise NotFound("No such video.", slug="video-not-found")
    video = session.get(Video, video_id, with_for_update={"read": True, "key_share": True})
    if video is None or video.owner_id != author_id:
        raise NotFound("No such video.", slug="video-not-found")
    return video.id


# --------------------------------------------------------------------- write


def create_post(
    session: Session,
    *,
    platform: Platform,
    author: User,
    text: str,
    visibility: str = "public",
    video_id: str | None = None,
    image_ids: Sequence[str] = (),
) -> Post:
    """Store a post after the filter hooks; fan-out, search and trending follow the commit.

    ``image_ids`` name the author's own unattached images (docs/social.md,
    "Images"); a post carries a video or images, not both.
    """
    assert author.id is not None
    settings = platform.settings
    data = platform.plugins.apply_filters(
        "socialflow_filter_post",
        {
            "author_id": author.id,
            "text": text,
            "visibility": visibility,
            "video_id": video_id,
            "image_ids": list(image_ids),
        },
    )
    clean = _validate_text(str(data["text"]), settings.post_max_length)
    vis = _visibility(session, str(data.get("visibility", visibility)))
    parsed = parse_entities(clean)
    mentions = resolve_mentions(session, author_id=author.id, usernames=parsed["mentions"])
    entities = {"hashtags": parsed["hashtags"], "mentions": mentions, "links": parsed["links"]}
    # Checked after the filters (a plugin may set or clear them), before any write.
    images = image_service.check_image_ids(settings, data.get("image_ids") or [])
    image_service.no_mixed_media(data.get("video_id"), images)
    attached = _own_video(session, author.id, data.get("video_id"))
    verdict = _judge(session, platform, clean, images, author_id=author.id)
    post = Post(
        author_id=author.id,
        text=clean,
        entities=entities,
        visibility=vis,
        video_id=attached,
    )
    session.add(post)
    session.flush()
    assert post.id is not None
    _store_hashtags(session, post.id, parsed["hashtags"])
    if images:
        image_service.attach_images(session, owner_id=author.id, post_id=post.id, image_ids=images)
    if screening.record(
        session, platform, kind="post", target_id=str(post.id), author_id=author.id, verdict=verdict
    ):
        vis = post.visibility  # held: hidden from everyone but its author until reviewed
    # Only what anyone may see trends: a private account's posts never count.
    if vis == Visibility.public.value and not author.is_private and parsed["hashtags"]:
        trending.count(
            session,
            kind="tag",
            keys=parsed["hashtags"],
            bucket_seconds=settings.trending_bucket_seconds,
        )
    record_event(
        session,
        "post_created",
        post_id=post.id,
        author_id=author.id,
        visibility=vis,
        hashtags=parsed["hashtags"],
        mention_ids=[m["id"] for m in mentions],
        video_id=post.video_id,
        image_ids=images,
    )
    for mention in mentions:
        if mention["id"] != author.id:
            record_event(
                session, "mentioned", post_id=post.id, author_id=author.id, user_id=mention["id"]
            )
    enqueue_after_commit(session, "socialflow.feeds.fanout", post.id)
    queue_post(session, post.id)
    return post


def _judge(
    session: Session, platform: Platform, text: str, images: Sequence[str], *, author_id: int
) -> ModerationVerdict:
    """The moderation model's verdict on a post's text and images; 422 on a reject."""
    verdicts = [screening.judge_text(platform, text, kind="post", author_id=author_id)]
    if images and screening.active(platform):
        copies = image_service.screening_copies(session, platform.storage, images)
        verdicts.append(screening.judge_images(platform, copies, kind="image", author_id=author_id))
    verdict = screening.worst(verdicts)
    screening.refuse_if_rejected(session, platform, verdict, kind="post", author_id=author_id)
    return verdict


def _store_hashtags(session: Session, post_id: int, tags: Iterable[str]) -> None:
    insert_many_ignore(session, HASHTAGS, [{"tag": tag, "post_id": post_id} for tag in tags])


def edit_post(
    session: Session,
    *,
    platform: Platform,
    editor: User,
    post_id: int,
    text: str | None,
    visibility: str | None,
    image_ids: Sequence[str] | None = None,
) -> Post:
    """Change text, visibility and/or images; the old text goes to the post's edit history.

    ``image_ids`` (when given) is the post's new, complete list of images:
    images left out become unattached (and are swept later).
    """
    post = session.get(Post, post_id)
    if post is None or post.deleted_at is not None or not can_view(session, editor.id, post):
        raise NotFound("No such post.")
    if post.author_id != editor.id:
        raise NotFound("No such post.")  # do not reveal it exists to a non-author editor
    changes: dict[str, Any] = {}
    current_images = image_service.image_ids_of(session, post_id)
    if text is not None or image_ids is not None:
        data = platform.plugins.apply_filters(
            "socialflow_filter_post",
            {
                "author_id": editor.id,
                "text": text if text is not None else post.text,
                "visibility": visibility or post.visibility,
                "video_id": post.video_id,
                "image_ids": list(image_ids) if image_ids is not None else current_images,
                "post_id": post.id,
            },
        )
    if image_ids is not None:
        images = image_service.check_image_ids(platform.settings, data.get("image_ids") or [])
        image_service.no_mixed_media(post.video_id, images)
        if images != current_images:
            image_service.attach_images(
                session, owner_id=editor.id, post_id=post_id, image_ids=images
            )
            changes["image_ids"] = images
    if text is not None:
        clean = _validate_text(str(data["text"]), platform.settings.post_max_length)
        if clean != post.text:
            session.add(PostEdit(post_id=post_id, text=post.text, entities=post.entities))
            parsed = parse_entities(clean)
            mentions = resolve_mentions(session, author_id=editor.id, usernames=parsed["mentions"])
            before = {m["id"] for m in (post.entities or {}).get("mentions", [])}
            for mention in mentions:
                if mention["id"] not in before and mention["id"] != post.author_id:
                    # Newly mentioned: told once (the notification is once per post, ever).
                    record_event(
                        session,
                        "mentioned",
                        post_id=post.id,
                        author_id=post.author_id,
                        user_id=mention["id"],
                    )
            post.text = clean
            post.entities = {
                "hashtags": parsed["hashtags"],
                "mentions": mentions,
                "links": parsed["links"],
            }
            session.execute(delete(HASHTAGS).where(HASHTAGS.c.post_id == post.id))
            _store_hashtags(session, post.id, parsed["hashtags"])  # type: ignore[arg-type]
            changes["text"] = True
    if visibility is not None and visibility != post.visibility:
        if audiences_of(session).locked(post.visibility):
            raise Conflict("A moderator hid this post.", slug="moderated")
        post.visibility = _visibility(session, visibility)
        changes["visibility"] = post.visibility
    verdict = None
    if "text" in changes or "image_ids" in changes:
        new_images = changes.get("image_ids", [])
        verdict = _judge(session, platform, post.text, new_images, author_id=editor.id)
    if changes:
        post.edited_at = utcnow()
        session.add(post)
        record_event(session, "post_edited", post_id=post.id, author_id=editor.id, **changes)
        queue_post(session, post.id)
    if verdict is not None:
        screening.record(
            session,
            platform,
            kind="post",
            target_id=str(post.id),
            author_id=editor.id,
            verdict=verdict,
        )
    return post


def delete_post(session: Session, *, actor: User, post_id: int) -> None:
    """Soft delete: the row stays (for moderation and history) but no route shows it."""
    post = session.get(Post, post_id)
    if post is None or post.deleted_at is not None or post.author_id != actor.id:
        raise NotFound("No such post.")
    post.deleted_at = utcnow()
    session.add(post)
    record_event(session, "post_deleted", post_id=post.id, author_id=actor.id)
    queue_post(session, post.id)


def edit_history(session: Session, *, viewer: User | None, post_id: int) -> list[PostEdit]:
    get_visible_post(session, viewer=viewer, post_id=post_id)
    statement = select(PostEdit).where(PostEdit.post_id == post_id).order_by(PostEdit.id)  # type: ignore[arg-type]
    return list(session.execute(statement).scalars())


def record_view(session: Session, *, viewer: User | None, post_id: int) -> int:
    post = get_visible_post(session, viewer=viewer, post_id=post_id)
    bump(session, POSTS, post.id, view_count=1)
    value = session.execute(select(POSTS.c.view_count).where(POSTS.c.id == post.id)).scalar_one()
    return int(value)


# ---------------------------------------------------------------- visibility


def may_see(
    viewer_id: int | None,
    *,
    author_id: int,
    visibility: str,
    author_private: bool,
    follows_author: bool,
    in_audience: bool = False,
) -> bool:
    """THE visibility rule of a post, once blocks are ruled out (they hide everything).

    The author sees their posts. A private account's posts are for its
    approved followers only, whatever each post's own visibility (a pending
    follow request is not a follow). Otherwise ``public`` is for everyone,
    ``followers`` for followers, ``private`` for the author alone, and a
    visibility an app added (an audience, :mod:`socialflow.plugins.audiences`)
    for the viewers that audience admits (``in_audience``).
    :func:`can_view` and :func:`visible_rows` apply it to one post or a page;
    :func:`visible_condition` is its SQL twin.
    """
    if viewer_id is not None and author_id == viewer_id:
        return True
    if author_private and not follows_author:
        return False
    if visibility == Visibility.public.value:
        return True
    if visibility == Visibility.followers.value:
        return follows_author
    return in_audience


def _author_private(session: DB, post: Any) -> bool:
    """Whether ``post``'s author is a private account (hydrated rows carry it already)."""
    known = getattr(post, "author_private", None)
    if known is not None:
        return bool(known)
    value = session.execute(select(USERS.c.is_private).where(USERS.c.id == post.author_id))
    return bool(value.scalar())


def can_view(session: DB, viewer_id: int | None, post: Any) -> bool:
    """Whether ``viewer_id`` may see ``post`` (an ORM Post or a Core row): :func:`may_see`
    after deletion and blocks either way."""
    if post.deleted_at is not None:
        return False
    if viewer_id is not None and post.author_id == viewer_id:
        return True
    if graph.is_blocked_between(session, viewer_id, post.author_id):
        return False
    author_private = _author_private(session, post)
    needs_follow = author_private or post.visibility == Visibility.followers.value
    return may_see(
        viewer_id,
        author_id=post.author_id,
        visibility=post.visibility,
        author_private=author_private,
        follows_author=needs_follow and graph.is_following(session, viewer_id, post.author_id),
        in_audience=audiences_of(session).admits(
            session, viewer_id, post.visibility, post.author_id
        ),
    )


# What a follower sees of an account they follow (a private account's public
# posts included); audiences decide for themselves.
FOR_FOLLOWERS = (Visibility.public.value, Visibility.followers.value)


def visible_condition(
    viewer_id: int | None,
    *,
    posts: Any = POSTS,
    authors: Any = USERS,
    audiences: Audiences,
) -> ColumnElement[bool]:
    """:func:`may_see` as a SQL condition over ``posts`` joined to their ``authors``.

    For listings that must filter in the query (exact, full pages). Blocks,
    mutes and deletion are the caller's (they differ by route). ``audiences``
    is ``audiences_of(session)``: the visibilities other apps added.
    """
    for_everyone = public_condition(posts=posts, authors=authors)
    if viewer_id is None:
        return for_everyone
    follows_author = exists().where(
        FOLLOWS.c.follower_id == viewer_id, FOLLOWS.c.followee_id == posts.c.author_id
    )
    return or_(
        posts.c.author_id == viewer_id,
        for_everyone,
        and_(posts.c.visibility.in_(FOR_FOLLOWERS), follows_author),
        and_(
            or_(authors.c.is_private.is_(False), follows_author),
            audiences.condition(viewer_id, posts.c.visibility, posts.c.author_id),
        ),
    )


def public_condition(*, posts: Any = POSTS, authors: Any = USERS) -> ColumnElement[bool]:
    """Posts anyone at all may see (public posts of public accounts): what the public
    listings (explore, hashtags, trending) show."""
    return and_(posts.c.visibility == Visibility.public.value, authors.c.is_private.is_(False))


def get_visible_post(session: Session, *, viewer: User | None, post_id: int) -> Post:
    """The post if ``viewer`` may see it; otherwise 404, never 403 (no existence leak)."""
    post = session.get(Post, post_id)
    if post is None or not can_view(session, viewer.id if viewer else None, post):
        raise NotFound("No such post.")
    author_state = session.execute(
        select(USERS.c.state).where(USERS.c.id == post.author_id)
    ).scalar()
    if author_state == AccountState.deleted.value:
        raise NotFound("No such post.")
    return post


# ------------------------------------------------------------------ hydration

_POST_COLUMNS = (
    POSTS.c.id,
    POSTS.c.author_id,
    POSTS.c.text,
    POSTS.c.entities,
    POSTS.c.visibility,
    POSTS.c.video_id,
    POSTS.c.like_count,
    POSTS.c.comment_count,
    POSTS.c.share_count,
    POSTS.c.view_count,
    POSTS.c.created_at,
    POSTS.c.edited_at,
    USERS.c.username,
    USERS.c.display_name,
    USERS.c.avatar_key,
    USERS.c.is_private.label("author_private"),
)


def load_rows(session: DB, post_ids: Iterable[int], viewer_id: int | None = None) -> dict[int, Any]:
    """Live (not deleted, author not deleted) post rows with author columns, by id.

    With ``viewer_id`` each row also says whether the viewer liked it
    (``liked``), in the same round trip.
    """
    ids = list(set(post_ids))
    if not ids:
        return {}
    columns: list[Any] = list(_POST_COLUMNS)
    if viewer_id is not None:
        columns.append(
            exists()
            .where(LIKES.c.post_id == POSTS.c.id, LIKES.c.user_id == viewer_id)
            .label("liked")
        )
    statement = (
        select(*columns)
        .join(USERS, USERS.c.id == POSTS.c.author_id)
        .where(
            POSTS.c.id.in_(ids),
            POSTS.c.deleted_at.is_(None),
            USERS.c.state != AccountState.deleted.value,
        )
    )
    return {row.id: row for row in session.execute(statement)}


def visible_rows(
    session: DB,
    viewer_id: int | None,
    rows: Iterable[Any],
    *,
    hidden: Set[int] | None = None,
    followed: Set[int] | None = None,
) -> list[Any]:
    """Keep the rows ``viewer_id`` may see: no hidden authors, :func:`may_see` (batched).

    ``rows`` come from :func:`load_rows` (they carry ``author_private``).

    ``hidden`` and ``followed`` (everyone the viewer follows), when the caller
    knows them, save the queries that would find them.
    """
    rows = list(rows)
    if hidden is None:
        hidden = graph.hidden_user_ids(session, viewer_id)
    if followed is None:
        needs_follow = {
            row.author_id
            for row in rows
            if (row.visibility == Visibility.followers.value or row.author_private)
            and row.author_id != viewer_id
        }
        followed = graph.followed_among(session, viewer_id, needs_follow)
    admitted = audiences_of(session).admitted_pairs(
        session, viewer_id, ((row.visibility, row.author_id) for row in rows)
    )
    return [
        row
        for row in rows
        if row.author_id not in hidden
        and may_see(
            viewer_id,
            author_id=row.author_id,
            visibility=row.visibility,
            author_private=bool(row.author_private),
            follows_author=row.author_id in followed,
            in_audience=(row.visibility, row.author_id) in admitted,
        )
    ]


def is_public(session: DB, post: Any) -> bool:
    """Whether anyone at all may see ``post`` (see :func:`public_condition`): only such
    posts trend and can be shared."""
    if post.visibility != Visibility.public.value:
        return False
    return not _author_private(session, post)


def liked_among(session: DB, viewer_id: int | None, post_ids: Iterable[int]) -> set[int]:
    ids = list(post_ids)
    if viewer_id is None or not ids:
        return set()
    rows = session.execute(
        select(LIKES.c.post_id).where(LIKES.c.user_id == viewer_id, LIKES.c.post_id.in_(ids))
    )
    return {row[0] for row in rows}


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def serialize(
    row: Any,
    *,
    liked: bool,
    video: dict[str, Any] | None = None,
    images: list[dict[str, Any]] | None = None,
    counters: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The public Post shape from a hydrated row (``video``/``images``: their public shapes;
    ``counters``: other apps', see ``socialflow_counters``)."""
    return {
        "id": row.id,
        "author": {
            "id": row.author_id,
            "username": row.username,
            "display_name": row.display_name,
            "avatar_url": None,
        },
        "text": row.text,
        "entities": row.entities,
        "visibility": row.visibility,
        "created_at": _iso(row.created_at),
        "edited_at": _iso(row.edited_at),
        "like_count": row.like_count,
        "comment_count": row.comment_count,
        "share_count": row.share_count,
        "view_count": row.view_count,
        "liked_by_me": liked,
        "video_id": row.video_id,
        "video": video,
        "images": images or [],
        "counters": counters or {},
    }


def serialize_many(
    session: DB, viewer_id: int | None, rows: Sequence[Any], *, platform: Platform
) -> list[dict[str, Any]]:
    """Posts the viewer may see, in their public shape: likes, videos, images in one query each.

    A post's video is shown to whoever may see the post, whatever the video's
    own visibility (attaching it is the author sharing it, docs/social.md),
    except a video for an audience (``subscribers``): outside it, the post
    shows no video.
    """
    # Rows from load_rows(..., viewer_id) already say whether the viewer liked them.
    if rows and hasattr(rows[0], "liked"):
        liked = {row.id for row in rows if row.liked}
    else:
        liked = liked_among(session, viewer_id, [row.id for row in rows])
    videos = public_videos(platform, session, [row.video_id for row in rows])
    locked = locked_videos(session, viewer_id, [videos.get(row.video_id or "") for row in rows])
    images = image_service.images_by_post(platform, session, [row.id for row in rows])
    counters = counters_of(session, "post", [row.id for row in rows])
    return [
        serialize(
            row,
            liked=row.id in liked,
            video=videos.get(row.video_id) if row.video_id not in locked else None,
            images=images.get(row.id),
            counters=counters.get(row.id),
        )
        for row in rows
    ]


def locked_videos(
    session: DB, viewer_id: int | None, videos: Iterable[dict[str, Any] | None]
) -> set[str]:
    """Of the posts' ``videos`` (public shapes), the ids of those for an audience that
    does not admit ``viewer_id``: their posts show no video (see :func:`serialize_many`)."""
    audiences = audiences_of(session)
    gated = [
        video
        for video in videos
        if video is not None
        and video["visibility"] in audiences.by_name
        and video["owner_id"] != viewer_id
    ]
    if not gated:
        return set()
    admitted = audiences.admitted_pairs(
        session, viewer_id, [(video["visibility"], video["owner_id"]) for video in gated]
    )
    return {
        video["id"] for video in gated if (video["visibility"], video["owner_id"]) not in admitted
    }


def public_post(
    session: Session, *, platform: Platform, viewer: User | None, post_id: int
) -> dict[str, Any]:
    """One post in its public shape, as ``viewer`` may see it (404 otherwise)."""
    get_visible_post(session, viewer=viewer, post_id=post_id)
    rows = load_rows(session, [post_id])
    if post_id not in rows:
        raise NotFound("No such post.")
    viewer_id = viewer.id if viewer else None
    return serialize_many(session, viewer_id, [rows[post_id]], platform=platform)[0]


def detach_video(session: Session, video_id: str) -> None:
    """A video is being deleted: posts carrying it keep their text and lose the video."""
    session.execute(update(POSTS).where(POSTS.c.video_id == video_id).values(video_id=None))
