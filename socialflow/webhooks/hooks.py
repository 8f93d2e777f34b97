"""The webhooks app: signed, retried deliveries of domain events to integrators' URLs.

Optional (``disabled_apps = ["webhooks"]`` leaves it out, tables included:
they live on the ``webhooks`` Alembic branch). Registered through the
``socialflow.apps`` entry-point group; light on purpose: routers, tables and
tasks are imported inside the hooks.
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
        "webhooks",
        "Outgoing webhooks: signed, retried deliveries of domain events",
        # social: a mention or reply reaches an endpoint only if its owner may see the post.
        requires=("accounts", "graph", "social"),
        optional=True,
    )
)
socialflow_table_modules = declared("socialflow.webhooks.models")
socialflow_migration_dirs = declared(str(MIGRATIONS))
socialflow_task_modules = declared("socialflow.webhooks.tasks")


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.webhooks import routes

    return [routes.router]


@hookimpl
def socialflow_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    from socialflow.core.celery import DEFAULT_QUEUE, every
    from socialflow.webhooks.settings import SECTION, WebhookSettings
    from socialflow.webhooks.tasks import SWEEP_TASK

    interval = settings.plugin_config(SECTION, WebhookSettings).sweep_interval
    return {"webhooks-sweep": every(SWEEP_TASK, interval, DEFAULT_QUEUE)}


# [plugin.webhooks] / SOCIALFLOW_PLUGIN__WEBHOOKS__*: validated at start, only when
# the app is enabled (a disabled app registers no hooks, so no section is checked).
socialflow_settings_model = settings_section("socialflow.webhooks.settings", "WebhookSettings")


@hookimpl
def socialflow_platform_start(platform: Platform) -> None:
    from socialflow.webhooks.capture import capture_deliveries
    from socialflow.webhooks.settings import SECTION, WebhookSettings

    # Validated once per platform, read by every delivery attempt and endpoint change.
    platform.attach(
        WebhookSettings, lambda: platform.settings.plugin_config(SECTION, WebhookSettings)
    )

    # Written inside the committing transaction (see socialflow.webhooks.capture).
    platform.listen_sessions("before_commit", capture_deliveries)


@hookimpl
def socialflow_export_account(session: Session, user_id: int) -> dict[str, Any]:
    from socialflow.webhooks.endpoints import export_for

    return {"webhooks": export_for(session, user_id)}
