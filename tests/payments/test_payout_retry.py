"""A payout whose answer is lost (a timeout) and is sent again moves money once.

The provider here is the real offline provider behind a wrapper that lets
the first payout call through and then loses its answer, as a network
timeout after the provider acted would.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from socialflow.builtins.offline_payments import OfflinePaymentProvider
from socialflow.core.errors import Conflict
from socialflow.payments import ledger, payouts
from socialflow.payments.ledger import AccountKind
from socialflow.payments.models import CALLS, ENTRIES, Payout
from socialflow.payments.settings import payment_settings
from socialflow.plugins.protocols import PaymentResult, PaymentUnavailableError


class AnswerLost:
    """The offline provider, except that the first ``lose`` payouts time out after paying."""

    def __init__(self, inner: OfflinePaymentProvider, lose: int = 1) -> None:
        self.inner = inner
        self.name = inner.name
        self.test_mode = inner.test_mode
        self.lose = lose

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)

    def payout(self, **kwargs: Any) -> PaymentResult:
        result = self.inner.payout(**kwargs)
        if self.lose:
            self.lose -= 1
            raise PaymentUnavailableError("read timed out")
        return result


def _offline_payouts(provider: OfflinePaymentProvider) -> list[tuple[str, int]]:
    with sqlite3.connect(provider.path) as db:
        return db.execute("SELECT ref, amount FROM operations WHERE op = 'po'").fetchall()


def test_a_timed_out_payout_retried_moves_money_once(
    platform: Any,
    offline: OfflinePaymentProvider,
    make_user: Callable[..., Any],
    earn: Callable[..., Any],
) -> None:
    fan, creator = make_user(), make_user()
    earn(fan.id, creator.id, 5000)  # 10% fee: 4500 available
    flaky = AnswerLost(offline)
    with platform.session() as session:
        payout = payouts.request(
            session, payment_settings(platform), creator_id=creator.id, currency="usd"
        )
        session.commit()
        payout_id = payout.id
        clearing = ledger.account(session, AccountKind.processor_clearing)
        clearing_before = ledger.balance(session, clearing, "usd")
    assert payout_id is not None

    with pytest.raises(PaymentUnavailableError):
        payouts.send(platform, flaky, payout_id)  # type: ignore[arg-type]
    with platform.session() as session:
        lost = session.get(Payout, payout_id)
        assert lost is not None
        assert lost.status == "in_transit"
        transit = ledger.account(session, AccountKind.payouts_in_transit)
        assert ledger.balance(session, transit, "usd") == 4500
        assert (
            ledger.creator_balance(session, AccountKind.creator_available, creator.id, "usd") == 0
        )
        call = session.execute(select(CALLS).where(CALLS.c.operation == "payout")).one()
        assert call.status == "unknown"
        assert call.idempotency_key == lost.idempotency_key
    assert len(_offline_payouts(offline)) == 1, "the provider did pay"

    paid = payouts.send(platform, flaky, payout_id)  # type: ignore[arg-type]
    assert paid.status == "paid"
    again = payouts.send(platform, flaky, payout_id)  # type: ignore[arg-type]
    assert again.status == "paid"

    assert _offline_payouts(offline) == [(paid.provider_ref, 4500)], "paid once"
    with platform.session() as session:
        assert (
            ledger.balance(session, ledger.account(session, AccountKind.payouts_in_transit), "usd")
            == 0
        )
        clearing = ledger.account(session, AccountKind.processor_clearing)
        assert ledger.balance(session, clearing, "usd") == clearing_before - 4500
        assert (
            ledger.creator_balance(session, AccountKind.creator_available, creator.id, "usd") == 0
        )
        settled = session.scalar(
            select(func.count()).select_from(ENTRIES).where(ENTRIES.c.kind == "payout_paid")
        )
        assert settled == 1
        call = session.execute(select(CALLS).where(CALLS.c.operation == "payout")).one()
        assert (call.status, call.attempts) == ("succeeded", 2)
        assert ledger.trial_balance(session) == {"usd": 0}


def test_a_payout_below_the_minimum_is_refused(
    platform: Any, make_user: Callable[..., Any], earn: Callable[..., Any]
) -> None:
    fan, creator = make_user(), make_user()
    earn(fan.id, creator.id, 500)
    with platform.session() as session, pytest.raises(Conflict, match="below the payout minimum"):
        payouts.request(session, payment_settings(platform), creator_id=creator.id, currency="usd")


def test_two_payout_requests_at_once_pay_once(
    platform: Any, make_user: Callable[..., Any], earn: Callable[..., Any]
) -> None:
    fan, creator = make_user(), make_user()
    earn(fan.id, creator.id, 5000)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def request() -> None:
        with platform.session() as session:
            barrier.wait()
            try:
                payouts.request(
                    session, payment_settings(platform), creator_id=creator.id, currency="usd"
                )
                session.commit()
                outcomes.append("made")
            except Conflict:
                outcomes.append("refused")

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["made", "refused"]
    with platform.session() as session:
        assert (
            ledger.creator_balance(session, AccountKind.creator_available, creator.id, "usd") == 0
        )
        assert session.scalar(select(func.count()).select_from(Payout)) == 1
