"""The payments part of a user's data export: their tiers, subscriptions (as fan and
creator), charges (paid and received), refunds of those, and payouts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, or_, select
from sqlmodel import Session

from socialflow.payments.models import CHARGES, PAYOUTS, REFUNDS, SUBSCRIPTIONS, TIERS


def _rows(session: Session, table: Table, *where: Any) -> list[dict[str, Any]]:
    out = []
    for row in session.execute(select(table).where(*where).order_by(table.c.id)):
        out.append(
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row._mapping.items()}
        )
    return out


def export_for(session: Session, user_id: int) -> dict[str, Any]:
    charge_ids = select(CHARGES.c.id).where(
        or_(CHARGES.c.payer_id == user_id, CHARGES.c.creator_id == user_id)
    )
    return {
        "tiers": _rows(session, TIERS, TIERS.c.creator_id == user_id),
        "subscriptions": _rows(
            session,
            SUBSCRIPTIONS,
            or_(SUBSCRIPTIONS.c.fan_id == user_id, SUBSCRIPTIONS.c.creator_id == user_id),
        ),
        "charges": _rows(
            session, CHARGES, or_(CHARGES.c.payer_id == user_id, CHARGES.c.creator_id == user_id)
        ),
        "refunds": _rows(session, REFUNDS, REFUNDS.c.charge_id.in_(charge_ids)),
        "payouts": _rows(session, PAYOUTS, PAYOUTS.c.creator_id == user_id),
    }
