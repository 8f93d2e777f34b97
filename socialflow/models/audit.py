"""The audit log: who did what to which account, kept after the account is gone.

Rows name users by id only (no foreign key), so anonymizing or deleting an
account keeps its history readable to moderators.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from socialflow.models.base import created_at_field


class AuditLogEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=64, index=True)
    actor_id: int | None = Field(default=None, index=True)
    subject_user_id: int | None = Field(default=None, index=True)
    ip: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field(index=True)
