"""The notifications app: an inbox written from each transaction's events.

Registered through the ``socialflow.apps`` entry-point group, like any
outside app. Light on purpose: routers, tables and tasks are imported inside
the hooks, so that loading the apps for ``socialflow --help`` costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialflow.plugins.declare import declared, settings_section
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlmodel import Session

    from socialflow.core.platform import Platform
    from socialflow.core.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


socialflow_apps = declared(
    AppInfo(
        "notifications",
        "In-app notifications projected from events",
        requires=("accounts", "graph", "social"),
    )
)
socialflow_table_modules = declared(
    "socialflow.notifications.models", "socialflow.notifications.delivery_models"
)
socialflow_migration_dirs = declared(str(MIGRATIONS))


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.notifications import routes, routes_delivery

    return [routes.router, routes_delivery.router]


@hookimpl
def socialflow_task_modules() -> list[str]:
    return ["socialflow.notifications.tasks"]


@hookimpl
def socialflow_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    from socialflow.core.celery import DEFAULT_QUEUE, every
    from socialflow.notifications.settings import SECTION, NotificationSettings
    from socialflow.notifications.tasks import DIGEST_TASK, SWEEP_TASK

    interval = settings.plugin_config(SECTION, NotificationSettings).sweep_interval
    return {
        "notifications-sweep": every(SWEEP_TASK, interval, DEFAULT_QUEUE),
        # Hourly: each user's digest goes once their day or week has passed.
        "notifications-digest": every(DIGEST_TASK, 3600, DEFAULT_QUEUE),
    }


# [plugin.notifications] / SOCIALFLOW_PLUGIN__NOTIFICATIONS__*: delivery settings.
socialflow_settings_model = settings_section(
    "socialflow.notifications.settings", "NotificationSettings"
)


@hookimpl
def socialflow_platform_start(platform: Platform) -> None:
    from socialflow.notifications.devices import forget_deleted_users
    from socialflow.notifications.inbox import forget_written, project_pending_events
    from socialflow.notifications.settings import SECTION, NotificationSettings

    # Validated once per platform, read by every delivery and device registration.
    platform.attach(
        NotificationSettings,
        lambda: platform.settings.plugin_config(SECTION, NotificationSettings),
    )

    # Written inside the committing transaction (see socialflow.notifications.inbox).
    platform.listen_sessions("before_commit", project_pending_events)
    platform.listen_sessions("before_commit", forget_deleted_users)
    platform.listen_sessions("after_rollback", forget_written)


@hookimpl
def socialflow_export_account(session: Session, user_id: int) -> dict[str, Any]:
    from socialflow.notifications import devices, preferences

    settings = preferences.user_settings(session, user_id)
    return {
        "notification_preferences": {
            "kinds": preferences.matrix(session, user_id),
            "timezone": settings.timezone,
            "quiet_start_minutes": settings.quiet_start,
            "quiet_end_minutes": settings.quiet_end,
            "email_digest": settings.email_digest,
        },
        "notification_devices": devices.export_for(session, user_id),
    }
