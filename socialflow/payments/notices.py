"""What the payments app tells people through their notification inbox.

A creator learns of a new subscriber, a tip and a payout (sent or failed); a
fan learns that a payment of theirs failed. Added as notification kinds
(``socialflow_notification_kinds``) made from this app's own events, so the
notifications app (above this one) delivers them by each user's preferences
without this app importing it.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.payments.models import Charge, Payout, Subscription, Tier
from socialflow.plugins.notification_kinds import NotificationKind, NotificationRequest
from socialflow.plugins.specs import Event

# ISO 4217 currencies without minor units (as payment processors count them).
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)


def money(amount: int, currency: str) -> str:
    """``1250, "eur"`` -> ``"12.50 EUR"`` (integer minor units, never a float)."""
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return f"{amount} {code}"
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount), 100)
    return f"{sign}{whole}.{cents:02d} {code}"


def _name(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    return user.username if user is not None else "someone"


def subscriber_notices(session: Session, event: Event) -> Iterator[NotificationRequest]:
    """``subscription_started``: the creator has a new subscriber (or trial)."""
    sub = session.get(Subscription, event.payload["subscription_id"])
    if sub is None or sub.id is None:
        return
    tier = session.get(Tier, sub.tier_id)
    trial = " (free trial)" if event.payload.get("trial") else ""
    yield NotificationRequest(
        recipient_id=sub.creator_id,
        actor_id=sub.fan_id,
        # A trial turning paid is a second event, not a second subscriber.
        dedup_key=f"subscriber:{sub.id}",
        text=f"{_name(session, sub.fan_id)} subscribed to {tier.name if tier else 'you'}{trial}",
        data={"subscription_id": sub.id, "tier_id": sub.tier_id},
    )


def charge_notices(session: Session, event: Event) -> Iterator[NotificationRequest]:
    """``payment_succeeded`` of a tip: the creator is told; ``payment_failed``: the payer."""
    charge = session.get(Charge, event.payload["charge_id"])
    if charge is None or charge.id is None:
        return
    amount = money(charge.amount, charge.currency)
    if event.name == "payment_succeeded" and charge.kind == "tip":
        yield NotificationRequest(
            recipient_id=charge.creator_id,
            actor_id=charge.payer_id,
            dedup_key=f"tip:{charge.id}",
            text=f"{_name(session, charge.payer_id)} sent you a tip of {amount}",
            data={"charge_id": charge.id, "amount": charge.amount, "currency": charge.currency},
        )
    elif event.name == "payment_failed":
        yield NotificationRequest(
            recipient_id=charge.payer_id,
            dedup_key=f"payment_failed:{charge.id}",
            text=f"Your payment of {amount} failed. Check your payment method.",
            data={"charge_id": charge.id, "kind": charge.kind},
        )


def payout_notices(session: Session, event: Event) -> Iterator[NotificationRequest]:
    """``payout_paid`` / ``payout_failed``: the creator learns where their money is."""
    payout = session.get(Payout, event.payload["payout_id"])
    if payout is None or payout.id is None:
        return
    amount = money(payout.amount, payout.currency)
    paid = event.name == "payout_paid"
    text = (
        f"Your payout of {amount} was sent."
        if paid
        else f"Your payout of {amount} failed; the amount is back in your balance."
    )
    yield NotificationRequest(
        recipient_id=payout.creator_id,
        dedup_key=f"payout:{payout.id}",
        text=text,
        data={"payout_id": payout.id, "status": "paid" if paid else "failed"},
    )


KINDS = [
    NotificationKind(
        "new_subscriber",
        "Someone subscribed to you",
        frozenset({"subscription_started"}),
        subscriber_notices,
    ),
    NotificationKind(
        "tip_received", "Someone sent you a tip", frozenset({"payment_succeeded"}), charge_notices
    ),
    NotificationKind(
        "payment_failed",
        "A payment of yours failed",
        frozenset({"payment_failed"}),
        charge_notices,
        email=True,
    ),
    NotificationKind(
        "payout_sent",
        "A payout to you was sent or failed",
        frozenset({"payout_paid", "payout_failed"}),
        payout_notices,
        email=True,
    ),
]
