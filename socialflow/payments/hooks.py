"""The payments app: a double-entry ledger, tiers, subscriptions, tips, refunds and payouts.

Optional (``disabled_apps = ["payments"]`` leaves it out, tables included:
they live on the ``payments`` Alembic branch). The provider that takes the
money is chosen by the core ``payments`` setting (``offline`` in
development); the money rules are in ``[plugin.payments]``. Light on
purpose: routers, tables and tasks are imported inside the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialflow.plugins.declare import cli_commands, declared, settings_section
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlmodel import Session

    from socialflow.core.platform import Platform
    from socialflow.core.settings import Settings
    from socialflow.plugins.audiences import Audience
    from socialflow.plugins.notification_kinds import NotificationKind

MIGRATIONS = Path(__file__).parent / "migrations"


socialflow_apps = declared(
    AppInfo(
        "payments",
        "Payments: a double-entry ledger, subscriptions, tips and creator payouts",
        requires=("accounts",),
        optional=True,
    )
)
socialflow_table_modules = declared("socialflow.payments.models")
socialflow_migration_dirs = declared(str(MIGRATIONS))
socialflow_task_modules = declared("socialflow.payments.tasks")


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.payments import routes

    return [routes.router]


socialflow_cli = cli_commands("socialflow.payments.cli")


@hookimpl
def socialflow_notification_kinds() -> list[NotificationKind]:
    # Subscribers, tips and payouts for creators; failed payments for fans.
    from socialflow.payments.notices import KINDS

    return KINDS


@hookimpl
def socialflow_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    from socialflow.core.celery import DEFAULT_QUEUE, every
    from socialflow.payments.settings import SECTION, PaymentSettings
    from socialflow.payments.tasks import SWEEP_TASK

    interval = settings.plugin_config(SECTION, PaymentSettings).sweep_interval
    return {"payments-sweep": every(SWEEP_TASK, interval, DEFAULT_QUEUE)}


socialflow_settings_model = settings_section("socialflow.payments.settings", "PaymentSettings")


@hookimpl
def socialflow_platform_start(platform: Platform) -> None:
    from socialflow.payments.settings import SECTION, PaymentSettings

    platform.attach(
        PaymentSettings, lambda: platform.settings.plugin_config(SECTION, PaymentSettings)
    )


@hookimpl
def socialflow_export_account(session: Session, user_id: int) -> dict[str, Any]:
    from socialflow.payments.export import export_for

    return {"payments": export_for(session, user_id)}


@hookimpl
def socialflow_audiences() -> list[Audience]:
    from socialflow.payments.access import Subscribers

    return [Subscribers()]
