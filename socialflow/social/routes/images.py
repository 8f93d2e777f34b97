"""``/media/images``: upload an image for a post; read or delete one of your own.

The upload is ``async`` so the body streams through a byte limit
(:mod:`socialflow.core.http.image_form`) without holding a database connection;
decoding, re-encoding and storing run in a worker thread with a short
session of their own.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from socialflow.accounts.deps import CurrentUser, DetachedUser
from socialflow.core.http.deps import PlatformDep, SessionDep, in_session
from socialflow.core.http.image_form import decode_limiter, image_upload_openapi, read_image_form
from socialflow.core.http.openapi import problems
from socialflow.core.http.route_marks import streams_body
from socialflow.core.http.types import ObjectKey
from socialflow.core.imaging import ImageTooLarge
from socialflow.social import images as image_service
from socialflow.social.schemas import ImageOut

router = APIRouter(prefix="/media/images", tags=["media"])

_UPLOAD_BODY = image_upload_openapi(
    alt={"type": "string", "maxLength": 1500, "description": "Alt text for screen readers."}
)


@router.post(
    "",
    status_code=201,
    response_model=ImageOut,
    openapi_extra=_UPLOAD_BODY,
    responses=problems(413, 415),
)
@streams_body
async def upload_image(request: Request, user: DetachedUser, platform: PlatformDep) -> JSONResponse:
    """Upload an image; attach it with ``image_ids`` in ``POST``/``PATCH /posts``.

    The image is re-encoded without metadata (EXIF/GPS gone, orientation
    applied), scaled to ``image_max_edge`` and given a thumbnail. Unattached
    images are deleted after ``image_unattached_seconds``.
    """
    settings = platform.settings
    limit = settings.image_max_bytes
    form = await read_image_form(
        request,
        limit=limit,
        too_large=lambda: ImageTooLarge(f"Images may be at most {limit} bytes."),
    )
    alt = image_service.check_alt(form.fields.get("alt"))
    assert user.id is not None
    owner_id = user.id

    def store(*, session: Any) -> dict[str, Any]:
        image = image_service.upload_image(
            session=session,
            settings=settings,
            storage=platform.storage,
            owner_id=owner_id,
            data=form.data,
            alt=alt,
        )
        return image_service.to_public(platform.storage, settings.media_url_expires, image)

    return JSONResponse(
        await in_session(platform, store, limiter=decode_limiter(platform)), status_code=201
    )


@router.get("/{image_id}", response_model=ImageOut)
def read_image(
    image_id: ObjectKey, user: CurrentUser, session: SessionDep, platform: PlatformDep
) -> JSONResponse:
    """One of the caller's images (attached or not); anyone else's is 404."""
    assert user.id is not None
    image = image_service.get_own_image(session, owner_id=user.id, image_id=image_id)
    return JSONResponse(
        image_service.to_public(platform.storage, platform.settings.media_url_expires, image)
    )


@router.delete("/{image_id}", status_code=204, responses=problems(409))
def delete_image(
    image_id: ObjectKey, user: CurrentUser, session: SessionDep, platform: PlatformDep
) -> Response:
    """Delete one of the caller's unattached images now (409 ``image-attached`` if in a post)."""
    assert user.id is not None
    keys = image_service.delete_unattached(session, owner_id=user.id, image_id=image_id)
    session.commit()
    image_service.delete_objects(platform.storage, keys)
    return Response(status_code=204)
