"""The ``console`` notification channel: messages go to the log (development).

In development it also keeps each message in the project's outbox
(:mod:`socialflow.builtins.dev_outbox`), read with ``socialflow mail list``
or at ``GET /dev/outbox``: easier than finding a link among JSON log lines.
"""

from __future__ import annotations

import logging

from socialflow.builtins.dev_outbox import Outbox, outbox_enabled
from socialflow.core.settings import Settings
from socialflow.plugins.protocols import OutgoingMessage
from socialflow.plugins.specs import hookimpl

logger = logging.getLogger("socialflow.notifications.console")


class ConsoleChannel:
    """Writes each message to the log instead of sending it; for laptops and demos."""

    name = "console"

    def __init__(self, outbox: Outbox | None = None) -> None:
        self.outbox = outbox

    def send(self, message: OutgoingMessage) -> None:
        logger.info("message to %s: %s\n%s", message.to, message.subject, message.text)
        if self.outbox is not None:
            stored = self.outbox.store(message)
            logger.info("kept in the outbox as %s: socialflow mail show %s", stored.id, stored.id)


def make_console_channel(settings: Settings) -> ConsoleChannel:
    return ConsoleChannel(Outbox.for_settings(settings) if outbox_enabled(settings) else None)


@hookimpl
def socialflow_notification_channels() -> dict[str, object]:
    return {"console": make_console_channel}
