"""The live app's streaming provider, and keeping streams in step with it.

:func:`streaming_provider` is the one way the app reaches its provider
(named by ``streaming``, else the built-in ``local``). :func:`sync_channel`
is what a provider's change report runs (:class:`StreamingEvents`): one
stream synced in a session of its own, committed.
"""

from __future__ import annotations

import logging

from sqlmodel import select

from socialflow.core.platform import Platform
from socialflow.live.settings import provider_name
from socialflow.plugins.protocols import StreamingProvider

logger = logging.getLogger("socialflow.live")


def streaming_provider(platform: Platform) -> StreamingProvider:
    return platform.plugins.provider("streaming", provider_name(platform.settings))


def sync_channel(platform: Platform, channel_ref: str) -> None:
    """Sync the stream on ``channel_ref`` (a provider said it changed).

    Commits: called from the provider's thread, outside any request: it owns
    its transaction, and the events and tasks go out after its commit.
    """
    from socialflow.live.models import LiveStream
    from socialflow.live.sync import sync_stream

    provider = streaming_provider(platform)
    with platform.session() as session:
        stream = session.exec(
            select(LiveStream).where(
                LiveStream.provider == provider.name, LiveStream.channel_ref == channel_ref
            )
        ).first()
        if stream is None:
            return
        sync_stream(session, provider, stream)
        session.commit()
