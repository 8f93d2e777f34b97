"""Which account an external identity signs in to: found, linked, created or taken over.

An address the provider did not verify is never used: an identity without a
verified email gets an account with a placeholder address (``…@oauth.invalid``)
and is never linked by email. A verified address links the identity to the
account with that address. If that account had never verified its own
address, whoever created it may have pre-registered the victim's address
(pre-account hijacking), so every other way in goes: its password, sessions,
other external identities, 2FA and recovery codes. The protocol that
produced the identity is :mod:`socialflow.accounts.oauth`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, col, select

from socialflow.accounts import audit
from socialflow.accounts import sessions as session_service
from socialflow.accounts.models import (
    AccountState,
    OAuthAccount,
    RecoveryCode,
    TotpCredential,
    User,
)
from socialflow.accounts.oauth import ExternalIdentity
from socialflow.accounts.signup import check_signup
from socialflow.accounts.users import create_user, ensure_email_free, get_user_by_username
from socialflow.core.db.base import utcnow
from socialflow.core.errors import Conflict, Forbidden
from socialflow.plugins.manager import SocialflowPluginManager


@dataclass(frozen=True)
class LoginResult:
    user: User
    created: bool
    linked: bool


def sign_in(
    session: Session,
    *,
    provider: str,
    identity: ExternalIdentity,
    ip: str | None = None,
    plugins: SocialflowPluginManager | None = None,
) -> LoginResult:
    """Find, link or create the account of ``identity``; the caller commits.

    A new account passes the sign-up check of ``plugins`` first (see
    :mod:`socialflow.accounts.signup`), as a password registration does.
    """
    return _sign_in(session, provider=provider, identity=identity, ip=ip, plugins=plugins)


def _sign_in(
    session: Session,
    *,
    provider: str,
    identity: ExternalIdentity,
    ip: str | None,
    plugins: SocialflowPluginManager | None,
) -> LoginResult:
    linked = session.exec(
        select(OAuthAccount).where(
            OAuthAccount.provider == provider, OAuthAccount.subject == identity.subject
        )
    ).first()
    if linked is not None:
        user = session.get(User, linked.user_id)
        if user is None or not session_service.may_sign_in(user):
            raise Forbidden("This account cannot sign in.", slug="account-unavailable")
        linked.last_login_at = utcnow()
        session.add(linked)
        return LoginResult(user=user, created=False, linked=False)

    # An address the provider did not verify is never used: not to link, not for a new
    # account (which could then be taken over by whoever proves the address later).
    email = identity.email.strip().lower() if identity.email and identity.email_verified else None
    user = None
    created = False
    if email:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is not None:
            if not session_service.may_sign_in(user):
                raise Forbidden("This account cannot sign in.", slug="account-unavailable")
            if user.email_verified_at is None:
                _take_over(session, user=user, provider=provider, ip=ip)
    if user is None:
        if plugins is not None:
            # The provider's address even unverified: a blocked domain stays blocked.
            check_signup(plugins, session, email=email or identity.email, ip=ip)
        user = _create_from(session, provider=provider, identity=identity, email=email)
        created = True
    assert user.id is not None
    session.add(
        OAuthAccount(
            user_id=user.id,
            provider=provider,
            subject=identity.subject,
            email=email,
            last_login_at=utcnow(),
        )
    )
    audit.record(
        session,
        "oauth_signup" if created else "oauth_linked",
        subject_user_id=user.id,
        actor_id=user.id,
        ip=ip,
        provider=provider,
    )
    return LoginResult(user=user, created=created, linked=not created)


def _take_over(session: Session, *, user: User, provider: str, ip: str | None) -> None:
    """Hand an account whose address was never proved to the identity that proves it.

    Whoever created the account may have been an attacker who registered the
    victim's address first: every way in they could have set up goes (password,
    sessions, other external identities, 2FA and its recovery codes).
    """
    assert user.id is not None
    user.password_hash = None
    user.token_version += 1
    session_service.revoke_all(session, user=user, reason="oauth-takeover")
    session.execute(delete(OAuthAccount).where(col(OAuthAccount.user_id) == user.id))
    session.execute(delete(TotpCredential).where(col(TotpCredential.user_id) == user.id))
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    user.email_verified_at = utcnow()
    user.state = AccountState.active.value
    session.add(user)
    audit.record(
        session,
        "oauth_takeover",
        subject_user_id=user.id,
        actor_id=user.id,
        ip=ip,
        provider=provider,
    )


def _create_from(
    session: Session, *, provider: str, identity: ExternalIdentity, email: str | None
) -> User:
    taken = email is not None and not _email_free(session, email)
    trusted = False
    if email is None or taken:
        digest = hashlib.sha256(f"{provider}:{identity.subject}".encode()).hexdigest()[:20]
        email, trusted = f"{provider}-{digest}@oauth.invalid", True
    hint = identity.username_hint or identity.display_name or (email.split("@")[0])
    return create_user(
        session=session,
        username=_free_username(session, hint),
        email=email,
        password=None,
        display_name=identity.display_name[:50],
        state=AccountState.active if identity.email_verified else AccountState.unverified,
        email_verified=identity.email_verified and not trusted,
        trusted_email=trusted,
    )


def _email_free(session: Session, email: str) -> bool:
    try:
        ensure_email_free(session, email)
    except Conflict:
        return False
    return True


def _free_username(session: Session, hint: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "", hint.replace(" ", "_").replace(".", "_"))[:24]
    if len(base) < 3:
        base = f"user_{base}"
    candidate = base
    while get_user_by_username(session=session, username=candidate) is not None:
        candidate = f"{base}_{secrets.randbelow(100000)}"
    return candidate
