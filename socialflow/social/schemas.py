"""Request and response bodies of the social API (posts, comments, likes, shares, trending).

Responses of the hot read paths are built as plain dicts by the services
(hydrated with SQLAlchemy Core) and returned as ``JSONResponse``; these
models document their shape in OpenAPI and validate requests.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.schemas import StrictModel
from socialflow.core.http.types import DbId
from socialflow.video.public import VideoPublic

# "public", "followers", "private", or an audience an app added ("subscribers").
PostVisibility = Annotated[
    str,
    Field(
        pattern=r"^[a-z_]{1,16}$",
        description="public, followers, private, or an audience an installed app adds "
        "(such as subscribers); 422 names the values this platform accepts.",
        examples=["public"],
    ),
]


class AuthorOut(BaseModel):
    model_config = examples(
        {
            "id": 42,
            "username": "alice",
            "display_name": "Alice",
            "avatar_url": "https://media.example.com/avatars/42/256.webp?sig=abc",
        }
    )

    id: int
    username: str
    display_name: str
    avatar_url: str | None


class EntitiesOut(BaseModel):
    model_config = examples(
        {
            "hashtags": ["mtb"],
            "mentions": [{"id": 7, "username": "bob"}],
            "links": ["https://example.org/trail"],
        }
    )

    hashtags: list[str]
    mentions: list[dict[str, int | str]]
    links: list[str]


class ImageOut(BaseModel):
    """An image of a post (or just uploaded): signed URLs valid for ``media_url_expires``."""

    model_config = examples(
        {
            "id": "i_5Tz8wQ",
            "url": "https://media.example.com/images/i_5Tz8wQ/full.webp?sig=abc",
            "width": 1600,
            "height": 1200,
            "thumbnail_url": "https://media.example.com/images/i_5Tz8wQ/thumb.webp?sig=abc",
            "thumbnail_width": 400,
            "thumbnail_height": 300,
            "alt": "A trail at sunrise",
            "content_type": "image/webp",
        }
    )

    id: str
    url: str
    width: int
    height: int
    thumbnail_url: str
    thumbnail_width: int
    thumbnail_height: int
    alt: str
    content_type: str


class PostOut(BaseModel):
    model_config = examples(
        {
            "id": 1001,
            "author": example_of(AuthorOut),
            "text": "Down the ridge with @bob #mtb https://example.org/trail",
            "entities": example_of(EntitiesOut),
            "visibility": "public",
            "created_at": "2026-03-01T08:05:00Z",
            "edited_at": None,
            "like_count": 12,
            "comment_count": 3,
            "share_count": 1,
            "view_count": 340,
            "liked_by_me": False,
            "video_id": "v_8Jx2kQ",
            "video": example_of(VideoPublic),
            "images": [],
            "counters": {},
        }
    )

    id: int
    author: AuthorOut
    text: str
    entities: EntitiesOut
    visibility: PostVisibility
    created_at: str
    edited_at: str | None
    like_count: int
    comment_count: int
    share_count: int
    view_count: int
    liked_by_me: bool
    video_id: str | None = None
    video: VideoPublic | None = None
    images: list[ImageOut] = Field(default_factory=list)
    counters: dict[str, int] = Field(
        default_factory=dict,
        description="Counts other apps show on a post (``socialflow_counters``).",
    )


class PostPage(BaseModel):
    model_config = examples({"items": [example_of(PostOut)], "next_cursor": "eyJpZCI6MTAwMH0"})

    items: list[PostOut]
    next_cursor: str | None


class PostCreate(StrictModel):
    model_config = examples(
        {"text": "Down the ridge with @bob #mtb", "visibility": "public", "video_id": "v_8Jx2kQ"},
        {"text": "Sunrise on the trail", "visibility": "followers", "image_ids": ["i_5Tz8wQ"]},
    )

    text: str = Field(min_length=1, max_length=5000)
    visibility: PostVisibility = "public"
    video_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="One of the caller's videos (any status); 404 if not theirs.",
    )
    image_ids: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=list,
        max_length=20,
        description="The caller's own unattached images (POST /media/images), in order; "
        "at most post_max_images, not with video_id.",
    )


class PostUpdate(StrictModel):
    model_config = examples(
        {"text": "Down the ridge with @bob #mtb #spring"}, {"visibility": "private"}
    )

    text: str | None = Field(default=None, min_length=1, max_length=5000)
    visibility: PostVisibility | None = None
    image_ids: list[Annotated[str, Field(min_length=1, max_length=32)]] | None = Field(
        default=None,
        max_length=20,
        description="The post's complete new list of images ([] removes them all).",
    )


class PostEditOut(BaseModel):
    model_config = examples(
        {
            "text": "Down the ridge with @bob #mtb",
            "entities": example_of(EntitiesOut, links=[]),
            "replaced_at": "2026-03-01T09:00:00Z",
        }
    )

    text: str
    entities: EntitiesOut
    replaced_at: str


class CommentCreate(StrictModel):
    model_config = examples({"text": "What a line!"}, {"text": "Thanks!", "parent_id": 501})

    text: str = Field(min_length=1, max_length=5000)
    parent_id: DbId | None = None


class CommentOut(BaseModel):
    model_config = examples(
        {
            "id": 502,
            "post_id": 1001,
            "parent_id": 501,
            "author": example_of(AuthorOut),
            "text": "Thanks!",
            "reply_count": 0,
            "created_at": "2026-03-01T09:12:00Z",
        }
    )

    id: int
    post_id: int
    parent_id: int | None
    author: AuthorOut
    text: str
    reply_count: int
    created_at: str


class CommentPage(BaseModel):
    model_config = examples({"items": [example_of(CommentOut)], "next_cursor": None})

    items: list[CommentOut]
    next_cursor: str | None


class LikeState(BaseModel):
    model_config = examples({"liked": True, "like_count": 13, "share_count": 1})

    liked: bool
    like_count: int
    share_count: int


class ShareState(BaseModel):
    model_config = examples({"shared": True, "like_count": 13, "share_count": 2})

    shared: bool
    like_count: int
    share_count: int


class ViewCount(BaseModel):
    model_config = examples({"view_count": 341})

    view_count: int


class TrendingTag(BaseModel):
    model_config = examples({"tag": "mtb", "count": 87})

    tag: str
    count: int


class TrendingTags(BaseModel):
    model_config = examples({"window": "24h", "items": [example_of(TrendingTag)]})

    window: str
    items: list[TrendingTag]


class TrendingPosts(BaseModel):
    model_config = examples({"window": "24h", "items": [example_of(PostOut)]})

    window: str
    items: list[PostOut]
