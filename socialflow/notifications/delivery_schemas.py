"""Request and response bodies of ``/notifications/preferences`` and ``/notifications/devices``."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.schemas import StrictModel

Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
ChannelName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
Digest = Literal["off", "daily", "weekly"]


class QuietHours(StrictModel):
    """Local times (``HH:MM``) in the user's time zone; ``end`` before ``start`` wraps midnight."""

    model_config = examples({"start": "22:00", "end": "07:30"})

    start: Clock
    end: Clock


class MediaSwitches(StrictModel):
    model_config = examples({"email": True, "push": False})

    in_app: bool | None = None
    realtime: bool | None = None
    email: bool | None = None
    push: bool | None = None


class PreferencesOut(BaseModel):
    model_config = examples(
        {
            "kinds": {
                "followed": {"in_app": True, "realtime": True, "email": False, "push": True},
                "follow_requested": {"in_app": True, "realtime": True, "email": True, "push": True},
                "follow_approved": {"in_app": True, "realtime": True, "email": False, "push": True},
                "liked": {"in_app": True, "realtime": True, "email": False, "push": False},
                "commented": {"in_app": True, "realtime": True, "email": True, "push": True},
                "replied": {"in_app": True, "realtime": True, "email": True, "push": True},
                "mentioned": {"in_app": True, "realtime": True, "email": True, "push": True},
                "shared": {"in_app": True, "realtime": True, "email": False, "push": True},
            },
            "timezone": "Europe/Berlin",
            "quiet_hours": example_of(QuietHours),
            "email_digest": "weekly",
        }
    )

    kinds: dict[str, dict[str, bool]]
    timezone: str
    quiet_hours: QuietHours | None
    email_digest: Digest


class PreferencesPatch(StrictModel):
    """Only what changes: ``{"kinds": {"liked": {"email": true}}, "quiet_hours": null}``."""

    model_config = examples(
        {"kinds": {"liked": {"push": False}, "commented": {"email": True}}},
        {"timezone": "Europe/Berlin", "quiet_hours": example_of(QuietHours)},
        {"quiet_hours": None, "email_digest": "off"},
    )

    kinds: dict[Annotated[str, StringConstraints(max_length=32)], MediaSwitches] | None = Field(
        default=None, max_length=32
    )
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    quiet_hours: QuietHours | None = None
    email_digest: Digest | None = None


class PushKeys(StrictModel):
    model_config = examples(
        {
            "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u"
            "-Ts1XbjhazAkj7I99e8QcYP7DkM",
            "auth": "tBHItJI5svbpez7KI4CCXg",
        }
    )

    p256dh: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_=-]{40,200}$")]
    auth: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_=-]{8,64}$")]


class PushSubscription(StrictModel):
    """A browser's ``PushSubscription.toJSON()`` (``expirationTime`` accepted and ignored)."""

    model_config = examples(
        {
            "endpoint": "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABnQ2x4Yk9w0uVb7sX1mT3kRz",
            "keys": example_of(PushKeys),
            "expirationTime": None,
        }
    )

    endpoint: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)]
    keys: PushKeys
    expirationTime: int | None = None  # noqa: N815 - the browser's own name


class DeviceCreate(StrictModel):
    """A push address: ``subscription`` (Web Push) or ``token`` (FCM and other channels)."""

    model_config = examples(
        {
            "channel": "webpush",
            "subscription": example_of(PushSubscription),
            "label": "Firefox on my laptop",
        },
        {
            "channel": "fcm",
            "token": "fMEk3s9yQ0u7Xr2pLd8aJH:APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ",
            "label": "Pixel 8",
        },
    )

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
    model_config = examples(
        {
            "id": 31,
            "channel": "webpush",
            "label": "Firefox on my laptop",
            "created_at": "2026-11-28T19:41:03Z",
        },
        {"id": 32, "channel": "fcm", "label": "Pixel 8", "created_at": "2026-12-02T07:12:55Z"},
    )

    id: int
    channel: str
    label: str | None
    created_at: str


class DeviceList(BaseModel):
    model_config = examples({"items": [example_of(DeviceOut)]})

    items: list[DeviceOut]


class Unsubscribed(BaseModel):
    model_config = examples({"kind": "liked", "email": False}, {"kind": "digest", "email": False})

    kind: str
    email: Literal[False] = False
