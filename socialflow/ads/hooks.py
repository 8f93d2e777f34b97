"""The ads app: advertisers with prepaid balances, reviewed campaigns, an in-memory
auction with pacing and caps, in-feed ads, signed counting and spend in the ledger.

Optional (``disabled_apps = ["ads"]`` leaves it out, tables included: they
live on the ``ads`` Alembic branch). It builds on the payments ledger and the
moderation app's roles. Light on purpose: routers, tables and tasks are
imported inside the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialflow.plugins.declare import declared, settings_section
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter

    from socialflow.core.platform import Platform
    from socialflow.core.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


socialflow_apps = declared(
    AppInfo(
        "ads",
        "Ads: campaigns, auctions, pacing, in-feed serving and counting on the ledger",
        requires=("accounts", "graph", "video", "social", "payments", "moderation"),
        optional=True,
    )
)
socialflow_table_modules = declared("socialflow.ads.models")
socialflow_migration_dirs = declared(str(MIGRATIONS))
socialflow_task_modules = declared("socialflow.ads.tasks")


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.ads import routes

    return [routes.router]


@hookimpl
def socialflow_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    from socialflow.ads.settings import SECTION, AdSettings
    from socialflow.ads.tasks import BATCH_TASK
    from socialflow.core.celery import DEFAULT_QUEUE, every

    interval = settings.plugin_config(SECTION, AdSettings).batch_interval
    return {"ads-spend-batch": every(BATCH_TASK, interval, DEFAULT_QUEUE)}


socialflow_settings_model = settings_section("socialflow.ads.settings", "AdSettings")


@hookimpl
def socialflow_platform_start(platform: Platform) -> None:
    from socialflow.ads.index import CampaignIndex
    from socialflow.ads.settings import SECTION, AdSettings

    platform.attach(AdSettings, lambda: platform.settings.plugin_config(SECTION, AdSettings))
    platform.attach(CampaignIndex, lambda: CampaignIndex(platform.get(AdSettings)))


@hookimpl
def socialflow_feed_inserts(
    feed: str,
    viewer_id: int,
    items: list[dict[str, Any]],
    language: str | None,
    platform: Platform,
) -> list[dict[str, Any]]:
    from socialflow.ads.feed import inserts

    if feed != "home":
        return []
    return inserts(platform, viewer_id, items, language)
