"""A plugin that records the live events it hears (stream_started, live_scheduled, ...)."""

from __future__ import annotations

from socialflow import hookimpl
from socialflow.plugins.specs import Event

EVENTS: list[Event] = []


@hookimpl
def socialflow_on_event(event: Event) -> None:
    if event.name.startswith(("stream_", "recording_", "live_")):
        EVENTS.append(event)
