"""The ``console`` notification channel: messages go to the log (development)."""

from __future__ import annotations

import logging

from socialflow.plugins.protocols import OutgoingMessage
from socialflow.plugins.specs import hookimpl
from socialflow.settings import Settings

logger = logging.getLogger("socialflow.notifications.console")


class ConsoleChannel:
    """Writes each message to the log instead of sending it; for laptops and demos."""

    name = "console"

    def send(self, message: OutgoingMessage) -> None:
        logger.info("message to %s: %s\n%s", message.to, message.subject, message.text)


def make_console_channel(settings: Settings) -> ConsoleChannel:
    return ConsoleChannel()


@hookimpl
def socialflow_notification_channels() -> dict[str, object]:
    return {"console": make_console_channel}
