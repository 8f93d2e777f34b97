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

Recordings: IVS writes each recorded broadcast to the recording
configuration's S3 bucket; :meth:`IvsStreaming.recording` finds it there
(:mod:`socialflow_ivs.recordings`) and the platform copies its HLS into an
on-demand video. Chat: with ``chat = true`` each channel has an IVS Chat room
(:mod:`socialflow_ivs.chat`).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from socialflow.plugins.protocols import (
    Broadcast,
    ChannelStatus,
    ChatRole,
    ChatToken,
    LiveChannel,
    LiveRecording,
    RecordingNotReady,
)

from socialflow_ivs.chat import IvsChatRooms
from socialflow_ivs.recordings import IvsRecordings
from socialflow_ivs.settings import IvsSettings

NOT_BROADCASTING = "ChannelNotBroadcasting"
NOT_FOUND = "ResourceNotFoundException"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class IvsStreaming:
    """The ``ivs`` provider: every call goes to IVS, nothing is kept here."""

    name = "ivs"

    def __init__(
        self,
        config: IvsSettings,
        *,
        client: Any | None = None,
        chat_client: Any | None = None,
        s3_client: Any | None = None,
    ) -> None:
        self.config = config
        self.client = client if client is not None else self._client("ivs", config.endpoint_url)
        self._chat_client = chat_client
        self.chat_enabled = config.chat
        self._s3_client = s3_client
        self._buckets: dict[str, str] = {}

    def _client(self, service: str, endpoint_url: str | None) -> Any:
        secret = self.config.secret_access_key
        return boto3.client(
            service,
            region_name=self.config.region,
            endpoint_url=endpoint_url,
            aws_access_key_id=self.config.access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=Config(retries={"mode": "standard", "max_attempts": 4}),
        )

    @property
    def chat(self) -> IvsChatRooms:
        """The IVS Chat side (its client made on first use: many deployments never chat)."""
        if self._chat_client is None:
            self._chat_client = self._client("ivschat", self.config.chat_endpoint_url)
        endpoint = (
            self.config.chat_messaging_endpoint
            or f"wss://edge.ivschat.{self.config.region}.amazonaws.com"
        )
        return IvsChatRooms(
            self._chat_client,
            prefix=self.config.name_prefix,
            endpoint=endpoint,
            session_minutes=self.config.chat_session_minutes,
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
        if self.chat_enabled:
            self.chat.delete(channel_ref)

    # ------------------------------------------------------------------ chat

    def chat_token(
        self,
        *,
        channel_ref: str,
        user_id: str,
        display_name: str,
        role: ChatRole,
        may_send: bool,
    ) -> ChatToken:
        return self.chat.token(
            channel_ref=channel_ref,
            user_id=user_id,
            display_name=display_name,
            role=role,
            may_send=may_send,
        )

    def disconnect_chat_user(self, *, channel_ref: str, user_id: str, reason: str) -> None:
        self.chat.disconnect(channel_ref=channel_ref, user_id=user_id, reason=reason)

    # ----------------------------------------------------------- recordings

    def _recordings(self, configuration_arn: str) -> IvsRecordings:
        """The recordings of one recording configuration (its bucket asked once)."""
        bucket = self.config.recording_bucket
        if bucket is None:
            bucket = self._buckets.get(configuration_arn)
        if bucket is None:
            answer = self.client.get_recording_configuration(arn=configuration_arn)
            bucket = answer["recordingConfiguration"]["destinationConfiguration"]["s3"][
                "bucketName"
            ]
            self._buckets[configuration_arn] = bucket
        if self._s3_client is None:
            self._s3_client = self._client("s3", self.config.s3_endpoint_url)
        return IvsRecordings(self._s3_client, str(bucket))

    def recording(self, *, channel_ref: str, broadcast_ref: str) -> LiveRecording | None:
        """The broadcast's recording in the configuration's bucket (None: not recorded).

        Raises :class:`RecordingNotReady` while IVS is still writing it.
        """
        channel = self.client.get_channel(arn=channel_ref)["channel"]
        configuration = channel.get("recordingConfigurationArn")
        if not configuration:
            return None
        session = self.client.get_stream_session(channelArn=channel_ref, streamId=broadcast_ref)[
            "streamSession"
        ]
        if not session.get("endTime"):
            raise RecordingNotReady(f"stream session {broadcast_ref} has not ended")
        return self._recordings(configuration).find(channel_ref, _aware(session["startTime"]))

    def open_recording_file(self, *, channel_ref: str, recording_ref: str, path: str) -> BinaryIO:
        configuration = self.client.get_channel(arn=channel_ref)["channel"].get(
            "recordingConfigurationArn"
        )
        if not configuration:
            raise KeyError(path)
        return self._recordings(configuration).open(recording_ref, path)

    def delete_recording(self, *, channel_ref: str, recording_ref: str) -> None:
        """Nothing to forget: IVS recordings belong to their bucket's lifecycle rules."""

    def check(self) -> str:
        self.client.list_channels(maxResults=1)
        if self.config.recording_configuration_arn:
            self.client.get_recording_configuration(arn=self.config.recording_configuration_arn)
        return f"ivs streaming: region {self.config.region}"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
