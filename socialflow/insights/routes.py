"""``/posts/{id}/comments/sentiment``, ``/videos/{id}/comments/sentiment``, ``/posts/suggest-tags``.

``GET /posts/{id}/comments/sentiment`` and ``GET /videos/{id}/comments/sentiment``
answer the owner alone (anyone else, as for a missing object: 404), over the
comments still shown (a video's: those on the posts that carry it), the
newest ``SENTIMENT_WINDOW`` of them. ``POST /posts/suggest-tags`` suggests
hashtags for a draft's text (a post or a video's description) to any
signed-in user, by embeddings too when a plugin registers a text embedder.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import func, select
from sqlmodel import Session, col

from socialflow.accounts.deps import CurrentUser
from socialflow.core.errors import NotFound
from socialflow.core.http.deps import PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId
from socialflow.insights import sentiment, similar, tagging
from socialflow.insights.schemas import CommentSentiment, TagRequest, TagSuggestions
from socialflow.social.models import Comment, Post, PostHashtag
from socialflow.video.models import Video

router = APIRouter(tags=["insights"])
SENTIMENT_WINDOW = 2000
VideoId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def _comment_texts(session: Session, post_ids: Iterable[int]) -> list[str]:
    ids = list(post_ids)
    if not ids:
        return []
    rows = session.execute(
        select(col(Comment.text))
        .where(col(Comment.post_id).in_(ids), col(Comment.deleted_at).is_(None))
        .order_by(col(Comment.id).desc())
        .limit(SENTIMENT_WINDOW)
    ).scalars()
    return list(rows)


@router.get(
    "/posts/{post_id}/comments/sentiment",
    response_model=CommentSentiment,
    responses=problems(404, 503),
)
def post_comment_sentiment(
    post_id: DbId, session: SessionDep, user: CurrentUser
) -> CommentSentiment:
    """The sentiment of the comments on one of your posts."""
    post = session.get(Post, post_id)
    if post is None or post.deleted_at is not None or post.author_id != user.id:
        raise NotFound("No such post.")
    result = sentiment.distribution(_comment_texts(session, [post_id]))
    return CommentSentiment(target_type="post", target_id=str(post_id), **result)


@router.get(
    "/videos/{video_id}/comments/sentiment",
    response_model=CommentSentiment,
    responses=problems(404, 503),
)
def video_comment_sentiment(
    video_id: VideoId, session: SessionDep, user: CurrentUser
) -> CommentSentiment:
    """The sentiment of the comments on the posts that carry one of your videos."""
    video = session.get(Video, video_id)
    if video is None or video.owner_id != user.id:
        raise NotFound("No such video.")
    post_ids = session.execute(
        select(col(Post.id)).where(col(Post.video_id) == video_id, col(Post.deleted_at).is_(None))
    ).scalars()
    result = sentiment.distribution(_comment_texts(session, post_ids))
    return CommentSentiment(target_type="video", target_id=video_id, **result)


@router.post("/posts/suggest-tags", response_model=TagSuggestions, responses=problems(422, 503))
def suggest_tags(
    body: TagRequest,
    session: SessionDep,
    platform: PlatformDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=30)] = 8,
) -> TagSuggestions:
    """Hashtags for a draft (a post's text, a video's title and description).

    With a text embedder installed, keywords whose own tag nobody uses are
    matched to similar hashtags in use (``match: "similar"``).
    """

    def used(tags: Iterable[str]) -> dict[str, int]:
        wanted = list(tags)
        if not wanted:
            return {}
        rows = session.execute(
            select(col(PostHashtag.tag), func.count())
            .where(col(PostHashtag.tag).in_(wanted))
            .group_by(col(PostHashtag.tag))
        )
        return {str(tag): int(count) for tag, count in rows}

    embedder = platform.plugins.text_embedder()
    nearby: tagging.Similar | None = None
    if embedder is not None:
        vocabularies = platform.get(similar.TagVocabularies)

        def nearby(keywords: list[str], skip: Set[str]) -> dict[str, tuple[str, float, int]]:
            return similar.similar_tags(session, embedder, vocabularies, keywords, skip)

    found = tagging.suggest(body.text, used, limit=limit, exclude=body.exclude, similar=nearby)
    return TagSuggestions.model_validate(found)
