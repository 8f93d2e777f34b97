"""Subscriptions over time: trials, renewals by the sweep task, dunning, cancellation
at period end, upgrades with proration, and the access rule other apps use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from socialflow.accounts.models import User
from socialflow.builtins.offline_payments import OfflinePaymentProvider
from socialflow.core.db.base import utcnow
from socialflow.core.effects import PendingTask
from socialflow.payments import access, customers, subscriptions, tiers
from socialflow.payments.billing import collect_and_settle
from socialflow.payments.models import CHARGES, SUBSCRIPTIONS, Subscription
from socialflow.payments.settings import payment_settings
from socialflow.payments.tasks import SWEEP_TASK
from socialflow.testing.tasks import wait_for_tasks


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {
        "payments": "offline",
        "plugin": {
            "payments": {"pending_days": 0, "dunning_attempts": 2, "payout_schedule": "manual"}
        },
    }


@pytest.fixture
def world(platform: Any, make_user: Callable[..., Any]) -> dict[str, Any]:
    creator, fan = make_user(), make_user()
    made = {}
    with platform.session() as session:
        for name, price, trial in (("basic", 1000, 0), ("gold", 3000, 0), ("trial", 800, 7)):
            made[name] = tiers.create(
                session,
                payment_settings(platform),
                creator=creator,
                name=name,
                price=price,
                currency="usd",
                interval="month",
                perks="",
                trial_days=trial,
            ).id
        session.commit()
    return {"creator": creator, "fan": fan, "tiers": made}


def subscribe(platform: Any, offline: OfflinePaymentProvider, fan: User, tier_id: int) -> int:
    with platform.session() as session:
        sub, charge = subscriptions.start(
            session, payment_settings(platform), fan=fan, tier_id=tier_id
        )
        session.commit()
        sub_id, charge_id = sub.id, charge.id if charge else None
    if charge_id is not None:
        collect_and_settle(platform, offline, charge_id)
    assert sub_id is not None
    return sub_id


def sub_of(platform: Any, sub_id: int) -> Subscription:
    with platform.session() as session:
        sub = session.get(Subscription, sub_id)
        assert sub is not None
        return sub


def period_over(platform: Any, sub_id: int) -> None:
    """Time passes: the period (and any retry delay) ends."""
    past = utcnow() - timedelta(seconds=1)
    with platform.session() as session:
        session.execute(
            update(SUBSCRIPTIONS)
            .where(SUBSCRIPTIONS.c.id == sub_id)
            .values(current_period_end=past, next_attempt_at=past)
        )
        session.commit()


def sweep(platform: Any) -> None:
    platform.enqueue(PendingTask(SWEEP_TASK, queue="default"))
    wait_for_tasks(platform)


def charges_of(platform: Any, sub_id: int) -> list[tuple[str, str, int]]:
    with platform.session() as session:
        rows = session.execute(
            select(CHARGES.c.kind, CHARGES.c.status, CHARGES.c.amount)
            .where(CHARGES.c.subscription_id == sub_id)
            .order_by(CHARGES.c.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def is_subscriber(platform: Any, fan: User, creator: User) -> bool:
    with platform.session() as session:
        return access.is_subscriber(session, fan.id, creator.id)


def test_a_trial_then_renewals_by_the_sweep_task(
    platform: Any, offline: OfflinePaymentProvider, world: dict[str, Any]
) -> None:
    fan, creator = world["fan"], world["creator"]
    sub_id = subscribe(platform, offline, fan, world["tiers"]["trial"])
    assert sub_of(platform, sub_id).status == "trialing"
    assert charges_of(platform, sub_id) == []
    assert is_subscriber(platform, fan, creator)

    period_over(platform, sub_id)
    sweep(platform)
    sweep(platform)  # a second sweep (or a re-run task) charges nothing more
    renewed = sub_of(platform, sub_id)
    assert renewed.status == "active"
    assert renewed.current_period_end > utcnow() + timedelta(days=27)
    assert charges_of(platform, sub_id) == [("subscription", "succeeded", 800)]

    period_over(platform, sub_id)
    sweep(platform)
    assert charges_of(platform, sub_id) == [("subscription", "succeeded", 800)] * 2


def test_failed_renewals_go_past_due_then_unpaid(
    platform: Any, offline: OfflinePaymentProvider, world: dict[str, Any]
) -> None:
    fan, creator = world["fan"], world["creator"]
    sub_id = subscribe(platform, offline, fan, world["tiers"]["basic"])
    with platform.session() as session:
        offline.set_declining(customers.reference(session, offline, fan.id, "payer"))

    period_over(platform, sub_id)
    sweep(platform)
    late = sub_of(platform, sub_id)
    assert (late.status, late.failed_attempts) == ("past_due", 1)
    assert late.next_attempt_at is not None
    assert is_subscriber(platform, fan, creator), "access kept while the payment is chased"

    period_over(platform, sub_id)
    sweep(platform)
    assert sub_of(platform, sub_id).status == "unpaid"
    assert not is_subscriber(platform, fan, creator)
    assert [c[1] for c in charges_of(platform, sub_id)] == ["succeeded", "failed", "failed"]

    sweep(platform)
    assert len(charges_of(platform, sub_id)) == 3, "an unpaid subscription is not charged"


def test_past_due_recovers_when_the_card_works_again(
    platform: Any, offline: OfflinePaymentProvider, world: dict[str, Any]
) -> None:
    fan = world["fan"]
    sub_id = subscribe(platform, offline, fan, world["tiers"]["basic"])
    with platform.session() as session:
        payer = customers.reference(session, offline, fan.id, "payer")
    offline.set_declining(payer)
    period_over(platform, sub_id)
    sweep(platform)
    offline.set_declining(payer, False)
    period_over(platform, sub_id)
    sweep(platform)
    back = sub_of(platform, sub_id)
    assert (back.status, back.failed_attempts, back.next_attempt_at) == ("active", 0, None)


def test_cancel_at_period_end_keeps_access_until_then(
    platform: Any, offline: OfflinePaymentProvider, world: dict[str, Any]
) -> None:
    fan, creator = world["fan"], world["creator"]
    sub_id = subscribe(platform, offline, fan, world["tiers"]["basic"])
    with platform.session() as session:
        subscriptions.cancel(session, fan=fan, subscription_id=sub_id)
        session.commit()
    assert sub_of(platform, sub_id).cancel_at_period_end
    assert is_subscriber(platform, fan, creator)
    period_over(platform, sub_id)
    sweep(platform)
    assert sub_of(platform, sub_id).status == "canceled"
    assert not is_subscriber(platform, fan, creator)
    assert len(charges_of(platform, sub_id)) == 1


def test_an_upgrade_charges_the_prorated_difference(
    platform: Any, offline: OfflinePaymentProvider, world: dict[str, Any]
) -> None:
    fan = world["fan"]
    sub_id = subscribe(platform, offline, fan, world["tiers"]["basic"])
    now = utcnow()
    with platform.session() as session:
        session.execute(
            update(SUBSCRIPTIONS)
            .where(SUBSCRIPTIONS.c.id == sub_id)
            .values(
                current_period_start=now - timedelta(days=15),
                current_period_end=now + timedelta(days=15),
            )
        )
        session.commit()
    with platform.session() as session:
        _, charge = subscriptions.upgrade(
            session,
            payment_settings(platform),
            fan=fan,
            subscription_id=sub_id,
            tier_id=world["tiers"]["gold"],
        )
        session.commit()
        assert charge is not None
        charge_id = charge.id
    collect_and_settle(platform, offline, charge_id)
    kind, status, amount = charges_of(platform, sub_id)[-1]
    assert (kind, status) == ("proration", "succeeded")
    assert 995 <= amount <= 1000, "half the period left of a 2000 difference"
    upgraded = sub_of(platform, sub_id)
    assert (upgraded.tier_id, upgraded.price) == (world["tiers"]["gold"], 3000)

    with platform.session() as session:
        _, none = subscriptions.upgrade(
            session,
            payment_settings(platform),
            fan=fan,
            subscription_id=sub_id,
            tier_id=world["tiers"]["basic"],
        )
        session.commit()
    assert none is None, "a downgrade costs nothing now"
    assert sub_of(platform, sub_id).price == 1000


def test_subscriber_condition_filters_rows_by_author(
    platform: Any,
    offline: OfflinePaymentProvider,
    world: dict[str, Any],
    make_user: Callable[..., Any],
) -> None:
    fan, creator = world["fan"], world["creator"]
    stranger, other_creator = make_user(), make_user()
    subscribe(platform, offline, fan, world["tiers"]["basic"])
    users = User.__table__  # type: ignore[attr-defined]

    def visible_authors(viewer: int | None) -> set[int]:
        with platform.session() as session:
            query = select(users.c.id).where(
                users.c.id.in_([creator.id, other_creator.id]),
                access.subscriber_condition(viewer, users.c.id),
            )
            return {int(r[0]) for r in session.execute(query)}

    assert visible_authors(fan.id) == {creator.id}
    assert visible_authors(stranger.id) == set()
    assert visible_authors(None) == set()
    assert visible_authors(creator.id) == {creator.id}, "authors see their own"
    with platform.session() as session:
        assert session.scalar(select(func.count()).select_from(SUBSCRIPTIONS)) == 1
