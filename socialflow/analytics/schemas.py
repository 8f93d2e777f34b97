"""Response shapes of ``/analytics``, each with an example for the OpenAPI document."""

from __future__ import annotations

from pydantic import BaseModel, Field

from socialflow.core.http.examples import example_of, examples


class Totals(BaseModel):
    model_config = examples(
        {
            "views": 4,
            "watch_seconds": 20.0,
            "likes": 1,
            "unlikes": 0,
            "comments": 1,
            "shares": 0,
            "follows_gained": 2,
            "follows_lost": 1,
            "net_followers": 1,
        }
    )

    views: int
    watch_seconds: float
    likes: int
    unlikes: int
    comments: int
    shares: int
    follows_gained: int
    follows_lost: int
    net_followers: int


class CreatorDay(BaseModel):
    day: str
    views: int
    watch_seconds: float
    likes: int
    unlikes: int
    comments: int
    shares: int
    follows_gained: int
    follows_lost: int


class TopVideo(BaseModel):
    video_id: str
    title: str
    views: int
    watch_seconds: float


class CreatorOverview(BaseModel):
    model_config = examples(
        {
            "from": "2026-12-06",
            "to": "2026-12-07",
            "totals": example_of(Totals),
            "daily": [
                {
                    "day": "2026-12-07",
                    "views": 4,
                    "watch_seconds": 20.0,
                    "likes": 1,
                    "unlikes": 0,
                    "comments": 1,
                    "shares": 0,
                    "follows_gained": 2,
                    "follows_lost": 1,
                }
            ],
            "top_videos": [
                {"video_id": "3f2a9c", "title": "A video", "views": 4, "watch_seconds": 20.0}
            ],
        }
    )

    from_: str = Field(alias="from")
    to: str
    totals: Totals
    daily: list[CreatorDay]
    top_videos: list[TopVideo]


class VideoDay(BaseModel):
    day: str
    views: int
    viewers: int
    watch_seconds: float


class VideoHourPublic(BaseModel):
    hour: str
    views: int
    viewers: int
    watch_seconds: float


class Peak(BaseModel):
    hour: str
    viewers: int


class RetentionPoint(BaseModel):
    second: int
    fraction: float


class Retention(BaseModel):
    bucket_seconds: int
    viewers: int
    points: list[RetentionPoint]


class VideoStats(BaseModel):
    model_config = examples(
        {
            "video_id": "3f2a9c",
            "title": "A video",
            "duration": 10.0,
            "from": "2026-12-06",
            "to": "2026-12-07",
            "views": 4,
            "watch_seconds": 20.0,
            "average_watch_seconds": 5.0,
            "peak": {"hour": "2026-12-07T09:00:00+00:00", "viewers": 4},
            "daily": [{"day": "2026-12-07", "views": 4, "viewers": 4, "watch_seconds": 20.0}],
            "hourly": [
                {
                    "hour": "2026-12-07T09:00:00+00:00",
                    "views": 4,
                    "viewers": 4,
                    "watch_seconds": 20.0,
                }
            ],
            "retention": {
                "bucket_seconds": 1,
                "viewers": 3,
                "points": [{"second": 0, "fraction": 1.0}, {"second": 3, "fraction": 0.666667}],
            },
            "sources": {"feed": 1, "search": 1, "external": 1, "unknown": 1},
            "audience": {
                "countries": [{"country": "FR", "views": 4, "watch_seconds": 20.0}],
                "regions": [],
                "devices": [{"name": "mobile", "views": 4}],
                "operating_systems": [{"name": "Android", "views": 4}],
                "browsers": [{"name": "Chrome Mobile", "views": 4}],
            },
        }
    )

    video_id: str
    title: str
    duration: float | None
    from_: str = Field(alias="from")
    to: str
    views: int
    watch_seconds: float
    average_watch_seconds: float
    peak: Peak | None
    daily: list[VideoDay]
    hourly: list[VideoHourPublic] = Field(description="Hours with any views, oldest first.")
    retention: Retention
    sources: dict[str, int]
    audience: Audience


class ForecastPoint(BaseModel):
    day: str
    views: float
    low: float
    high: float


class CreatorForecast(BaseModel):
    model_config = examples(
        {
            "method": "ets",
            "level": 0.8,
            "history_days": 84,
            "points": [{"day": "2026-12-07", "views": 412.3, "low": 371.0, "high": 455.9}],
        }
    )

    method: str = Field(description="ets, or seasonal_naive (see docs/analytics.md)")
    level: float = Field(description="Probability the interval is meant to cover.")
    history_days: int
    points: list[ForecastPoint]


PLATFORM_EXAMPLE = {
    "from": "2026-12-07",
    "to": "2026-12-07",
    "dau": 2,
    "wau": 2,
    "mau": 2,
    "totals": {
        "views": 2,
        "watch_seconds": 20.0,
        "uploads": 0,
        "signups": 0,
        "posts": 1,
        "likes": 0,
        "comments": 0,
        "watch_hours": 0.005556,
    },
    "daily": [
        {
            "day": "2026-12-07",
            "active_users": 2,
            "views": 2,
            "watch_seconds": 20.0,
            "uploads": 0,
            "signups": 0,
            "posts": 1,
            "likes": 0,
            "comments": 0,
        }
    ],
    "storage": {
        "videos": 1,
        "bytes": 12,
        "counted": "video sources as uploaded (renditions, thumbnails and images are not tracked)",
    },
    "queue_backlog": {"default": 0, "media": 0},
}


class Place(BaseModel):
    country: str = Field(description="ISO 3166-1 alpha-2, or unknown.")
    views: int
    watch_seconds: float


class RegionPlace(Place):
    region: str = Field(description="ISO 3166-2 subdivision code, without the country.")


class Named(BaseModel):
    name: str
    views: int


class Audience(BaseModel):
    model_config = examples(
        {
            "countries": [
                {"country": "FR", "views": 3, "watch_seconds": 30.0},
                {"country": "unknown", "views": 1, "watch_seconds": 2.0},
            ],
            "regions": [{"country": "FR", "region": "IDF", "views": 2, "watch_seconds": 20.0}],
            "devices": [{"name": "mobile", "views": 3}, {"name": "desktop", "views": 1}],
            "operating_systems": [{"name": "Android", "views": 3}, {"name": "Windows", "views": 1}],
            "browsers": [{"name": "Chrome Mobile", "views": 3}, {"name": "Firefox", "views": 1}],
        }
    )

    countries: list[Place]
    regions: list[RegionPlace]
    devices: list[Named]
    operating_systems: list[Named]
    browsers: list[Named]


class CreatorAudience(Audience):
    model_config = examples({"from": "2026-12-06", "to": "2026-12-07", **example_of(Audience)})

    from_: str = Field(alias="from")
    to: str


class LiveStreamStats(BaseModel):
    stream_id: int
    peak_viewers: int = Field(description="Most viewers watching at once.")
    peak_at: str = Field(description="When the peak was first reached (UTC).")
    joins: int = Field(description="Viewer connections opened.")
    total_viewers: int = Field(description="Distinct signed-in viewers since the stream began.")
    first_hour: str
    last_hour: str


class CreatorLive(BaseModel):
    model_config = examples(
        {
            "from": "2026-12-06",
            "to": "2026-12-07",
            "peak_viewers": 73,
            "joins": 160,
            "streams": [
                {
                    "stream_id": 12,
                    "peak_viewers": 73,
                    "peak_at": "2026-12-07T20:14:03+00:00",
                    "joins": 160,
                    "total_viewers": 142,
                    "first_hour": "2026-12-07T20:00:00+00:00",
                    "last_hour": "2026-12-07T21:00:00+00:00",
                }
            ],
        }
    )

    from_: str = Field(alias="from")
    to: str
    peak_viewers: int
    joins: int
    streams: list[LiveStreamStats]


class RevenueDay(BaseModel):
    day: str
    by_source: dict[str, int]


class CurrencyRevenue(BaseModel):
    currency: str
    net: int = Field(description="Minor units (cents): what the ledger credited, net.")
    by_source: dict[str, int]
    daily: list[RevenueDay] = Field(description="Days with revenue, oldest first.")
    payers: int = Field(description="Distinct users with a succeeded charge in the period.")
    arpu: int = Field(description="Net over payers, minor units, rounded down.")


class Subscribers(BaseModel):
    gained: int
    lost: int
    at_start: int
    churn: float | None = Field(description="lost / at_start; null when at_start is 0.")


REVENUE_DAY = {"day": "2026-12-07", "by_source": {"subscriptions": 450, "tips": 900}}


class CreatorRevenue(BaseModel):
    model_config = examples(
        {
            "from": "2026-12-06",
            "to": "2026-12-07",
            "currencies": [
                {
                    "currency": "usd",
                    "net": 1350,
                    "by_source": {"subscriptions": 450, "tips": 900},
                    "daily": [REVENUE_DAY],
                    "payers": 2,
                    "arpu": 675,
                }
            ],
            "subscribers": {"gained": 1, "lost": 0, "at_start": 0, "churn": None},
        }
    )

    from_: str = Field(alias="from")
    to: str
    currencies: list[CurrencyRevenue]
    subscribers: Subscribers


class PlatformCurrencyRevenue(CurrencyRevenue):
    platform_fees: int = Field(description="The platform's fees, net of those given back.")


class PlatformRevenue(BaseModel):
    model_config = examples(
        {
            "from": "2026-12-06",
            "to": "2026-12-07",
            "currencies": [
                {
                    "currency": "usd",
                    "net": 1350,
                    "by_source": {"subscriptions": 450, "tips": 900},
                    "daily": [REVENUE_DAY],
                    "payers": 2,
                    "arpu": 750,
                    "platform_fees": 150,
                }
            ],
        }
    )

    from_: str = Field(alias="from")
    to: str
    currencies: list[PlatformCurrencyRevenue]


ADMIN_STATS_EXAMPLE = {
    **PLATFORM_EXAMPLE,
    "moderation": {
        "daily": [{"day": "2026-12-07", "reports_opened": 3, "reports_resolved": 2}],
        "reports_opened": 3,
        "reports_resolved": 2,
        "backlog": {"open_cases": 1, "open_reports": 1, "open_appeals": 0},
    },
}


VideoStats.model_rebuild()
