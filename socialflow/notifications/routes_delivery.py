"""``/notifications/preferences``, ``/notifications/devices`` and ``/notifications/unsubscribe``.

Preferences and devices are the caller's own (a device of someone else is a
404). Unsubscribing needs no login: the signed token in the e-mail's link
names the user and the kind.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from socialflow.accounts.deps import CurrentUser
from socialflow.core.http.deps import PlatformDep, SessionDep
from socialflow.core.http.types import DbId
from socialflow.notifications import devices, preferences, unsubscribe
from socialflow.notifications.delivery_models import NotificationDevice
from socialflow.notifications.delivery_schemas import (
    DeviceCreate,
    DeviceList,
    DeviceOut,
    PreferencesOut,
    PreferencesPatch,
    Unsubscribed,
)

router = APIRouter(prefix="/notifications", tags=["notifications"])
Token = Annotated[str, Query(min_length=5, max_length=200, pattern=r"^[A-Za-z0-9_.=-]+$")]


def _preferences(session: Session, user_id: int) -> PreferencesOut:
    row = preferences.user_settings(session, user_id)
    quiet = None
    if row.quiet_start is not None and row.quiet_end is not None:
        quiet = {
            "start": preferences.format_clock(row.quiet_start),
            "end": preferences.format_clock(row.quiet_end),
        }
    return PreferencesOut.model_validate(
        {
            "kinds": preferences.matrix(session, user_id),
            "timezone": row.timezone,
            "quiet_hours": quiet,
            "email_digest": row.email_digest,
        }
    )


@router.get("/preferences", response_model=PreferencesOut)
def get_preferences(session: SessionDep, user: CurrentUser) -> PreferencesOut:
    assert user.id is not None
    return _preferences(session, user.id)


@router.patch("/preferences", response_model=PreferencesOut)
def patch_preferences(
    body: PreferencesPatch, session: SessionDep, user: CurrentUser
) -> PreferencesOut:
    assert user.id is not None
    if body.kinds:
        changes = {kind: media.model_dump(exclude_none=True) for kind, media in body.kinds.items()}
        preferences.set_preferences(session, user.id, changes)
    values: dict[str, Any] = {}
    if body.timezone is not None:
        values["timezone"] = body.timezone
    if "quiet_hours" in body.model_fields_set:
        quiet = body.quiet_hours
        values["quiet_start"] = preferences.parse_clock(quiet.start) if quiet else None
        values["quiet_end"] = preferences.parse_clock(quiet.end) if quiet else None
    if body.email_digest is not None:
        values["email_digest"] = body.email_digest
    if values:
        preferences.update_user_settings(session, user.id, **values)
    session.commit()
    return _preferences(session, user.id)


def _device_out(device: NotificationDevice) -> DeviceOut:
    return DeviceOut(
        id=device.id or 0,
        channel=device.channel,
        label=device.label,
        created_at=device.created_at.isoformat().replace("+00:00", "Z"),
    )


@router.post("/devices", response_model=DeviceOut, status_code=201)
def register_device(
    body: DeviceCreate, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> DeviceOut:
    assert user.id is not None
    if body.subscription is not None:
        address = devices.subscription_address(body.subscription.model_dump())
    else:
        assert body.token is not None
        address = body.token
    device = devices.register(
        session, platform, user_id=user.id, channel=body.channel, address=address, label=body.label
    )
    session.commit()
    return _device_out(device)


@router.get("/devices", response_model=DeviceList)
def list_devices(session: SessionDep, user: CurrentUser) -> DeviceList:
    assert user.id is not None
    return DeviceList(
        items=[_device_out(d) for d in devices.list_devices(session, user_id=user.id)]
    )


@router.get("/devices/{device_id}", response_model=DeviceOut)
def get_device(device_id: DbId, session: SessionDep, user: CurrentUser) -> DeviceOut:
    assert user.id is not None
    return _device_out(devices.owned(session, user_id=user.id, device_id=device_id))


@router.delete("/devices/{device_id}", status_code=204)
def delete_device(device_id: DbId, session: SessionDep, user: CurrentUser) -> Response:
    assert user.id is not None
    devices.remove(session, user_id=user.id, device_id=device_id)
    session.commit()
    return Response(status_code=204)


@router.get("/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(token: Token, platform: PlatformDep) -> HTMLResponse:
    """The e-mail link's page: one button that unsubscribes (scanners open links)."""
    _, kind = unsubscribe.read_token(platform, token)
    what = (
        "the e-mail digest" if kind == unsubscribe.DIGEST else f"“{kind.replace('_', ' ')}” e-mails"
    )
    page = (
        "<!doctype html><meta charset=utf-8><title>Unsubscribe</title>"
        f"<form method=post><p>Stop {escape(what)}?</p>"
        "<button type=submit>Unsubscribe</button></form>"
    )
    return HTMLResponse(page)


@router.post("/unsubscribe", response_model=Unsubscribed)
def unsubscribe_now(token: Token, session: SessionDep, platform: PlatformDep) -> Unsubscribed:
    """One click (RFC 8058 ``List-Unsubscribe-Post``): e-mail off for the token's kind."""
    _, kind = unsubscribe.unsubscribe(session, platform, token)
    session.commit()
    return Unsubscribed(kind=kind)
