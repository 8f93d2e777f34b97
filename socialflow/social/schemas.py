"""Request and response bodies of the social API (posts, comments, likes, shares, trending).

Responses of the hot read paths are built as plain dicts by the services
(hydrated with SQLAlchemy Core) and returned as ``JSONResponse``; these
models document their shape in OpenAPI and validate requests.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

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
    id: int
    username: str
    display_name: str
    avatar_url: str | None


class EntitiesOut(BaseModel):
    hashtags: list[str]
    mentions: list[dict[str, int | str]]
    links: list[str]


class ImageOut(BaseModel):
    """An image of a post (or just uploaded): signed URLs valid for ``media_url_expires``."""

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
    items: list[PostOut]
    next_cursor: str | None


class PostCreate(StrictModel):
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
    text: str | None = Field(default=None, min_length=1, max_length=5000)
    visibility: PostVisibility | None = None
    image_ids: list[Annotated[str, Field(min_length=1, max_length=32)]] | None = Field(
        default=None,
        max_length=20,
        description="The post's complete new list of images ([] removes them all).",
    )


class PostEditOut(BaseModel):
    text: str
    entities: EntitiesOut
    replaced_at: str


class CommentCreate(StrictModel):
    text: str = Field(min_length=1, max_length=5000)
    parent_id: DbId | None = None


class CommentOut(BaseModel):
    id: int
    post_id: int
    parent_id: int | None
    author: AuthorOut
    text: str
    reply_count: int
    created_at: str


class CommentPage(BaseModel):
    items: list[CommentOut]
    next_cursor: str | None


class LikeState(BaseModel):
    liked: bool
    like_count: int
    share_count: int


class ShareState(BaseModel):
    shared: bool
    like_count: int
    share_count: int


class ViewCount(BaseModel):
    view_count: int


class TrendingTag(BaseModel):
    tag: str
    count: int


class TrendingTags(BaseModel):
    window: str
    items: list[TrendingTag]


class TrendingPosts(BaseModel):
    window: str
    items: list[PostOut]
