"""Headless Chromium for the web client tests: Debian's ``chromium`` driven by
Playwright's Python API (no browser download), and where screenshots go.

Screenshots are test artifacts, kept in ``test-artifacts/web-client/`` at the
repository's root (ignored by git), named after the test backend so the two
CI runs keep theirs side by side.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from socialflow.testing.services import backend, skip_or_fail

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web-client"


def chromium_path() -> str:
    """Debian's chromium (``apt-get install -y chromium``; .ci/run installs it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        skip_or_fail("`chromium` is not installed: apt-get install -y chromium")
    assert found is not None
    return found


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed at the end of the block."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the `playwright` package is not installed: pip install -e '.[test]'")
        raise
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def artifact(name: str) -> Path:
    """Where the screenshot ``name`` of this backend's run goes."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{backend()}-{name}.png"
