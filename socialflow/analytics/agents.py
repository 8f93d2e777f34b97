"""User-Agent strings to (device, operating system, browser) families.

Parsed in the rollup, never on the request path: the raw event keeps the
header as sent (256 characters at most). ua-parser (the Browserscope rules,
``pip install 'socialflow[analytics]'``) does the parsing; without it every
agent is ``other``. Results are cached (a platform sees few distinct agents).
"""

from __future__ import annotations

from functools import lru_cache

UNKNOWN = "unknown"
OTHER = "other"
TABLETS = ("iPad", "Tablet", "Kindle", "Nexus 7", "Nexus 9", "Nexus 10", "SM-T", "Tab")


def _device(agent: str, os_family: str, device_family: str) -> str:
    if device_family == "Spider":
        return "bot"
    if any(mark in device_family or mark in agent for mark in TABLETS):
        return "tablet"
    if "Mobile" in agent or os_family in ("iOS", "Android") or device_family == "iPhone":
        return "mobile" if "Android" not in agent or "Mobile" in agent else "tablet"
    if os_family in ("Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora"):
        return "desktop"
    return OTHER


@lru_cache(maxsize=4096)
def families(agent: str | None) -> tuple[str, str, str]:
    """(device type, OS family, browser family) of ``agent``; ``unknown`` when none was sent.

    Device types: desktop, mobile, tablet, bot, other."""
    if not agent:
        return UNKNOWN, UNKNOWN, UNKNOWN
    try:
        from ua_parser import parse
    except ImportError:
        return OTHER, OTHER, OTHER
    found = parse(agent)
    browser = found.user_agent.family if found.user_agent else OTHER
    os_family = found.os.family if found.os else OTHER
    device = found.device.family if found.device else OTHER
    return _device(agent, os_family, device), os_family[:32], browser[:32]
