"""socialflow-fcm passes socialflow's notification channel conformance suite."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from socialflow.plugins.protocols import NotificationChannel
from socialflow.testing.conformance.notification import NotificationChannelConformance

from fcm_stub import FcmStub
from socialflow_fcm import FcmChannel


class TestFcmChannel(NotificationChannelConformance):
    """Against the local FCM stub: what arrived is what the stub accepted and recorded."""

    recipient = "dGVzdC1kZXZpY2U6APA91bH-conformance-token"

    @pytest.fixture
    def channel(self, fcm: FcmStub, make_channel: Callable[..., FcmChannel]) -> FcmChannel:
        self.stub = fcm
        return make_channel()

    def delivered(self, channel: NotificationChannel) -> Sequence[str]:
        return self.stub.texts_to(self.recipient)
