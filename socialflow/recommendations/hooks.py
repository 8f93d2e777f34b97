"""The recommendations app's registrations (optional: ``disabled_apps = ["recommendations"]``).

It stands above the feeds and hears them only through hooks: the feeds
report each page built (``socialflow_feed_served``, logged as impressions)
and let it add per-viewer features before ranking
(``socialflow_rank_features``). Likes and shares arrive as events. Models
come from plugins (``socialflow_recommenders``, ``socialflow_viral_models``,
trainable rankers); without them everything falls back to heuristics. Light
on purpose: modules are imported inside the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialflow.plugins.declare import cli_commands, declared, settings_section
from socialflow.plugins.specs import AppInfo, Event, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlalchemy import Connection
    from sqlmodel import Session

    from socialflow.core.platform import Platform
    from socialflow.core.settings import Settings
    from socialflow.plugins.protocols import FeedCandidate, FeedContext

MIGRATIONS = Path(__file__).parent / "migrations"

socialflow_apps = declared(
    AppInfo(
        "recommendations",
        "Impression logs, for-you and who-to-follow recommendations, ranker training, "
        "evaluation and A/B tests, viral prediction",
        requires=("accounts", "graph", "video", "social", "feeds"),
        optional=True,
    )
)
socialflow_table_modules = declared("socialflow.recommendations.models")
socialflow_migration_dirs = declared(str(MIGRATIONS))
socialflow_task_modules = declared("socialflow.recommendations.tasks")


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.recommendations import routes

    return [routes.router]


socialflow_cli = cli_commands("socialflow.recommendations.cli")


socialflow_settings_model = settings_section(
    "socialflow.recommendations.settings", "RecommendationSettings"
)


@hookimpl
def socialflow_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    from socialflow.core.celery import DEFAULT_QUEUE, every
    from socialflow.recommendations.settings import SECTION, RecommendationSettings
    from socialflow.recommendations.tasks import PRUNE_TASK, TRAIN_TASK

    config = settings.plugin_config(SECTION, RecommendationSettings)
    return {
        "recommendations-prune": every(PRUNE_TASK, config.prune_interval, DEFAULT_QUEUE),
        "recommendations-train": every(TRAIN_TASK, config.train_interval, DEFAULT_QUEUE),
    }


@hookimpl
def socialflow_rankers(settings: Settings) -> dict[str, Any]:
    from socialflow.recommendations.ab import NAME, ABRanker
    from socialflow.recommendations.settings import SECTION, RecommendationSettings

    def make(settings: Settings) -> ABRanker:
        config = settings.plugin_config(SECTION, RecommendationSettings)
        return ABRanker(config.ab_arms, config.ab_salt, settings)

    return {NAME: make}


@hookimpl
def socialflow_platform_start(platform: Platform) -> None:
    from socialflow.recommendations.ab import remember
    from socialflow.recommendations.logbook import LogBuffer
    from socialflow.recommendations.models_registry import Models, build_models
    from socialflow.recommendations.settings import SECTION, RecommendationSettings

    config = platform.settings.plugin_config(SECTION, RecommendationSettings)
    platform.attach(RecommendationSettings, lambda: config)
    platform.attach(
        LogBuffer,
        lambda: LogBuffer(platform, max_rows=config.flush_rows, max_seconds=config.flush_seconds),
        close=lambda buffer: buffer.close(),
    )
    platform.attach(Models, lambda: build_models(platform))
    remember(platform)


@hookimpl
def socialflow_rank_features(
    session: Session | Connection, candidates: list[FeedCandidate], context: FeedContext
) -> None:
    from socialflow.recommendations import features

    viewer = int(context.viewer_id) if context.viewer_id and context.viewer_id.isdigit() else None
    features.fill(session, candidates, viewer)


@hookimpl
def socialflow_feed_served(
    feed: str, viewer_id: int | None, ranker: str, post_ids: list[int], platform: Platform
) -> None:
    from socialflow.recommendations.capture import feed_served

    feed_served(platform, feed, viewer_id, ranker, post_ids)


@hookimpl
def socialflow_on_event(event: Event, platform: Platform) -> None:
    from socialflow.recommendations.capture import engagement

    engagement(platform, event)
