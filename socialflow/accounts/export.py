"""A user's data export (GDPR-style): every app's part in one JSON document.

The accounts part comes from :func:`socialflow.accounts.users.export_data`;
each other app adds what the user created or chose there through the
``socialflow_export_account`` hook (posts, the social graph, videos...).
Other people's data is never included beyond the ids the user acted on.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.accounts.users import export_data as export_account
from socialflow.plugins.manager import SocialflowPluginManager

EXPORT_FORMAT = "socialflow-export/1"


def export_user_data(
    *, session: Session, user: User, plugins: SocialflowPluginManager
) -> dict[str, Any]:
    """Everything the platform holds about ``user``, as plain JSON values."""
    assert user.id is not None
    data = export_account(session=session, user=user)
    data["format"] = EXPORT_FORMAT
    for section in plugins.hook.socialflow_export_account(session=session, user_id=user.id):
        data.update(section)
    return data
