"""A user's records at the provider: their customer (to charge) and payout account."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.payments.models import CUSTOMERS, Customer
from socialflow.plugins.protocols import PaymentProvider


def reference(
    session: Session, provider: PaymentProvider, user_id: int, role: Literal["payer", "payee"]
) -> str:
    """The user's ``role`` record at ``provider``, created there on first use."""
    query = select(CUSTOMERS.c.ref).where(
        CUSTOMERS.c.user_id == user_id,
        CUSTOMERS.c.provider == provider.name,
        CUSTOMERS.c.role == role,
    )
    found = session.scalar(query)
    if found is not None:
        return str(found)
    user = session.get(User, user_id)
    email = user.email if user is not None else None
    make = provider.create_customer if role == "payer" else provider.create_payout_account
    ref = make(user_id=str(user_id), email=email)
    try:
        with session.begin_nested():
            session.add(Customer(user_id=user_id, provider=provider.name, role=role, ref=ref))
            session.flush()
    except IntegrityError:  # made meanwhile by another request: use that one
        return str(session.scalar(query))
    return ref
