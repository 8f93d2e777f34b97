"""Email verification, password reset and change, email change.

Every link carries a signed, expiring token (:mod:`socialflow.accounts.tokens`)
whose ``fp`` claim fingerprints the account state it acts on (the address to
verify, the current password hash, the current email). Using it changes that
state, so a token works once. Password reset answers the same whether or not
the address has an account. Changing the password or the email revokes the
other sessions and tells the old address.

The ``fp`` check alone would let concurrent uses of one link all pass (each
reads the state before any changes it), so every link's ``jti`` is also
consumed with one atomic insert (:mod:`socialflow.accounts.single_use`):
exactly one use wins, the others get 400 ``invalid-token``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from socialflow.accounts import audit
from socialflow.accounts import sessions as session_service
from socialflow.accounts.mail import queue_mail
from socialflow.accounts.models import AccountState, User
from socialflow.accounts.passwords import hash_password, verify_password
from socialflow.accounts.single_use import consume_token
from socialflow.accounts.tokens import (
    InvalidToken,
    decode_action_token,
    fingerprint,
    issue_action_token,
)
from socialflow.accounts.users import ensure_email_free, normalize_email, validate_password
from socialflow.core.db.base import utcnow
from socialflow.core.errors import Conflict, Problem, Unauthorized
from socialflow.core.settings import Settings

VERIFY = "verify-email"
RESET = "password-reset"
CHANGE_EMAIL = "change-email"
RESETTABLE_STATES = frozenset({AccountState.active.value, AccountState.unverified.value})


class InvalidLink(Problem):
    status, slug, title = 400, "invalid-token", "Invalid or expired link"


def _link(template: str, settings: Settings, token: str) -> str:
    return template.format(public_url=settings.public_url, token=token)


def _claims(settings: Settings, token: str, purpose: str) -> dict[str, object]:
    try:
        return decode_action_token(settings, token, purpose=purpose)
    except InvalidToken as exc:
        raise InvalidLink("This link is invalid or has expired; ask for a new one.") from exc


def _use_once(session: Session, claims: dict[str, object], purpose: str) -> None:
    """Consume the link's ``jti`` atomically; a second (or concurrent) use is a 400.

    Call it after every other check passed, just before acting, so a refused
    request (a weak new password, say) does not burn the link.
    """
    expires_at = datetime.fromtimestamp(int(str(claims["exp"])), UTC)
    if not consume_token(
        session, purpose=purpose, token_id=str(claims["jti"]), expires_at=expires_at
    ):
        raise InvalidLink("This link was already used or is no longer valid.")


# --------------------------------------------------------------- verification


def send_verification(session: Session, settings: Settings, *, user: User) -> None:
    """Mail a verification link to the user's address (after commit)."""
    assert user.id is not None
    if user.email_verified_at is not None:
        raise Conflict("Your email address is already verified.", slug="already-verified")
    token = issue_action_token(
        settings,
        purpose=VERIFY,
        subject=user.id,
        ttl=timedelta(seconds=settings.email_verification_ttl_seconds),
        fp=fingerprint(user.email, user.email_verified_at),
    )
    link = _link(settings.email_verify_url, settings, token)
    queue_mail(
        session,
        to=user.email,
        subject=f"Confirm your email for {settings.site_name}",
        text=(
            f"Hello {user.username},\n\nConfirm this address by opening:\n{link}\n\n"
            f"Or paste this code into the app: {token}\n\n"
            "If you did not sign up, ignore this message.\n"
        ),
        kind=VERIFY,
    )


def verify_email(session: Session, settings: Settings, *, token: str) -> User:
    """Mark the address verified; the account becomes active. The caller commits."""
    claims = _claims(settings, token, VERIFY)
    user = session.get(User, claims["sub"])
    if user is None or claims.get("fp") != fingerprint(user.email, user.email_verified_at):
        raise InvalidLink("This link was already used or is no longer valid.")
    _use_once(session, claims, VERIFY)
    user.email_verified_at = utcnow()
    if user.state == AccountState.unverified.value:
        user.state = AccountState.active.value
    user.updated_at = utcnow()
    session.add(user)
    audit.record(session, "email_verified", subject_user_id=user.id, actor_id=user.id)
    return user


# -------------------------------------------------------------- password reset


def _reset_fingerprint(user: User) -> str:
    return fingerprint(user.password_hash, user.token_version)


def request_password_reset(session: Session, settings: Settings, *, email: str) -> None:
    """Mail a reset link if ``email`` has an account that may sign in; silently nothing else.

    The caller answers the same in both cases. The work for a known address
    is small (sign a token, write the outbox row); the mail itself goes out
    from a worker, so response times differ by a database write at most.
    """
    try:
        email_key = normalize_email(email)
    except Problem:
        return
    user = session.exec(select(User).where(User.email == email_key)).first()
    if user is None or user.id is None or user.state not in RESETTABLE_STATES:
        return
    token = issue_action_token(
        settings,
        purpose=RESET,
        subject=user.id,
        ttl=timedelta(seconds=settings.password_reset_ttl_seconds),
        fp=_reset_fingerprint(user),
    )
    link = _link(settings.password_reset_url, settings, token)
    minutes = settings.password_reset_ttl_seconds // 60
    queue_mail(
        session,
        to=user.email,
        subject=f"Reset your {settings.site_name} password",
        text=(
            f"Hello {user.username},\n\nSomeone (hopefully you) asked to reset your password. "
            f"Choose a new one within {minutes} minutes:\n{link}\n\n"
            f"Or paste this code into the app: {token}\n\n"
            "If it was not you, ignore this message: your password stays as it is.\n"
        ),
        kind=RESET,
    )
    audit.record(session, "password_reset_requested", subject_user_id=user.id)


def confirm_password_reset(
    session: Session, settings: Settings, *, token: str, new_password: str, ip: str | None = None
) -> User:
    """Set the new password; every session and access token of the user dies."""
    claims = _claims(settings, token, RESET)
    user = session.get(User, claims["sub"])
    if (
        user is None
        or user.state not in RESETTABLE_STATES
        or claims.get("fp") != _reset_fingerprint(user)
    ):
        raise InvalidLink("This link was already used or is no longer valid.")
    validate_password(new_password, username=user.username, email=user.email)
    _use_once(session, claims, RESET)
    _set_password(user, new_password)
    user.token_version += 1
    # Reading the reset mail proved the address belongs to the user.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        if user.state == AccountState.unverified.value:
            user.state = AccountState.active.value
    session.add(user)
    session_service.revoke_all(session, user=user, reason="password-reset")
    audit.record(session, "password_reset", subject_user_id=user.id, actor_id=user.id, ip=ip)
    _notify_password_changed(session, settings, user)
    return user


# -------------------------------------------------------------- password change


def change_password(
    session: Session,
    settings: Settings,
    *,
    user: User,
    current_password: str,
    new_password: str,
    keep_session_id: str | None,
    ip: str | None = None,
) -> None:
    """Change a known password; other sessions are revoked, this one stays."""
    if not user.password_hash or not verify_password(user.password_hash, current_password):
        raise Unauthorized("The current password is wrong.", slug="invalid-credentials")
    validate_password(new_password, username=user.username, email=user.email)
    _set_password(user, new_password)
    session.add(user)
    session_service.revoke_all(
        session, user=user, reason="password-changed", except_session_id=keep_session_id
    )
    audit.record(session, "password_changed", subject_user_id=user.id, actor_id=user.id, ip=ip)
    _notify_password_changed(session, settings, user)


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.updated_at = user.password_changed_at


def _notify_password_changed(session: Session, settings: Settings, user: User) -> None:
    queue_mail(
        session,
        to=user.email,
        subject=f"Your {settings.site_name} password was changed",
        text=(
            f"Hello {user.username},\n\nThe password of your account was just changed, and "
            "your other devices were signed out.\nIf this was not you, reset your password "
            "now and contact support.\n"
        ),
        kind="password-changed",
    )


# ----------------------------------------------------------------- email change


def request_email_change(
    session: Session,
    settings: Settings,
    *,
    user: User,
    new_email: str,
    password: str | None,
    session_id: str | None,
) -> None:
    """Mail a confirmation link to the new address and a heads-up to the old one."""
    assert user.id is not None
    if user.password_hash and not verify_password(user.password_hash, password or ""):
        raise Unauthorized("The password is wrong.", slug="invalid-credentials")
    email_key = normalize_email(new_email)
    if email_key == user.email:
        raise Conflict("That is already your email address.", slug="same-email")
    ensure_email_free(session, email_key, except_user_id=user.id)
    token = issue_action_token(
        settings,
        purpose=CHANGE_EMAIL,
        subject=user.id,
        ttl=timedelta(seconds=settings.email_verification_ttl_seconds),
        fp=fingerprint(user.email, user.token_version),
        email=email_key,
        sid=session_id,
    )
    queue_mail(
        session,
        to=email_key,
        subject=f"Confirm your new email for {settings.site_name}",
        text=(
            f"Hello {user.username},\n\nConfirm this as your new address by opening:\n"
            f"{_link(settings.email_change_url, settings, token)}\n\n"
            f"Or paste this code into the app: {token}\n"
        ),
        kind=CHANGE_EMAIL,
    )
    queue_mail(
        session,
        to=user.email,
        subject=f"A change of your {settings.site_name} email was requested",
        text=(
            f"Hello {user.username},\n\nSomeone signed in to your account asked to change its "
            "email address. Nothing changes until the new address is confirmed. If this was "
            "not you, change your password now.\n"
        ),
        kind="email-change-requested",
    )


def confirm_email_change(
    session: Session, settings: Settings, *, token: str, ip: str | None = None
) -> User:
    """Switch to the confirmed address; other sessions are revoked, the old address told."""
    claims = _claims(settings, token, CHANGE_EMAIL)
    user = session.get(User, claims["sub"])
    if user is None or claims.get("fp") != fingerprint(user.email, user.token_version):
        raise InvalidLink("This link was already used or is no longer valid.")
    new_email = str(claims["email"])
    ensure_email_free(session, new_email, except_user_id=user.id)
    _use_once(session, claims, CHANGE_EMAIL)
    old_email = user.email
    user.email = new_email
    user.email_verified_at = utcnow()
    if user.state == AccountState.unverified.value:
        user.state = AccountState.active.value
    user.updated_at = user.email_verified_at
    session.add(user)
    keep = claims.get("sid")
    session_service.revoke_all(
        session,
        user=user,
        reason="email-changed",
        except_session_id=str(keep) if keep else None,
    )
    audit.record(session, "email_changed", subject_user_id=user.id, actor_id=user.id, ip=ip)
    queue_mail(
        session,
        to=old_email,
        subject=f"Your {settings.site_name} email was changed",
        text=(
            f"Hello {user.username},\n\nThe email address of your account was changed to "
            f"{new_email[:2]}***. Other devices were signed out. If this was not you, "
            "contact support now.\n"
        ),
        kind="email-changed",
    )
    return user
