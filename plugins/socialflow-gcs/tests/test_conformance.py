"""socialflow-gcs passes socialflow's storage conformance suite against gcp-storage-emulator."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from socialflow.testing.conformance import StorageConformance
from socialflow.testing.conformance.storage import SignedUrlFetcher

from socialflow_gcs import GCSSettings, GCSStorage


class TestGCSStorage(StorageConformance):
    """Signed URLs are verified by ``v4_checking_fetch`` (the emulator checks none)."""

    @pytest.fixture
    def backend(
        self, gcs_bucket: str, gcs_endpoint: str, make_settings: Callable[..., GCSSettings]
    ) -> GCSStorage:
        self.check_mentions = (gcs_bucket, gcs_endpoint)
        return GCSStorage(make_settings(gcs_bucket))

    @pytest.fixture
    def signed_url_fetch(self, v4_checking_fetch: SignedUrlFetcher) -> SignedUrlFetcher:
        return v4_checking_fetch

    def assert_signed_url_expired(
        self, url: str, *, expires_in: int, issued_at: float, fetch: SignedUrlFetcher
    ) -> None:
        """The URL must say when it was made and for how long, then stop verifying."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert query["X-Goog-Expires"] == str(expires_in)
        assert query["X-Goog-Algorithm"] == "GOOG4-RSA-SHA256"
        assert abs(_goog_time(query["X-Goog-Date"]) - issued_at) < 5
        super().assert_signed_url_expired(
            url, expires_in=expires_in, issued_at=issued_at, fetch=fetch
        )


def _goog_time(value: str) -> float:
    from datetime import UTC, datetime

    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()


class TestGCSWithPrefixAndSmallChunks(StorageConformance):
    """A prefix, and a 256 KiB resumable chunk so file uploads go up in many chunks."""

    multipart_part_count = 2

    @pytest.fixture
    def backend(self, gcs_bucket: str, make_settings: Callable[..., GCSSettings]) -> GCSStorage:
        return GCSStorage(make_settings(gcs_bucket, prefix="tenant-c/", chunk_size=256 * 1024))

    @pytest.fixture
    def signed_url_fetch(self, v4_checking_fetch: SignedUrlFetcher) -> SignedUrlFetcher:
        return v4_checking_fetch


def test_multipart_with_more_parts_than_one_compose(
    gcs_bucket: str, make_settings: Callable[..., GCSSettings]
) -> None:
    """70 parts need compose in rounds (32 sources per call)."""
    storage = GCSStorage(make_settings(gcs_bucket))
    upload = storage.create_multipart("many/parts.bin", content_type="video/mp4")
    pieces = [bytes([n]) * 1000 for n in range(70)]
    parts = [storage.upload_part("many/parts.bin", upload, n + 1, p) for n, p in enumerate(pieces)]
    info = storage.complete_multipart("many/parts.bin", upload, parts)
    assert info.size == 70_000
    assert info.content_type == "video/mp4"
    assert storage.get("many/parts.bin") == b"".join(pieces)
    assert storage.list("") == [k for k in storage.list("") if not k.startswith(".multipart")]
    assert not [b.name for b in storage.client.list_blobs(storage.bucket, prefix=".multipart/")]
    storage.delete("many/parts.bin")
