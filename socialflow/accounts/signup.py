"""The sign-up check every new account passes: plugins may refuse it.

Apps above accounts (moderation's blocks of email domains and IP networks)
cannot be imported from here, so registration asks them through the
``socialflow_signup_check`` hook; a plugin refuses by raising a ``Problem``,
before anything is written.
"""

from __future__ import annotations

from sqlmodel import Session

from socialflow.plugins.manager import SocialflowPluginManager


def check_signup(
    plugins: SocialflowPluginManager, session: Session, *, email: str | None, ip: str | None
) -> None:
    """Raise the first refusal a ``socialflow_signup_check`` implementation gives."""
    plugins.hook.socialflow_signup_check(
        session=session, email=email, ip=ip or None, **plugins.hook_context()
    )
