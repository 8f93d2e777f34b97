"""``/notifications``: the caller's notifications, their unread count, marking them read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from socialflow.accounts.deps import CurrentUser
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep
from socialflow.core.http.types import SafeText
from socialflow.notifications import inbox as notification_service
from socialflow.notifications.grouping import group_page
from socialflow.notifications.schemas import MarkedRead, MarkRead, NotificationPage, UnreadCount
from socialflow.notifications.settings import NotificationSettings

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=NotificationPage)
def list_notifications(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    platform: PlatformDep,
    unread: bool = False,
    kinds: Annotated[
        SafeText | None, Query(max_length=200, description="Comma-separated, e.g. liked,followed")
    ] = None,
    grouped: Annotated[
        bool, Query(description="Fold likes, shares and comments on one post into one item")
    ] = False,
) -> JSONResponse:
    items, next_before = notification_service.list_notifications(
        session,
        platform=platform,
        recipient=user,
        limit=page.limit,
        before=page.id_cursor(),
        unread_only=unread,
        kinds=notification_service.parse_kinds(session, kinds),
    )
    if grouped:
        window = platform.get(NotificationSettings).group_window_seconds
        items = group_page(items, window)
    next_cursor = str(next_before) if next_before is not None else None
    return JSONResponse({"items": items, "next_cursor": next_cursor})


@router.get("/unread_count", response_model=UnreadCount)
def unread_count(session: SessionDep, user: CurrentUser) -> UnreadCount:
    return UnreadCount(count=notification_service.unread_count(session, recipient=user))


@router.post("/read", response_model=MarkedRead)
def mark_read(body: MarkRead, session: SessionDep, user: CurrentUser) -> MarkedRead:
    updated = notification_service.mark_read(
        session, recipient=user, ids=body.ids, up_to=body.up_to, everything=bool(body.all)
    )
    session.commit()
    return MarkedRead(updated=updated)
