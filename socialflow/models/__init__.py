"""SQLModel tables, one module per domain.

Importing this package registers every table on ``SQLModel.metadata``; Alembic
and the tests rely on that.
"""

from socialflow.models.user import AccountState, Role, User

__all__ = ["AccountState", "Role", "User"]
from socialflow.models.video import Upload, UploadChunk, Video, VideoStatus, VideoView, Visibility

__all__ += ["Upload", "UploadChunk", "Video", "VideoStatus", "VideoView", "Visibility"]
