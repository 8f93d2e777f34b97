"""Running a hosted ingest (the ``local`` provider's) in this process.

Which process runs it: the API process (``socialflow serve``), because the
ingest is a listening port and a handful of ffmpeg children, and a
publisher's connection lives as long as the broadcast: a Celery worker runs
short, retried, killable tasks and may run many per host. The live app starts
it from ``socialflow_platform_serving`` (only API processes call it) when
``[plugin.live] ingest_in_api`` is on, or ``socialflow live ingest`` runs it
on its own. With several API processes on one host, the first to bind the
RTMP port runs it; the others log that and serve playback from the shared
folder.

Whoever runs it subscribes to the provider's change reports, and syncs the
stream in question at once (:func:`socialflow.live.channels.sync_channel`):
``stream_started`` within a moment of the publish, the recording queued as
soon as the publisher leaves.
"""

from __future__ import annotations

import logging

from socialflow.core.platform import Platform
from socialflow.live.channels import streaming_provider, sync_channel
from socialflow.plugins.protocols import HostedIngest, StreamingEvents

logger = logging.getLogger("socialflow.live")


class IngestRunner:
    """The hosted ingest started in this process (closed by ``Platform.stop()``)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.ingest: HostedIngest | None = None

    def start(self) -> IngestRunner:
        provider = streaming_provider(self.platform)
        if not isinstance(provider, HostedIngest):
            return self  # the provider's ingest runs elsewhere (its own service)
        if isinstance(provider, StreamingEvents):
            provider.subscribe(lambda ref: sync_channel(self.platform, ref))
        try:
            provider.serve()
        except Exception as exc:  # the port is taken, ffmpeg is missing: the API still serves
            logger.warning("live ingest not started in this process: %s", exc)
            return self
        self.ingest = provider
        return self

    def close(self) -> None:
        if self.ingest is not None:
            self.ingest.shutdown()
            self.ingest = None
