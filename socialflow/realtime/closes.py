"""WebSocket close codes this server uses (docs/realtime.md lists them for clients)."""

from __future__ import annotations

NORMAL = 1000
GOING_AWAY = 1001  # the server is shutting down: reconnect elsewhere
UNSUPPORTED_DATA = 1003  # a binary frame
INVALID_PAYLOAD = 1007  # a text frame that is not a JSON object
POLICY_VIOLATION = 1008  # too many frames sent, too many topics
MESSAGE_TOO_BIG = 1009  # a frame above [plugin.realtime] max_message_bytes
INTERNAL_ERROR = 1011
TRY_AGAIN_LATER = 1013  # too slow reading: the send queue filled up
BAD_REQUEST = 4400  # an unknown op or topic
UNAUTHORIZED = 4401  # no token, a bad one, or it expired or was revoked: log in again
FORBIDDEN = 4403  # a topic the caller may not follow
