"""Per-account upload quotas over real HTTP (uploads and bytes in flight, bytes per
rolling day, admins exempt, creations racing at the limit), the sweep of abandoned
uploads freeing them, and ``Upload-Length: 0`` refused. Runs on SQLite and, with
``SOCIALFLOW_TEST_BACKEND=services``, on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import func, select

from socialflow.accounts.models import Role
from socialflow.core.db.base import utcnow
from socialflow.core.settings import Settings
from socialflow.video.models import Upload, UploadCharge, Video
from socialflow.video.tasks import MEDIA_SWEEP_TASK
from socialflow.video.upload_quotas import QUOTA_WINDOW
from tests.video.conftest import TUS, create_upload, patch

BASE = "/api/v1/uploads/"
QUOTA_TYPE = "urn:socialflow:problem:upload-quota-exceeded"
UNLIMITED = {
    "upload_quota_uploads_in_flight": 0,
    "upload_quota_bytes_in_flight": 0,
    "upload_quota_bytes_per_day": 0,
}


def quotas(**limits: int) -> dict[str, Any]:
    """Settings with only the given quotas limited."""
    return {**UNLIMITED, **{f"upload_quota_{name}": value for name, value in limits.items()}}


def assert_refused(response: httpx.Response, quota: str, limit: int, used: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["Tus-Resumable"] == "1.0.0"
    problem = response.json()
    assert problem["type"] == QUOTA_TYPE
    assert (problem["quota"], problem["limit"], problem["used"]) == (quota, limit, used)
    assert quota in problem["detail"]
    assert str(limit) in problem["detail"]


def unfinished_uploads(platform: Any) -> int:
    with platform.session() as session:
        return int(
            session.exec(
                select(func.count()).select_from(Upload).where(Upload.completed_at == None)  # noqa: E711
            ).one()
        )


def videos(platform: Any) -> int:
    with platform.session() as session:
        return int(session.exec(select(func.count()).select_from(Video)).one())


def expire(platform: Any, location: str) -> None:
    """Move an upload's ``Upload-Expires`` into the past, as if abandoned a day ago."""
    with platform.session() as session:
        session.execute(
            update(Upload)
            .where(Upload.id == location.rsplit("/", 1)[1])  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()


@pytest.fixture
def video_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """``@pytest.mark.parametrize("video_settings", [...], indirect=True)`` sets the quotas."""
    return dict(getattr(request, "param", None) or quotas())


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("video_settings", "lengths", "quota", "limit", "used"),
    [
        # uploads in flight: the third of at most two
        (quotas(uploads_in_flight=2), [10, 10, 10], "upload_quota_uploads_in_flight", 2, 2),
        # bytes in flight: 600 + 500 > 1000
        (quotas(bytes_in_flight=1000), [600, 500], "upload_quota_bytes_in_flight", 1000, 600),
        # one upload alone over the bytes in flight
        (quotas(bytes_in_flight=1000), [1001], "upload_quota_bytes_in_flight", 1000, 0),
        # bytes per day: 400 + 400 + 400 > 1000
        (quotas(bytes_per_day=1000), [400, 400, 400], "upload_quota_bytes_per_day", 1000, 800),
    ],
    indirect=["video_settings"],
)
def test_a_creation_over_a_quota_is_refused_with_429_and_writes_nothing(
    client: httpx.Client,
    headers: dict[str, str],
    platform: Any,
    lengths: list[int],
    quota: str,
    limit: int,
    used: int,
) -> None:
    *accepted, refused = lengths
    for length in accepted:
        assert create_upload(client, headers, length).status_code == 201
    response = create_upload(client, headers, refused)
    assert_refused(response, quota, limit, used)
    assert videos(platform) == len(accepted)
    with platform.session() as session:
        charged = session.exec(select(func.sum(UploadCharge.bytes))).one()
    assert (charged or 0) == sum(accepted)


@pytest.mark.parametrize(
    "video_settings", [quotas(uploads_in_flight=1, bytes_in_flight=100)], indirect=True
)
def test_finishing_or_terminating_an_upload_frees_the_in_flight_quotas(
    client: httpx.Client, headers: dict[str, str], platform: Any
) -> None:
    first = create_upload(client, headers, 100).headers["Location"]
    assert_refused(create_upload(client, headers, 10), "upload_quota_uploads_in_flight", 1, 1)
    assert client.delete(first, headers=headers).status_code == 204
    second = create_upload(client, headers, 100)
    assert second.status_code == 201
    # The last PATCH completes the upload (its media task fails on these bytes: fine).
    done = patch(client, second.headers["Location"], headers, 0, b"x" * 100)
    assert done.status_code == 204
    assert create_upload(client, headers, 100).status_code == 201


@pytest.mark.parametrize("video_settings", [quotas(bytes_per_day=1000)], indirect=True)
def test_the_day_quota_is_a_rolling_24_hours_that_terminating_does_not_refund(
    client: httpx.Client, headers: dict[str, str], platform: Any
) -> None:
    location = create_upload(client, headers, 700).headers["Location"]
    assert client.delete(location, headers=headers).status_code == 204
    refused = create_upload(client, headers, 400)
    assert_refused(refused, "upload_quota_bytes_per_day", 1000, 700)
    # The 700 bytes leave the window 24 hours after they were declared.
    retry_after = int(refused.headers["Retry-After"])
    assert QUOTA_WINDOW.total_seconds() - 60 < retry_after <= QUOTA_WINDOW.total_seconds()
    # An upload alone over the day's quota can never fit: no Retry-After.
    alone = create_upload(client, headers, 1001)
    assert_refused(alone, "upload_quota_bytes_per_day", 1000, 700)
    assert "Retry-After" not in alone.headers
    with platform.session() as session:
        session.execute(
            update(UploadCharge).values(created_at=utcnow() - QUOTA_WINDOW - timedelta(seconds=1))
        )
        session.commit()
    assert create_upload(client, headers, 400).status_code == 201


@pytest.mark.parametrize(
    ("video_settings", "role", "allowed"),
    [
        (quotas(uploads_in_flight=1, bytes_in_flight=10, bytes_per_day=10), Role.admin, True),
        (quotas(uploads_in_flight=1, bytes_in_flight=10, bytes_per_day=10), Role.moderator, False),
        (quotas(uploads_in_flight=1, bytes_in_flight=10, bytes_per_day=10), Role.creator, False),
    ],
    indirect=["video_settings"],
)
def test_admins_are_exempt_and_no_other_role_is(
    client: httpx.Client,
    make_user: Callable[..., Any],
    auth_headers: Callable[[Any], dict[str, str]],
    role: Role,
    allowed: bool,
) -> None:
    user = make_user(f"quota_{role.value}", role=role)
    headers = {**auth_headers(user), **TUS}
    assert create_upload(client, headers, 10).status_code == 201
    statuses = {create_upload(client, headers, 10).status_code for _ in range(3)}
    statuses.add(create_upload(client, headers, 11).status_code)
    assert statuses == ({201} if allowed else {429})


@pytest.mark.parametrize("video_settings", [quotas(uploads_in_flight=1)], indirect=True)
def test_quotas_are_per_account(
    client: httpx.Client,
    headers: dict[str, str],
    make_user: Callable[..., Any],
    auth_headers: Callable[[Any], dict[str, str]],
) -> None:
    assert create_upload(client, headers, 10).status_code == 201
    other = {**auth_headers(make_user("other_uploader")), **TUS}
    assert create_upload(client, other, 10).status_code == 201
    assert create_upload(client, headers, 10).status_code == 429


def test_every_quota_is_bounded_by_default() -> None:
    defaults = Settings.model_fields
    assert defaults["upload_quota_uploads_in_flight"].default == 10
    assert defaults["upload_quota_bytes_in_flight"].default == 16 * 1024**3
    assert defaults["upload_quota_bytes_per_day"].default == 64 * 1024**3


# ---------------------------------------------------------------- concurrency


def create_at_once(live_server: str, headers: dict[str, str], lengths: list[int]) -> list[int]:
    """POST every creation from its own thread, released together."""
    barrier = threading.Barrier(len(lengths))
    statuses: list[int] = []

    def create(length: int) -> None:
        with httpx.Client(base_url=live_server, timeout=60) as http:
            barrier.wait()
            statuses.append(create_upload(http, headers, length).status_code)

    threads = [threading.Thread(target=create, args=(length,)) for length in lengths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.parametrize(
    ("video_settings", "lengths", "fit"),
    [
        (quotas(uploads_in_flight=3), [10] * 16, 3),
        (quotas(bytes_in_flight=1000), [250] * 16, 4),
        (quotas(bytes_per_day=1000), [200] * 16, 5),
    ],
    indirect=["video_settings"],
)
def test_creations_racing_at_the_limit_never_both_slip_under_it(
    live_server: str,
    headers: dict[str, str],
    platform: Any,
    lengths: list[int],
    fit: int,
) -> None:
    statuses = create_at_once(live_server, headers, lengths)
    assert sorted(statuses) == [201] * fit + [429] * (len(lengths) - fit)
    assert unfinished_uploads(platform) == fit
    assert videos(platform) == fit


# ---------------------------------------------------------------------- sweep


@pytest.mark.parametrize(
    "video_settings", [quotas(uploads_in_flight=1, bytes_in_flight=10)], indirect=True
)
def test_the_sweep_deletes_an_abandoned_upload_its_bytes_and_video_and_frees_the_quota(
    client: httpx.Client, headers: dict[str, str], platform: Any
) -> None:
    created = create_upload(client, headers, 10)
    location = created.headers["Location"]
    upload_id = location.rsplit("/", 1)[1]
    assert patch(client, location, headers, 0, b"12345").status_code == 204
    assert platform.storage.list(f"uploads/{upload_id}/") != []
    assert create_upload(client, headers, 10).status_code == 429
    expire(platform, location)
    # Past Upload-Expires it no longer counts (410), even before the sweep runs.
    assert client.head(location, headers=headers).status_code == 410
    result = platform.celery.tasks[MEDIA_SWEEP_TASK].apply().get()
    assert result["expired_uploads"] == 1
    assert platform.storage.list(f"uploads/{upload_id}/") == []
    assert client.head(location, headers=headers).status_code == 404
    video = client.get(f"/api/v1/videos/{created.headers['Video-Id']}", headers=headers)
    assert video.status_code == 404
    assert videos(platform) == 0
    assert create_upload(client, headers, 10).status_code == 201


def test_the_sweep_drops_day_charges_older_than_24_hours(
    client: httpx.Client, headers: dict[str, str], platform: Any
) -> None:
    assert create_upload(client, headers, 10).status_code == 201
    assert create_upload(client, headers, 20).status_code == 201
    with platform.session() as session:
        session.execute(
            update(UploadCharge)
            .where(UploadCharge.bytes == 10)  # type: ignore[arg-type]
            .values(created_at=utcnow() - QUOTA_WINDOW - timedelta(seconds=1))
        )
        session.commit()
    result = platform.celery.tasks[MEDIA_SWEEP_TASK].apply().get()
    assert result["pruned_upload_charges"] == 1
    with platform.session() as session:
        assert [c.bytes for c in session.exec(select(UploadCharge))] == [20]


# ----------------------------------------------------------------- empty uploads


@pytest.mark.parametrize("body", [None, b""])
def test_an_empty_upload_is_refused_with_400(
    client: httpx.Client, headers: dict[str, str], platform: Any, body: bytes | None
) -> None:
    extra = {"Upload-Length": "0"}
    if body is not None:
        extra["Content-Type"] = "application/offset+octet-stream"
    response = client.post(BASE, headers={**headers, **extra}, content=body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:socialflow:problem:upload-empty"
    assert "empty" in response.json()["detail"]
    assert videos(platform) == 0
    assert unfinished_uploads(platform) == 0
