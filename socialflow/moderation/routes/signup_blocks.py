"""``/admin/signup-blocks``: admins refuse sign-ups from email domains and IP networks.

Every change is audited (``signup_block_added``, ``..._changed``,
``..._removed``); registration checks the blocks through the
``socialflow_signup_check`` hook (:mod:`socialflow.moderation.signup_blocks`).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from socialflow.core.http.deps import PageDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId
from socialflow.moderation import signup_blocks as service
from socialflow.moderation.models import SignupBlockKind
from socialflow.moderation.routes.deps import AdminUser, next_cursor
from socialflow.moderation.signup_block_schemas import (
    SignupBlockChange,
    SignupBlockCreate,
    SignupBlockOut,
    SignupBlockPage,
)

router = APIRouter(prefix="/admin/signup-blocks", tags=["admin"])


@router.get("", response_model=SignupBlockPage)
def list_signup_blocks(
    session: SessionDep, admin: AdminUser, page: PageDep, kind: SignupBlockKind | None = None
) -> SignupBlockPage:
    """The blocks, newest first (``?kind=domain|cidr``)."""
    rows = service.listing(session, kind=kind, limit=page.limit, before=page.id_cursor())
    items = [service.serialize(b) for b in rows]
    return SignupBlockPage(
        items=[SignupBlockOut(**i) for i in items], next_cursor=next_cursor(items, page.limit)
    )


@router.post("", response_model=SignupBlockOut, status_code=201, responses=problems(409))
def create_signup_block(
    body: SignupBlockCreate, session: SessionDep, admin: AdminUser
) -> SignupBlockOut:
    """Refuse sign-ups from an email domain (and its subdomains) or an IP network."""
    block = service.add(session, admin=admin, kind=body.kind, value=body.value, reason=body.reason)
    session.commit()
    return SignupBlockOut(**service.serialize(block))


@router.get("/{block_id}", response_model=SignupBlockOut, responses=problems(404))
def read_signup_block(block_id: DbId, session: SessionDep, admin: AdminUser) -> SignupBlockOut:
    return SignupBlockOut(**service.serialize(service.get(session, block_id)))


@router.patch("/{block_id}", response_model=SignupBlockOut, responses=problems(404))
def change_signup_block(
    block_id: DbId, body: SignupBlockChange, session: SessionDep, admin: AdminUser
) -> SignupBlockOut:
    """Change a block's reason (to change what it blocks, remove it and add another)."""
    block = service.change_reason(session, admin=admin, block_id=block_id, reason=body.reason)
    session.commit()
    return SignupBlockOut(**service.serialize(block))


@router.delete("/{block_id}", status_code=204, responses=problems(404))
def delete_signup_block(block_id: DbId, session: SessionDep, admin: AdminUser) -> Response:
    """Lift a block: sign-ups it refused are accepted again."""
    service.remove(session, admin=admin, block_id=block_id)
    session.commit()
    return Response(status_code=204)
