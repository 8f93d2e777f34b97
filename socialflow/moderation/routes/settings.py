"""``/admin/settings``: what admins may change while the platform runs (admins only).

Apps name the changeable fields of their settings sections; every change is
validated like the file's values, audited (``platform_setting_changed``) and
applies within ``runtime_settings_refresh_seconds`` in every process
(:mod:`socialflow.moderation.runtime_settings`).
"""

from __future__ import annotations

from fastapi import APIRouter

from socialflow.core.http.deps import PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.moderation import runtime_settings as service
from socialflow.moderation.routes.deps import AdminUser
from socialflow.moderation.runtime_setting_schemas import (
    RuntimeSettingOut,
    RuntimeSettingsChange,
    RuntimeSettingsOut,
)

router = APIRouter(prefix="/admin/settings", tags=["admin"])


def _listing(session: SessionDep, platform: PlatformDep) -> RuntimeSettingsOut:
    items = service.describe(session, platform)
    return RuntimeSettingsOut(items=[RuntimeSettingOut(**item) for item in items])


@router.get("", response_model=RuntimeSettingsOut)
def list_runtime_settings(
    session: SessionDep, platform: PlatformDep, admin: AdminUser
) -> RuntimeSettingsOut:
    """Every setting admins may change: the value in force, the file's, who changed it."""
    return _listing(session, platform)


@router.patch("", response_model=RuntimeSettingsOut, responses=problems(422))
def change_runtime_settings(
    body: RuntimeSettingsChange, session: SessionDep, platform: PlatformDep, admin: AdminUser
) -> RuntimeSettingsOut:
    """Set some settings and return others to the file's values, all or nothing."""
    service.change(
        session, platform, admin=admin, values=body.values, reset=body.reset, reason=body.reason
    )
    session.commit()
    service.store_of(platform).invalidate()
    return _listing(session, platform)
