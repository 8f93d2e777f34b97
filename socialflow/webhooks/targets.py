"""Where a webhook may be sent: URL rules and the address check against SSRF.

A webhook URL is chosen by a user and fetched by our servers, so it must not
reach what only our servers can: loopback, private networks (RFC 1918, ULA,
CGNAT), link-local (cloud metadata at 169.254.169.254), multicast, reserved
and unspecified addresses, nor IPv6 forms embedding one of those (mapped,
NAT64, 6to4, Teredo). Every address a host name resolves to must be allowed,
and the connection is then made to that checked address (see
:mod:`socialflow.webhooks.sender`), so a DNS answer cannot change between the
check and the connection. ``allowed_networks`` (``[plugin.webhooks]``) lets chosen
internal networks through; ``allow_private_targets`` (development) lets
everything through.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from socialflow.webhooks.settings import WebhookSettings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_URL_LENGTH = 2048

NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
# Shared address space (carrier-grade NAT), not covered by ``is_private`` everywhere.
SHARED = ipaddress.ip_network("100.64.0.0/10")


class TargetRefused(Exception):  # noqa: N818 - reads as what happened
    """The URL or one of its addresses may not be used; the message says why (no secret)."""


@dataclass(frozen=True)
class TargetPolicy:
    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    require_https: bool = True

    @classmethod
    def from_config(cls, config: WebhookSettings) -> TargetPolicy:
        return cls(
            allow_private=config.allow_private_targets,
            allowed_networks=tuple(
                ipaddress.ip_network(n, strict=False) for n in config.allowed_networks
            ),
            require_https=config.require_https,
        )


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to call it (``host``)."""

    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4, Teredo), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64 or address in NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def non_public_reason(address: IPAddress) -> str | None:
    """Why ``address`` is not a public unicast address, or None if it is."""
    inner = embedded_ipv4(address)
    if inner is not None:
        reason = non_public_reason(inner)
        return f"{reason} (inside {address})" if reason else None
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("shared (CGNAT)", isinstance(address, ipaddress.IPv4Address) and address in SHARED),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    )
    for name, matched in checks:
        if matched:
            return name
    return None


def check_address(policy: TargetPolicy, address: IPAddress) -> None:
    """Raise :class:`TargetRefused` unless the policy lets us connect to ``address``."""
    reason = non_public_reason(address)
    if reason is None or policy.allow_private:
        return
    candidates = [address]
    inner = embedded_ipv4(address)
    if inner is not None:
        candidates.append(inner)
    if any(a in network for a in candidates for network in policy.allowed_networks):
        return
    raise TargetRefused(f"address {address} is {reason}: webhooks may only reach public addresses")


def parse_url(policy: TargetPolicy, url: str) -> SplitResult:
    """Check the form of a webhook URL (scheme, host, no credentials); return its parts."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise TargetRefused(f"not a valid URL: {exc}") from None
    allowed = ("https",) if policy.require_https else ("https", "http")
    if parts.scheme not in allowed:
        raise TargetRefused(f"the URL must start with {' or '.join(s + '://' for s in allowed)}")
    if not parts.hostname:
        raise TargetRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("the URL may not carry a user name or password")
    if parts.fragment:
        raise TargetRefused("the URL may not carry a #fragment")
    return parts


def resolve(policy: TargetPolicy, url: str) -> Target:
    """Check ``url`` and every address its host resolves to; the target to connect to."""
    parts = parse_url(policy, url)
    host = parts.hostname
    assert host is not None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"cannot resolve {host}: {exc}") from None
    addresses: list[IPAddress] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise TargetRefused(f"{host} has no address")
    for address in addresses:  # all of them: a mixed answer is refused
        check_address(policy, address)
    return Target(url=url, scheme=parts.scheme, host=host, port=port, address=addresses[0])
