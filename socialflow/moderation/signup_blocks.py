"""Blocks of email domains and IP networks at sign-up, managed by admins.

Registration (password or OAuth) asks through the ``socialflow_signup_check``
hook, which this app implements with :func:`check`: an email whose domain is
a blocked domain or one of its subdomains, or a client address inside a
blocked network, is refused with 403 ``signup-blocked`` before any account is
written. Domains are stored in their ASCII (IDNA) form so a lookalike
spelling in Unicode matches its block; networks in CIDR notation.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

import idna
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from socialflow.accounts import audit
from socialflow.accounts.models import User
from socialflow.core.db.base import iso_or_none, utcnow
from socialflow.core.errors import Conflict, Forbidden, NotFound, ValidationProblem
from socialflow.moderation.models import SignupBlock, SignupBlockKind
from socialflow.moderation.settings import moderation_settings

if TYPE_CHECKING:
    from socialflow.core.platform import Platform


def _invalid(message: str) -> ValidationProblem:
    return ValidationProblem(
        message, errors=[{"field": "value", "message": message, "code": "invalid"}]
    )


def normalize_domain(value: str) -> str:
    """``Example.COM.``, ``@example.com`` or ``*.example.com`` -> ``example.com`` (IDNA)."""
    raw = value.strip().lower().removeprefix("@").removeprefix("*.").rstrip(".")
    try:
        ascii_name: str = idna.encode(raw, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise _invalid(f"not a domain name: {exc}") from exc
    if "." not in ascii_name:
        raise _invalid("a domain needs at least two labels (example.com)")
    return ascii_name


def normalize_cidr(value: str) -> str:
    """``203.0.113.7/24`` -> ``203.0.113.0/24``; a bare address is one host."""
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError as exc:
        raise _invalid(f"not an IP network: {exc}") from exc


def normalize(kind: SignupBlockKind, value: str) -> str:
    return normalize_domain(value) if kind is SignupBlockKind.domain else normalize_cidr(value)


def _domains_of(email: str) -> list[str]:
    """The email's domain and every parent domain: ``a.b.com`` -> a.b.com, b.com, com."""
    domain = email.rpartition("@")[2]
    try:
        labels = normalize_domain(domain).split(".")
    except ValidationProblem:
        labels = domain.strip().lower().rstrip(".").split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def check_open(platform: Platform) -> None:
    """403 ``registrations-closed`` while an admin has closed registrations."""
    if moderation_settings(platform).registrations == "closed":
        raise Forbidden("Registrations are closed on this platform.", slug="registrations-closed")


def check(session: Session, *, email: str | None, ip: str | None) -> None:
    """403 ``signup-blocked`` when ``email``'s domain or ``ip`` is blocked."""
    if email and "@" in email:
        hit = session.execute(
            select(col(SignupBlock.id)).where(
                col(SignupBlock.kind) == SignupBlockKind.domain.value,
                col(SignupBlock.value).in_(_domains_of(email)),
            )
        ).first()
        if hit is not None:
            raise Forbidden(
                "Sign-ups from this email domain are not accepted.", slug="signup-blocked"
            )
    if ip:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return
        networks = session.execute(
            select(col(SignupBlock.value)).where(
                col(SignupBlock.kind) == SignupBlockKind.cidr.value
            )
        ).scalars()
        if any(address in ipaddress.ip_network(n) for n in networks):
            raise Forbidden("Sign-ups from this network are not accepted.", slug="signup-blocked")


def _audit(session: Session, action: str, block: SignupBlock, admin: User) -> None:
    audit.record(
        session,
        action,
        subject_user_id=None,
        actor_id=admin.id,
        block_id=block.id,
        kind=block.kind,
        value=block.value,
        reason=block.reason,
    )


def add(
    session: Session, *, admin: User, kind: SignupBlockKind, value: str, reason: str
) -> SignupBlock:
    """Add a block (409 ``already-blocked`` for the same rule twice); the caller commits."""
    block = SignupBlock(
        kind=kind.value, value=normalize(kind, value), reason=reason, created_by=admin.id
    )
    try:
        with session.begin_nested():
            session.add(block)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("That is already blocked.", slug="already-blocked") from exc
    _audit(session, "signup_block_added", block, admin)
    return block


def get(session: Session, block_id: int) -> SignupBlock:
    block = session.get(SignupBlock, block_id)
    if block is None:
        raise NotFound("No such sign-up block.")
    return block


def change_reason(session: Session, *, admin: User, block_id: int, reason: str) -> SignupBlock:
    block = get(session, block_id)
    block.reason = reason
    block.updated_at = utcnow()
    session.add(block)
    _audit(session, "signup_block_changed", block, admin)
    return block


def remove(session: Session, *, admin: User, block_id: int) -> None:
    block = get(session, block_id)
    _audit(session, "signup_block_removed", block, admin)
    session.delete(block)


def listing(
    session: Session, *, kind: SignupBlockKind | None, limit: int, before: int | None
) -> list[SignupBlock]:
    statement = select(SignupBlock)
    if kind is not None:
        statement = statement.where(col(SignupBlock.kind) == kind.value)
    if before is not None:
        statement = statement.where(col(SignupBlock.id) < before)
    statement = statement.order_by(col(SignupBlock.id).desc()).limit(limit)
    return list(session.execute(statement).scalars())


def serialize(block: SignupBlock) -> dict[str, Any]:
    return {
        "id": block.id,
        "kind": block.kind,
        "value": block.value,
        "reason": block.reason,
        "created_by": block.created_by,
        "created_at": iso_or_none(block.created_at),
        "updated_at": iso_or_none(block.updated_at),
    }
