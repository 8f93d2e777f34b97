"""The built-in ``nginx-rtmp`` streaming provider: nginx with the RTMP module ingests.

``provider`` (settings, hooks, :class:`NginxRtmpStreaming`: channels in the
same files as the ``local`` provider, publishes accepted through nginx's
``on_publish`` callback, publishers dropped through its control module),
``config`` (the nginx configuration ``socialflow live nginx-config``
writes). docs/live.md has the operator guide.
"""
