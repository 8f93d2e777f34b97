"""A Connect transfer whose answer is lost (client timeout) and sent again moves money once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from socialflow.payments import payouts
from socialflow.payments.models import CALLS, ENTRIES, Payout
from socialflow.payments.settings import payment_settings
from socialflow.plugins.protocols import PaymentUnavailableError
from sqlalchemy import select

from conftest import balance
from socialflow_stripe import StripeProvider
from stripe_stub import StripeStub


@pytest.fixture
def socialflow_overrides(stripe_section: dict[str, Any]) -> dict[str, Any]:
    section = {**stripe_section, "timeout": 1, "max_network_retries": 0}
    return {"payments": "stripe", "plugin": {"payments": {"pending_days": 0}, "stripe": section}}


def test_timeout_then_retry_transfers_once(
    platform: Any,
    provider: StripeProvider,
    stub: StripeStub,
    make_user: Callable[..., Any],
    earn: Callable[..., Any],
) -> None:
    fan, creator = make_user(), make_user()
    earn(fan.id, creator.id, 5000)
    assert balance(platform, "creator_available", owner=creator.id) == 4500
    with platform.session() as session:
        payout = payouts.request(
            session, payment_settings(platform), creator_id=creator.id, currency="usd"
        )
        session.commit()
        payout_id, key = payout.id, payout.idempotency_key
    stub.delay_next("/v1/transfers", 3)  # Stripe makes the transfer; the answer comes too late
    with pytest.raises(PaymentUnavailableError):
        payouts.send(platform, provider, payout_id)
    assert len(stub.transfers()) == 1, "the transfer was made at Stripe"
    with platform.session() as session:
        assert session.get(Payout, payout_id).status == "in_transit"
        call = session.execute(select(CALLS).where(CALLS.c.idempotency_key == key)).one()
        assert (call.status, call.attempts) == ("unknown", 1)

    retried = payouts.send(platform, provider, payout_id)  # what the sweep does next
    assert retried.status == "paid"
    transfers = stub.transfers()
    assert len(transfers) == 1, "the retry carried the same key: no second transfer"
    assert transfers[0]["id"] == retried.provider_ref
    assert (transfers[0]["amount"], transfers[0]["destination"][:5]) == (4500, "acct_")
    keys = [k for method, path, k in stub.requests if path == "/v1/transfers"]
    assert keys == [key, key]
    with platform.session() as session:
        call = session.execute(select(CALLS).where(CALLS.c.idempotency_key == key)).one()
        assert (call.status, call.attempts) == ("succeeded", 2)
        kinds = session.execute(
            select(ENTRIES.c.kind).where(
                ENTRIES.c.cause_type == "payout", ENTRIES.c.cause_id == str(payout_id)
            )
        ).scalars()
        assert sorted(kinds) == ["payout", "payout_paid"]
    assert balance(platform, "creator_available", owner=creator.id) == 0
    assert balance(platform, "payouts_in_transit") == 0
