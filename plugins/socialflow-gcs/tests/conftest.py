"""gcp-storage-emulator on 127.0.0.1 for the test session, and a signing key.

The emulator needs no credentials (the API is called anonymously), but V4
signed URLs need a service-account key: the session generates an RSA key and
builds the service-account info from it in memory. The emulator checks no
signatures, so the tests' fetcher verifies each signed URL as GCS would (the
``GOOG4-RSA-SHA256`` signature against the key's public half, then
``X-Goog-Date`` + ``X-Goog-Expires``) before fetching it over HTTP.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from socialflow.testing.conformance.storage import SignedFetch, SignedUrlFetcher, http_fetch
from socialflow.testing.processes import background_service, free_port
from socialflow.testing.services import skip_or_fail
from socialflow.testing.signed_urls import parse_v4_query

from socialflow_gcs import GCSSettings, GCSStorage


@pytest.fixture(scope="session")
def gcs_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which(
        "gcp-storage-emulator", path=str(Path(sys.executable).parent)
    ) or shutil.which("gcp-storage-emulator")
    if binary is None:
        skip_or_fail("gcp-storage-emulator is not installed: pip install 'socialflow-gcs[test]'")
    assert binary is not None
    port = free_port()
    log = tmp_path_factory.mktemp("gcs") / "emulator.log"
    command = [binary, "start", "-H", "127.0.0.1", "--port", str(port), "--in-memory"]
    with background_service(command, port=port, log=log):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def service_account_info(signing_key: rsa.RSAPrivateKey) -> dict[str, str]:
    """A service-account key file's content, for a key made in this session."""
    pem = signing_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": "socialflow-test",
        "private_key_id": uuid.uuid4().hex,
        "private_key": pem,
        "client_email": "media@socialflow-test.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }


@pytest.fixture(scope="session")
def make_section(
    gcs_endpoint: str, service_account_info: dict[str, str]
) -> Callable[..., dict[str, Any]]:
    """``make_section(bucket, **extra)`` -> a ``[plugin.gcs]`` section for the emulator
    (anonymous requests; the test key signs URLs)."""

    def make(bucket: str, **extra: Any) -> dict[str, Any]:
        return {
            "bucket": bucket,
            "project": "socialflow-test",
            "endpoint_url": gcs_endpoint,
            "anonymous": True,
            "credentials_json": json.dumps(service_account_info),
            **extra,
        }

    return make


@pytest.fixture(scope="session")
def make_settings(make_section: Callable[..., dict[str, Any]]) -> Callable[..., GCSSettings]:
    """``make_settings(bucket, **extra)`` -> settings for the emulator (3 s checks)."""

    def make(bucket: str, **extra: Any) -> GCSSettings:
        return GCSSettings(**make_section(bucket, **{"check_timeout": 3, **extra}))

    return make


@pytest.fixture(scope="session")
def gcs_bucket(make_settings: Callable[..., GCSSettings]) -> str:
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    storage = GCSStorage(make_settings(bucket))
    storage.client.create_bucket(bucket)
    return bucket


def v4_signature_valid(url: str, public_key: rsa.RSAPublicKey, *, now: float) -> bool:
    """Verify a V4 signed URL as GCS does, from the published algorithm."""
    signed = parse_v4_query(url, prefix="X-Goog", algorithm="GOOG4-RSA-SHA256")
    if signed is None or signed.expired(now, clock_skew=300):
        return False
    try:
        signature = bytes.fromhex(signed.signature)
    except ValueError:
        return False
    try:
        public_key.verify(
            signature, signed.string_to_sign.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature:
        return False
    return True


@pytest.fixture
def v4_checking_fetch(signing_key: rsa.RSAPrivateKey) -> SignedUrlFetcher:
    """Fetch a signed URL from the emulator after checking it as GCS would (403 otherwise)."""

    def fetch(url: str) -> SignedFetch:
        if not v4_signature_valid(url, signing_key.public_key(), now=time.time()):
            return SignedFetch(403, b"signature or expiry refused")
        return http_fetch(url)

    return fetch
