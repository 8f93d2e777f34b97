"""What the realtime app keeps per platform: its settings, its broker, the publisher
thread and the commit observer feeding it."""

from __future__ import annotations

from socialflow.core.platform import Platform
from socialflow.realtime.brokers import Broker, build_broker
from socialflow.realtime.outbox import Publisher
from socialflow.realtime.publishing import publish_after_commit
from socialflow.realtime.settings import SECTION, RealtimeSettings, realtime_settings
from socialflow.realtime.topic_kinds import TopicKinds


def attach_realtime(platform: Platform) -> None:
    """Attach the ``[plugin.realtime]`` section (validated once, read by every connection),
    the broker (built on first use, closed by ``Platform.stop()``) and the observer."""
    settings = platform.settings
    platform.attach(RealtimeSettings, lambda: settings.plugin_config(SECTION, RealtimeSettings))
    platform.attach(
        Broker,  # type: ignore[type-abstract]
        lambda: build_broker(settings, realtime_settings(platform)),
        close=lambda broker: broker.close(),
    )
    platform.attach(Publisher, Publisher, close=lambda publisher: publisher.close())
    platform.attach(TopicKinds, TopicKinds)
    platform.on_commit(publish_after_commit(platform))
