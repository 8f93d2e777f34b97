"""Fixtures for the payments tests: the offline provider, users, money helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from socialflow.builtins.offline_payments import OfflinePaymentProvider
from socialflow.payments import charges
from socialflow.payments.models import Charge
from socialflow.payments.settings import payment_settings
from tests.social.conftest import Actor, actor, api  # noqa: F401 - fixtures re-exported


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"payments": "offline", "plugin": {"payments": {"pending_days": 0}}}


@pytest.fixture
def offline(platform: Any) -> OfflinePaymentProvider:
    provider = platform.provider("payments")
    assert isinstance(provider, OfflinePaymentProvider)
    return provider


@pytest.fixture
def earn(platform: Any, offline: OfflinePaymentProvider) -> Callable[..., Charge]:
    """``earn(payer_id, creator_id, amount, currency="usd")``: a succeeded tip charge,
    its earnings released (pending_days is 0 here)."""

    def make(payer_id: int, creator_id: int, amount: int, currency: str = "usd") -> Charge:
        with platform.session() as session:
            charge = charges.new_charge(
                session,
                payment_settings(platform),
                payer_id=payer_id,
                creator_id=creator_id,
                kind="tip",
                amount=amount,
                currency=currency,
                key=f"test-tip:{payer_id}:{creator_id}:{amount}:{id(session)}",
            )
            session.commit()
            charge_id = charge.id
        assert charge_id is not None
        done = charges.collect(platform, offline, charge_id)
        with platform.session() as session:
            charges.release_due(session)
            session.commit()
        return done

    return make
