"""A test service account and the local FCM stub (``fcm_stub.py``) for the whole session."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from fcm_stub import FcmStub, running_stub
from socialflow_fcm import FcmChannel, FcmSettings

PROJECT_ID = "socialflow-test"
CLIENT_EMAIL = "push@socialflow-test.iam.gserviceaccount.com"
KEY_ID = "4f1c0d2e9a7b"


@pytest.fixture(scope="session")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def fcm_server(private_key: rsa.RSAPrivateKey) -> Iterator[FcmStub]:
    public = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    yield from running_stub(
        project_id=PROJECT_ID, client_email=CLIENT_EMAIL, key_id=KEY_ID, public_key=public.decode()
    )


@pytest.fixture
def fcm(fcm_server: FcmStub) -> FcmStub:
    """The session's stub, emptied and back to normal behaviour for this test."""
    fcm_server.reset()
    return fcm_server


@pytest.fixture(scope="session")
def service_account(private_key: rsa.RSAPrivateKey, fcm_server: FcmStub) -> dict[str, str]:
    """A key file as the Firebase console writes it, its token_uri the stub's."""
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": PROJECT_ID,
        "private_key_id": KEY_ID,
        "private_key": pem,
        "client_email": CLIENT_EMAIL,
        "client_id": "1234567890",
        "token_uri": fcm_server.token_url,
    }


@pytest.fixture
def fcm_section(fcm: FcmStub, service_account: dict[str, str]) -> dict[str, Any]:
    """A working ``[plugin.fcm]`` section for the stub."""
    return {"credentials_json": json.dumps(service_account), "endpoint": fcm.url}


@pytest.fixture
def make_channel(fcm_section: dict[str, Any]) -> Iterator[Callable[..., FcmChannel]]:
    """``make_channel(clock=..., **settings)`` -> an FcmChannel on the stub; closed after."""
    made: list[FcmChannel] = []

    def make(clock: Callable[[], float] | None = None, **overrides: Any) -> FcmChannel:
        section = {**fcm_section, **overrides}
        if isinstance(section.get("credentials_json"), str):
            section["credentials_json"] = SecretStr(section["credentials_json"])
        channel = FcmChannel(FcmSettings(**section), clock=clock)
        made.append(channel)
        return channel

    yield make
    for channel in made:
        channel.close()
