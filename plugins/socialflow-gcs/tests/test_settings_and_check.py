"""Settings come from ``[plugin.gcs]``; ``check()``, readiness and doctor name what is wrong.

The checks every storage plugin owes its operators come from socialflow's
:class:`~socialflow.testing.storage_checks.StorageCheckSuite`.
gcp-storage-emulator authenticates nothing, so "bad credentials" is tested
as a key that cannot be loaded (malformed, or a missing key file); a key
Google refuses would take the same ``access denied`` path as S3 and Azure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from socialflow.plugins.protocols import StorageError
from socialflow.testing.processes import free_port
from socialflow.testing.storage_checks import StorageCheckSuite

from socialflow_gcs import GCSSettings, GCSStorage


class TestGCSChecks(StorageCheckSuite):
    storage_name = "gcs"
    settings_model = GCSSettings
    backend_class = GCSStorage
    bad_credentials_message = "could not load the service-account key"
    bad_settings = (
        ({}, "plugin.gcs.bucket"),
        ({"bucket": "media", "chunk_size": 1000}, "chunk_size"),
        ({"bucket": "media", "chunk_size": 300_000}, "multiple of 256 KiB"),
    )

    @pytest.fixture
    def working_section(
        self, gcs_bucket: str, make_section: Callable[..., dict[str, Any]]
    ) -> dict[str, Any]:
        return make_section(gcs_bucket, check_timeout=3)

    @pytest.fixture
    def bad_credentials_section(
        self, working_section: dict[str, Any], service_account_info: dict[str, str]
    ) -> dict[str, Any]:
        broken = dict(service_account_info, private_key="-----BEGIN PRIVATE KEY-----\nnope\n")
        return {**working_section, "anonymous": False, "credentials_json": json.dumps(broken)}

    @pytest.fixture
    def unreachable_section(self, working_section: dict[str, Any]) -> dict[str, Any]:
        return {**working_section, "endpoint_url": f"http://127.0.0.1:{free_port()}"}


def test_check_fails_clearly_on_a_missing_key_file(
    gcs_bucket: str, make_settings: Callable[..., GCSSettings], tmp_path: Path
) -> None:
    config = make_settings(
        gcs_bucket,
        anonymous=False,
        credentials_json=None,
        credentials_file=tmp_path / "missing.json",
    )
    with pytest.raises(StorageError, match=r"credentials_file.*missing\.json"):
        GCSStorage(config).check()


def test_signed_urls_need_a_key(gcs_bucket: str, make_settings: Callable[..., GCSSettings]) -> None:
    storage = GCSStorage(make_settings(gcs_bucket, credentials_json=None))
    with pytest.raises(StorageError, match="need a service-account key"):
        storage.signed_url("a/b.mp4")
