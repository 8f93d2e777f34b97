"""SQLModel tables, one module per domain.

Importing this package registers every table on ``SQLModel.metadata``; Alembic
and the tests rely on that. Enums that two domains name alike (``Visibility``
of posts and of videos) stay in their own modules.
"""

from socialflow.models.user import AccountState, Role, User  # isort: skip
from socialflow.models.audit import AuditLogEntry
from socialflow.models.auth import (
    AuthSession,
    OAuthAccount,
    OutgoingMail,
    RecoveryCode,
    RefreshToken,
    TotpCredential,
)
from socialflow.models.feeds import TimelineEntry
from socialflow.models.graph import Block, Follow, FollowRequest, Mute
from socialflow.models.images import MediaImage
from socialflow.models.notifications import Notification, NotificationKind
from socialflow.models.posts import (
    Bookmark,
    Comment,
    Post,
    PostEdit,
    PostHashtag,
    PostLike,
    Share,
)
from socialflow.models.search import SearchDocumentRow, SearchSyncState
from socialflow.models.trending import TrendingCounter
from socialflow.models.video import (
    Upload,
    UploadCharge,
    UploadChunk,
    Video,
    VideoStatus,
    VideoView,
)

__all__ = [
    "AccountState",
    "AuditLogEntry",
    "AuthSession",
    "Block",
    "Bookmark",
    "Comment",
    "Follow",
    "FollowRequest",
    "MediaImage",
    "Mute",
    "Notification",
    "NotificationKind",
    "OAuthAccount",
    "OutgoingMail",
    "Post",
    "PostEdit",
    "PostHashtag",
    "PostLike",
    "RecoveryCode",
    "RefreshToken",
    "Role",
    "SearchDocumentRow",
    "SearchSyncState",
    "Share",
    "TimelineEntry",
    "TotpCredential",
    "TrendingCounter",
    "Upload",
    "UploadCharge",
    "UploadChunk",
    "User",
    "Video",
    "VideoStatus",
    "VideoView",
]
