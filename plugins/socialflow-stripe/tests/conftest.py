"""The local Stripe stub (``stripe_stub.py``) for the session, and providers pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from socialflow_stripe import StripeProvider, StripeSettings
from stripe_stub import StripeStub, running_stub

SECRET_KEY = "sk_test_socialflow_stub"
WEBHOOK_SECRET = "whsec_socialflow_test_secret"


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[StripeStub]:
    with running_stub(WEBHOOK_SECRET) as stub:
        yield stub


@pytest.fixture
def stub(stripe_server: StripeStub) -> StripeStub:
    """The session's stub, emptied and back to normal behaviour for this test."""
    stripe_server.reset()
    return stripe_server


@pytest.fixture
def stripe_section(stub: StripeStub) -> dict[str, Any]:
    """A working ``[plugin.stripe]`` section for the stub."""
    return {
        "secret_key": SECRET_KEY,
        "webhook_secret": WEBHOOK_SECRET,
        "api_base": stub.url,
        "timeout": 10,
        "max_network_retries": 0,
    }


@pytest.fixture
def make_provider(stripe_section: dict[str, Any]) -> Callable[..., StripeProvider]:
    def make(**overrides: Any) -> StripeProvider:
        section = {**stripe_section, **overrides}
        for name in ("secret_key", "webhook_secret"):
            section[name] = SecretStr(section[name])
        return StripeProvider(StripeSettings(**section))

    return make
