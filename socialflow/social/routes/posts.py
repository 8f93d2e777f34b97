"""``/posts``: create, read, edit, delete; likes, shares, bookmarks, views, comments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from socialflow.accounts.deps import CurrentUser, OptionalUser
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId
from socialflow.social import comments as comment_service
from socialflow.social import likes as like_service
from socialflow.social import posts as post_service
from socialflow.social.schemas import (
    CommentCreate,
    CommentOut,
    CommentPage,
    LikeState,
    PostCreate,
    PostEditOut,
    PostOut,
    PostPage,
    PostUpdate,
    ShareState,
    ViewCount,
)

router = APIRouter(tags=["posts"])


# 404: video_id or an image id that is not one of the caller's.
@router.post("/posts", status_code=201, response_model=PostOut, responses=problems(404))
def create_post(
    body: PostCreate, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> JSONResponse:
    post = post_service.create_post(
        session,
        platform=platform,
        author=user,
        text=body.text,
        visibility=body.visibility,
        video_id=body.video_id,
        image_ids=body.image_ids,
    )
    session.commit()
    assert post.id is not None
    content = post_service.public_post(session, platform=platform, viewer=user, post_id=post.id)
    return JSONResponse(content, status_code=201)


@router.get("/posts/{post_id}", response_model=PostOut)
def read_post(
    post_id: DbId, session: SessionDep, viewer: OptionalUser, platform: PlatformDep
) -> JSONResponse:
    return JSONResponse(
        post_service.public_post(session, platform=platform, viewer=viewer, post_id=post_id)
    )


@router.patch("/posts/{post_id}", response_model=PostOut)
def edit_post(
    post_id: DbId, body: PostUpdate, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> JSONResponse:
    post_service.edit_post(
        session,
        platform=platform,
        editor=user,
        post_id=post_id,
        text=body.text,
        visibility=body.visibility,
        image_ids=body.image_ids,
    )
    session.commit()
    return JSONResponse(
        post_service.public_post(session, platform=platform, viewer=user, post_id=post_id)
    )


@router.delete("/posts/{post_id}", status_code=204)
def delete_post(post_id: DbId, session: SessionDep, user: CurrentUser) -> Response:
    post_service.delete_post(session, actor=user, post_id=post_id)
    session.commit()
    return Response(status_code=204)


@router.get("/posts/{post_id}/edits", response_model=list[PostEditOut])
def post_edits(post_id: DbId, session: SessionDep, viewer: OptionalUser) -> list[PostEditOut]:
    edits = post_service.edit_history(session, viewer=viewer, post_id=post_id)
    return [
        PostEditOut(
            text=e.text, entities=e.entities, replaced_at=post_service._iso(e.created_at) or ""
        )
        for e in edits
    ]


@router.post("/posts/{post_id}/views", response_model=ViewCount)
def record_view(post_id: DbId, session: SessionDep, viewer: OptionalUser) -> ViewCount:
    count = post_service.record_view(session, viewer=viewer, post_id=post_id)
    session.commit()
    return ViewCount(view_count=count)


@router.post("/posts/{post_id}/like", response_model=LikeState)
def like(post_id: DbId, session: SessionDep, user: CurrentUser, platform: PlatformDep) -> LikeState:
    state = like_service.like(session, settings=platform.settings, user=user, post_id=post_id)
    session.commit()
    return LikeState(**state)


@router.delete("/posts/{post_id}/like", response_model=LikeState)
def unlike(post_id: DbId, session: SessionDep, user: CurrentUser) -> LikeState:
    state = like_service.unlike(session, user=user, post_id=post_id)
    session.commit()
    return LikeState(**state)


@router.post("/posts/{post_id}/share", response_model=ShareState)
def share(
    post_id: DbId, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> ShareState:
    state = like_service.share(session, settings=platform.settings, user=user, post_id=post_id)
    session.commit()
    return ShareState(**state)


@router.delete("/posts/{post_id}/share", response_model=ShareState)
def unshare(post_id: DbId, session: SessionDep, user: CurrentUser) -> ShareState:
    state = like_service.unshare(session, user=user, post_id=post_id)
    session.commit()
    return ShareState(**state)


@router.post("/posts/{post_id}/bookmark", status_code=204)
def bookmark(post_id: DbId, session: SessionDep, user: CurrentUser) -> Response:
    like_service.bookmark(session, user=user, post_id=post_id)
    session.commit()
    return Response(status_code=204)


@router.delete("/posts/{post_id}/bookmark", status_code=204)
def unbookmark(post_id: DbId, session: SessionDep, user: CurrentUser) -> Response:
    like_service.unbookmark(session, user=user, post_id=post_id)
    session.commit()
    return Response(status_code=204)


@router.get("/bookmarks", response_model=PostPage)
def bookmarks(
    session: SessionDep, user: CurrentUser, page: PageDep, platform: PlatformDep
) -> JSONResponse:
    ids = like_service.bookmarked_ids(session, user=user, limit=page.limit, before=page.id_cursor())
    rows = post_service.load_rows(session, ids)
    kept = {r.id: r for r in post_service.visible_rows(session, user.id, rows.values())}
    items = post_service.serialize_many(
        session, user.id, [kept[i] for i in ids if i in kept], platform=platform
    )
    next_cursor = str(ids[-1]) if len(ids) == page.limit else None
    return JSONResponse({"items": items, "next_cursor": next_cursor})


@router.get("/posts/{post_id}/comments", response_model=CommentPage)
def list_comments(
    post_id: DbId,
    session: SessionDep,
    viewer: OptionalUser,
    page: PageDep,
    parent_id: Annotated[DbId | None, Query()] = None,
) -> JSONResponse:
    items = comment_service.list_comments(
        session,
        viewer=viewer,
        post_id=post_id,
        parent_id=parent_id,
        limit=page.limit,
        after=page.id_cursor(),
    )
    next_cursor = str(items[-1]["id"]) if len(items) == page.limit else None
    return JSONResponse({"items": items, "next_cursor": next_cursor})


@router.post("/posts/{post_id}/comments", status_code=201, response_model=CommentOut)
def create_comment(
    post_id: DbId,
    body: CommentCreate,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
) -> JSONResponse:
    comment = comment_service.create_comment(
        session,
        platform=platform,
        author=user,
        post_id=post_id,
        text=body.text,
        parent_id=body.parent_id,
    )
    session.commit()
    return JSONResponse(comment, status_code=201)


@router.delete("/comments/{comment_id}", status_code=204)
def delete_comment(comment_id: DbId, session: SessionDep, user: CurrentUser) -> Response:
    comment_service.delete_comment(session, actor=user, comment_id=comment_id)
    session.commit()
    return Response(status_code=204)
