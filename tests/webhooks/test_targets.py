"""The SSRF guard: non-public addresses refused at registration, at delivery, and
after each redirect; the address check itself over the tricky forms."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import pytest

from socialflow.webhooks.settings import webhook_settings
from socialflow.webhooks.targets import (
    TargetPolicy,
    TargetRefused,
    check_address,
    non_public_reason,
    resolve,
)
from tests.social.conftest import make_post
from tests.webhooks.conftest import Actor, Api, Receiver, deliveries, register

REFUSED = [
    "127.0.0.1",
    "127.0.0.2",
    "0.0.0.0",  # reaches the local host on Linux
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # CGNAT
    "169.254.169.254",  # cloud metadata
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert non_public_reason(ip) is not None
    with pytest.raises(TargetRefused, match="webhooks may only reach public addresses"):
        check_address(TargetPolicy(), ip)
    check_address(TargetPolicy(allow_private=True), ip)  # the development switch


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert non_public_reason(ipaddress.ip_address(address)) is None


def test_allowed_networks_let_only_those_through() -> None:
    policy = TargetPolicy(allowed_networks=(ipaddress.ip_network("10.20.0.0/16"),))
    check_address(policy, ipaddress.ip_address("10.20.3.4"))
    with pytest.raises(TargetRefused):
        check_address(policy, ipaddress.ip_address("10.21.0.1"))


def test_url_rules() -> None:
    strict = TargetPolicy()
    for url in (
        "http://93.184.216.34/x",  # https required
        "https://user:pw@93.184.216.34/x",
        "https:///nohost",
        "https://93.184.216.34/x#frag",
        "https://93.184.216.34:99999/x",
        "gopher://93.184.216.34/",
    ):
        with pytest.raises(TargetRefused):
            resolve(strict, url)
    target = resolve(strict, "https://93.184.216.34:8443/hook?a=1")
    assert (target.host, target.port, str(target.address)) == (
        "93.184.216.34",
        8443,
        "93.184.216.34",
    )
    with pytest.raises(TargetRefused, match="loopback"):
        resolve(TargetPolicy(require_https=False), "http://localhost:8000/")


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    """Private targets refused, but the receiver's own address let through by network."""
    return {
        "plugin": {
            "webhooks": {
                "allowed_networks": ["127.0.0.1/32"],
                "require_https": False,
                "retry_schedule": [],
            }
        }
    }


def test_a_loopback_url_is_refused_at_registration(
    api: Api, actor: Callable[..., Actor], receiver: Receiver
) -> None:
    alice = actor("alice")
    port = receiver.url.rsplit(":", 1)[1]
    for url in (f"http://127.0.0.2:{port}/hook", f"http://[::1]:{port}/hook"):
        refused = api("POST", "/webhooks", alice, json={"url": url, "events": ["*"]})
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"] == "urn:socialflow:problem:webhook-url-refused"
        assert "loopback" in refused.json()["detail"]


def test_a_redirect_to_a_refused_address_is_not_followed(
    api: Api, actor: Callable[..., Actor], receiver: Receiver
) -> None:
    """The receiver (allowed by ``allowed_networks``) redirects to another loopback
    address: the hop is checked before any connection and refused."""
    alice = actor("alice")
    port = receiver.url.rsplit(":", 1)[1]
    hidden = f"http://127.0.0.2:{port}/hook"
    endpoint = register(api, alice, f"{receiver.url}/redirect?to={hidden}", ["post_created"])
    make_post(api, alice, "follow me")
    (logged,) = deliveries(api, alice, endpoint["id"])
    assert logged["status"] == "failed"
    assert logged["error"].startswith("redirect target refused: address 127.0.0.2 is loopback")
    assert [r.path for r in receiver.requests] == ["/redirect"]


def test_a_redirect_to_an_allowed_address_is_followed_with_the_same_post(
    api: Api, actor: Callable[..., Actor], receiver: Receiver
) -> None:
    alice = actor("alice")
    endpoint = register(api, alice, f"{receiver.url}/redirect?to={receiver.hook}", ["*"])
    make_post(api, alice, "follow me")
    (logged,) = deliveries(api, alice, endpoint["id"])
    assert logged["status"] == "delivered", logged
    assert [r.path for r in receiver.requests] == ["/redirect", "/hook"]
    first, second = receiver.requests
    assert first.headers["webhook-signature"] == second.headers["webhook-signature"]


def test_too_many_redirects_fail(api: Api, actor: Callable[..., Actor], receiver: Receiver) -> None:
    alice = actor("alice")
    url = receiver.hook
    for _ in range(4):
        url = f"{receiver.url}/redirect?to={url}"
    endpoint = register(api, alice, url, ["post_created"])
    make_post(api, alice, "loop")
    (logged,) = deliveries(api, alice, endpoint["id"])
    assert (logged["status"], logged["error"]) == ("failed", "more than 3 redirects")
    assert all(r.path == "/redirect" for r in receiver.requests)


def test_an_address_that_became_private_is_refused_at_delivery(
    api: Api,
    actor: Callable[..., Actor],
    receiver: Receiver,
    make_platform: Callable[..., Any],
) -> None:
    """Registered while allowed, refused at delivery once the policy (or DNS) says no."""
    alice = actor("alice")
    endpoint = register(api, alice, receiver.hook, ["post_created"])
    # Sections merge key by key with the test's own: only the networks change.
    strict = make_platform(plugin={"webhooks": {"allowed_networks": []}})
    assert webhook_settings(strict).allowed_networks == []
    from socialflow.accounts.models import User
    from socialflow.social.posts import create_post

    with strict.session() as session:
        user = session.get(User, alice.id)
        create_post(session, platform=strict, author=user, text="x")
        session.commit()  # routes commit; services leave it to them
    (logged,) = deliveries(api, alice, endpoint["id"])
    assert logged["status"] == "failed"
    assert logged["error"] == (
        "target refused: address 127.0.0.1 is loopback: webhooks may only reach public addresses"
    )
    assert receiver.requests == []
