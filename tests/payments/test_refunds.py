"""Refunds: a refund after a payout leaves a negative balance that the next earnings
settle; partial refunds give back exactly the whole fee; a refused refund is reversed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialflow.builtins.offline_payments import OfflinePaymentProvider
from socialflow.payments import ledger, payouts, refunds
from socialflow.payments.ledger import AccountKind
from socialflow.payments.models import Charge
from socialflow.payments.settings import payment_settings


def _refund(platform: Any, offline: Any, actor: Any, charge_id: int, amount: int | None) -> Any:
    with platform.session() as session:
        refund = refunds.create(session, actor=actor, charge_id=charge_id, amount=amount)
        session.commit()
        refund_id = refund.id
    return refunds.send(platform, offline, refund_id)


def _available(platform: Any, creator_id: int) -> int:
    with platform.session() as session:
        return ledger.creator_balance(session, AccountKind.creator_available, creator_id, "usd")


def test_a_refund_after_a_payout_is_settled_by_the_next_earnings(
    platform: Any,
    offline: OfflinePaymentProvider,
    make_user: Callable[..., Any],
    earn: Callable[..., Charge],
) -> None:
    fan, creator = make_user(), make_user()
    first = earn(fan.id, creator.id, 5000)
    with platform.session() as session:
        payout = payouts.request(
            session, payment_settings(platform), creator_id=creator.id, currency="usd"
        )
        session.commit()
        payout_id = payout.id
    assert payouts.send(platform, offline, payout_id).status == "paid"

    assert _refund(platform, offline, creator, first.id, None).status == "succeeded"
    assert _available(platform, creator.id) == -4500, "owed back by the creator"

    earn(fan.id, creator.id, 6000)
    assert _available(platform, creator.id) == 5400 - 4500
    with platform.session() as session:
        fees = ledger.account(session, AccountKind.platform_fees)
        assert ledger.balance(session, fees, "usd") == 600, "the refunded fee went back too"
        assert ledger.trial_balance(session) == {"usd": 0}


def test_partial_refunds_give_back_exactly_the_whole_fee(
    platform: Any,
    offline: OfflinePaymentProvider,
    make_user: Callable[..., Any],
    earn: Callable[..., Charge],
) -> None:
    fan, creator = make_user(), make_user()
    charge = earn(fan.id, creator.id, 999)  # fee 100 (10%, rounded half up)
    assert charge.fee == 100
    parts = [_refund(platform, offline, creator, charge.id, amount) for amount in (333, 333, None)]
    assert [p.amount for p in parts] == [333, 333, 333]
    assert sum(p.fee_part for p in parts) == 100
    assert _available(platform, creator.id) == 0
    with platform.session() as session:
        fees = ledger.account(session, AccountKind.platform_fees)
        assert ledger.balance(session, fees, "usd") == 0


def test_a_refused_refund_is_reversed_in_the_ledger(
    platform: Any,
    offline: OfflinePaymentProvider,
    make_user: Callable[..., Any],
    earn: Callable[..., Charge],
) -> None:
    fan, creator = make_user(), make_user()
    charge = earn(fan.id, creator.id, 1000)
    with platform.session() as session:
        refund = refunds.create(session, actor=creator, charge_id=charge.id, amount=400)
        session.commit()
        refund_id = refund.id
    # The provider refunds it behind our back (another dashboard), then ours is refused.
    offline.refund(charge_ref=charge.provider_ref, amount=1000, idempotency_key="elsewhere")
    assert refunds.send(platform, offline, refund_id).status == "failed"
    assert _available(platform, creator.id) == 900, "nothing taken back"
    with platform.session() as session:
        assert ledger.trial_balance(session) == {"usd": 0}
        refunds_account = ledger.account(session, AccountKind.refunds)
        assert ledger.balance(session, refunds_account, "usd") == 0
