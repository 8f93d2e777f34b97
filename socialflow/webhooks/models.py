"""Webhook endpoints and their deliveries.

An endpoint belongs to one user (``owner_id``). Its signing secret is kept
encrypted (Fernet, key derived from ``secret_key``): it must be readable to
sign each delivery, so it cannot be a one-way hash.

A delivery is one event for one endpoint: written in the transaction that
produced the event (see :mod:`socialflow.webhooks.capture`), then attempted
by Celery until it is ``delivered`` or ``failed`` (retries exhausted). The
body is stored as the exact bytes sent, so every retry and replay carries the
same ``webhook-id`` and body and the receiver can deduplicate. The columns
of the last attempt (status code, snippet, duration, error) are the log.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from socialflow.core.db.base import created_at_field, datetime_field


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its first attempt or a retry
    delivered = "delivered"  # a 2xx answer
    failed = "failed"  # retries exhausted (a replay starts it again)


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoints"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    url: str = Field(sa_column=Column(String(2048), nullable=False))
    description: str = Field(default="", max_length=200)
    # Event names, or ["*"] for every event the owner may receive.
    events: list[str] = Field(sa_column=Column(JSON, nullable=False))
    secret_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    enabled: bool = Field(default=True, nullable=False)
    disabled_reason: str | None = Field(default=None, max_length=500)
    disabled_at: datetime | None = datetime_field()
    consecutive_failures: int = Field(default=0, nullable=False)
    created_at: datetime = created_at_field()
    updated_at: datetime | None = datetime_field()
    secret_rotated_at: datetime | None = datetime_field()


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The log of one endpoint, newest first (paged by id).
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
        # The sweep: pending deliveries by due time.
        Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
        # Retention: oldest first.
        Index("ix_webhook_deliveries_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False
        )
    )
    # The Standard Webhooks ``webhook-id``: the same for every retry and replay.
    message_id: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    event_type: str = Field(max_length=64, nullable=False)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=DeliveryStatus.pending.value, max_length=16, nullable=False)
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime | None = datetime_field()
    # Held while an attempt runs, so that a duplicate task does not send twice.
    lease_until: datetime | None = datetime_field()
    # When the sweep last queued it again (at most once per grace period).
    swept_at: datetime | None = datetime_field()
    last_attempt_at: datetime | None = datetime_field()
    response_status: int | None = Field(default=None)
    response_snippet: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    duration_ms: int | None = Field(default=None)
    error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
