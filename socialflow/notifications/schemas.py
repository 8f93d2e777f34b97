"""Request and response bodies of ``/notifications``.

Listing responses are built as plain dicts by the service (like the posts
routes); these models document their shape in OpenAPI and validate requests.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, Field, model_validator

from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.schemas import StrictModel
from socialflow.core.http.types import DbId
from socialflow.notifications.inbox import MAX_READ_IDS
from socialflow.social.schemas import AuthorOut, PostOut

BUILT_IN_KINDS = (
    "followed, follow_requested, follow_approved, liked, commented, replied, mentioned, shared"
)


class NotificationComment(BaseModel):
    model_config = examples({"id": 502, "text": "What a line!"})

    id: int
    text: str


class NotificationGroup(BaseModel):
    """With ``grouped=true``: what this item stands for (itself and older ones)."""

    count: int
    ids: list[int]
    actors: list[AuthorOut]
    actor_count: int
    text: str


class NotificationOut(BaseModel):
    model_config = examples(
        {
            "id": 9001,
            "kind": "commented",
            "created_at": "2026-03-01T09:12:00Z",
            "read": False,
            "actor": example_of(AuthorOut, id=7, username="bob", display_name="Bob"),
            "post": example_of(PostOut),
            "comment": example_of(NotificationComment),
        },
        {
            "id": 9002,
            "kind": "followed",
            "created_at": "2026-03-01T10:00:00Z",
            "read": True,
            "actor": example_of(AuthorOut, id=7, username="bob", display_name="Bob"),
            "post": None,
            "comment": None,
        },
        {
            "id": 9003,
            "kind": "moderation_action",
            "created_at": "2026-03-01T11:00:00Z",
            "read": False,
            "actor": None,
            "post": None,
            "comment": None,
            "text": "Your video \u201cMy trip\u201d was hidden: spam.",
            "data": {"action_id": 41, "action": "hide", "target_type": "video"},
        },
    )

    id: int
    kind: str = Field(
        description=f"Built in: {BUILT_IN_KINDS}; apps add their own "
        "(``GET /notifications/preferences`` lists every kind this platform knows)."
    )
    created_at: str
    read: bool
    actor: AuthorOut | None = Field(
        description="Who did it; null when the platform itself tells the user (a moderation "
        "decision)."
    )
    post: PostOut | None
    comment: NotificationComment | None
    text: str | None = Field(
        default=None, description="What an app's kind says, ready to show (null for built-ins)."
    )
    data: dict[str, Any] = Field(
        default_factory=dict, description="Ids an app's kind links to (empty for built-ins)."
    )
    group: NotificationGroup | None = None


class NotificationPage(BaseModel):
    model_config = examples(
        {"items": [example_of(NotificationOut)], "next_cursor": "eyJpZCI6OTAwMH0"}
    )

    items: list[NotificationOut]
    next_cursor: str | None


class UnreadCount(BaseModel):
    model_config = examples({"count": 3})

    count: int


class MarkRead(StrictModel):
    """Exactly one of ``ids``, ``up_to`` or ``all``."""

    model_config = examples({"ids": [9001, 9002]}, {"up_to": 9002}, {"all": True})

    ids: list[DbId] | None = Field(default=None, max_length=MAX_READ_IDS)
    up_to: DbId | None = None
    all: Literal[True] | None = None

    @model_validator(mode="after")
    def exactly_one(self) -> Self:
        given = [name for name in ("ids", "up_to", "all") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of ids, up_to or all")
        return self


class MarkedRead(BaseModel):
    model_config = examples({"updated": 2})

    updated: int
