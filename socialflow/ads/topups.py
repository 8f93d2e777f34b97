"""Advertisers and their top-ups: money in through the active payment provider.

A top-up is written ``pending`` with its idempotency key and committed; the
provider is then asked (through :func:`socialflow.payments.calls.invoke`,
so a retry reuses the key) and a success credits the advertiser's prepaid
balance in the ledger. An unknown outcome leaves it pending; the spend batch
asks again with the same key.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.ads import money
from socialflow.ads.models import AdTopUp, Advertiser, table
from socialflow.ads.settings import AdSettings
from socialflow.core.db.base import utcnow
from socialflow.core.errors import Conflict, NotFound, ValidationProblem
from socialflow.core.platform import Platform
from socialflow.payments import calls, customers
from socialflow.plugins.protocols import PaymentProvider, PaymentUnavailableError

TOPUPS = table(AdTopUp)


def register(
    session: Session, settings: AdSettings, *, user: User, name: str, currency: str
) -> Advertiser:
    """Make ``user`` an advertiser (once: a second call is a 409)."""
    assert user.id is not None
    code = currency.lower()
    if code not in settings.currencies:
        raise ValidationProblem(f"Currency {currency!r} is not accepted.", slug="bad-currency")
    if session.get(Advertiser, user.id) is not None:
        raise Conflict("You are already an advertiser.", slug="already-advertiser")
    advertiser = Advertiser(user_id=user.id, name=name, currency=code)
    session.add(advertiser)
    session.flush()
    return advertiser


def get_advertiser(session: Session, user: User) -> Advertiser:
    found = session.get(Advertiser, user.id)
    if found is None:
        raise NotFound("You are not an advertiser yet.", slug="not-an-advertiser")
    return found


def new_topup(
    session: Session, advertiser: Advertiser, *, amount: int, client_key: str | None
) -> AdTopUp:
    """A pending top-up (flushed; the caller commits, then :func:`collect`)."""
    key = f"ad-topup:{advertiser.user_id}:{client_key or uuid.uuid4().hex}"
    existing = session.scalars(select(AdTopUp).where(TOPUPS.c.idempotency_key == key)).first()
    if existing is not None:
        return existing
    topup = AdTopUp(
        advertiser_id=advertiser.user_id,
        amount=amount,
        currency=advertiser.currency,
        idempotency_key=key,
    )
    session.add(topup)
    session.flush()
    return topup


def collect(platform: Platform, provider: PaymentProvider, topup_id: int) -> AdTopUp:
    """Charge the advertiser for a pending top-up and book the outcome.

    Commits: the customer record and the outcome each in their own transaction,
    around the provider call. Raises :class:`PaymentUnavailableError` when the
    outcome is unknown (the top-up stays pending).
    """
    with platform.session() as session:
        topup = session.get(AdTopUp, topup_id)
        assert topup is not None, f"no top-up {topup_id}"
        if topup.status != "pending":
            return topup
        payer = customers.reference(session, provider, topup.advertiser_id, "payer")
        session.commit()
        amount, currency, key = topup.amount, topup.currency, topup.idempotency_key
    result = calls.invoke(
        platform,
        provider,
        key=key,
        operation="charge",
        call=lambda k: provider.charge(
            customer_ref=payer,
            amount=amount,
            currency=currency,
            idempotency_key=k,
            metadata={"ad_topup_id": str(topup_id)},
        ),
    )
    with platform.session() as session:
        locked = session.scalars(
            select(AdTopUp).where(TOPUPS.c.id == topup_id).with_for_update()
        ).one()
        if locked.status == "pending":
            if result.amount != locked.amount or result.currency.lower() != locked.currency:
                raise PaymentUnavailableError(f"provider answered another amount for {topup_id}")
            locked.provider_ref = result.provider_ref
            if result.status == "succeeded":
                locked.status = "succeeded"
                money.topup_succeeded(session, locked)
            elif result.status in ("failed", "canceled"):
                locked.status = "failed"
            session.add(locked)
        session.commit()
        session.refresh(locked)
        return locked


def retry_pending(platform: Platform, provider: PaymentProvider, older_than: timedelta) -> int:
    """Ask again about top-ups whose answer was lost; how many settled."""
    with platform.session(read_only=True) as session:
        ids = list(
            session.scalars(
                select(TOPUPS.c.id).where(
                    TOPUPS.c.status == "pending", TOPUPS.c.created_at < utcnow() - older_than
                )
            )
        )
    settled = 0
    for topup_id in ids:
        try:
            settled += collect(platform, provider, int(topup_id)).status != "pending"
        except PaymentUnavailableError:
            continue
    return settled
