"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from socialflow.testing.server import free_port

TOKEN_PATTERN = re.compile(r"code into the app: (\S+)")


class Mailbox:
    """aiosmtpd handler: parses each message and wakes whoever waits for it."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._changed = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._changed:
            self.messages.append(message)
            self._changed.notify_all()
        return "250 Message accepted"

    def wait_for(self, to: str, kind: str, *, timeout: float = 15) -> EmailMessage:
        """The newest message of ``kind`` to ``to``; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for message in reversed(self.messages):
                    if message["To"] == to and message["X-Socialflow-Kind"] == kind:
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(m["To"], m["X-Socialflow-Kind"]) for m in self.messages]
                    raise AssertionError(f"no {kind} mail to {to}; received {seen}")
                self._changed.wait(remaining)

    def of_kind(self, kind: str) -> list[EmailMessage]:
        with self._changed:
            return [m for m in self.messages if m["X-Socialflow-Kind"] == kind]

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    def token(self, to: str, kind: str) -> str:
        """The single-use token in the newest ``kind`` mail to ``to``."""
        found = TOKEN_PATTERN.search(self.body(self.wait_for(to, kind)))
        assert found, "the mail carries no token"
        return found.group(1)


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
