"""1,000+ Stripe events, each delivered three times in shuffled order, some at once, to two
``socialflow serve`` processes on PostgreSQL and Redis: each applied once, and the final
states are Stripe's (the stub's).

The stub's events are the real history of the objects (intents created, left processing,
then succeeded or failed; subscriptions created, renewed, past due, cancelled at period
end, ended; disputes opened and closed), so most deliveries arrive out of order.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from socialflow.accounts.users import create_user
from socialflow.core.platform import Platform
from socialflow.core.settings import load_settings
from socialflow.payments import ledger
from socialflow.payments.models import (
    CHARGES,
    ENTRIES,
    SUBSCRIPTIONS,
    WEBHOOK_EVENTS,
    Charge,
    Subscription,
    Tier,
)
from socialflow.payments.remote_subscriptions import STATUS
from socialflow.testing import toml
from socialflow.testing.database import PostgresTemplate
from socialflow.testing.processes import free_port, port_open, stop_process_group
from socialflow.testing.services import backend, require_postgres, require_redis
from sqlalchemy import func, select

from conftest import SECRET_KEY, WEBHOOK_SECRET
from socialflow_stripe import StripeProvider
from stripe_stub import StripeStub

pytestmark = pytest.mark.slow
URL = "/api/v1/payments/webhooks/stripe"
FANS, CREATORS, INTENTS, SUBSCRIPTIONS_MADE = 12, 4, 170, 90


@pytest.fixture
def postgres_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """PostgreSQL whatever the backend: the session's template, or one of this test's."""
    if backend() == "services":
        yield request.getfixturevalue("socialflow_database_template")
        return
    template = PostgresTemplate(require_postgres(), tmp_path_factory.mktemp("pg-template"))
    try:
        yield template
    finally:
        template.close()


@pytest.fixture
def project(tmp_path: Path, postgres_template: Any, stub: StripeStub) -> Iterator[Path]:
    folder = tmp_path / "site"
    folder.mkdir()
    database_url = postgres_template.new_database(folder)
    toml.write(
        folder / "socialflow.toml",
        {
            "environment": "test",
            "secret_key": "test-secret-key-that-is-long-enough-0123456789",
            "database_url": database_url,
            "redis_url": require_redis(),
            "redis_namespace": f"sftest-{uuid.uuid4().hex[:10]}",
            "task_always_eager": True,
            "log_level": "WARNING",
            "payments": "stripe",
            "plugin": {
                "payments": {"pending_days": 0},
                "stripe": {
                    "secret_key": SECRET_KEY,
                    "webhook_secret": WEBHOOK_SECRET,
                    "api_base": stub.url,
                    "max_network_retries": 0,
                },
            },
        },
    )
    try:
        yield folder
    finally:
        postgres_template.drop(database_url)


def _serve_two(stack: ExitStack, project: Path) -> list[str]:
    """Two ``socialflow serve`` processes (no embedded worker), started together."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}
    ports = [free_port(), free_port()]
    for port in ports:
        log = stack.enter_context((project / f"serve-{port}.log").open("wb"))
        process = subprocess.Popen(
            [sys.executable, "-m", "socialflow", "serve", "--no-worker", "--port", str(port)],
            cwd=project,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack.callback(stop_process_group, process)
    deadline = time.monotonic() + 120
    while not all(port_open(port) for port in ports):
        assert time.monotonic() < deadline, "serve did not start (see serve-*.log)"
        time.sleep(0.2)
    return [f"http://127.0.0.1:{port}" for port in ports]


def _history(platform: Platform, provider: StripeProvider, stub: StripeStub) -> None:
    """Make users, tiers, charges and subscriptions, and let Stripe's side move on."""
    rng = random.Random(16)
    with platform.session() as session:
        users = [
            create_user(
                session=session,
                username=f"user{i:03d}",
                email=f"user{i:03d}@example.com",
                password="correct horse battery staple",
            )
            for i in range(FANS + CREATORS)
        ]
        session.commit()
        fans = [u.id for u in users[:FANS]]
        creators = [u.id for u in users[FANS:]]
    customers = {f: provider.create_customer(user_id=str(f), email=None) for f in fans}
    stub.intent_mode = "processing"
    with platform.session() as session:
        for n in range(INTENTS):
            fan, creator = rng.choice(fans), rng.choice(creators)
            amount = rng.randrange(100, 5000)
            key = f"test-intent:{n}"
            made = provider.charge(
                customer_ref=customers[fan],
                amount=amount,
                currency="usd",
                idempotency_key=key,
                metadata={},
            )
            session.add(
                Charge(
                    payer_id=fan,
                    creator_id=creator,
                    kind="tip",
                    amount=amount,
                    fee=amount // 10,
                    currency="usd",
                    status="pending",
                    provider_ref=made.provider_ref,
                    idempotency_key=key,
                )
            )
        tiers = {}
        for creator in creators:
            tier = Tier(creator_id=creator, name="Fans", price=500, currency="usd")
            session.add(tier)
            session.flush()
            tiers[creator] = tier
        subs = []
        for n in range(SUBSCRIPTIONS_MADE):
            fan, creator = fans[n % FANS], creators[n % CREATORS]
            tier = tiers[creator]
            made = provider.create_subscription(
                customer_ref=customers[fan],
                amount=500,
                currency="usd",
                interval="month",
                idempotency_key=f"test-sub:{n}",
                metadata={"creator_id": str(creator), "tier_id": str(tier.id)},
            )
            subs.append(made.provider_ref)
            session.add(
                Subscription(
                    fan_id=fan,
                    creator_id=creator,
                    tier_id=tier.id,
                    status="incomplete",
                    price=500,
                    currency="usd",
                    interval="month",
                    current_period_start=tier.created_at,
                    current_period_end=tier.created_at,
                    provider_ref=made.provider_ref,
                )
            )
        session.commit()
    intents = [o["id"] for o in stub.objects.values() if o["object"] == "payment_intent"]
    # The tips' intents wait (processing); the invoices' were paid when Stripe billed them.
    for ref in [r for r in intents if stub.objects[r]["status"] == "processing"]:
        stub.settle_intent(ref, succeeded=rng.random() < 0.8)
    paid = [r for r in intents if stub.objects[r]["status"] == "succeeded"]
    for ref in rng.sample(paid, 15):
        dispute = stub.open_dispute(ref)
        if rng.random() < 0.7:
            stub.close_dispute(dispute["id"], won=rng.random() < 0.5)
    steps = [
        {"status": "past_due"},
        {"status": "active"},
        {"cancel_at_period_end": True},
        {"cancel_at_period_end": False},
        {"status": "unpaid"},
        {"status": "canceled"},
    ]
    for ref in subs:
        for _ in range(rng.randrange(2, 7)):
            if stub.objects[ref]["status"] == "canceled":
                break
            stub.update_subscription(ref, **rng.choice(steps))


def test_events_thrice_shuffled_to_two_processes_apply_once(
    project: Path, stub: StripeStub
) -> None:
    platform = Platform(load_settings(project)).start()
    try:
        provider = platform.provider("payments")
        assert isinstance(provider, StripeProvider)
        began = time.monotonic()
        _history(platform, provider, stub)
        print(f"history made in {time.monotonic() - began:.1f}s", file=sys.stderr)
        events = list(stub.events)
        assert len(events) >= 1000
        # Signed when sent (a loaded machine may take longer than the 300 s tolerance).
        deliveries = [e for e in events for _ in range(3)]
        random.Random(7).shuffle(deliveries)
        with ExitStack() as stack:
            servers = _serve_two(stack, project)
            clients = [stack.enter_context(httpx.Client(base_url=s, timeout=60)) for s in servers]
            print(f"servers up at {time.monotonic() - began:.1f}s", file=sys.stderr)

            def deliver(n: int) -> tuple[int, bool]:
                payload, headers = stub.signed(deliveries[n])
                answer = clients[n % 2].post(URL, content=payload, headers=headers)
                assert answer.status_code == 200, answer.text
                return answer.status_code, answer.json()["duplicate"]

            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=8) as pool:
                answers = list(pool.map(deliver, range(len(deliveries))))
            elapsed = time.monotonic() - started
        print(
            f"{len(deliveries)} deliveries of {len(events)} events in {elapsed:.1f}s",
            file=sys.stderr,
        )
        assert sum(1 for _, duplicate in answers if not duplicate) == len(events)
        _check(platform, stub, len(events))
    finally:
        platform.stop()


def _check(platform: Platform, stub: StripeStub, event_count: int) -> None:
    with platform.session() as session:
        assert session.scalar(select(func.count()).select_from(WEBHOOK_EVENTS)) == event_count
        repeated = session.execute(
            select(ENTRIES.c.kind, ENTRIES.c.cause_type, ENTRIES.c.cause_id, func.count())
            .group_by(ENTRIES.c.kind, ENTRIES.c.cause_type, ENTRIES.c.cause_id)
            .having(func.count() > 1)
        ).all()
        assert repeated == [], "zero duplicate journal entries"
        charges = dict(session.execute(select(CHARGES.c.provider_ref, CHARGES.c.status)).all())
        for ref, status in charges.items():
            stripe_status = stub.objects[ref]["status"]
            assert status == ("succeeded" if stripe_status == "succeeded" else "failed"), ref
        paid = sum(1 for s in charges.values() if s == "succeeded")
        for kind in ("charge", "processor_fee"):
            booked = session.scalar(
                select(func.count()).select_from(ENTRIES).where(ENTRIES.c.kind == kind)
            )
            assert booked == paid, kind
        subs = session.execute(
            select(
                SUBSCRIPTIONS.c.provider_ref,
                SUBSCRIPTIONS.c.status,
                SUBSCRIPTIONS.c.cancel_at_period_end,
            )
        ).all()
        assert len(subs) == SUBSCRIPTIONS_MADE
        for ref, status, at_period_end in subs:
            theirs = stub.objects[ref]
            assert (status, at_period_end) == (
                STATUS[theirs["status"]].value,
                theirs["cancel_at_period_end"],
            ), ref
        assert ledger.unbalanced_entries(session) == []
        assert all(total == 0 for total in ledger.trial_balance(session).values())
