"""``/admin/users`` and ``/admin/audit``: accounts and the audit log.

Moderators search accounts and suspend or reinstate them (as moderation
actions: strikes, appeals, expiry); admins change roles, reset 2FA, ban and
read the audit log (also as CSV). Impersonation is not offered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import Select

from socialflow.accounts.models import AccountState, AuditLogEntry, Role
from socialflow.core.errors import Conflict
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId, Name
from socialflow.moderation import admin_users, audit_log
from socialflow.moderation.actions import (
    revert_action,
    standing_suspensions,
    strike_counts,
    take_action,
)
from socialflow.moderation.models import ActionKind
from socialflow.moderation.queue import serialize_action
from socialflow.moderation.routes.deps import AdminUser, ModeratorUser, next_cursor
from socialflow.moderation.schemas import (
    ActionOut,
    AdminUserOut,
    AdminUserPage,
    AuditEntryOut,
    AuditPage,
    ReinstateRequest,
    RoleChange,
    SuspendRequest,
    TwoFactorReset,
)

router = APIRouter(prefix="/admin", tags=["admin"])

IdQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


def _user_out(session: SessionDep, user_id: int) -> AdminUserOut:
    user = admin_users.get_user(session, user_id)
    strikes = strike_counts(session, [user_id]).get(user_id, 0)
    return AdminUserOut(**admin_users.serialize(user, strikes))


@router.get("/users", response_model=AdminUserPage)
def search_users(
    session: SessionDep,
    moderator: ModeratorUser,
    page: PageDep,
    q: Annotated[Name | None, Query(max_length=254)] = None,
    role: Role | None = None,
    state: AccountState | None = None,
) -> AdminUserPage:
    """Accounts by username or email prefix, role and state, newest first."""
    users = admin_users.search(
        session,
        q=q,
        role=role.value if role else None,
        state=state.value if state else None,
        limit=page.limit,
        before=page.id_cursor(),
    )
    strikes = strike_counts(session, [u.id for u in users if u.id is not None])
    items = [admin_users.serialize(u, strikes.get(u.id or 0, 0)) for u in users]
    return AdminUserPage(
        items=[AdminUserOut(**i) for i in items], next_cursor=next_cursor(items, page.limit)
    )


@router.get("/users/{user_id}", response_model=AdminUserOut)
def read_user(user_id: DbId, session: SessionDep, moderator: ModeratorUser) -> AdminUserOut:
    return _user_out(session, user_id)


@router.post("/users/{user_id}/role", response_model=AdminUserOut, responses=problems(409))
def set_user_role(
    user_id: DbId, body: RoleChange, session: SessionDep, admin: AdminUser
) -> AdminUserOut:
    admin_users.set_role(session, admin=admin, user_id=user_id, role=body.role)
    session.commit()
    return _user_out(session, user_id)


@router.post(
    "/users/{user_id}/suspend", response_model=ActionOut, status_code=201, responses=problems(409)
)
def suspend_user(
    user_id: DbId,
    body: SuspendRequest,
    session: SessionDep,
    platform: PlatformDep,
    moderator: ModeratorUser,
) -> ActionOut:
    """Suspend for ``duration_hours``, or ban (no duration; admins only)."""
    action = take_action(
        session,
        platform,
        moderator=moderator,
        target_type="profile",
        target_id=str(user_id),
        kind=ActionKind.ban if body.duration_hours is None else ActionKind.suspend,
        reason=body.reason,
        duration_hours=body.duration_hours,
    )
    session.commit()
    return ActionOut(**serialize_action(action))


@router.post("/users/{user_id}/reinstate", response_model=AdminUserOut, responses=problems(409))
def reinstate_user(
    user_id: DbId,
    body: ReinstateRequest,
    session: SessionDep,
    platform: PlatformDep,
    moderator: ModeratorUser,
) -> AdminUserOut:
    """Lift every standing suspension (and, for admins, ban) of the account."""
    user = admin_users.get_user(session, user_id)
    standing = standing_suspensions(session, user_id)
    if not standing and user.state != AccountState.suspended.value:
        raise Conflict("That account is not suspended.", slug="not-suspended")
    for action in standing:
        assert action.id is not None
        revert_action(
            session, platform, moderator=moderator, action_id=action.id, reason=body.reason
        )
    if not standing:  # suspended outside moderation (the CLI): lift it directly, audited
        from socialflow.accounts import users as user_service

        user_service.reinstate(session=session, user=user, actor_id=moderator.id)
    session.commit()
    return _user_out(session, user_id)


@router.post("/users/{user_id}/2fa/reset", response_model=TwoFactorReset)
def reset_two_factor(user_id: DbId, session: SessionDep, admin: AdminUser) -> TwoFactorReset:
    """Turn off the account's 2FA (a lost device, identity checked out of band)."""
    was = admin_users.reset_two_factor(session, admin=admin, user_id=user_id)
    session.commit()
    return TwoFactorReset(was_enabled=was)


def _audit_query(
    action: str | None,
    actor_id: int | None,
    subject_user_id: int | None,
    since: datetime | None,
    until: datetime | None,
) -> Select[AuditLogEntry]:
    return audit_log.query(
        action=action, actor_id=actor_id, subject_user_id=subject_user_id, since=since, until=until
    )


ActionFilter = Annotated[
    str | None,
    Query(max_length=64, pattern=r"^[a-z0-9_.]+\*?$", description="An action, or a prefix*"),
]


@router.get("/audit", response_model=AuditPage)
def read_audit_log(
    session: SessionDep,
    admin: AdminUser,
    page: PageDep,
    action: ActionFilter = None,
    actor_id: IdQuery = None,
    subject_user_id: IdQuery = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditPage:
    """The audit log, newest first, filtered by action, actor, subject and time."""
    statement = _audit_query(action, actor_id, subject_user_id, since, until)
    entries = audit_log.page(session, statement, limit=page.limit, before=page.id_cursor())
    items = [audit_log.serialize(e) for e in entries]
    return AuditPage(
        items=[AuditEntryOut(**i) for i in items], next_cursor=next_cursor(items, page.limit)
    )


@router.get(
    "/audit.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The entries as CSV."}},
)
def export_audit_log(
    session: SessionDep,
    admin: AdminUser,
    action: ActionFilter = None,
    actor_id: IdQuery = None,
    subject_user_id: IdQuery = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Response:
    """The same filters, every matching entry, as CSV."""
    statement = _audit_query(action, actor_id, subject_user_id, since, until)
    body = "".join(audit_log.csv_rows(session, statement))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
