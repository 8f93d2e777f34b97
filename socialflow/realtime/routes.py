"""``WS /ws`` (the WebSocket hub) and ``GET /events`` (the caller's stream as SSE)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, WebSocket
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from socialflow.accounts.tokens import AccessClaims
from socialflow.core.errors import CALLER_CHECK_ATTRIBUTE, Unauthorized, ValidationProblem
from socialflow.core.http.openapi import TOKEN_READER_ATTRIBUTE, docs_link
from socialflow.core.platform import Platform
from socialflow.realtime import closes
from socialflow.realtime.access import (
    NotAuthenticated,
    authenticate_token,
    bearer_token,
    origin_allowed,
)
from socialflow.realtime.brokers import Broker
from socialflow.realtime.connection import Connection
from socialflow.realtime.replay import id_key
from socialflow.realtime.settings import realtime_settings
from socialflow.realtime.sse import open_stream

router = APIRouter(tags=["realtime"])
# Documents the bearer scheme; the token is read by stream_caller (header or query).
_bearer = HTTPBearer(auto_error=False, description="An access token from /auth/login.")


@router.websocket("/ws")
async def websocket_hub(websocket: WebSocket) -> None:
    """Subscribe to ``user:<id>`` and ``post:<id>`` topics; see docs/realtime.md."""
    platform: Platform = websocket.app.state.socialflow
    if not origin_allowed(platform.settings, websocket.headers):
        # Before accepting: the handshake is refused with 403.
        await websocket.close(closes.POLICY_VIOLATION)
        return
    token = bearer_token(websocket.headers, websocket.query_params)
    await websocket.accept()
    try:
        claims = await run_in_threadpool(authenticate_token, platform, token)
    except NotAuthenticated as exc:
        await websocket.close(closes.UNAUTHORIZED, str(exc))
        return
    await Connection(websocket, platform, platform.get(Broker), claims).run()  # type: ignore[type-abstract]


def _stream_claims(platform: Platform, request: Request) -> AccessClaims:
    """The caller of an event stream: bearer header or ``?token=`` (blocking: one query)."""
    try:
        return authenticate_token(platform, bearer_token(request.headers, request.query_params))
    except NotAuthenticated as exc:
        raise Unauthorized("The access token is missing, invalid or expired.") from exc


def check_stream_credentials(request: Request) -> None:
    """Raise 401 unless ``request`` carries a standing token (before other problems)."""
    _stream_claims(request.app.state.socialflow, request)


async def stream_caller(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    token: Annotated[
        str | None, Query(description="The access token, for browsers' EventSource.")
    ] = None,
) -> AccessClaims:
    """The caller's access claims, from ``Authorization: Bearer`` or ``?token=``."""
    platform: Platform = request.app.state.socialflow
    return await run_in_threadpool(_stream_claims, platform, request)


setattr(stream_caller, TOKEN_READER_ATTRIBUTE, True)
setattr(stream_caller, CALLER_CHECK_ATTRIBUTE, check_stream_credentials)


@router.get(
    "/events",
    summary="The caller's own stream as Server-Sent Events",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
    openapi_extra={"externalDocs": docs_link("realtime.md", "Frames, topics, the WebSocket")},
)
async def event_stream(
    request: Request,
    claims: Annotated[AccessClaims, Depends(stream_caller)],
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=40)] = None,
) -> EventSourceResponse:
    """Frames of ``user:<caller>`` (see docs/realtime.md); reconnect with ``Last-Event-ID``
    to get what was missed first."""
    platform: Platform = request.app.state.socialflow
    if last_event_id:
        try:
            id_key(last_event_id)
        except ValueError as exc:
            raise ValidationProblem("Last-Event-ID is not an id this server gave.") from exc
    broker = platform.get(Broker)  # type: ignore[type-abstract]
    events = await open_stream(platform, broker, claims, last_event_id or None)
    return EventSourceResponse(
        events,
        ping=max(1, int(realtime_settings(platform).heartbeat_seconds)),
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
