"""IVS Chat rooms for IVS channels: one room per channel, tokens by role.

The room of a channel is found by name (``<prefix>-<channel id>``, the last
part of the channel's ARN) with ``ListRooms`` and made with ``CreateRoom`` on
first use, tagged with the channel's ARN; socialflow keeps nothing. Tokens
(``CreateChatToken``) carry the viewer's socialflow id as ``userId``, their
display name and role as attributes, and capabilities by role:

* ``moderator`` (the stream's owner): send, delete messages, disconnect users;
* ``viewer``: send, or nothing (read only) when the platform's chat rules
  keep them from writing (banned, timed out, followers or subscribers only).

Two first uses at once may make two rooms; the first one listed is used by
both from then on, and ``stop_channel`` deletes every room of the name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from socialflow.plugins.protocols import ChatRole, ChatToken

NOT_FOUND = "ResourceNotFoundException"
MODERATOR = ("SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER")
SENDER = ("SEND_MESSAGE",)


def room_name(prefix: str, channel_ref: str) -> str:
    return f"{prefix}-{channel_ref.rsplit('/', 1)[-1]}"[:128]


def capabilities(role: ChatRole, may_send: bool) -> tuple[str, ...]:
    if role == "moderator":
        return MODERATOR
    return SENDER if may_send else ()


class IvsChatRooms:
    """The chat side of the ``ivs`` provider, over an ``ivschat`` client."""

    def __init__(self, client: Any, *, prefix: str, endpoint: str, session_minutes: int) -> None:
        self.client = client
        self.prefix = prefix
        self.endpoint = endpoint
        self.session_minutes = session_minutes

    def _rooms(self, channel_ref: str) -> list[str]:
        name = room_name(self.prefix, channel_ref)
        arns: list[str] = []
        arguments: dict[str, Any] = {"name": name, "maxResults": 50}
        while True:
            page = self.client.list_rooms(**arguments)
            arns += [r["arn"] for r in page.get("rooms", []) if r.get("name") == name]
            if not page.get("nextToken"):
                return arns
            arguments["nextToken"] = page["nextToken"]

    def room(self, channel_ref: str) -> str:
        """The channel's room ARN, made on first use."""
        found = self._rooms(channel_ref)
        if found:
            return found[0]
        made = self.client.create_room(
            name=room_name(self.prefix, channel_ref),
            tags={"socialflow:channel": channel_ref[:256]},
        )
        return str(made["arn"])

    def token(
        self,
        *,
        channel_ref: str,
        user_id: str,
        display_name: str,
        role: ChatRole,
        may_send: bool,
    ) -> ChatToken:
        granted = capabilities(role, may_send)
        answer = self.client.create_chat_token(
            roomIdentifier=self.room(channel_ref),
            userId=user_id[:128],
            capabilities=list(granted),
            sessionDurationInMinutes=self.session_minutes,
            attributes={"displayName": display_name[:200], "role": role},
        )
        return ChatToken(
            token=str(answer["token"]),
            endpoint=self.endpoint,
            capabilities=granted,
            token_expires_at=_aware(answer["tokenExpirationTime"]),
            session_expires_at=_aware(answer["sessionExpirationTime"]),
        )

    def disconnect(self, *, channel_ref: str, user_id: str, reason: str) -> None:
        for arn in self._rooms(channel_ref):
            try:
                self.client.disconnect_user(
                    roomIdentifier=arn, userId=user_id[:128], reason=reason[:256]
                )
            except ClientError as exc:
                if _code(exc) != NOT_FOUND:
                    raise

    def delete(self, channel_ref: str) -> None:
        """Delete the channel's rooms (idempotent)."""
        for arn in self._rooms(channel_ref):
            try:
                self.client.delete_room(identifier=arn)
            except ClientError as exc:
                if _code(exc) != NOT_FOUND:
                    raise


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
