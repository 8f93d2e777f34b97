"""What moto's IVS lacks (keys, streams, sessions, recording configs), answered in the client.

moto implements IVS channels only. :func:`fill_in` registers botocore
``before-call`` handlers on a client pointed at moto (the mechanism botocore's
``Stubber`` uses) for the key and stream operations: they keep the keys per
channel ARN, starting from the key moto's ``CreateChannel`` answered with,
and let a test put a publisher on a channel (:meth:`Keys.go_live`). Channel
calls still go to moto over HTTP.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.awsrequest import AWSResponse


def _ok(parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": 200})
    return AWSResponse("", 200, {}, None), parsed  # type: ignore[arg-type]


def _error(code: str, status: int) -> tuple[AWSResponse, dict[str, Any]]:
    parsed = {
        "Error": {"Code": code, "Message": code},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return AWSResponse("", status, {}, None), parsed  # type: ignore[arg-type]


@dataclass
class Keys:
    keys: dict[str, dict[str, str]] = field(default_factory=dict)  # key arn -> key
    live: dict[str, str] = field(default_factory=dict)  # channel arn -> stream id
    sessions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def go_live(self, channel_arn: str) -> str:
        stream_id = "st-" + secrets.token_hex(12)[:26]
        self.live[channel_arn] = stream_id
        self.sessions.setdefault(channel_arn, []).append(
            {"streamId": stream_id, "startTime": datetime.now(UTC)}
        )
        return stream_id

    def _stop(self, channel_arn: str) -> bool:
        stream_id = self.live.pop(channel_arn, None)
        for session in self.sessions.get(channel_arn, []):
            if session["streamId"] == stream_id:
                session["endTime"] = datetime.now(UTC)
        return stream_id is not None

    def remember(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        """The call's own parameters (``before-call`` sees the serialized request)."""
        context["api_params"] = dict(params)

    def handle(self, model: Any, context: dict[str, Any], **_: Any) -> Any:
        name = model.name
        params = context.get("api_params", {})
        if name == "ListStreamKeys":
            arn = params["channelArn"]
            found = [
                {"arn": k["arn"], "channelArn": arn, "tags": {}}
                for k in self.keys.values()
                if k["channelArn"] == arn
            ]
            return _ok({"streamKeys": found})
        if name == "CreateStreamKey":
            return _ok({"streamKey": self._new(params["channelArn"])})
        if name == "DeleteStreamKey":
            if self.keys.pop(params["arn"], None) is None:
                return _error("ResourceNotFoundException", 404)
            return _ok({})
        if name == "GetStream":
            stream_id = self.live.get(params["channelArn"])
            if stream_id is None:
                return _error("ChannelNotBroadcasting", 404)
            return _ok({"stream": {"channelArn": params["channelArn"], "state": "LIVE",
                                   "streamId": stream_id, "health": "HEALTHY"}})  # fmt: skip
        if name == "StopStream":
            if not self._stop(params["channelArn"]):
                return _error("ChannelNotBroadcasting", 404)
            return _ok({})
        if name == "ListStreamSessions":
            sessions = self.sessions.get(params["channelArn"], [])
            return _ok({"streamSessions": [dict(s) for s in reversed(sessions)]})
        if name == "GetStreamSession":
            for session in self.sessions.get(params["channelArn"], []):
                if session["streamId"] == params["streamId"]:
                    return _ok({"streamSession": dict(session)})
            return _error("ResourceNotFoundException", 404)
        if name == "GetRecordingConfiguration":
            destination = {"s3": {"bucketName": "recordings"}}
            found = {"arn": params["arn"], "destinationConfiguration": destination}
            return _ok({"recordingConfiguration": {**found, "state": "ACTIVE"}})
        return None  # moto answers

    def _new(self, channel_arn: str, value: str | None = None) -> dict[str, str]:
        arn = channel_arn.replace(":channel/", ":stream-key/") + "-" + secrets.token_hex(4)
        value = value or "sk_" + secrets.token_urlsafe(32)
        key = {"arn": arn, "channelArn": channel_arn, "value": value}
        self.keys[arn] = key
        return key

    def created(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        """moto's CreateChannel answered with a key: remember it as the channel's."""
        if model.name == "CreateChannel" and "streamKey" in parsed:
            key = parsed["streamKey"]
            self.keys[key["arn"]] = {
                "arn": key["arn"], "channelArn": parsed["channel"]["arn"], "value": key["value"],
            }  # fmt: skip


def fill_in(client: Any) -> Keys:
    """Answer the operations moto lacks on ``client``; returns their state."""
    keys = Keys()
    client.meta.events.register("before-parameter-build.ivs.*", keys.remember)
    client.meta.events.register_first("before-call.ivs.*", keys.handle)
    client.meta.events.register("after-call.ivs.CreateChannel", keys.created)
    return keys
