"""The ``nginx-rtmp`` streaming provider: nginx takes RTMP, socialflow decides who publishes.

An operator runs nginx with ``libnginx-mod-rtmp`` and the configuration
``socialflow live nginx-config`` writes (:mod:`.config`). For each publish
nginx asks the live app's ``on_publish`` callback; :meth:`authorize_publish`
checks the key against the channel files (the ``local`` provider's
:class:`~socialflow.builtins.local_live.registry.Registry`), refuses a
wrong, rotated or already-publishing key (nginx then closes the connection
before taking the stream) and otherwise answers with a fresh broadcast ref
that nginx publishes under from then on. ``exec_push`` starts one ffmpeg
per publish that pulls the stream back from nginx by that ref and writes the
HLS ladder into ``<root>/broadcasts/<ref>/``: the same layout as the local
provider's, so playback, recordings and posters work the same way.

Dropping a publisher (end, key rotation, disconnect) goes through nginx's
``rtmp_control`` HTTP module by client id; nginx then calls
``on_publish_done`` and sends ffmpeg ``SIGTERM`` (``exec_kill_signal
term``), which closes the playlists with ``#EXT-X-ENDLIST``.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import secrets
import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import urlopen

from pydantic import BaseModel, Field, SecretStr

from socialflow.builtins.local_live.ladder import LiveRung, master_playlist, parse_media
from socialflow.builtins.local_live.provider import (
    LocalStreaming,
    LocalStreamingSettings,
    _find_ffmpeg,
)
from socialflow.builtins.local_live.registry import (
    REF,
    BroadcastRecord,
    _write_atomic,
    key_hash,
    now_iso,
)
from socialflow.core.settings import Settings
from socialflow.plugins.protocols import LiveRecording, PublishGrant
from socialflow.plugins.specs import hookimpl

SECTION = "nginx_rtmp"
NAME = "nginx-rtmp"
ENDLIST_WAIT_SECONDS = 10.0


class NginxRtmpSettings(LocalStreamingSettings):
    """``[plugin.nginx_rtmp]``: where nginx listens, its control module, the callback secret.

    ``root``, ``renditions``, ``segment_seconds``, ``live_window`` and
    ``preset`` mean what they mean for the local provider; ``rtmp_host`` and
    ``rtmp_port`` are nginx's RTMP listener (ffmpeg pulls each stream back
    from it).
    """

    application: str = Field(
        default="live", pattern=r"^[A-Za-z0-9_-]{1,32}$", description="nginx RTMP application."
    )
    control_url: str = Field(
        default="http://127.0.0.1:8088/control",
        pattern=r"^https?://",
        description="nginx's rtmp_control location (drops publishers).",
    )
    callback_secret: SecretStr | None = Field(
        default=None,
        description="Carried by the on_publish callback URL; unset, every publish is refused.",
    )
    rw_timeout: float = Field(
        default=5, gt=0, le=60, description="Seconds ffmpeg waits on a stalled stream."
    )


class NginxRtmpStreaming(LocalStreaming):
    """Channels in files, ingest by nginx, HLS served by the platform (like ``local``)."""

    name = NAME
    config: NginxRtmpSettings

    def __init__(self, settings: Settings, config: NginxRtmpSettings) -> None:
        super().__init__(settings, config)
        self.config = config

    @property
    def publishing(self) -> Path:
        return self.root / "publishing"

    def ingest_url(self) -> str:
        if self.config.public_ingest_url:
            return self.config.public_ingest_url.rstrip("/")
        return f"rtmp://{self.config.rtmp_host}:{self.config.rtmp_port}/{self.config.application}"

    # ------------------------------------------------------------ callbacks

    def _check_secret(self, secret: str) -> None:
        expected = self.config.callback_secret
        if expected is None or not hmac.compare_digest(
            secret.encode(), expected.get_secret_value().encode()
        ):
            raise PermissionError("the callback is not nginx's (wrong secret)")

    def authorize_publish(self, *, stream_key: str, client_id: str, secret: str) -> PublishGrant:
        self._check_secret(secret)
        channel = self.registry.channel_for_key(stream_key)
        if channel is None:
            raise PermissionError("unknown or outdated stream key")
        broadcast_ref = secrets.token_hex(16)
        folder = self.registry.broadcasts / broadcast_ref
        rungs = [LiveRung(h) for h in sorted(set(self.config.renditions), reverse=True)]
        with self.registry.change(channel.ref) as changing:
            if changing.status != "idle":
                raise PermissionError(f"the channel is {changing.status}: one publisher at a time")
            changing.status = "live"
            changing.broadcasts.append(BroadcastRecord(broadcast_ref, "live", now_iso()))
            for rung in rungs:
                (folder / rung.name).mkdir(parents=True, exist_ok=True)
            (folder / "master.m3u8").write_text(master_playlist(rungs, ""))
            self.publishing.mkdir(parents=True, exist_ok=True)
            record = {"channel": channel.ref, "broadcast": broadcast_ref, "client": client_id}
            _write_atomic(self.publishing / key_hash(stream_key), json.dumps(record))
        self._notify(channel.ref)
        return PublishGrant(channel.ref, broadcast_ref)

    def publish_done(self, *, stream_key: str, client_id: str, secret: str) -> str | None:
        self._check_secret(secret)
        path = self.publishing / key_hash(stream_key)
        try:
            record = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return None
        if str(record.get("client")) != client_id:
            return None  # a refused duplicate leaving, not the publisher on air
        path.unlink(missing_ok=True)
        ref, broadcast_ref = str(record["channel"]), str(record["broadcast"])
        with self.registry.change(ref) as channel:
            for broadcast in channel.broadcasts:
                if broadcast.ref == broadcast_ref and broadcast.status == "live":
                    broadcast.status, broadcast.ended_at = "ended", now_iso()
            if channel.status == "live":
                channel.status = "idle"
            channel.drop = False
        self._notify(ref)
        return ref

    # ------------------------------------------------------ dropping people

    def _publisher_of(self, channel_ref: str) -> str | None:
        if not self.publishing.is_dir():
            return None
        for path in self.publishing.iterdir():
            with contextlib.suppress(OSError, ValueError):
                record = json.loads(path.read_text())
                if record.get("channel") == channel_ref:
                    return str(record["client"])
        return None

    def _drop(self, channel_ref: str) -> None:
        client = self._publisher_of(channel_ref)
        if client is None:
            return
        query = urlencode({"app": self.config.application, "clientid": client})
        url = f"{self.config.control_url.rstrip('/')}/drop/client?{query}"
        try:
            with urlopen(url, timeout=5) as response:  # noqa: S310 - operator's URL
                response.read()
        except (URLError, OSError) as exc:
            raise RuntimeError(f"nginx's control module did not answer: {exc}") from exc

    def rotate_key(self, *, channel_ref: str) -> str:
        key = self.registry.rotate(channel_ref)
        self._drop(channel_ref)
        return key

    def disconnect(self, *, channel_ref: str) -> None:
        self.registry.read(channel_ref)  # KeyError for an unknown channel
        self._drop(channel_ref)

    def stop_channel(self, *, channel_ref: str) -> None:
        super().stop_channel(channel_ref=channel_ref)
        self._drop(channel_ref)

    # ----------------------------------------------------------- recordings

    def recording(self, *, channel_ref: str, broadcast_ref: str) -> LiveRecording | None:
        """As the local provider's, once ffmpeg has closed the playlists.

        nginx reports the publisher gone and signals ffmpeg at the same moment,
        so the last segment may still be on its way: wait a little for
        ``#EXT-X-ENDLIST`` in every rendition.
        """
        if REF.match(broadcast_ref):
            folder = self.registry.broadcasts / broadcast_ref
            deadline = time.monotonic() + ENDLIST_WAIT_SECONDS
            while time.monotonic() < deadline and not _closed(folder):
                time.sleep(0.2)
        return super().recording(channel_ref=channel_ref, broadcast_ref=broadcast_ref)

    # -------------------------------------------------- no ingest in-process

    def serve(self) -> None:
        """nginx is the ingest: nothing to start here."""

    def shutdown(self) -> None:
        """nginx is the ingest: nothing to stop here."""

    def check(self) -> str:
        if _find_ffmpeg() is None:
            raise RuntimeError("ffmpeg is not installed (nginx's exec_push runs it)")
        if self.config.callback_secret is None:
            raise RuntimeError("[plugin.nginx_rtmp] callback_secret is not set")
        self.registry.ensure()
        control = urlsplit(self.config.control_url)
        port = control.port or (443 if control.scheme == "https" else 80)
        try:
            socket.create_connection((control.hostname or "127.0.0.1", port), timeout=3).close()
        except OSError as exc:
            where = self.config.control_url
            raise RuntimeError(f"nginx's control module at {where}: {exc}") from exc
        return f"nginx-rtmp streaming: {self.root}, RTMP {self.ingest_url()}"


def _closed(folder: Path) -> bool:
    """Every rendition playlist of the broadcast ends with ``#EXT-X-ENDLIST`` (or none exists)."""
    playlists = list(folder.glob("*/index.m3u8"))
    return all(parse_media(p.read_text())[2] for p in playlists if p.is_file())


def make_nginx_streaming(settings: Settings) -> NginxRtmpStreaming:
    return NginxRtmpStreaming(settings, settings.plugin_config(SECTION, NginxRtmpSettings))


@hookimpl
def socialflow_streaming_providers() -> dict[str, Callable[[Settings], NginxRtmpStreaming]]:
    return {NAME: make_nginx_streaming}


@hookimpl
def socialflow_settings_model() -> tuple[str, type[BaseModel]]:
    return SECTION, NginxRtmpSettings
