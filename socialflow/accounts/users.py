"""Users: create, look up, authenticate, edit profiles, administer, delete.

The rules that every other domain relies on live here (the data export is
in :mod:`socialflow.accounts.export`): usernames are unique
case-insensitively, emails are stored lower-cased, and only ``active`` and
``unverified`` accounts may act.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from confusable_homoglyphs.confusables import confusables_data
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, event, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from socialflow.accounts import ages, audit
from socialflow.accounts import sessions as session_service
from socialflow.accounts.models import (
    AccountState,
    OAuthAccount,
    RecoveryCode,
    Role,
    TotpCredential,
    User,
)
from socialflow.accounts.passwords import (
    hash_password,
    needs_rehash,
    policy_problems,
    verify_password,
)
from socialflow.core import screening
from socialflow.core.db.base import utcnow
from socialflow.core.effects import record_event
from socialflow.core.errors import Conflict, ValidationProblem
from socialflow.core.indexing import queue_user

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_]{3,30}$")
ACTIVE_STATES = frozenset({AccountState.active.value, AccountState.unverified.value})


def normalize_username(username: str) -> str:
    return username.strip().lower()


def normalize_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationProblem(
            f"email: {exc}", errors=[{"field": "email", "message": str(exc), "code": "invalid"}]
        ) from exc


def email_skeleton(email: str) -> str:
    """What an address looks like, for telling lookalike addresses apart.

    NFKC folds compatibility forms (fullwidth ``\uff49`` is ``i``), case
    folding ignores case, and every remaining non-ASCII character that is a
    Unicode confusable of an ASCII one (Cyrillic ``\u0456``, Greek ``\u03bf``) becomes
    that ASCII character. Two addresses with one skeleton may not both have
    an account: usernames are ASCII only, so emails get the same protection.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email).casefold())
    return "".join(_ascii_lookalike(char) for char in folded)


@functools.cache
def _ascii_lookalike(char: str) -> str:
    """The ASCII letter or digit ``char`` is confusable with (Unicode's list), else ``char``."""
    if char.isascii():
        return char
    candidates = [
        glyph["c"]
        for glyph in confusables_data.get(char, [])
        if len(glyph["c"]) == 1 and glyph["c"].isascii() and glyph["c"].isalnum()
    ]
    return min(candidates).lower() if candidates else char


@event.listens_for(User.email, "set", propagate=True)
def _keep_email_skeleton(target: User, value: str | None, _old: Any, _initiator: Any) -> None:
    """Whoever sets ``User.email`` later also sets its unique ``email_skeleton``.

    (The constructor does not fire this: :func:`create_user` sets both.)
    """
    target.email_skeleton = email_skeleton(value) if value else None


def ensure_email_free(session: Session, email: str, *, except_user_id: int | None = None) -> None:
    """409 ``email-taken`` if ``email`` or a lookalike of it has an account."""
    skeleton = email_skeleton(email)
    # ``User.email == skeleton`` also finds a plain ASCII original whose row has no
    # skeleton (rows loaded in bulk, or a lookalike pair older than the check).
    statement = select(User.id).where(
        or_(
            col(User.email) == email,
            col(User.email_skeleton) == skeleton,
            col(User.email) == skeleton,
        )
    )
    if except_user_id is not None:
        statement = statement.where(col(User.id) != except_user_id)
    if session.exec(statement).first() is not None:
        raise Conflict("That email is already registered.", slug="email-taken")


def validate_username(username: str) -> str:
    if not USERNAME_PATTERN.fullmatch(username):
        message = "3 to 30 characters: letters, digits and underscores"
        raise ValidationProblem(
            f"username: {message}",
            errors=[{"field": "username", "message": message, "code": "invalid"}],
        )
    return username


def validate_password(password: str, *, username: str, email: str) -> None:
    """NIST SP 800-63B: length, not common, not the username or email (see passwords.py)."""
    problems = policy_problems(password, username=username, email=email)
    if problems:
        message = "; ".join(problems)
        raise ValidationProblem(
            f"password: {message}",
            errors=[{"field": "password", "message": message, "code": "weak_password"}],
        )


def get_user(*, session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_by_username(*, session: Session, username: str) -> User | None:
    statement = select(User).where(User.username_key == normalize_username(username))
    return session.exec(statement).first()


def get_user_by_login(*, session: Session, username_or_email: str) -> User | None:
    value = username_or_email.strip()
    if "@" in value:
        return session.exec(select(User).where(User.email == value.lower())).first()
    return get_user_by_username(session=session, username=value)


def lockout_key(*, session: Session, username_or_email: str) -> str:
    """The key failed logins count under: the account's id whichever login name was
    typed (username, email, any case), so aliases share one lockout; the typed name
    for names without an account."""
    user = get_user_by_login(session=session, username_or_email=username_or_email)
    if user is not None and user.id is not None:
        return f"user:{user.id}"
    return f"login:{username_or_email.strip().lower()}"


def create_user(
    *,
    session: Session,
    username: str,
    email: str,
    password: str | None,
    display_name: str = "",
    role: Role = Role.user,
    state: AccountState = AccountState.unverified,
    email_verified: bool = False,
    trusted_email: bool = False,
) -> User:
    """Create and flush a user; the caller commits. Conflicts name the taken field.

    ``trusted_email`` skips address validation for addresses socialflow made
    itself (the ``.invalid`` placeholder of an OAuth identity without email).
    """
    validate_username(username)
    email_key = email.strip().lower() if trusted_email else normalize_email(email)
    if password is not None:
        validate_password(password, username=username, email=email_key)
    if get_user_by_username(session=session, username=username):
        raise Conflict("That username is taken.", slug="username-taken")
    ensure_email_free(session, email_key)
    user = User(
        username=username,
        username_key=normalize_username(username),
        email=email_key,
        email_skeleton=email_skeleton(email_key),
        password_hash=hash_password(password) if password is not None else None,
        display_name=display_name or username,
        role=role.value,
        state=state.value,
        email_verified_at=utcnow() if email_verified else None,
    )
    session.add(user)
    _flush_new_user(session)
    queue_user(session, user.id)
    return user


def _flush_new_user(session: Session) -> None:
    """Flush a new user; a registration racing ours past the checks above (same
    username, email or lookalike email) is a 409, not a 500, when the unique
    indexes catch it."""
    try:
        session.flush()
    except IntegrityError as exc:
        taken = str(exc.orig).lower()
        if "username" in taken:
            raise Conflict("That username is taken.", slug="username-taken") from exc
        raise Conflict("That email is already registered.", slug="email-taken") from exc


PROFILE_FIELDS = frozenset({"display_name", "bio", "is_private"})


def update_profile(
    *, session: Session, platform: Platform, user: User, changes: dict[str, Any]
) -> User:
    """Apply profile ``changes`` after the ``socialflow_filter_profile`` hooks; the caller commits.

    Plugins see ``{"user_id", **changes}`` and may rewrite the values; only
    the fields asked for are changed. The search index follows after the
    commit (name and bio are searchable). A date of birth (``birth_date``,
    None removes it) is private: it is checked and stored here and never
    handed to the filter hooks.
    """
    changes = dict(changes)
    if "birth_date" in changes:
        born = changes.pop("birth_date")
        if born is not None:
            ages.check_birth_date(born, utcnow().date())
        user.birth_date = born
    filtered = platform.plugins.apply_filters(
        "socialflow_filter_profile", {"user_id": user.id, **changes}
    )
    changes = {field: filtered.get(field, changes[field]) for field in changes}
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise ValidationProblem(f"not a profile field: {', '.join(sorted(unknown))}")
    if "is_private" in changes and bool(changes["is_private"]) != user.is_private:
        # Who may see every post and video of the account changes: cached pages must know.
        record_event(
            session, "account_privacy_changed", user_id=user.id, is_private=changes["is_private"]
        )
    text = "\n".join(str(changes[f]) for f in ("display_name", "bio") if changes.get(f))
    assert user.id is not None
    verdict = screening.judge_text(platform, text, kind="profile", author_id=user.id)
    screening.refuse_if_rejected(session, platform, verdict, kind="profile", author_id=user.id)
    for field, value in changes.items():
        setattr(user, field, value)
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    # A held profile stays as written; its review item lets a moderator warn or suspend.
    screening.record(
        session,
        platform,
        kind="profile",
        target_id=str(user.id),
        author_id=user.id,
        verdict=verdict,
    )
    queue_user(session, user.id)
    return user


def authenticate(*, session: Session, username_or_email: str, password: str) -> User | None:
    """The user if the password matches and the account may log in, else ``None``.

    Unknown users cost one Argon2 verification too, so timing does not reveal
    which accounts exist. Hashes made with older parameters are upgraded.
    """
    user = get_user_by_login(session=session, username_or_email=username_or_email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if user.state not in ACTIVE_STATES:
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        user.updated_at = utcnow()
        session.add(user)
    return user


# ------------------------------------------------------------ administration


def set_role(*, session: Session, user: User, role: Role, actor_id: int | None) -> User:
    """Change a user's role; audited. The caller commits."""
    previous = user.role
    user.role = role.value
    user.updated_at = utcnow()
    session.add(user)
    audit.record(
        session,
        "role_changed",
        subject_user_id=user.id,
        actor_id=actor_id,
        previous=previous,
        role=role.value,
    )
    return user


def suspend(*, session: Session, user: User, actor_id: int | None, reason: str = "") -> User:
    """Suspend (ban) a user and cut off their access at once.

    Every session is revoked and ``token_version`` bumped, so even access
    tokens without a session stop working on their next request; at worst a
    cached token lives out one access-token lifetime.
    """
    if user.state == AccountState.deleted.value:
        raise Conflict("That account is deleted.", slug="account-deleted")
    user.state = AccountState.suspended.value
    user.token_version += 1
    user.updated_at = utcnow()
    session.add(user)
    session_service.revoke_all(session, user=user, reason="suspended")
    audit.record(
        session, "user_suspended", subject_user_id=user.id, actor_id=actor_id, reason=reason
    )
    record_event(session, "user_suspended", user_id=user.id)
    queue_user(session, user.id)
    return user


def reinstate(*, session: Session, user: User, actor_id: int | None) -> User:
    """Lift a suspension; the account returns to active (or unverified)."""
    if user.state != AccountState.suspended.value:
        raise Conflict("That account is not suspended.", slug="not-suspended")
    verified = user.email_verified_at is not None
    user.state = (AccountState.active if verified else AccountState.unverified).value
    user.updated_at = utcnow()
    session.add(user)
    audit.record(session, "user_reinstated", subject_user_id=user.id, actor_id=actor_id)
    queue_user(session, user.id)
    return user


def list_users(*, session: Session, limit: int = 100, offset: int = 0) -> list[User]:
    statement = select(User).order_by(col(User.id)).offset(offset).limit(limit)
    return list(session.exec(statement))


# ------------------------------------------------------------------ deletion


def delete_account(
    *, session: Session, user: User, actor_id: int | None, ip: str | None
) -> str | None:
    """Anonymize the account: personal data removed, the row kept as a tombstone.

    The id stays (other domains' rows point at it) but nothing identifies the
    person any more: username, email, names, bio, avatar, password, 2FA,
    external identities and sessions are gone. Audited; other domains hear
    ``user_deleted`` after the commit to clean up what they hold. Returns the
    avatar's storage key, for the caller to delete once the commit succeeded.
    """
    assert user.id is not None
    if user.state == AccountState.deleted.value:
        raise Conflict("That account is already deleted.", slug="account-deleted")
    avatar_key = user.avatar_key
    # A hyphen is not allowed in usernames, so nobody can register the tombstone's name.
    tombstone = f"deleted-{user.id}"
    user.username = tombstone
    user.username_key = tombstone
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.email_verified_at = None
    user.password_hash = None
    user.display_name = ""
    user.bio = ""
    user.avatar_key = None
    user.is_private = True
    user.birth_date = None
    user.state = AccountState.deleted.value
    user.token_version += 1
    user.deleted_at = utcnow()
    user.updated_at = user.deleted_at
    session.add(user)
    session_service.revoke_all(session, user=user, reason="deleted")
    session.execute(delete(TotpCredential).where(col(TotpCredential.user_id) == user.id))
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    session.execute(delete(OAuthAccount).where(col(OAuthAccount.user_id) == user.id))
    audit.record(session, "account_deleted", subject_user_id=user.id, actor_id=actor_id, ip=ip)
    record_event(session, "user_deleted", user_id=user.id)
    queue_user(session, user.id)
    return avatar_key
