"""Property: whatever fans, creators, the provider and time do, the books balance.

Hypothesis draws sequences of subscribes, renewals (with declined cards:
dunning), upgrades, tips, refunds, disputes, releases and payouts in several
currencies, runs them through the services the API and the sweep use, and
after every step checks that every entry balances per currency and every
account's balance equals the sum of its lines (recomputed here from the raw
lines). Runs on SQLite and on PostgreSQL (the services backend).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from socialflow.builtins.offline_payments import OfflinePaymentProvider
from socialflow.core.db.base import utcnow
from socialflow.core.errors import Problem
from socialflow.payments import billing, customers, ledger, payouts, refunds, subscriptions, tiers
from socialflow.payments.ledger import AccountKind
from socialflow.payments.models import (
    ACCOUNTS,
    CHARGES,
    DISPUTES,
    ENTRIES,
    LINES,
    SUBSCRIPTIONS,
    LedgerAccount,
)
from socialflow.payments.settings import payment_settings
from socialflow.payments.tips import tip

FANS, CREATORS = 3, 2
CURRENCIES = ("usd", "eur", "jpy")

fan = st.integers(0, FANS - 1)
creator = st.integers(0, CREATORS - 1)
pick = st.integers(0, 50)
operations = st.one_of(
    st.tuples(st.just("subscribe"), fan, st.integers(0, 3)),
    st.tuples(st.just("renew"), fan),
    st.tuples(st.just("upgrade"), fan, st.integers(0, 3)),
    st.tuples(st.just("tip"), fan, creator, st.integers(1, 10_000), st.sampled_from(CURRENCIES)),
    st.tuples(st.just("refund"), pick, st.one_of(st.none(), st.integers(1, 5_000))),
    st.tuples(st.just("dispute"), pick, st.one_of(st.none(), st.integers(1, 5_000))),
    st.tuples(st.just("close"), pick, st.booleans()),
    st.tuples(st.just("release")),
    st.tuples(st.just("payout"), creator, st.sampled_from(CURRENCIES)),
    st.tuples(st.just("decline"), fan, st.booleans()),
    st.tuples(st.just("cancel"), fan),
)


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {
        "payments": "offline",
        "plugin": {
            "payments": {
                "pending_days": 0,
                "platform_fee_bps": 1250,
                "payout_minimum": 1,
                "dunning_attempts": 2,
                "payout_schedule": "manual",
            }
        },
    }


class World:
    """Users, tiers and the operations, run through the services."""

    def __init__(
        self, platform: Any, offline: OfflinePaymentProvider, make_user: Callable[..., Any]
    ):
        self.platform = platform
        self.offline = offline
        self.settings = payment_settings(platform)
        self.fans = [make_user() for _ in range(FANS)]
        self.creators = [make_user() for _ in range(CREATORS)]
        self.tiers: list[int] = []
        with platform.session() as session:
            for index, (price, currency, trial) in enumerate(
                [(500, "usd", 0), (1500, "usd", 0), (900, "eur", 7), (2500, "eur", 0)]
            ):
                made = tiers.create(
                    session,
                    self.settings,
                    creator=self.creators[index // 2],
                    name=f"tier {index}",
                    price=price,
                    currency=currency,
                    interval="month",
                    perks="",
                    trial_days=trial,
                )
                self.tiers.append(int(made.id or 0))
            session.commit()

    def _live(self, session: Any, fan_id: int) -> Any:
        return session.scalars(
            select(subscriptions.Subscription)
            .where(
                SUBSCRIPTIONS.c.fan_id == fan_id,
                SUBSCRIPTIONS.c.status.in_(["trialing", "active", "past_due"]),
            )
            .order_by(SUBSCRIPTIONS.c.id)
        ).first()

    def _nth(self, session: Any, table: Any, n: int, *where: Any) -> int | None:
        ids = [r[0] for r in session.execute(select(table.c.id).where(*where).order_by(table.c.id))]
        return ids[n % len(ids)] if ids else None

    def run(self, op: tuple[Any, ...]) -> None:
        platform, offline, settings = self.platform, self.offline, self.settings
        kind = op[0]
        charge_id = refund_id = payout_id = None
        with platform.session() as session:
            if kind == "subscribe":
                _, charge = subscriptions.start(
                    session, settings, fan=self.fans[op[1]], tier_id=self.tiers[op[2]]
                )
                charge_id = charge.id if charge else None
            elif kind == "renew":
                sub = self._live(session, self.fans[op[1]].id)
                if sub is None:
                    return
                past = utcnow() - timedelta(seconds=1)
                session.execute(
                    update(SUBSCRIPTIONS)
                    .where(SUBSCRIPTIONS.c.id == sub.id)
                    .values(current_period_end=past, next_attempt_at=past)
                )
                session.commit()
                billing.renew(platform, offline, sub.id)
                return
            elif kind == "upgrade":
                sub = self._live(session, self.fans[op[1]].id)
                if sub is None:
                    return
                _, charge = subscriptions.upgrade(
                    session,
                    settings,
                    fan=self.fans[op[1]],
                    subscription_id=sub.id,
                    tier_id=self.tiers[op[2]],
                )
                charge_id = charge.id if charge else None
            elif kind == "cancel":
                sub = self._live(session, self.fans[op[1]].id)
                if sub is None:
                    return
                subscriptions.cancel(session, fan=self.fans[op[1]], subscription_id=sub.id)
            elif kind == "tip":
                charge_id = tip(
                    session,
                    settings,
                    payer=self.fans[op[1]],
                    to=self.creators[op[2]].username,
                    amount=op[3],
                    currency=op[4],
                ).id
            elif kind == "refund":
                target = self._nth(session, CHARGES, op[1], CHARGES.c.status == "succeeded")
                if target is None:
                    return
                owner = session.scalar(select(CHARGES.c.creator_id).where(CHARGES.c.id == target))
                actor = next(c for c in self.creators if c.id == owner)
                refund_id = refunds.create(session, actor=actor, charge_id=target, amount=op[2]).id
            elif kind == "dispute":
                target = self._nth(session, CHARGES, op[1], CHARGES.c.status == "succeeded")
                if target is None:
                    return
                refunds.open_dispute(session, charge_id=target, amount=op[2], provider_ref=None)
            elif kind == "close":
                target = self._nth(session, DISPUTES, op[1], DISPUTES.c.status == "open")
                if target is None:
                    return
                refunds.close_dispute(session, dispute_id=target, won=op[2])
            elif kind == "release":
                billing.charges.release_due(session)
            elif kind == "payout":
                payout_id = payouts.request(
                    session, settings, creator_id=self.creators[op[1]].id, currency=op[2]
                ).id
            elif kind == "decline":
                ref = customers.reference(session, offline, self.fans[op[1]].id, "payer")
                offline.set_declining(ref, op[2])
            session.commit()
        if charge_id is not None:
            billing.collect_and_settle(platform, offline, charge_id)
        if refund_id is not None:
            refunds.send(platform, offline, refund_id)
        if payout_id is not None:
            payouts.send(platform, offline, payout_id)

    def check_books(self) -> None:
        with self.platform.session() as session:
            assert ledger.unbalanced_entries(session) == []
            assert all(total == 0 for total in ledger.trial_balance(session).values())
            sums: dict[tuple[int, str], int] = defaultdict(int)
            for account_id, currency, amount in session.execute(
                select(LINES.c.account_id, LINES.c.currency, LINES.c.amount)
            ):
                sums[(account_id, currency)] += amount
            for account in session.scalars(select(LedgerAccount)):
                sign = 1 if account.kind == AccountKind.processor_clearing.value else -1
                for currency in CURRENCIES:
                    expected = sign * sums.get((account.id, currency), 0)
                    assert ledger.balance(session, account, currency) == expected
            transit = session.scalars(
                select(LedgerAccount).where(ACCOUNTS.c.kind == AccountKind.payouts_in_transit.value)
            ).first()
            if transit is not None:
                assert all(v == 0 for v in ledger.balances(session, transit).values())


def test_any_sequence_of_operations_keeps_the_books_balanced(
    platform: Any, offline: OfflinePaymentProvider, make_user: Callable[..., Any]
) -> None:
    world = World(platform, offline, make_user)

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(operations, min_size=3, max_size=15))
    def scenario(steps: list[tuple[Any, ...]]) -> None:
        for step in steps:
            # A refusal (already subscribed, below the minimum...) moves nothing.
            with contextlib.suppress(Problem):
                world.run(step)
            world.check_books()

    scenario()
    with platform.session() as session:
        kinds = {k for (k,) in session.execute(select(ENTRIES.c.kind).distinct())}
    print(sorted(kinds))
    assert "charge" in kinds, "the scenarios moved money"
