"""IVS channels as socialflow channels.

A socialflow channel is an IVS channel; its ``channel_ref`` is the channel's
ARN. IVS keeps the keys, the publisher and the broadcasts (its *stream
sessions*); socialflow asks for them by ARN:

* ``create_channel``: ``CreateChannel`` (with the recording configuration
  when ``record`` and one is set); IVS answers with the channel's first key.
* ``rotate_key``: every key of the channel deleted (``ListStreamKeys``,
  ``DeleteStreamKey``), a new one created, and a running stream stopped
  (``StopStream``), since IVS lets a publisher already on keep going.
* ``channel_status``: ``ended`` once the channel has no key left (what
  ``stop_channel`` leaves), else ``live`` while ``GetStream`` finds a stream,
  else ``idle``.
* ``broadcasts``: ``ListStreamSessions``, oldest first.

Recordings stay where IVS writes them (the recording configuration's S3
bucket): :meth:`IvsStreaming.recording` returns None, so the platform makes
no on-demand copy of an IVS broadcast (docs/live.md, "The IVS plugin").
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from socialflow.plugins.protocols import Broadcast, ChannelStatus, LiveChannel, LiveRecording

from socialflow_ivs.settings import IvsSettings

NOT_BROADCASTING = "ChannelNotBroadcasting"
NOT_FOUND = "ResourceNotFoundException"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class IvsStreaming:
    """The ``ivs`` provider: every call goes to IVS, nothing is kept here."""

    name = "ivs"

    def __init__(self, config: IvsSettings, *, client: Any | None = None) -> None:
        self.config = config
        self.client = client if client is not None else self._client()

    def _client(self) -> Any:
        secret = self.config.secret_access_key
        return boto3.client(
            "ivs",
            region_name=self.config.region,
            endpoint_url=self.config.endpoint_url,
            aws_access_key_id=self.config.access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=Config(retries={"mode": "standard", "max_attempts": 4}),
        )

    # ------------------------------------------------------------- channels

    def create_channel(self, *, owner_id: str, title: str, record: bool) -> LiveChannel:
        arguments: dict[str, Any] = {
            "name": f"{self.config.name_prefix}-{secrets.token_hex(8)}",
            "latencyMode": self.config.latency_mode,
            "type": self.config.channel_type,
            "tags": {"socialflow:owner": owner_id[:256]},
        }
        if record and self.config.recording_configuration_arn:
            arguments["recordingConfigurationArn"] = self.config.recording_configuration_arn
        answer = self.client.create_channel(**arguments)
        channel, key = answer["channel"], answer["streamKey"]
        return LiveChannel(
            channel_ref=channel["arn"],
            ingest_url=f"rtmps://{channel['ingestEndpoint']}:443/app",
            stream_key=key["value"],
            playback_url=channel["playbackUrl"],
        )

    def _keys(self, channel_ref: str) -> list[str]:
        arns: list[str] = []
        paginator = self.client.get_paginator("list_stream_keys")
        for page in paginator.paginate(channelArn=channel_ref):
            arns += [key["arn"] for key in page.get("streamKeys", [])]
        return arns

    def _drop_keys(self, channel_ref: str) -> None:
        for arn in self._keys(channel_ref):
            try:
                self.client.delete_stream_key(arn=arn)
            except ClientError as exc:
                if _code(exc) != NOT_FOUND:
                    raise

    def rotate_key(self, *, channel_ref: str) -> str:
        self._drop_keys(channel_ref)
        value = str(self.client.create_stream_key(channelArn=channel_ref)["streamKey"]["value"])
        self.disconnect(channel_ref=channel_ref)
        return value

    def channel_status(self, *, channel_ref: str) -> ChannelStatus:
        if not self._keys(channel_ref):
            return "ended"
        try:
            stream = self.client.get_stream(channelArn=channel_ref)["stream"]
        except ClientError as exc:
            if _code(exc) == NOT_BROADCASTING:
                return "idle"
            raise
        return "live" if stream.get("state") == "LIVE" else "idle"

    def broadcasts(self, *, channel_ref: str) -> list[Broadcast]:
        sessions: list[dict[str, Any]] = []
        arguments: dict[str, Any] = {"channelArn": channel_ref, "maxResults": 100}
        while True:  # botocore has no paginator for this one
            page = self.client.list_stream_sessions(**arguments)
            sessions += page.get("streamSessions", [])
            if not page.get("nextToken"):
                break
            arguments["nextToken"] = page["nextToken"]
        found = [
            Broadcast(
                broadcast_ref=str(s["streamId"]),
                status="ended" if s.get("endTime") else "live",
                started_at=_aware(s["startTime"]),
                ended_at=_aware(s["endTime"]) if s.get("endTime") else None,
            )
            for s in sessions
        ]
        return sorted(found, key=lambda b: b.started_at)

    def disconnect(self, *, channel_ref: str) -> None:
        try:
            self.client.stop_stream(channelArn=channel_ref)
        except ClientError as exc:
            if _code(exc) != NOT_BROADCASTING:
                raise

    def stop_channel(self, *, channel_ref: str) -> None:
        self._drop_keys(channel_ref)
        self.disconnect(channel_ref=channel_ref)

    # ----------------------------------------------------------- recordings

    def recording(self, *, channel_ref: str, broadcast_ref: str) -> LiveRecording | None:
        """None: IVS keeps recordings in the recording configuration's bucket."""
        return None

    def open_recording_file(self, *, channel_ref: str, recording_ref: str, path: str) -> BinaryIO:
        raise KeyError(path)

    def delete_recording(self, *, channel_ref: str, recording_ref: str) -> None:
        """Nothing to forget: IVS recordings belong to their bucket's lifecycle rules."""

    def check(self) -> str:
        self.client.list_channels(maxResults=1)
        if self.config.recording_configuration_arn:
            self.client.get_recording_configuration(arn=self.config.recording_configuration_arn)
        return f"ivs streaming: region {self.config.region}"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
