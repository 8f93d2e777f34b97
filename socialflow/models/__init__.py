"""SQLModel tables, one module per domain.

Importing this package registers every table on ``SQLModel.metadata``; Alembic
and the tests rely on that.
"""

from socialflow.models.audit import AuditLogEntry
from socialflow.models.auth import (
    AuthSession,
    OAuthAccount,
    OutgoingMail,
    RecoveryCode,
    RefreshToken,
    TotpCredential,
)
from socialflow.models.user import AccountState, Role, User
from socialflow.models.video import Upload, UploadChunk, Video, VideoStatus, VideoView, Visibility

__all__ = [
    "AccountState",
    "AuditLogEntry",
    "AuthSession",
    "OAuthAccount",
    "OutgoingMail",
    "RecoveryCode",
    "RefreshToken",
    "Role",
    "TotpCredential",
    "Upload",
    "UploadChunk",
    "User",
    "Video",
    "VideoStatus",
    "VideoView",
    "Visibility",
]
