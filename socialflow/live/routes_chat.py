"""``/live/streams/{id}/chat``: read and write a stream's chat; the owner moderates.

Reading and writing need the stream to be visible to the caller (404
otherwise); moderation (deleting messages, bans and timeouts, slow mode,
followers only) is the owner's only: anyone else gets 404 as if the stream
did not exist for them to moderate. New and deleted messages are pushed on
the stream's realtime topic, ``live:<id>``, after the commit.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from socialflow.accounts.deps import CurrentUser, OptionalUser
from socialflow.core.db.base import iso_or_none
from socialflow.core.errors import Problem
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep
from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.openapi import problems
from socialflow.core.http.schemas import StrictModel
from socialflow.core.http.types import DbId
from socialflow.live import access, chat, provider_chat, streams

router = APIRouter(prefix="/live/streams/{stream_id}/chat", tags=["live"])


class ChatPost(StrictModel):
    model_config = examples({"text": "That drop was huge!"})

    text: str = Field(min_length=1, max_length=500)


class ChatUser(BaseModel):
    model_config = examples({"id": 7, "username": "bob", "display_name": "Bob"})

    id: int
    username: str
    display_name: str | None


class ChatMessageOut(BaseModel):
    model_config = examples(
        {
            "id": 9051,
            "stream_id": 318,
            "user": example_of(ChatUser),
            "text": "That drop was huge!",
            "created_at": "2026-12-07T18:05:12+00:00",
        }
    )

    id: int
    stream_id: int
    user: ChatUser
    text: str
    created_at: str | None


class ChatPage(BaseModel):
    model_config = examples({"items": [example_of(ChatMessageOut)], "next_cursor": "9051"})

    items: list[ChatMessageOut]
    next_cursor: str | None


class ChatSettings(StrictModel):
    model_config = examples(
        {"slow_mode_seconds": 10}, {"followers_only": True}, {"subscribers_only": True}
    )

    slow_mode_seconds: int | None = Field(default=None, ge=0, le=3600)
    followers_only: bool | None = None
    subscribers_only: bool | None = Field(
        default=None, description="Only the owner's subscribers write (needs the payments app)."
    )


class ChatSettingsOut(BaseModel):
    model_config = examples(
        {"slow_mode_seconds": 10, "followers_only": False, "subscribers_only": False}
    )

    slow_mode_seconds: int
    followers_only: bool
    subscribers_only: bool


class BanRequest(StrictModel):
    model_config = examples({"user_id": 7, "seconds": 600}, {"user_id": 7})

    user_id: DbId
    seconds: int | None = Field(
        default=None, ge=1, le=30 * 24 * 3600, description="A timeout; left out, a ban."
    )


class BanOut(BaseModel):
    model_config = examples(
        {"user_id": 7, "until": "2026-12-07T18:15:12+00:00"}, {"user_id": 7, "until": None}
    )

    user_id: int
    until: str | None


@router.get("", response_model=ChatPage)
def read_chat(
    stream_id: DbId, session: SessionDep, viewer: OptionalUser, page: PageDep
) -> ChatPage:
    """The chat's messages, newest first."""
    stream = streams.get_visible_stream(session, stream_id=stream_id, viewer=viewer)
    rows = chat.history(session, stream=stream, before=page.id_cursor(), limit=page.limit)
    items = [ChatMessageOut(**chat.serialize(m, u)) for m, u in rows]
    more = len(rows) == page.limit
    return ChatPage(items=items, next_cursor=str(items[-1].id) if more and items else None)


@router.post("", response_model=ChatMessageOut, status_code=201, responses=problems(403, 429))
def post_chat(
    stream_id: DbId, body: ChatPost, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> ChatMessageOut:
    stream = streams.get_visible_stream(session, stream_id=stream_id, viewer=user)
    message = chat.post_message(session, stream=stream, author=user, text=body.text)
    data: dict[str, Any] = chat.serialize(message, user)
    session.commit()
    chat.publish(platform, stream_id, "chat", data)
    return ChatMessageOut(**data)


@router.delete("/{message_id}", status_code=204, response_class=Response)
def delete_chat_message(
    stream_id: DbId, message_id: DbId, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> Response:
    stream = streams.get_own_stream(session, owner=user, stream_id=stream_id)
    chat.delete_message(session, stream=stream, message_id=message_id)
    session.commit()
    chat.publish(platform, stream_id, "chat_deleted", {"id": message_id, "stream_id": stream_id})
    return Response(status_code=204)


@router.patch("/settings", response_model=ChatSettingsOut, responses=problems(422))
def update_chat_settings(
    stream_id: DbId,
    body: ChatSettings,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
) -> ChatSettingsOut:
    """The owner's chat rules; ``subscribers_only`` needs the payments app (else 422)."""
    stream = streams.get_own_stream(session, owner=user, stream_id=stream_id)
    if body.subscribers_only and "payments" not in platform.plugins.app_names():
        raise Problem(
            "Subscriber-only chat needs the payments app (subscriptions).",
            status=422,
            slug="live-chat-no-subscriptions",
        )
    if body.slow_mode_seconds is not None:
        stream.chat_slow_mode_seconds = body.slow_mode_seconds
    if body.followers_only is not None:
        stream.chat_followers_only = body.followers_only
    if body.subscribers_only is not None:
        stream.chat_subscribers_only = body.subscribers_only
    session.add(stream)
    session.commit()
    return ChatSettingsOut(
        slow_mode_seconds=stream.chat_slow_mode_seconds,
        followers_only=stream.chat_followers_only,
        subscribers_only=stream.chat_subscribers_only,
    )


@router.post("/bans", response_model=BanOut, responses=problems(422))
def ban_from_chat(
    stream_id: DbId, body: BanRequest, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> BanOut:
    """Ban a user from the chat, or time them out for ``seconds``.

    A ban for good also ends their following of the stream's realtime topic
    (``revoked``); a timeout only keeps them from writing.
    """
    stream = streams.get_own_stream(session, owner=user, stream_id=stream_id)
    until = chat.ban(session, stream=stream, user_id=body.user_id, seconds=body.seconds)
    session.commit()
    if until is None:  # banned for good: their players drop the stream's topic
        access.recheck(platform, stream_id)
    provider_chat.disconnect(
        platform, channel_ref=stream.channel_ref, user_id=body.user_id, reason="Banned"
    )
    return BanOut(user_id=body.user_id, until=iso_or_none(until))


@router.delete("/bans/{user_id}", status_code=204, response_class=Response)
def unban_from_chat(
    stream_id: DbId, user_id: DbId, session: SessionDep, user: CurrentUser
) -> Response:
    stream = streams.get_own_stream(session, owner=user, stream_id=stream_id)
    chat.unban(session, stream=stream, user_id=user_id)
    session.commit()
    return Response(status_code=204)


class ChatTokenOut(BaseModel):
    model_config = examples(
        {
            "token": "AQICAHg...",
            "endpoint": "wss://edge.ivschat.eu-west-1.amazonaws.com",
            "role": "viewer",
            "capabilities": ["SEND_MESSAGE"],
            "token_expires_at": "2026-12-07T18:05:12+00:00",
            "session_expires_at": "2026-12-07T19:04:12+00:00",
        }
    )

    token: str
    endpoint: str
    role: str
    capabilities: list[str]
    token_expires_at: str | None
    session_expires_at: str | None


@router.post("/token", response_model=ChatTokenOut, responses=problems(403, 409))
def chat_token(
    stream_id: DbId, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> ChatTokenOut:
    """A token for the streaming provider's own chat room of the stream (IVS Chat).

    The owner gets moderator capabilities (delete, disconnect); viewers may send
    when the chat's rules let them write. 409 with a provider without a chat.
    The token is the caller's secret: not stored, not logged.
    """
    stream = streams.get_visible_stream(session, stream_id=stream_id, viewer=user)
    token, role = provider_chat.token_for(session, platform, stream=stream, viewer=user)
    return ChatTokenOut(
        token=token.token,
        endpoint=token.endpoint,
        role=role,
        capabilities=list(token.capabilities),
        token_expires_at=iso_or_none(token.token_expires_at),
        session_expires_at=iso_or_none(token.session_expires_at),
    )
