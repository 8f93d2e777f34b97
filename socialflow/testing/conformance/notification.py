"""The notification channel conformance suite.

Subclass :class:`NotificationChannelConformance` and provide ``channel``.
Override :meth:`NotificationChannelConformance.delivered` to return what
actually arrived at the far end (the SMTP server's mailbox, the push
emulator's log, the captured log records of the console channel), so the
suite checks delivery, not just that ``send`` returned.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from socialflow.plugins.protocols import NotificationChannel, OutgoingMessage


class NotificationChannelConformance:
    """Behaviour every notification channel must show."""

    #: A recipient address valid for this channel (an email, a device token...).
    recipient: str = "someone@example.com"

    @pytest.fixture
    def channel(self) -> NotificationChannel:
        """Override: return the channel under test."""
        pytest.fail(f"{type(self).__name__} must define a `channel` fixture")

    def delivered(self, channel: NotificationChannel) -> Sequence[str]:
        """Override: texts of what reached the recipient so far (any readable form)."""
        pytest.fail(f"{type(self).__name__} must override delivered() to show what arrived")

    def _message(self, text: str, **fields: object) -> OutgoingMessage:
        return OutgoingMessage(
            to=self.recipient,
            subject="Conformance",
            text=text,
            **fields,  # type: ignore[arg-type]
        )

    def test_has_a_name(self, channel: NotificationChannel) -> None:
        assert isinstance(channel.name, str)
        assert channel.name

    def test_send_delivers(self, channel: NotificationChannel) -> None:
        channel.send(self._message("first delivery 7f3a"))
        assert any("first delivery 7f3a" in item for item in self.delivered(channel))

    def test_every_message_is_delivered(self, channel: NotificationChannel) -> None:
        for n in range(3):
            channel.send(self._message(f"message number {n} b81c"))
        seen = "\n".join(self.delivered(channel))
        assert all(f"message number {n} b81c" in seen for n in range(3))

    def test_html_kind_data_and_unicode(self, channel: NotificationChannel) -> None:
        channel.send(
            self._message(
                "Grüße, 你好 👋 e29d",
                html="<p>Grüße</p>",
                kind="new_follower",
                data={"user_id": "u1"},
            )
        )
        assert any("Grüße, 你好 👋 e29d" in item for item in self.delivered(channel))
