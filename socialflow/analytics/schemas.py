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
