"""The realtime app: the WebSocket hub and the caller's event stream (docs/realtime.md).

Registered through the ``socialflow.apps`` entry-point group, like any
outside app. Optional: it has no tables, and with it switched off
(``disabled_apps = ["realtime"]``) the platform simply pushes nothing.
Light on purpose: everything is imported inside the hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialflow.plugins.declare import declared, settings_section
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter

    from socialflow.core.platform import Platform


socialflow_apps = declared(
    AppInfo(
        "realtime",
        "Live delivery to clients: WebSocket topics and Server-Sent Events",
        requires=("accounts", "graph", "video", "social", "notifications"),
        optional=True,
    )
)


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.realtime import routes

    return [routes.router]


# [plugin.realtime] / SOCIALFLOW_PLUGIN__REALTIME__*: validated at start, only when
# the app is enabled (a disabled app registers no hooks, so no section is checked).
socialflow_settings_model = settings_section("socialflow.realtime.settings", "RealtimeSettings")


@hookimpl
def socialflow_platform_start(platform: Platform) -> None:
    from socialflow.realtime.state import attach_realtime

    attach_realtime(platform)
