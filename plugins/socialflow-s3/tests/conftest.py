"""A moto S3 server on 127.0.0.1 for the whole test session."""

from __future__ import annotations

import hashlib
import hmac
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from socialflow.testing.conformance.storage import SignedFetch, SignedUrlFetcher, http_fetch
from socialflow.testing.processes import background_service, free_port
from socialflow.testing.services import skip_or_fail
from socialflow.testing.signed_urls import parse_v4_query

from socialflow_s3 import S3Settings, S3Storage

ACCESS_KEY = "testing"
SECRET_KEY = "testing"  # moto's throwaway credentials


def _moto_command(port: int) -> list[str]:
    moto = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which(
        "moto_server"
    )
    if moto is None:
        skip_or_fail("moto_server is not installed: pip install 'socialflow-s3[test]'")
    assert moto is not None
    return [moto, "-H", "127.0.0.1", "-p", str(port)]


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto in server mode: real HTTP, so presigned URLs can be fetched."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with background_service(_moto_command(port), port=port, log=log):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def s3_authenticating_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second moto that checks credentials (moto's IAM mode): bad keys are refused."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto-auth") / "moto.log"
    with background_service(
        _moto_command(port), port=port, log=log, env={"INITIAL_NO_AUTH_ACTION_COUNT": "0"}
    ):
        yield f"http://127.0.0.1:{port}"


def settings_for(endpoint: str, bucket: str, **extra: object) -> S3Settings:
    return S3Settings(
        bucket=bucket,
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,  # type: ignore[arg-type]
        addressing_style="path",
        **extra,  # type: ignore[arg-type]
    )


def s3_section(endpoint: str, bucket: str, **extra: Any) -> dict[str, Any]:
    """A ``[plugin.s3]`` section for moto (its throwaway credentials, path addressing)."""
    return {
        "bucket": bucket,
        "endpoint_url": endpoint,
        "access_key_id": "testing",
        "secret_access_key": "testing",
        "addressing_style": "path",
        **extra,
    }


@pytest.fixture(scope="session")
def make_section() -> Callable[..., dict[str, Any]]:
    """``make_section(endpoint, bucket, **extra)`` -> a ``[plugin.s3]`` section for moto."""
    return s3_section


@pytest.fixture(scope="session")
def make_settings() -> object:
    """``make_settings(endpoint, bucket, **extra)`` -> S3Settings with moto's credentials."""
    return settings_for


@pytest.fixture(scope="session")
def s3_bucket(s3_endpoint: str) -> str:
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    S3Storage(settings_for(s3_endpoint, bucket)).client.create_bucket(Bucket=bucket)
    return bucket


def sigv4_query_signature_valid(url: str, *, secret_key: str, now: float) -> bool:
    """Check a presigned URL as S3 does: the SigV4 query signature, then the expiry.

    moto serves presigned URLs without checking either (and its IAM mode fails
    on them), so the test's fetcher does this part of S3's job itself before
    fetching from moto over real HTTP. Written from the SigV4 specification,
    independently of botocore's signer.
    """
    signed = parse_v4_query(url, prefix="X-Amz", algorithm="AWS4-HMAC-SHA256")
    if signed is None or signed.expired(now):
        return False
    key = f"AWS4{secret_key}".encode()
    for piece in signed.scope.split("/"):
        key = hmac.new(key, piece.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, signed.string_to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signed.signature)


@pytest.fixture
def sigv4_checking_fetch() -> SignedUrlFetcher:
    """Fetch a presigned URL from moto after checking it as S3 would (403 otherwise)."""

    def fetch(url: str) -> SignedFetch:
        if not sigv4_query_signature_valid(url, secret_key=SECRET_KEY, now=time.time()):
            return SignedFetch(403, b"signature or expiry refused")
        return http_fetch(url)

    return fetch
