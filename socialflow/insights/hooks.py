"""The insights app: comment sentiment for creators and hashtag suggestions for drafts.

Optional (``disabled_apps = ["insights"]``), no tables. Its libraries
(``vaderSentiment``, ``yake``) come with the ``insights`` extra
(``pip install 'socialflow[insights]'``); without them the routes answer 503
and name the extra. An app and not part of a plugin because it reads the
social app's comments and hashtags and authenticates through the accounts
app, which provider plugins may not import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialflow.plugins.declare import declared
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter

    from socialflow.core.platform import Platform

socialflow_apps = declared(
    AppInfo(
        "insights",
        "Creator insights: comment sentiment, hashtag suggestions for drafts",
        requires=("accounts", "graph", "video", "social"),
        optional=True,
    )
)


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.insights.routes import router

    return [router]


@hookimpl
def socialflow_platform_start(platform: Platform) -> None:
    from socialflow.insights.similar import TagVocabularies

    # Embedded hashtags in use, kept per process (used only with a text embedder).
    platform.attach(TagVocabularies, TagVocabularies)
