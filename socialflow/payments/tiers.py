"""Creators' tiers: what a subscription costs, how often, and its perks."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.errors import NotFound, ValidationProblem
from socialflow.payments.models import TIERS, Tier
from socialflow.payments.settings import PaymentSettings

MAX_AMOUNT = 100_000_000  # minor units: a sane ceiling for one charge (1,000,000.00)


def check_money(settings: PaymentSettings, amount: int, currency: str) -> str:
    """The currency, lower-cased, after checking amount and currency are acceptable."""
    code = currency.lower()
    if code not in settings.currencies:
        raise ValidationProblem(
            f"Currency {currency!r} is not accepted here (one of: "
            f"{', '.join(settings.currencies)}).",
            slug="currency-not-accepted",
        )
    if not 0 < amount <= MAX_AMOUNT:
        raise ValidationProblem(
            f"Amounts are integers of minor units between 1 and {MAX_AMOUNT}.",
            slug="amount-out-of-range",
        )
    return code


def create(
    session: Session,
    settings: PaymentSettings,
    *,
    creator: User,
    name: str,
    price: int,
    currency: str,
    interval: str,
    perks: str,
    trial_days: int,
) -> Tier:
    code = check_money(settings, price, currency)
    if trial_days > settings.trial_days_max:
        raise ValidationProblem(
            f"A trial lasts at most {settings.trial_days_max} days.", slug="trial-too-long"
        )
    assert creator.id is not None
    tier = Tier(
        creator_id=creator.id,
        name=name.strip(),
        price=price,
        currency=code,
        interval=interval,
        perks=perks,
        trial_days=trial_days,
    )
    session.add(tier)
    session.flush()
    return tier


def list_for(session: Session, creator_id: int, *, include_retired: bool = False) -> list[Tier]:
    query = select(Tier).where(TIERS.c.creator_id == creator_id)
    if not include_retired:
        query = query.where(TIERS.c.active.is_(True))
    return list(session.scalars(query.order_by(TIERS.c.price, TIERS.c.id)))


def get_active(session: Session, tier_id: int) -> Tier:
    tier = session.get(Tier, tier_id)
    if tier is None or not tier.active:
        raise NotFound("No such tier.")
    return tier


def retire(session: Session, *, creator: User, tier_id: int) -> Tier:
    """Stop offering a tier; its subscribers keep it until they cancel."""
    tier = session.get(Tier, tier_id)
    if tier is None or tier.creator_id != creator.id:
        raise NotFound("No such tier.")
    tier.active = False
    session.add(tier)
    return tier
