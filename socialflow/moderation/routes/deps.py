"""Who may call the admin routes: ``ModeratorUser`` (moderator or admin), ``AdminUser``."""

from __future__ import annotations

from typing import Annotated, Any

from socialflow.accounts.deps import require_role
from socialflow.accounts.models import Role, User

ModeratorUser = Annotated[User, require_role(Role.moderator)]
AdminUser = Annotated[User, require_role(Role.admin)]


def next_cursor(items: list[dict[str, Any]], limit: int) -> str | None:
    """The id cursor of the next page: the last id when the page came back full."""
    return str(items[-1]["id"]) if len(items) == limit and items else None
