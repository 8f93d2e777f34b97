"""The built-in ``local`` streaming provider: RTMP ingest on this host, HLS on local disk.

``provider`` (the hooks, settings and the :class:`LocalStreaming` object),
``registry`` (channel state in files, shared by every process on the host),
``rtmp`` (reading the publisher's stream key out of RTMP before anything is
let through), ``ingest`` (the relay and the supervised ffmpeg listeners) and
``ladder`` (the ffmpeg command and the playlists). docs/live.md describes it
for operators.
"""
