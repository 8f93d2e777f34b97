"""Liveness, readiness and metrics: outside ``/api/v1`` by convention."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from socialflow.api.deps import PlatformDep
from socialflow.errors import NotFound, Unauthorized, problem_response
from socialflow.platform import Platform, ReadinessCheck

logger = logging.getLogger("socialflow.health")
router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database, broker and storage reachable")
async def readyz(request: Request, platform: PlatformDep) -> Response:
    """Which parts fail, never why: the reasons (paths, hosts, drivers' messages) go
    to the log, where ``socialflow doctor`` also shows them."""
    checks = await run_in_threadpool(platform.readiness)
    body = {check.name: {"ok": check.ok, "detail": _public_detail(check)} for check in checks}
    failing = [check.name for check in checks if not check.ok]
    if failing:
        for check in checks:
            if not check.ok:
                logger.warning("readiness check %s failed: %s", check.name, check.detail)
        return problem_response(
            request,
            status=503,
            slug="not-ready",
            title="Not ready",
            detail="Failing: " + ", ".join(failing) + " (the server log says why).",
            extra={"checks": body, "failing": failing},
        )
    return JSONResponse({"status": "ready", "checks": body})


def _public_detail(check: ReadinessCheck) -> str:
    return "ok" if check.ok else "unavailable"


def require_metrics_access(request: Request, platform: PlatformDep) -> Platform:
    """``/metrics`` with ``metrics_token`` set needs ``Authorization: Bearer <token>``;
    without one it is open outside production and absent (404) in production."""
    token = platform.settings.metrics_token
    if token is None:
        if platform.settings.environment == "production":
            raise NotFound("Set metrics_token to serve /metrics in production.")
        return platform
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise Unauthorized("/metrics needs `Authorization: Bearer <metrics_token>`.")
    return platform


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(
    platform: Annotated[Platform, Depends(require_metrics_access)],
) -> Response:
    return Response(generate_latest(platform.metrics.registry), media_type=CONTENT_TYPE_LATEST)
