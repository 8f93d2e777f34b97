"""``/payments``: tiers and subscriptions, tips and refunds, earnings and payouts, webhooks."""

from __future__ import annotations

from fastapi import APIRouter

from socialflow.payments.routes import creators, inbound, money, subscriptions

router = APIRouter()
for part in (subscriptions.router, money.router, creators.router, inbound.router):
    router.include_router(part)
