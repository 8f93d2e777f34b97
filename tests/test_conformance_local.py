"""The built-in ``local`` storage passes the same conformance suite as the cloud plugins.

Signed URLs of the local backend are served by the app's
``{api_prefix}/media/{key}`` route. When the running app has that route, the
suite fetches signed URLs from a live uvicorn server over real HTTP. Until
the route exists (it belongs to the video pipeline), they are checked the
way the route will check them: the HMAC of
:func:`socialflow.builtins.local_storage.sign_media_url` and the expiry.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from socialflow.builtins.local_storage import LocalStorage, sign_media_url
from socialflow.plugins.protocols import ObjectNotFound, StorageError
from socialflow.testing.conformance import SignedFetch, StorageConformance
from socialflow.testing.conformance.storage import SignedUrlFetcher, http_fetch
from socialflow.testing.server import free_port, run_server


def has_media_route(app: Any, prefix: str) -> bool:
    return any(getattr(route, "path", "").startswith(f"{prefix}/media/") for route in app.routes)


def verifying_fetch(backend: LocalStorage, media_base: str) -> SignedUrlFetcher:
    """Answer a signed URL as the media route does: signature, expiry, then the bytes."""

    def fetch(url: str) -> SignedFetch:
        parts = urlsplit(url)
        base = urlsplit(media_base)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            return SignedFetch(404, b"")
        if not parts.path.startswith(base.path + "/"):
            return SignedFetch(404, b"")
        key = unquote(parts.path.removeprefix(base.path + "/"))
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        try:
            expires = int(query["expires"])
            signature = query["sig"]
        except (KeyError, ValueError):
            return SignedFetch(403, b"")
        filename = query.get("filename")
        expected = sign_media_url(backend.secret, key, expires, filename)
        if not hmac.compare_digest(signature, expected) or expires < time.time():
            return SignedFetch(403, b"")
        try:
            body = backend.get(key)
        except (ObjectNotFound, StorageError):
            return SignedFetch(404, b"")
        headers = {"content-disposition": f'attachment; filename="{filename}"'} if filename else {}
        return SignedFetch(200, body, headers)

    return fetch


class TestLocalStorage(StorageConformance):
    # check() must say the folder is writable, besides naming the backend.
    check_mentions = ("writable",)

    @pytest.fixture
    def media_port(self) -> int:
        return free_port()

    @pytest.fixture
    def socialflow_overrides(self, media_port: int) -> dict[str, Any]:
        # Signed URLs must point where the live server will listen.
        return {"public_url": f"http://127.0.0.1:{media_port}"}

    @pytest.fixture
    def backend(self, platform: Any) -> LocalStorage:
        storage = platform.storage
        assert isinstance(storage, LocalStorage)
        return storage

    @pytest.fixture
    def signed_url_fetch(
        self, app: Any, platform: Any, backend: LocalStorage, media_port: int
    ) -> Iterator[SignedUrlFetcher]:
        prefix = platform.settings.api_prefix
        if has_media_route(app, prefix):
            with run_server(app, port=media_port):
                yield http_fetch
        else:
            yield verifying_fetch(backend, f"{platform.settings.public_url}{prefix}/media")


def test_local_check_names_the_folder(tmp_path: Any) -> None:
    storage = LocalStorage(tmp_path, secret="s" * 40, base_url="http://127.0.0.1:1/api/v1")
    assert str(tmp_path.resolve()) in storage.check()
