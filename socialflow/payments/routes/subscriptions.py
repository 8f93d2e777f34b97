"""Tiers (creators) and subscriptions (fans).

A fan sees only their own subscriptions; a subscription is readable by its
fan and its creator, anyone else gets a 404. Creating a subscription takes
its first payment before answering: 201 when paid (or trialing), 402 when
declined, 202 while the provider's answer is pending.

With a provider that bills subscriptions itself (Stripe Billing) the
subscribe, upgrade, cancel and resume routes go through the provider
(:mod:`socialflow.payments.remote_billing`) and answer the state it
returned; with ``offline`` socialflow keeps the schedule.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from fastapi import APIRouter, Response
from sqlmodel import Session

from socialflow.accounts.deps import CurrentUser
from socialflow.accounts.models import User
from socialflow.accounts.users import get_user_by_username
from socialflow.core.errors import NotFound
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId, Name
from socialflow.core.platform import Platform
from socialflow.payments import billing, charges, remote_billing, subscriptions, tiers
from socialflow.payments.models import Subscription
from socialflow.payments.routes.common import pending
from socialflow.payments.schemas import (
    CancelIn,
    SubscribeIn,
    SubscriptionOut,
    SubscriptionPage,
    TierCreate,
    TierList,
    TierOut,
    UpgradeIn,
)
from socialflow.payments.settings import payment_settings
from socialflow.plugins.protocols import (
    BillingProvider,
    PaymentError,
    PaymentProvider,
    PaymentUnavailableError,
    bills_subscriptions,
)

router = APIRouter(prefix="/payments", tags=["payments"])


@router.post("/tiers", response_model=TierOut, status_code=201)
def create_tier(
    body: TierCreate, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> TierOut:
    tier = tiers.create(
        session,
        payment_settings(platform),
        creator=user,
        name=body.name,
        price=body.price,
        currency=body.currency,
        interval=body.interval,
        perks=body.perks,
        trial_days=body.trial_days,
    )
    session.commit()
    return TierOut.of(tier)


@router.get("/tiers", response_model=TierList)
def list_my_tiers(session: SessionDep, user: CurrentUser) -> TierList:
    assert user.id is not None
    return TierList(
        items=[TierOut.of(t) for t in tiers.list_for(session, user.id, include_retired=True)]
    )


@router.delete("/tiers/{tier_id}", status_code=204)
def retire_tier(tier_id: DbId, session: SessionDep, user: CurrentUser) -> Response:
    tiers.retire(session, creator=user, tier_id=tier_id)
    session.commit()
    return Response(status_code=204)


@router.get("/creators/{username}/tiers", response_model=TierList)
def list_creator_tiers(username: Name, session: SessionDep, user: CurrentUser) -> TierList:
    creator = get_user_by_username(session=session, username=username)
    if creator is None or creator.id is None:
        raise NotFound("No such user.")
    return TierList(items=[TierOut.of(t) for t in tiers.list_for(session, creator.id)])


def _pay(
    platform: Platform, session: Session, sub_id: int, charge_id: int | None, response: Response
) -> SubscriptionOut:
    """Collect a committed charge of a subscription; answer the subscription as it stands."""
    provider = charges.active_provider(platform)
    declined = False
    if charge_id is not None:
        try:
            charge = billing.collect_and_settle(platform, provider, charge_id)
            declined = charge.status == "failed"
        except PaymentUnavailableError:
            response.status_code = 202  # the sweep collects it with the same key
    session.expire_all()
    sub = session.get(Subscription, sub_id)
    assert sub is not None
    if declined:
        raise charges.PaymentDeclined(
            "The payment was declined; nothing was charged.", subscription_id=sub_id
        )
    return SubscriptionOut.of(sub, test_mode=provider.test_mode)


def _billing(provider: PaymentProvider) -> BillingProvider | None:
    return cast(BillingProvider, provider) if bills_subscriptions(provider) else None


def _remote_start(
    platform: Platform, provider: BillingProvider, sub_id: int, response: Response
) -> SubscriptionOut:
    """Create the committed subscription at the provider; answer it as it stands."""
    try:
        remote_billing.create(platform, provider, sub_id)
    except PaymentUnavailableError:
        response.status_code = 202  # the sweep asks again with the same key
    except PaymentError:
        with platform.session() as session:
            subscriptions.abandon(session, sub_id)
            session.commit()
        raise charges.PaymentDeclined(
            "The payment provider refused the subscription; nothing was charged.",
            subscription_id=sub_id,
        ) from None
    with platform.session() as session:
        sub = session.get(Subscription, sub_id)
        assert sub is not None
        if sub.status == "incomplete" and sub.provider_ref is not None:
            raise charges.PaymentDeclined(
                "The first payment was declined; nothing was charged.", subscription_id=sub_id
            )
        return SubscriptionOut.of(sub, test_mode=provider.test_mode)


@router.post(
    "/subscriptions",
    response_model=SubscriptionOut,
    status_code=201,
    responses={**problems(402, 404, 409, 503), **pending(SubscriptionOut)},
)
def subscribe(
    body: SubscribeIn,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    response: Response,
) -> SubscriptionOut:
    remote = _billing(charges.active_provider(platform))
    sub, charge = subscriptions.start(
        session, payment_settings(platform), fan=user, tier_id=body.tier_id, remote=bool(remote)
    )
    session.commit()
    assert sub.id is not None
    if remote is not None:
        return _remote_start(platform, remote, sub.id, response)
    return _pay(platform, session, sub.id, charge.id if charge else None, response)


@contextmanager
def _provider_answers() -> Iterator[None]:
    """A provider that does not answer (or refuses) is a 503: nothing changed here."""
    try:
        yield
    except PaymentError as exc:
        raise charges.PaymentsUnavailable(
            "The payment provider did not carry out the change; nothing changed, retry later."
        ) from exc


def _remote_of(
    platform: Platform, session: Session, user: User, subscription_id: int
) -> BillingProvider | None:
    """The billing provider when the fan's own subscription is billed there (404 for others)."""
    sub = subscriptions.get_for(session, user=user, subscription_id=subscription_id)
    if sub.fan_id != user.id:
        raise NotFound("No such subscription.")
    if sub.provider_ref is None or platform.settings.payments is None:
        return None
    session.commit()  # the provider is called with no transaction of ours open
    return _billing(charges.active_provider(platform))


def _fresh(session: Session, subscription_id: int) -> SubscriptionOut:
    session.expire_all()
    sub = session.get(Subscription, subscription_id)
    assert sub is not None
    return SubscriptionOut.of(sub)


@router.get("/subscriptions", response_model=SubscriptionPage)
def list_my_subscriptions(session: SessionDep, user: CurrentUser) -> SubscriptionPage:
    assert user.id is not None
    return SubscriptionPage(
        items=[SubscriptionOut.of(s) for s in subscriptions.list_as_fan(session, user.id)]
    )


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
def read_subscription(
    subscription_id: DbId, session: SessionDep, user: CurrentUser
) -> SubscriptionOut:
    return SubscriptionOut.of(
        subscriptions.get_for(session, user=user, subscription_id=subscription_id)
    )


@router.post(
    "/subscriptions/{subscription_id}/cancel",
    response_model=SubscriptionOut,
    responses=problems(409, 503),
)
def cancel_subscription(
    subscription_id: DbId,
    body: CancelIn,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
) -> SubscriptionOut:
    remote = _remote_of(platform, session, user, subscription_id)
    if remote is not None:
        with _provider_answers():
            remote_billing.end(
                platform,
                remote,
                fan=user,
                subscription_id=subscription_id,
                at_period_end=body.at_period_end,
            )
        return _fresh(session, subscription_id)
    sub = subscriptions.cancel(
        session, fan=user, subscription_id=subscription_id, at_period_end=body.at_period_end
    )
    session.commit()
    return SubscriptionOut.of(sub)


@router.post(
    "/subscriptions/{subscription_id}/resume",
    response_model=SubscriptionOut,
    responses=problems(409, 503),
)
def resume_subscription(
    subscription_id: DbId, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> SubscriptionOut:
    remote = _remote_of(platform, session, user, subscription_id)
    if remote is not None:
        with _provider_answers():
            remote_billing.end(
                platform,
                remote,
                fan=user,
                subscription_id=subscription_id,
                at_period_end=True,
                resume=True,
            )
        return _fresh(session, subscription_id)
    sub = subscriptions.resume(session, fan=user, subscription_id=subscription_id)
    session.commit()
    return SubscriptionOut.of(sub)


@router.post(
    "/subscriptions/{subscription_id}/upgrade",
    response_model=SubscriptionOut,
    responses={**problems(402, 409, 503), **pending(SubscriptionOut)},
)
def upgrade_subscription(
    subscription_id: DbId,
    body: UpgradeIn,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    response: Response,
) -> SubscriptionOut:
    remote = _remote_of(platform, session, user, subscription_id)
    if remote is not None:
        with _provider_answers():
            remote_billing.change_tier(
                platform, remote, fan=user, subscription_id=subscription_id, tier_id=body.tier_id
            )
        return _fresh(session, subscription_id)
    charges.active_provider(platform)
    sub, charge = subscriptions.upgrade(
        session,
        payment_settings(platform),
        fan=user,
        subscription_id=subscription_id,
        tier_id=body.tier_id,
    )
    session.commit()
    assert sub.id is not None
    return _pay(platform, session, sub.id, charge.id if charge else None, response)


@router.get("/subscribers", response_model=SubscriptionPage)
def list_my_subscribers(session: SessionDep, user: CurrentUser, page: PageDep) -> SubscriptionPage:
    assert user.id is not None
    rows, next_before = subscriptions.list_as_creator(
        session, user.id, limit=page.limit, before=page.id_cursor()
    )
    return SubscriptionPage(
        items=[SubscriptionOut.of(s) for s in rows],
        next_cursor=str(next_before) if next_before is not None else None,
    )
