"""Settings come from ``[plugin.s3]``; ``check()``, readiness and doctor name what is wrong.

The checks every storage plugin owes its operators come from socialflow's
:class:`~socialflow.testing.storage_checks.StorageCheckSuite`; what is
particular to S3 (the prefix in the description, half a key pair) is here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from socialflow.testing.processes import free_port
from socialflow.testing.storage_checks import StorageCheckSuite

from socialflow_s3 import S3Settings, S3Storage


class TestS3Checks(StorageCheckSuite):
    """Against moto; refused credentials need moto's authenticating (IAM) mode."""

    storage_name = "s3"
    settings_model = S3Settings
    backend_class = S3Storage
    bad_credentials_message = r"access denied .*check the credentials"
    bad_settings = (
        ({}, "plugin.s3.bucket"),
        ({"bucket": "media", "access_key_id": "only-half"}, "secret_access_key"),
        ({"bucket": "media", "prefix": "/abs/"}, "prefix"),
    )

    @pytest.fixture
    def working_section(
        self, s3_endpoint: str, s3_bucket: str, make_section: Callable[..., dict[str, Any]]
    ) -> dict[str, Any]:
        return make_section(s3_endpoint, s3_bucket)

    @pytest.fixture
    def bad_credentials_section(
        self, s3_authenticating_endpoint: str, make_section: Callable[..., dict[str, Any]]
    ) -> dict[str, Any]:
        return make_section(
            s3_authenticating_endpoint,
            "any-bucket",
            access_key_id="AKIANOTAREALKEY00000",
            secret_access_key="super-secret-value",
            max_attempts=1,
        )

    @pytest.fixture
    def unreachable_section(self, working_section: dict[str, Any]) -> dict[str, Any]:
        return {
            **working_section,
            "endpoint_url": f"http://127.0.0.1:{free_port()}",
            "max_attempts": 1,
        }


def test_check_describes_prefix_and_writability(
    s3_endpoint: str, s3_bucket: str, make_settings: Any
) -> None:
    described = S3Storage(make_settings(s3_endpoint, s3_bucket, prefix="p/")).check()
    assert described.startswith(f"s3 bucket {s3_bucket} at {s3_endpoint}")
    assert "prefix p/" in described
    assert "writable" in described
