"""The streaming provider's own chat (IVS Chat), when it has one: tokens by role.

With a provider that implements
:class:`~socialflow.plugins.protocols.StreamingChat` (and has it on), a
viewer who may see a stream asks the platform for a token to join the
provider's room of the stream's channel. The owner joins as ``moderator``
(delete messages, disconnect users); others as ``viewer``, allowed to send
only when the owner's chat rules let them write (:func:`chat.may_write`).
Someone banned from the chat for good gets no token, and a ban or timeout
disconnects their open chat connections at the provider (after the commit).
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.errors import Forbidden, Problem
from socialflow.core.platform import Platform
from socialflow.live import access, chat
from socialflow.live.channels import streaming_provider
from socialflow.live.models import LiveStream
from socialflow.plugins.protocols import ChatRole, ChatToken, StreamingChat

logger = logging.getLogger("socialflow.live.provider_chat")


def provider_chat(platform: Platform) -> StreamingChat | None:
    """The provider's chat, if it has one and it is on."""
    provider = streaming_provider(platform)
    if isinstance(provider, StreamingChat) and provider.chat_enabled:
        return provider
    return None


def token_for(
    session: Session, platform: Platform, *, stream: LiveStream, viewer: User
) -> tuple[ChatToken, str]:
    """A token for ``viewer`` (who may see ``stream``) and the role it carries."""
    provider = provider_chat(platform)
    if provider is None:
        raise Problem(
            "This platform's streaming provider has no chat of its own; "
            "use /live/streams/{id}/chat.",
            status=409,
            slug="live-provider-chat-off",
        )
    assert viewer.id is not None
    assert stream.id is not None
    if viewer.id != stream.owner_id and access.banned_for_good(session, stream.id, viewer.id):
        raise Forbidden("You are banned from this chat.", slug="live-chat-banned")
    role: ChatRole = "moderator" if viewer.id == stream.owner_id else "viewer"
    token = provider.chat_token(
        channel_ref=stream.channel_ref,
        user_id=str(viewer.id),
        display_name=viewer.display_name or viewer.username,
        role=role,
        may_send=chat.may_write(session, stream, viewer.id),
    )
    return token, role


def disconnect(platform: Platform, *, channel_ref: str, user_id: int, reason: str) -> None:
    """After a ban or timeout: drop the user's connections to the provider's room."""
    provider = provider_chat(platform)
    if provider is None:
        return
    try:
        provider.disconnect_chat_user(channel_ref=channel_ref, user_id=str(user_id), reason=reason)
    except Exception:
        # The ban stands in the platform; a fresh token no longer grants sending.
        logger.exception("could not disconnect user %s from the provider's chat", user_id)
