"""A plugin adding a ``patrons`` audience and counters (used by test_audience_matrix).

Every author's patrons are the accounts whose username starts with
``patron``: a rule the database answers, so the API process and a Celery
worker (which loads this module from the same settings) agree.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, exists, select

from socialflow import hookimpl
from socialflow.accounts.models import User
from socialflow.plugins.audiences import Audience
from socialflow.plugins.session import DB

USERS = User.__table__  # type: ignore[attr-defined]


class Patrons:
    name = "patrons"
    description = "Accounts whose username starts with 'patron'"

    def admitted_by(self, session: DB, viewer_id: int, author_ids: Collection[int]) -> set[int]:
        name = session.execute(select(USERS.c.username).where(USERS.c.id == viewer_id)).scalar()
        return set(author_ids) if name and name.startswith("patron") else set()

    def condition(self, viewer_id: int, author_id: ColumnElement[int]) -> ColumnElement[bool]:
        return exists().where(USERS.c.id == viewer_id, USERS.c.username.like("patron%"))


@hookimpl
def socialflow_audiences() -> list[Audience]:
    return [Patrons()]


@hookimpl
def socialflow_counters(session: DB, kind: str, ids: list[Any]) -> dict[Any, dict[str, int]]:
    if kind == "video":
        return {video_id: {"id_length": len(video_id)} for video_id in ids}
    return {object_id: {"echo": int(object_id)} for object_id in ids}
