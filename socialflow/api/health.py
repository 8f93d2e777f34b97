"""Liveness, readiness and metrics: outside ``/api/v1`` by convention."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from socialflow.api.deps import PlatformDep
from socialflow.errors import problem_response

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database, broker and storage reachable")
async def readyz(request: Request, platform: PlatformDep) -> Response:
    checks = await run_in_threadpool(platform.readiness)
    body = {check.name: {"ok": check.ok, "detail": check.detail} for check in checks}
    failing = [check.name for check in checks if not check.ok]
    if failing:
        return problem_response(
            request,
            status=503,
            slug="not-ready",
            title="Not ready",
            detail="Failing: " + "; ".join(f"{c.name} ({c.detail})" for c in checks if not c.ok),
            extra={"checks": body, "failing": failing},
        )
    return JSONResponse({"status": "ready", "checks": body})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(platform: PlatformDep) -> Response:
    return Response(generate_latest(platform.metrics.registry), media_type=CONTENT_TYPE_LATEST)
