"""Fixtures for the webhook tests: a real receiver on 127.0.0.1 and short API helpers.

The receiver is a tiny ASGI app served by uvicorn (``run_server``): it records
every request (headers and raw body) and answers the statuses a test scripts
(200 once the script is used up); ``/redirect?to=URL`` answers a 307 to URL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from socialflow.testing.server import run_server
from tests.social.conftest import Actor, actor, api  # noqa: F401 - fixtures re-exported

Api = Callable[..., httpx.Response]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def hook(self) -> str:
        return f"{self.url}/hook"

    def bodies(self) -> list[bytes]:
        with self.lock:
            return [r.body for r in self.requests if r.path == "/hook"]


def _receiver_app(receiver: Receiver) -> Starlette:
    async def hook(request: Request) -> Response:
        body = await request.body()
        with receiver.lock:
            receiver.requests.append(Received("/hook", dict(request.headers), body))
            status = receiver.script.pop(0) if receiver.script else 200
        return PlainTextResponse(f"answered {status}", status_code=status)

    async def redirect(request: Request) -> Response:
        with receiver.lock:
            receiver.requests.append(Received("/redirect", dict(request.headers), b""))
        return Response(status_code=307, headers={"Location": request.query_params["to"]})

    return Starlette(
        routes=[
            Route("/hook", hook, methods=["POST"]),
            Route("/redirect", redirect, methods=["POST"]),
        ]
    )


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    found = Receiver()
    with run_server(_receiver_app(found), log=tmp_path / "receiver.log") as url:
        found.url = url
        yield found


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    """The receiver is on 127.0.0.1 over http: allowed here, for these tests only.

    Tasks run inline on both backends: these tests drive each attempt and retry
    themselves (through the sweep) and count them exactly; ``test_worker.py``
    sends the same deliveries through a real worker and its countdowns.
    """
    return {
        "task_always_eager": True,
        "plugin": {
            "webhooks": {
                "allow_private_targets": True,
                "require_https": False,
                "retry_schedule": [0.01, 0.01, 0.01, 0.01, 0.01],
                "retry_jitter": 0,
                "sweep_grace_seconds": 0,
                "disable_after_failures": 8,
            }
        },
    }


def register(call: Api, who: Actor, url: str, events: list[str] | None = None) -> dict[str, Any]:
    response = call("POST", "/webhooks", who, json={"url": url, "events": events or ["*"]})
    assert response.status_code == 201, response.text
    return dict(response.json())


def deliveries(call: Api, who: Actor, endpoint_id: int, **params: Any) -> list[dict[str, Any]]:
    response = call("GET", f"/webhooks/{endpoint_id}/deliveries", who, params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def run_sweep(platform: Any) -> dict[str, int]:
    """Run the sweep task now (what beat queues every ``sweep_interval``)."""
    from socialflow.webhooks.tasks import SWEEP_TASK

    result: dict[str, int] = platform.celery.tasks[SWEEP_TASK].apply().get()
    return result
