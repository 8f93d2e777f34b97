"""Tips: a one-off payment from a fan to a creator, optionally for a post or a video."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import Session

from socialflow.accounts.models import AccountState, User
from socialflow.accounts.users import get_user_by_username
from socialflow.core.errors import NotFound, ValidationProblem
from socialflow.payments import charges
from socialflow.payments.models import CHARGES, Charge
from socialflow.payments.settings import PaymentSettings
from socialflow.payments.tiers import check_money
from socialflow.social.posts import get_visible_post
from socialflow.video.videos import get_visible_video


def _recipient(session: Session, username: str) -> User:
    user = get_user_by_username(session=session, username=username)
    if user is None or user.state != AccountState.active.value:
        raise NotFound("No such user.")
    return user


def tip(
    session: Session,
    settings: PaymentSettings,
    *,
    payer: User,
    to: str,
    amount: int,
    currency: str,
    post_id: int | None = None,
    video_id: str | None = None,
    message: str = "",
    client_key: str | None = None,
) -> Charge:
    """A pending tip charge (the caller commits, then collects).

    ``client_key`` (the request's ``Idempotency-Key``) makes a retried request
    return the first tip instead of paying twice.
    """
    assert payer.id is not None
    key = f"tip:{payer.id}:{client_key or uuid.uuid4().hex}"
    existing = session.scalars(select(Charge).where(CHARGES.c.idempotency_key == key)).first()
    if existing is not None:
        return existing
    code = check_money(settings, amount, currency)
    creator = _recipient(session, to)
    if creator.id == payer.id:
        raise ValidationProblem("You cannot tip yourself.", slug="self-tip")
    target: tuple[str, str] | None = None
    if post_id is not None:
        post = get_visible_post(session, viewer=payer, post_id=post_id)
        if post.author_id != creator.id:
            raise ValidationProblem("That post is not theirs.", slug="tip-target-mismatch")
        target = ("post", str(post_id))
    elif video_id is not None:
        video = get_visible_video(session=session, video_id=video_id, viewer=payer)
        if video.owner_id != creator.id:
            raise ValidationProblem("That video is not theirs.", slug="tip-target-mismatch")
        target = ("video", video_id)
    assert creator.id is not None
    return charges.new_charge(
        session,
        settings,
        payer_id=payer.id,
        creator_id=creator.id,
        kind="tip",
        amount=amount,
        currency=code,
        key=key,
        target=target,
        message=message,
    )
