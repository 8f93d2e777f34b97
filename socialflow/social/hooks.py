"""The social app: posts, comments, likes, shares, bookmarks, post images and trending hashtags.

Registered through the ``socialflow.apps`` entry-point group, like any
outside app. Light on purpose: routers, tables and tasks are imported inside
the hooks, so that loading the apps for ``socialflow --help`` costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialflow.plugins.declare import declared
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlmodel import Session

    from socialflow.core.settings import Settings


MIGRATIONS = Path(__file__).parent / "migrations"


socialflow_apps = declared(
    AppInfo(
        "social",
        "Posts, comments, likes, shares, images, trending",
        requires=("accounts", "graph", "video"),
    )
)
socialflow_table_modules = declared("socialflow.social.models")
socialflow_migration_dirs = declared(str(MIGRATIONS))


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.social.routes import images, posts, trending

    return [posts.router, trending.router, images.router]


@hookimpl
def socialflow_export_account(session: Session, user_id: int) -> dict[str, Any]:
    from socialflow.social.export import content_section, images_section

    return {
        "content": content_section(session, user_id),
        "images": images_section(session, user_id),
    }


@hookimpl
def socialflow_object_deleting(session: Session, kind: str, object_id: Any) -> None:
    if kind == "video":
        from socialflow.social.posts import detach_video

        detach_video(session, object_id)


socialflow_task_modules = declared("socialflow.social.tasks")


@hookimpl
def socialflow_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    from socialflow.core.celery import MEDIA_QUEUE, every
    from socialflow.social.tasks import SWEEP_IMAGES_TASK

    return {"images-sweep": every(SWEEP_IMAGES_TASK, settings.media_sweep_interval, MEDIA_QUEUE)}
