"""The built-in ``local`` streaming provider: RTMP ingest on this host, HLS on local disk.

``provider`` (the hooks, settings and the :class:`LocalStreaming` object),
``registry`` (channel state in files, shared by every process on the host),
``rtmp`` (reading the publisher's stream key out of RTMP before anything is
let through), ``ingest`` (the relay and the supervised ffmpeg listeners),
``pipeline`` (a broadcast's listener and ladder processes), ``health``
(measuring what a publisher sends, and the operator's limits) and
``ladder`` (the ffmpeg commands and the playlists). docs/live.md describes it
for operators.
"""
