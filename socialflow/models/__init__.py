"""SQLModel tables, one module per domain.

Importing this package registers every table on ``SQLModel.metadata``; Alembic
and the tests rely on that.
"""

from socialflow.models.user import AccountState, Role, User  # isort: skip
from socialflow.models.feeds import TimelineEntry
from socialflow.models.graph import Block, Follow, FollowRequest, Mute
from socialflow.models.posts import (
    Bookmark,
    Comment,
    Post,
    PostEdit,
    PostHashtag,
    PostLike,
    Share,
    Visibility,
)
from socialflow.models.search import SearchDocumentRow, SearchSyncState
from socialflow.models.trending import TrendingCounter

__all__ = [
    "AccountState",
    "Block",
    "Bookmark",
    "Comment",
    "Follow",
    "FollowRequest",
    "Mute",
    "Post",
    "PostEdit",
    "PostHashtag",
    "PostLike",
    "Role",
    "SearchDocumentRow",
    "SearchSyncState",
    "Share",
    "TimelineEntry",
    "TrendingCounter",
    "User",
    "Visibility",
]
