"""``/ads``: advertisers and top-ups, campaigns and their review, serving, counting, reports.

Every campaign route is the advertiser's own (another's campaign is a 404);
the review queue and decisions need the moderator role (the moderation
app's dependency). Serving and counting need a signed-in viewer: caps and
deduplication are per viewer.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from socialflow.accounts import ages
from socialflow.accounts.deps import CurrentUser
from socialflow.accounts.tokens import AccessClaims
from socialflow.ads import campaigns, counting, money, reports, serving, tokens, topups
from socialflow.ads.index import CampaignIndex
from socialflow.ads.models import Campaign, CreatorOptOut
from socialflow.ads.schemas import (
    AdOut,
    AdvertiserIn,
    AdvertiserOut,
    CampaignEventOut,
    CampaignIn,
    CampaignOut,
    EventIn,
    EventOut,
    ReportRow,
    ReviewIn,
    TopUpIn,
    TopUpOut,
)
from socialflow.ads.settings import ad_settings
from socialflow.core.db.base import utcnow
from socialflow.core.errors import Forbidden, NotFound, Unauthorized, ValidationProblem
from socialflow.core.http.deps import PlatformDep, SessionDep, get_platform
from socialflow.core.http.openapi import problems
from socialflow.core.http.route_marks import hot_read
from socialflow.core.http.types import DbId, SafeText
from socialflow.core.platform import Platform
from socialflow.feeds.routes import access_claims, check_holder
from socialflow.moderation.routes.deps import ModeratorUser
from socialflow.payments import charges
from socialflow.plugins.protocols import PaymentUnavailableError

router = APIRouter(prefix="/ads", tags=["ads"])
PLACEMENTS = ("home_feed", "video", "profile")


def _advertiser_out(session: SessionDep, user: CurrentUser) -> AdvertiserOut:
    advertiser = topups.get_advertiser(session, user)
    balance = money.prepaid_balance(session, advertiser.user_id, advertiser.currency)
    available = campaigns.available_micros(session, advertiser.user_id, advertiser.currency)
    return AdvertiserOut(
        name=advertiser.name,
        currency=advertiser.currency,
        balance=balance,
        available=available // 1000,
    )


@router.post("/advertiser", response_model=AdvertiserOut, status_code=201, responses=problems(409))
def become_advertiser(
    body: AdvertiserIn, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> AdvertiserOut:
    topups.register(
        session, ad_settings(platform), user=user, name=body.name, currency=body.currency
    )
    session.commit()
    return _advertiser_out(session, user)


@router.get("/advertiser", response_model=AdvertiserOut, responses=problems(404))
def my_advertiser(session: SessionDep, user: CurrentUser) -> AdvertiserOut:
    return _advertiser_out(session, user)


@router.post(
    "/advertiser/topups",
    response_model=TopUpOut,
    status_code=201,
    responses=problems(402, 404, 503),
)
def top_up(
    body: TopUpIn,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    response: Response,
    idempotency_key: Annotated[
        SafeText | None, Header(alias="Idempotency-Key", min_length=1, max_length=100)
    ] = None,
) -> TopUpOut:
    provider = charges.active_provider(platform)
    advertiser = topups.get_advertiser(session, user)
    topup = topups.new_topup(session, advertiser, amount=body.amount, client_key=idempotency_key)
    session.commit()
    assert topup.id is not None
    try:
        done = topups.collect(platform, provider, topup.id)
    except PaymentUnavailableError:
        response.status_code = 202
        session.refresh(topup)
        return TopUpOut.of(topup)
    if done.status == "failed":
        raise charges.PaymentDeclined("The payment was declined; nothing was charged.")
    return TopUpOut.of(done)


@router.post("/campaigns", response_model=CampaignOut, status_code=201, responses=problems(404))
def create_campaign(body: CampaignIn, session: SessionDep, user: CurrentUser) -> CampaignOut:
    advertiser = topups.get_advertiser(session, user)
    fields = body.model_dump()
    fields["hashtags"] = sorted({t.lower().lstrip("#") for t in body.hashtags})
    fields["languages"] = sorted({t.lower() for t in body.languages})
    campaign = campaigns.create(session, advertiser, **fields)
    session.commit()
    return CampaignOut.of(campaign)


@router.get("/campaigns", response_model=list[CampaignOut])
def list_campaigns(session: SessionDep, user: CurrentUser) -> list[CampaignOut]:
    mine = session.scalars(
        select(Campaign)
        .where(campaigns.CAMPAIGNS.c.advertiser_id == user.id)
        .order_by(campaigns.CAMPAIGNS.c.id.desc())
        .limit(200)
    )
    return [CampaignOut.of(c) for c in mine]


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut, responses=problems(404))
def get_campaign(campaign_id: DbId, session: SessionDep, user: CurrentUser) -> CampaignOut:
    return CampaignOut.of(campaigns.get_own(session, user, campaign_id))


@router.post(
    "/campaigns/{campaign_id}/{action}",
    response_model=CampaignOut,
    responses=problems(404, 409),
)
def change_campaign(
    campaign_id: DbId,
    action: Annotated[Literal["submit", "pause", "resume", "end"], Path()],
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
) -> CampaignOut:
    campaign = campaigns.get_own(session, user, campaign_id)
    campaigns.transition(session, campaign, action, actor_id=user.id)
    session.commit()
    platform.get(CampaignIndex).invalidate()
    return CampaignOut.of(campaign)


@router.get(
    "/campaigns/{campaign_id}/history",
    response_model=list[CampaignEventOut],
    responses=problems(404),
)
def campaign_history(
    campaign_id: DbId, session: SessionDep, user: CurrentUser
) -> list[CampaignEventOut]:
    campaigns.get_own(session, user, campaign_id)
    return [CampaignEventOut.of(e) for e in campaigns.history(session, campaign_id)]


@router.get(
    "/campaigns/{campaign_id}/report",
    response_model=list[ReportRow],
    responses={
        **problems(404),
        200: {"content": {"text/csv": {"example": "day,impressions,clicks,ctr,spend,reach\n"}}},
    },
)
def campaign_report(
    campaign_id: DbId,
    session: SessionDep,
    user: CurrentUser,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response | list[ReportRow]:
    campaigns.get_own(session, user, campaign_id)
    report = reports.rows(session, campaign_id)
    if format == "csv":
        return Response(
            reports.to_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.csv"'},
        )
    return report


@router.get("/review", response_model=list[CampaignOut])
def review_queue(session: SessionDep, moderator: ModeratorUser) -> list[CampaignOut]:
    return [CampaignOut.of(c) for c in campaigns.review_queue(session, 100)]


@router.post("/review/{campaign_id}", response_model=CampaignOut, responses=problems(404, 409))
def review_campaign(
    campaign_id: DbId,
    body: ReviewIn,
    session: SessionDep,
    moderator: ModeratorUser,
    platform: PlatformDep,
) -> CampaignOut:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("No such campaign.")
    if campaign.advertiser_id == moderator.id:
        raise Forbidden("Moderators do not review their own campaigns.", slug="own-content")
    campaigns.transition(
        session, campaign, body.decision, actor_id=moderator.id, reason=body.reason
    )
    session.commit()
    platform.get(CampaignIndex).invalidate()
    return CampaignOut.of(campaign)


SERVE_OPENAPI: dict[str, Any] = {
    "security": [{"HTTPBearer": []}],
    "parameters": [
        {
            "name": "placement",
            "in": "query",
            "required": True,
            "schema": {"type": "string", "enum": list(PLACEMENTS)},
        }
    ],
}


def _placement(request: Request) -> str:
    raw = request.query_params.get("placement")
    if raw not in PLACEMENTS:
        message = f"must be one of {', '.join(PLACEMENTS)}"
        raise ValidationProblem(
            f"placement: {message}",
            errors=[
                {"field": "placement", "location": "query", "message": message, "code": "enum"}
            ],
        )
    return raw


def _serve_one(
    platform: Platform, claims: AccessClaims, placement: str, language: str | None
) -> bytes | None:
    with platform.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Reads only: autocommit saves the BEGIN and COMMIT round trips.
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        check_holder(connection, claims)
        now = utcnow()
        age = ages.age_of(connection, claims.user_id, now.date())
        ask = serving.base_request(connection, claims.user_id, placement, now, language, age)
        served = serving.fill(
            connection,
            platform.get(CampaignIndex),
            ad_settings(platform),
            platform.settings.secret(),
            ask,
            [serving.Slot()],
        )
    shape = serving.describe(served)[0]
    return None if shape is None else json.dumps(shape, separators=(",", ":")).encode()


@router.get(
    "/serve",
    response_model=AdOut,
    openapi_extra=SERVE_OPENAPI,
    responses={**problems(401), 204: {"description": "No ad to show"}},
)
@hot_read
async def serve_ad(request: Request) -> Response:
    """One ad for the signed-in caller at ``placement`` (204 when none is eligible).

    A hot read: the token is checked and the viewer's facts read on one Core
    connection in one trip to the thread pool; the decision and the ad's
    public fields come from the in-memory snapshot of live campaigns.
    """
    platform = get_platform(request)
    claims = access_claims(platform, request.headers.get("authorization"))
    if claims is None:
        raise Unauthorized()
    placement = _placement(request)
    accepted = request.headers.get("accept-language", "")
    language = accepted.split(",")[0].split(";")[0].split("-")[0].strip().lower() or None
    body = await run_in_threadpool(_serve_one, platform, claims, placement, language)
    if body is None:
        return Response(status_code=204)
    return Response(body, media_type="application/json")


@router.post("/events", response_model=EventOut, responses=problems(400, 409))
def count_event(
    body: EventIn, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> EventOut:
    settings = ad_settings(platform)
    now = utcnow()
    claims = tokens.verify(
        platform.settings.secret(), body.token, now=now.timestamp(), ttl=settings.token_ttl_seconds
    )
    if claims.viewer_id != user.id:
        raise tokens.InvalidToken("This tracking token was issued to someone else.")
    outcome = counting.record(session, settings, claims, body.kind, now)
    session.commit()
    if outcome.billed_micros:
        platform.get(CampaignIndex).note_spend(claims.campaign_id, outcome.billed_micros)
    return EventOut(counted=outcome.counted, reason=outcome.reason)


@router.put("/optout", status_code=204)
def opt_out(session: SessionDep, user: CurrentUser) -> Response:
    """No ads beside my content (and no share of their spend)."""
    assert user.id is not None
    if session.get(CreatorOptOut, user.id) is None:
        session.add(CreatorOptOut(creator_id=user.id))
        session.commit()
    return Response(status_code=204)


@router.delete("/optout", status_code=204)
def opt_in(session: SessionDep, user: CurrentUser) -> Response:
    found = session.get(CreatorOptOut, user.id)
    if found is not None:
        session.delete(found)
        session.commit()
    return Response(status_code=204)
