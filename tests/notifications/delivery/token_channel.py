"""A token channel registered as an outside plugin would be (``plugin_modules``).

It stands for a separately installed push plugin (FCM and the like): its
addresses are opaque device tokens, it posts them to the local push stub's
``/token`` endpoint, and raises ``RecipientGone`` when told a token is
unregistered. The notifications app knows nothing of it but its name.
"""

from __future__ import annotations

import httpx
from pydantic import BaseModel, ConfigDict

from socialflow.core.settings import Settings
from socialflow.plugins.protocols import OutgoingMessage, RecipientGone
from socialflow.plugins.specs import hookimpl


class TokenPushSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = "http://127.0.0.1:9/token"


class TokenPushChannel:
    name = "tokenpush"

    def __init__(self, settings: Settings) -> None:
        self.url = settings.plugin_config("tokenpush", TokenPushSettings).url

    def send(self, message: OutgoingMessage) -> None:
        body = {"token": message.to, "title": message.subject, "body": message.text}
        response = httpx.post(self.url, json=body, timeout=5)
        if response.status_code == 404:
            raise RecipientGone("unregistered")
        response.raise_for_status()


@hookimpl
def socialflow_notification_channels() -> dict[str, object]:
    return {"tokenpush": TokenPushChannel}


@hookimpl
def socialflow_settings_model() -> tuple[str, type[BaseModel]]:
    return "tokenpush", TokenPushSettings
