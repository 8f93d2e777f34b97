"""socialflow-s3 passes socialflow's storage conformance suite against moto."""

from __future__ import annotations

from typing import Any

import pytest
from socialflow.testing.conformance import StorageConformance
from socialflow.testing.conformance.storage import SignedUrlFetcher

from socialflow_s3 import S3Storage


class TestS3Storage(StorageConformance):
    """Against moto; presigned URLs are checked as S3 would (see ``sigv4_checking_fetch``)."""

    @pytest.fixture
    def signed_url_fetch(self, sigv4_checking_fetch: SignedUrlFetcher) -> SignedUrlFetcher:
        return sigv4_checking_fetch

    @pytest.fixture
    def backend(self, s3_endpoint: str, s3_bucket: str, make_settings: Any) -> S3Storage:
        self.check_mentions = (s3_bucket, s3_endpoint)
        return S3Storage(make_settings(s3_endpoint, s3_bucket))


class TestS3StorageWithPrefixAndEncryption(StorageConformance):
    """A prefix shares the bucket; SSE-S3 must not change behaviour.

    The part threshold is S3's minimum here, so a trickling stream of
    ``stream_size`` goes up in parts (each must be a full 5 MiB but the last).
    """

    multipart_part_count = 2
    stream_size = 11 * 1024 * 1024 + 3

    @pytest.fixture
    def signed_url_fetch(self, sigv4_checking_fetch: SignedUrlFetcher) -> SignedUrlFetcher:
        return sigv4_checking_fetch

    @pytest.fixture
    def backend(self, s3_endpoint: str, s3_bucket: str, make_settings: Any) -> S3Storage:
        return S3Storage(
            make_settings(
                s3_endpoint,
                s3_bucket,
                prefix="tenant-a/",
                server_side_encryption="AES256",
                multipart_threshold=5 * 1024 * 1024,
            )
        )
