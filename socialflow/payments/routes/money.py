"""Tips, the caller's charges (paid or received), and refunds of charges received.

A tip request may carry an ``Idempotency-Key`` header: the same key from
the same payer answers the first tip again instead of paying twice. Only the
creator who received a charge (or an admin) may refund it; anyone else gets
a 404, as for a charge that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import or_, select

from socialflow.accounts.deps import CurrentUser
from socialflow.core.errors import Problem
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId, SafeText
from socialflow.payments import billing, charges, refunds, tips
from socialflow.payments.models import CHARGES, Charge, Refund
from socialflow.payments.routes.common import pending
from socialflow.payments.schemas import ChargeOut, ChargePage, RefundIn, RefundOut, TipIn
from socialflow.payments.settings import payment_settings
from socialflow.plugins.protocols import PaymentUnavailableError

router = APIRouter(prefix="/payments", tags=["payments"])


@router.post(
    "/tips",
    response_model=ChargeOut,
    status_code=201,
    responses={**problems(402, 404, 503), **pending(ChargeOut)},
)
def send_tip(
    body: TipIn,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    response: Response,
    idempotency_key: Annotated[
        SafeText | None, Header(alias="Idempotency-Key", min_length=1, max_length=100)
    ] = None,
) -> ChargeOut:
    provider = charges.active_provider(platform)
    charge = tips.tip(
        session,
        payment_settings(platform),
        payer=user,
        to=body.to,
        amount=body.amount,
        currency=body.currency,
        post_id=body.post_id,
        video_id=body.video_id,
        message=body.message,
        client_key=idempotency_key,
    )
    session.commit()
    assert charge.id is not None
    charge_id = charge.id
    try:
        billing.collect_and_settle(platform, provider, charge_id)
    except PaymentUnavailableError:
        response.status_code = 202
    session.expire_all()
    done = session.get(Charge, charge_id)
    assert done is not None
    if done.status == "failed":
        raise charges.PaymentDeclined("The payment was declined; nothing was charged.")
    return ChargeOut.of(done)


@router.get("/charges", response_model=ChargePage)
def list_my_charges(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    role: Annotated[Literal["paid", "received", "all"], Query()] = "all",
) -> ChargePage:
    mine = {
        "paid": CHARGES.c.payer_id == user.id,
        "received": CHARGES.c.creator_id == user.id,
        "all": or_(CHARGES.c.payer_id == user.id, CHARGES.c.creator_id == user.id),
    }[role]
    query = select(Charge).where(mine)
    before = page.id_cursor()
    if before is not None:
        query = query.where(CHARGES.c.id < before)
    rows = list(session.scalars(query.order_by(CHARGES.c.id.desc()).limit(page.limit + 1)))
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return ChargePage(
        items=[ChargeOut.of(c) for c in rows],
        next_cursor=str(rows[-1].id) if more and rows else None,
    )


@router.post(
    "/charges/{charge_id}/refunds",
    response_model=RefundOut,
    status_code=201,
    responses={**problems(409, 503), **pending(RefundOut)},
)
def refund_charge(
    charge_id: DbId,
    body: RefundIn,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    response: Response,
) -> RefundOut:
    provider = charges.active_provider(platform)
    refund = refunds.create(
        session, actor=user, charge_id=charge_id, amount=body.amount, reason=body.reason
    )
    session.commit()
    assert refund.id is not None
    refund_id = refund.id
    try:
        refunds.send(platform, provider, refund_id)
    except PaymentUnavailableError:
        response.status_code = 202  # the sweep asks again with the same key
    session.expire_all()
    done = session.get(Refund, refund_id)
    assert done is not None
    if done.status == "failed":
        raise Problem(
            "The provider refused the refund; nothing was refunded.",
            status=409,
            slug="refund-failed",
        )
    return RefundOut.of(done)
