"""moto in server mode on 127.0.0.1 for the session: IVS channels over real HTTP."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from socialflow.testing.processes import background_service, free_port
from socialflow.testing.services import skip_or_fail

from ivs_fake import Keys, fill_in
from socialflow_ivs import IvsSettings, IvsStreaming

RECORDING = "arn:aws:ivs:us-east-1:123456789012:recording-configuration/abcdEFGHijkl"


@pytest.fixture(scope="session")
def ivs_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    moto = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which(
        "moto_server"
    )
    if moto is None:
        skip_or_fail("moto_server is not installed: pip install 'socialflow-ivs[test]'")
    assert moto is not None
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with background_service([moto, "-H", "127.0.0.1", "-p", str(port)], port=port, log=log):
        yield f"http://127.0.0.1:{port}"


def settings_for(endpoint: str, **extra: Any) -> IvsSettings:
    return IvsSettings(
        endpoint_url=endpoint,
        access_key_id="testing",
        secret_access_key="testing",  # type: ignore[arg-type]
        **extra,
    )


@pytest.fixture
def moto_ivs(ivs_endpoint: str) -> tuple[IvsStreaming, Keys]:
    """The provider on moto, with the key and stream operations moto lacks filled in."""
    provider = IvsStreaming(settings_for(ivs_endpoint, recording_configuration_arn=RECORDING))
    return provider, fill_in(provider.client)


@pytest.fixture
def stubbed_client() -> Any:
    """A client for botocore's Stubber: nothing leaves the process."""
    return boto3.client(
        "ivs",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
