"""The example web client in headless Chromium, against a served platform: register,
upload a clip (tus, with progress), watch it play (hls.js), see a like arrive live
(WebSocket), sign out and in again. Screenshots: see :mod:`tests.web_client.browser`."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialflow.testing.services import require_binary
from socialflow.testing.video import make_clip
from tests.web_client.browser import artifact, chromium

pytestmark = [pytest.mark.ffmpeg, pytest.mark.slow]
PASSWORD = "a long enough passphrase 42"
WAIT_MS = 90_000  # transcoding on a loaded two-core machine
FAN_LIKED = re.compile(r"\bfan\b.* liked your post")  # "@fan liked your post"


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    require_binary("ffprobe")
    return make_clip(tmp_path / "clip.mp4", seconds=3.0)


def _watch(page: Any) -> list[str]:
    """What went wrong in the page: script errors, console errors (a CSP refusal is
    one) and failed requests."""
    problems: list[str] = []

    def console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    def response(answer: Any) -> None:
        if answer.status >= 400:
            problems.append(f"{answer.status} {answer.url}")

    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", console)
    page.on("response", response)
    return problems


def _playing(page: Any) -> None:
    """The post's video plays: its clock runs (it loops, so it never stops)."""
    page.wait_for_function(
        "() => { const v = document.querySelector('#feed video');"
        " return v && !v.paused && v.readyState >= 3 && v.currentTime > 0.2; }",
        timeout=WAIT_MS,
    )
    first = page.evaluate("document.querySelector('#feed video').currentTime")
    page.wait_for_function(
        f"() => document.querySelector('#feed video').currentTime !== {first}", timeout=10_000
    )


def test_register_upload_watch_and_a_like_arrives_live(
    live_server: str,
    client: httpx.Client,
    clip: Path,
    make_user: Callable[..., Any],
    auth_headers: Callable[[Any], dict[str, str]],
) -> None:
    fan = make_user("fan")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        problems = _watch(page)
        try:
            page.goto(f"{live_server}/web/")
            form = page.locator("#register-form")
            form.locator("[name=username]").fill("viewer")
            form.locator("[name=email]").fill("viewer@example.com")
            form.locator("[name=password]").fill(PASSWORD)
            form.locator("button").click()
            page.locator("#whoami").filter(has_text="@viewer").wait_for()
            page.locator("#live-status[data-state=live]").wait_for()
            page.screenshot(path=artifact("1-registered"))

            upload = page.locator("#upload-form")
            upload.locator("[name=file]").set_input_files(clip)
            upload.locator("[name=text]").fill("My first clip #socialflow")
            upload.locator("button").click()
            page.locator("#upload-status").filter(has_text="posted").wait_for(timeout=WAIT_MS)
            assert page.evaluate("document.querySelector('#upload-progress').value") == 100
            card = page.locator("#feed .post").first
            assert card.locator(".text").inner_text() == "My first clip #socialflow"
            page.screenshot(path=artifact("2-uploaded"))

            _playing(page)
            page.screenshot(path=artifact("3-playing"))

            post_id = card.get_attribute("data-post-id")
            liked = client.post(f"/api/v1/posts/{post_id}/like", headers=auth_headers(fan))
            assert liked.status_code in {200, 201, 204}, liked.text
            page.locator("#notifications li.fresh").filter(has_text=FAN_LIKED).wait_for(
                timeout=15_000
            )
            page.locator("#unread").filter(has_text="1").wait_for()
            card.locator(".like-count").filter(has_text="1").wait_for(timeout=15_000)
            page.screenshot(path=artifact("4-liked-live"))

            page.locator("#sign-out").click()
            page.locator("#sign-in-form").wait_for()
            form = page.locator("#sign-in-form")
            form.locator("[name=username_or_email]").fill("viewer")
            form.locator("[name=password]").fill(PASSWORD)
            form.locator("button").click()
            page.locator("#notifications li").filter(has_text=FAN_LIKED).wait_for()
            page.locator("#feed .post .like-count").filter(has_text="1").wait_for()
            _playing(page)
            page.screenshot(path=artifact("5-signed-in-again"))
        except Exception:
            page.screenshot(path=artifact("failed"))
            raise
    assert not problems, problems


def test_without_chromium_ci_fails_and_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from socialflow.testing.services import STRICT_ENV
    from tests.web_client import browser

    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    monkeypatch.setenv(STRICT_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install -y chromium"):
        browser.chromium_path()
    monkeypatch.setenv(STRICT_ENV, "0")
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install -y chromium"):
        browser.chromium_path()
