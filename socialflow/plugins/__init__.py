"""The hook system: contract (specs), interfaces (protocols), loader (manager)."""

from socialflow.plugins.specs import ContentRejected, Event, hookimpl, hookspec

__all__ = ["ContentRejected", "Event", "hookimpl", "hookspec"]
