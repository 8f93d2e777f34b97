"""The moderation app's HTTP routes: one router per group.

``/reports``, ``/moderation/actions`` and ``/appeals`` are for every signed-in
user (their own reports, the actions taken against them, their appeals);
everything under ``/admin`` needs the moderator role, and some of it admin
(:mod:`socialflow.moderation.routes.deps`).
"""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from socialflow.moderation.routes import (
        admin_content,
        admin_users,
        messages,
        queue,
        reports,
        settings,
        signup_blocks,
        verdicts,
    )

    return [
        reports.router,
        reports.actions_router,
        reports.appeals_router,
        queue.router,
        admin_content.router,
        admin_users.router,
        verdicts.router,
        messages.router,
        messages.admin_router,
        signup_blocks.router,
        settings.router,
    ]
