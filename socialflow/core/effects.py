"""Side effects that wait for the commit: domain events and Celery tasks.

A service calls :func:`record_event` or :func:`enqueue_after_commit` with its
session; the platform delivers them only once the transaction commits, and
drops them on rollback. So no plugin hears of a post that was never stored,
and no worker looks for a row that is not there yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from socialflow.plugins.specs import Event

EVENTS_KEY = "socialflow.events"
TASKS_KEY = "socialflow.tasks"


@dataclass(frozen=True)
class PendingTask:
    """A Celery task to send after commit."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    queue: str = "default"
    # Seconds to wait before running it (retries with backoff); eager runs ignore it.
    countdown: float | None = None


def record_event(session: Session, name: str, **payload: Any) -> None:
    """Queue a domain event for ``socialflow_on_event`` after the commit."""
    session.info.setdefault(EVENTS_KEY, []).append(Event(name=name, payload=payload))


def enqueue_after_commit(
    session: Session, name: str, *args: Any, queue: str = "default", **kwargs: Any
) -> None:
    """Queue a Celery task by name, sent after the commit."""
    session.info.setdefault(TASKS_KEY, []).append(
        PendingTask(name=name, args=args, kwargs=kwargs, queue=queue)
    )


def pending_events(session: Session) -> list[Event]:
    """The events ``session`` will deliver at commit, left in place (for in-transaction readers)."""
    return list(session.info.get(EVENTS_KEY, []))


def take_pending(session: Session) -> tuple[list[Event], list[PendingTask]]:
    """Remove and return what waits on ``session`` (used by the platform)."""
    return session.info.pop(EVENTS_KEY, []), session.info.pop(TASKS_KEY, [])


def discard_pending(session: Session) -> None:
    session.info.pop(EVENTS_KEY, None)
    session.info.pop(TASKS_KEY, None)
