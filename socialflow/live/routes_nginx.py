"""``/live/nginx``: nginx-rtmp's ``on_publish`` and ``on_publish_done`` callbacks.

Not part of the client API (left out of the OpenAPI document): nginx calls
them with a form body (``name`` is the stream key, ``clientid`` nginx's
connection id) and the provider's callback secret in the query string, which
the request log leaves out. Accepting answers ``302`` with the broadcast ref
in ``Location``: nginx publishes under that name from then on (and passes it
to ``exec_push`` as ``$name``), so the key never reaches a process list or a
path. Any other answer makes nginx close the connection before it takes the
stream. The stream is synced at once, so ``stream_started`` and
``stream_ended`` (and the recording) follow the callbacks without waiting
for the beat schedule.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Response

from socialflow.core.errors import Forbidden, NotFound
from socialflow.core.http.deps import PlatformDep
from socialflow.live.channels import streaming_provider, sync_channel
from socialflow.plugins.protocols import PublishCallbacks

router = APIRouter(prefix="/live/nginx", tags=["live"], include_in_schema=False)
Secret = Annotated[str, Query(max_length=256)]
Name = Annotated[str, Form(max_length=512)]
ClientId = Annotated[str, Form(alias="clientid", max_length=32)]


def _callbacks(platform: PlatformDep) -> PublishCallbacks:
    provider = streaming_provider(platform)
    if not isinstance(provider, PublishCallbacks):
        raise NotFound("The streaming provider takes no publish callbacks.")
    return provider


def _sync(platform: PlatformDep, channel_ref: str) -> None:
    # Also heard by a listener the provider reports to, when one runs here: syncing
    # twice changes nothing twice, and this way no process setup is assumed.
    sync_channel(platform, channel_ref)


@router.post("/on_publish", status_code=302)
def on_publish(platform: PlatformDep, secret: Secret, name: Name, client: ClientId) -> Response:
    """Let the publisher on (a redirect to the broadcast's name), or refuse it (403)."""
    provider = _callbacks(platform)
    try:
        grant = provider.authorize_publish(stream_key=name, client_id=client, secret=secret)
    except PermissionError as exc:
        raise Forbidden(str(exc), slug="live-publish-refused") from None
    _sync(platform, grant.channel_ref)
    return Response(status_code=302, headers={"Location": grant.stream_name})


@router.post("/on_publish_done", status_code=204)
def on_publish_done(
    platform: PlatformDep, secret: Secret, name: Name, client: ClientId
) -> Response:
    """The publisher left: its broadcast ends (and its recording is queued)."""
    provider = _callbacks(platform)
    try:
        channel_ref = provider.publish_done(stream_key=name, client_id=client, secret=secret)
    except PermissionError as exc:
        raise Forbidden(str(exc), slug="live-publish-refused") from None
    if channel_ref is not None:
        _sync(platform, channel_ref)
    return Response(status_code=204)
