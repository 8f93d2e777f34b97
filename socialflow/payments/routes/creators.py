"""A creator's own money: earnings, payouts and the yearly statement.

Everything here is the caller's own (there is no path naming another user),
so nobody can read another creator's earnings, payouts or statements.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from socialflow.accounts.deps import CurrentUser
from socialflow.core.errors import NotFound
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId
from socialflow.payments import charges, earnings, payouts
from socialflow.payments.models import Payout
from socialflow.payments.routes.common import pending
from socialflow.payments.schemas import (
    CurrencyEarnings,
    EarningsOut,
    PayoutIn,
    PayoutOut,
    PayoutPage,
)
from socialflow.payments.settings import payment_settings
from socialflow.plugins.protocols import PaymentUnavailableError

router = APIRouter(prefix="/payments", tags=["payments"])


@router.get("/earnings", response_model=EarningsOut)
def read_earnings(session: SessionDep, user: CurrentUser, platform: PlatformDep) -> EarningsOut:
    assert user.id is not None
    settings = payment_settings(platform)
    return EarningsOut(
        items=[CurrencyEarnings(**row) for row in earnings.summary(session, user.id)],
        platform_fee_bps=settings.platform_fee_bps,
        pending_days=settings.pending_days,
        payout_schedule=settings.payout_schedule,
        payout_minimum=settings.payout_minimum,
    )


@router.get("/payouts", response_model=PayoutPage)
def list_payouts(session: SessionDep, user: CurrentUser, page: PageDep) -> PayoutPage:
    assert user.id is not None
    rows, next_before = payouts.history(
        session, creator_id=user.id, limit=page.limit, before=page.id_cursor()
    )
    return PayoutPage(
        items=[PayoutOut.of(p) for p in rows],
        next_cursor=str(next_before) if next_before is not None else None,
    )


@router.get("/payouts/{payout_id}", response_model=PayoutOut)
def read_payout(payout_id: DbId, session: SessionDep, user: CurrentUser) -> PayoutOut:
    payout = session.get(Payout, payout_id)
    if payout is None or payout.creator_id != user.id:
        raise NotFound("No such payout.")
    return PayoutOut.of(payout)


@router.post(
    "/payouts",
    response_model=PayoutOut,
    status_code=201,
    responses={**problems(409, 503), **pending(PayoutOut)},
)
def request_payout(
    body: PayoutIn,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    response: Response,
) -> PayoutOut:
    """Pay out the whole available balance in one currency now."""
    provider = charges.active_provider(platform)
    assert user.id is not None
    payout = payouts.request(
        session, payment_settings(platform), creator_id=user.id, currency=body.currency.lower()
    )
    session.commit()
    assert payout.id is not None
    payout_id = payout.id
    try:
        payouts.send(platform, provider, payout_id)
    except PaymentUnavailableError:
        response.status_code = 202  # in transit; the sweep asks again with the same key
    session.expire_all()
    done = session.get(Payout, payout_id)
    assert done is not None
    return PayoutOut.of(done)


@router.get(
    "/statements/{year}",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The year's statement."}},
)
def read_statement(
    year: Annotated[int, Path(ge=2000, le=2200)], session: SessionDep, user: CurrentUser
) -> Response:
    """The caller's statement of ``year`` (UTC) as CSV."""
    assert user.id is not None
    body = earnings.statement_csv(session, user.id, year)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="statement-{year}.csv"'},
    )
