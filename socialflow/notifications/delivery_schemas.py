"""Request and response bodies of ``/notifications/preferences`` and ``/notifications/devices``."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from socialflow.core.http.schemas import StrictModel

Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
ChannelName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
Digest = Literal["off", "daily", "weekly"]


class QuietHours(StrictModel):
    """Local times (``HH:MM``) in the user's time zone; ``end`` before ``start`` wraps midnight."""

    start: Clock
    end: Clock


class MediaSwitches(StrictModel):
    in_app: bool | None = None
    realtime: bool | None = None
    email: bool | None = None
    push: bool | None = None


class PreferencesOut(BaseModel):
    kinds: dict[str, dict[str, bool]]
    timezone: str
    quiet_hours: QuietHours | None
    email_digest: Digest


class PreferencesPatch(StrictModel):
    """Only what changes: ``{"kinds": {"liked": {"email": true}}, "quiet_hours": null}``."""

    kinds: dict[Annotated[str, StringConstraints(max_length=32)], MediaSwitches] | None = Field(
        default=None, max_length=32
    )
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    quiet_hours: QuietHours | None = None
    email_digest: Digest | None = None


class PushKeys(StrictModel):
    p256dh: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_=-]{40,200}$")]
    auth: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_=-]{8,64}$")]


class PushSubscription(StrictModel):
    """A browser's ``PushSubscription.toJSON()`` (``expirationTime`` accepted and ignored)."""

    endpoint: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)]
    keys: PushKeys
    expirationTime: int | None = None  # noqa: N815 - the browser's own name


class DeviceCreate(StrictModel):
    """A push address: ``subscription`` (Web Push) or ``token`` (FCM and other channels)."""

    channel: ChannelName
    subscription: PushSubscription | None = None
    token: (
        Annotated[str, StringConstraints(min_length=1, max_length=4096, pattern=r"^\S+$")] | None
    ) = None
    label: Annotated[str, StringConstraints(max_length=100)] | None = None

    @model_validator(mode="after")
    def exactly_one(self) -> Self:
        if (self.subscription is None) == (self.token is None):
            raise ValueError("give exactly one of subscription or token")
        return self


class DeviceOut(BaseModel):
    id: int
    channel: str
    label: str | None
    created_at: str


class DeviceList(BaseModel):
    items: list[DeviceOut]


class Unsubscribed(BaseModel):
    kind: str
    email: Literal[False] = False
