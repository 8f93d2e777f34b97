"""The moderation app: reports, the review queue, actions, appeals and the admin API.

Optional (``disabled_apps = ["moderation"]`` leaves it out, tables included:
they live on the ``moderation`` Alembic branch). Registered through the
``socialflow.apps`` entry-point group; light on purpose: routers, tables and
tasks are imported inside the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialflow.plugins.declare import cli_commands, declared, settings_section
from socialflow.plugins.runtime_settings import RuntimeSetting
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlmodel import Session

    from socialflow.core.platform import Platform
    from socialflow.core.settings import Settings
    from socialflow.plugins.audiences import Audience
    from socialflow.plugins.notification_kinds import NotificationKind
    from socialflow.plugins.protocols import ScreenedContent

MIGRATIONS = Path(__file__).parent / "migrations"


socialflow_apps = declared(
    AppInfo(
        "moderation",
        "Trust and safety: reports, review queue, actions, appeals, the admin API",
        # It hides and removes posts, comments and videos through their apps' services.
        requires=("accounts", "graph", "video", "social"),
        optional=True,
    )
)
socialflow_table_modules = declared("socialflow.moderation.models")
socialflow_migration_dirs = declared(str(MIGRATIONS))
socialflow_task_modules = declared("socialflow.moderation.tasks")


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.moderation.routes import routers

    return routers()


@hookimpl
def socialflow_audiences() -> list[Audience]:
    from socialflow.moderation.audience import Moderated

    return [Moderated()]


@hookimpl
def socialflow_notification_kinds() -> list[NotificationKind]:
    # The author, the reporters and the appellant are told through their inbox.
    from socialflow.moderation.notices import KINDS

    return KINDS


@hookimpl
def socialflow_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    from socialflow.core.celery import DEFAULT_QUEUE, every
    from socialflow.moderation.settings import SECTION, ModerationSettings
    from socialflow.moderation.tasks import EXPIRE_TASK

    interval = settings.plugin_config(SECTION, ModerationSettings).sweep_interval
    return {"moderation-expire-suspensions": every(EXPIRE_TASK, interval, DEFAULT_QUEUE)}


socialflow_settings_model = settings_section("socialflow.moderation.settings", "ModerationSettings")


@hookimpl
def socialflow_platform_start(platform: Platform) -> None:
    from socialflow.moderation.runtime_settings import RuntimeSettingsStore
    from socialflow.moderation.settings import SECTION, ModerationSettings
    from socialflow.moderation.targets import TargetKinds
    from socialflow.plugins.runtime_settings import RuntimeSettingsSource

    # Apps above this one register their kinds (live streams, chat messages) in theirs.
    platform.attach(TargetKinds, TargetKinds)
    file_values = platform.settings.plugin_config(SECTION, ModerationSettings)
    platform.attach(
        RuntimeSettingsSource,
        lambda: RuntimeSettingsStore(platform, file_values.runtime_settings_refresh_seconds),
    )


@hookimpl
def socialflow_runtime_settings() -> list[RuntimeSetting]:
    from socialflow.moderation.settings import RUNTIME_FIELDS, ModerationSettings

    return [RuntimeSetting(ModerationSettings, name) for name in RUNTIME_FIELDS]


socialflow_cli = cli_commands("socialflow.moderation.cli")


@hookimpl
def socialflow_export_account(session: Session, user_id: int) -> dict[str, Any]:
    from socialflow.moderation.export import export_for

    return {"moderation": export_for(session, user_id)}


@hookimpl
def socialflow_content_screened(
    session: Session, screened: ScreenedContent, platform: Platform
) -> bool:
    from socialflow.moderation.holds import on_screened

    return on_screened(session, platform, screened)


@hookimpl
def socialflow_signup_check(
    session: Session, email: str | None, ip: str | None, platform: Platform
) -> None:
    # Registrations closed by an admin (403 registrations-closed), then the admins'
    # blocks of email domains and IP networks (403 signup-blocked).
    from socialflow.moderation.signup_blocks import check, check_open

    check_open(platform)
    check(session, email=email, ip=ip)


@hookimpl
def socialflow_content_arrived(
    session: Session, kind: str, target_id: str, author_id: int, platform: Platform
) -> bool:
    # Pre-moderation: new videos held until a moderator approves them (dismiss).
    from socialflow.moderation.premoderation import on_arrived

    return on_arrived(session, platform, kind=kind, target_id=target_id, author_id=author_id)
