"""The local Stripe stub (``stripe_stub.py``) for the session, and providers pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from socialflow_stripe import StripeProvider, StripeSettings
from stripe_stub import StripeStub, running_stub

SECRET_KEY = "sk_test_socialflow_stub"
WEBHOOK_SECRET = "whsec_socialflow_test_secret"


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[StripeStub]:
    with running_stub(WEBHOOK_SECRET) as stub:
        yield stub


@pytest.fixture
def stub(stripe_server: StripeStub) -> StripeStub:
    """The session's stub, emptied and back to normal behaviour for this test."""
    stripe_server.reset()
    return stripe_server


@pytest.fixture
def stripe_section(stub: StripeStub) -> dict[str, Any]:
    """A working ``[plugin.stripe]`` section for the stub."""
    return {
        "secret_key": SECRET_KEY,
        "webhook_secret": WEBHOOK_SECRET,
        "api_base": stub.url,
        "timeout": 10,
        "max_network_retries": 0,
    }


@pytest.fixture
def make_provider(stripe_section: dict[str, Any]) -> Callable[..., StripeProvider]:
    def make(**overrides: Any) -> StripeProvider:
        section = {**stripe_section, **overrides}
        for name in ("secret_key", "webhook_secret"):
            section[name] = SecretStr(section[name])
        return StripeProvider(StripeSettings(**section))

    return make


@pytest.fixture
def socialflow_overrides(stripe_section: dict[str, Any]) -> dict[str, Any]:
    """A socialflow project taking payments through the stub (earnings available at once)."""
    return {
        "payments": "stripe",
        "plugin": {"payments": {"pending_days": 0}, "stripe": stripe_section},
    }


@pytest.fixture
def provider(platform: Any) -> StripeProvider:
    found = platform.provider("payments")
    assert isinstance(found, StripeProvider)
    return found


@pytest.fixture
def pending_charge(platform: Any, provider: StripeProvider) -> Callable[..., int]:
    """``pending_charge(payer_id, creator_id, amount)``: a tip charge written, not collected."""
    from socialflow.payments import charges
    from socialflow.payments.settings import payment_settings

    counter = iter(range(1, 1_000_000))

    def make(payer_id: int, creator_id: int, amount: int, currency: str = "usd") -> int:
        with platform.session() as session:
            charge = charges.new_charge(
                session,
                payment_settings(platform),
                payer_id=payer_id,
                creator_id=creator_id,
                kind="tip",
                amount=amount,
                currency=currency,
                key=f"test-tip:{payer_id}:{creator_id}:{next(counter)}",
            )
            session.commit()
            assert charge.id is not None
            return charge.id

    return make


@pytest.fixture
def earn(
    platform: Any, provider: StripeProvider, pending_charge: Callable[..., int]
) -> Callable[..., Any]:
    """``earn(payer_id, creator_id, amount)``: a tip paid through Stripe, its earnings
    released (pending_days is 0 here)."""
    from socialflow.payments import charges

    def make(payer_id: int, creator_id: int, amount: int, currency: str = "usd") -> Any:
        done = charges.collect(platform, provider, pending_charge(payer_id, creator_id, amount))
        with platform.session() as session:
            charges.release_due(session)
            session.commit()
        return done

    return make


def balance(platform: Any, kind: str, currency: str = "usd", owner: int = 0) -> int:
    """An account's balance on its normal side (0 when it has no lines)."""
    from socialflow.payments import ledger
    from socialflow.payments.ledger import AccountKind

    with platform.session() as session:
        if owner:
            return ledger.creator_balance(session, AccountKind(kind), owner, currency)
        return ledger.balance(session, ledger.account(session, AccountKind(kind)), currency)
