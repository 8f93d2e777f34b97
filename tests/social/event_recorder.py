"""A plugin that records every domain event it hears (used by test_events)."""

from __future__ import annotations

from socialflow import hookimpl
from socialflow.plugins.specs import Event

EVENTS: list[Event] = []


@hookimpl
def socialflow_on_event(event: Event) -> None:
    EVENTS.append(event)
