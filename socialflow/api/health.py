"""Liveness, readiness and metrics: outside ``/api/v1`` by convention."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from socialflow.api.deps import PlatformDep
from socialflow.errors import problem_response
from socialflow.platform import Platform, ReadinessCheck

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def schema_check(platform: Platform) -> ReadinessCheck:
    """Whether the database schema is at head (every migration applied).

    Without it a reachable database answers every API call with a 500
    (``no such table``); the detail names the fix. At head is remembered.
    """
    from socialflow.db import migrate as migrations

    def config() -> migrations.Config:
        hook = platform.plugins.hook
        dirs = [folder for found in hook.socialflow_migration_dirs() for folder in found]
        return migrations.alembic_config(platform.engine, extra_version_dirs=dirs)

    try:
        at_head = migrations.is_at_head_cached(platform.engine, config)
    except Exception as exc:
        return ReadinessCheck(
            "migrations", False, f"could not read the schema version ({type(exc).__name__})"
        )
    if at_head:
        return ReadinessCheck("migrations", True, "schema at head")
    return ReadinessCheck(
        "migrations",
        False,
        "the database schema is not at this version's head: run `socialflow migrate`",
    )


@router.get("/readyz", summary="Readiness: database, schema, broker and storage")
async def readyz(request: Request, platform: PlatformDep) -> Response:
    checks = await run_in_threadpool(platform.readiness)
    checks = [*checks, await run_in_threadpool(schema_check, platform)]
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
