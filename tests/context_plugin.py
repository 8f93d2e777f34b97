"""A plugin that reads its own settings and uses the platform facade from its hooks
(used by tests/test_plugin_context.py): a filter, a router, an event handler and an
export section, each taking ``platform`` or ``settings`` by name."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text
from sqlmodel import Session

from socialflow import hookimpl
from socialflow.core.settings import Settings
from socialflow.plugins import ContentRejected, Event
from socialflow.plugins.facade import PlatformFacade

# What the event handler heard: (event name, payload, the greeting it read).
HEARD: list[tuple[str, dict[str, Any], str]] = []


class GreeterSettings(BaseModel):
    """The ``[plugin.greeter]`` section."""

    model_config = ConfigDict(extra="forbid")
    greeting: str = "hello"
    banned: list[str] = []


@hookimpl
def socialflow_settings_model() -> tuple[str, type[BaseModel]]:
    return ("greeter", GreeterSettings)


@hookimpl
def socialflow_filter_post(post: dict[str, Any], platform: PlatformFacade) -> dict[str, Any]:
    config = platform.plugin_settings(GreeterSettings)
    if any(word in post["text"] for word in config.banned):
        raise ContentRejected(f"{config.greeting}: not that word")
    return {**post, "text": f"{post['text']} ({config.greeting})"}


@hookimpl
def socialflow_routers(settings: Settings, platform: PlatformFacade) -> list[APIRouter]:
    router = APIRouter(prefix="/greeter", tags=["greeter"])

    @router.get("/hello")
    def hello() -> dict[str, Any]:
        with platform.session(read_only=True) as session:
            users = session.execute(text("SELECT count(*) FROM users")).scalar_one()
        return {
            "greeting": platform.plugin_settings(GreeterSettings).greeting,
            "site": settings.site_name,
            "storage": platform.provider("storage").name,
            "users": users,
        }

    @router.post("/ping", status_code=202)
    def ping() -> dict[str, str]:
        with platform.session() as session:
            platform.record_event(session, "greeter_pinged", by="test")
            session.commit()
        return {"status": "sent"}

    return [router]


@hookimpl
def socialflow_on_event(event: Event, platform: PlatformFacade) -> None:
    if event.name == "greeter_pinged":
        greeting = platform.plugin_settings(GreeterSettings).greeting
        HEARD.append((event.name, event.payload, greeting))


@hookimpl
def socialflow_export_account(
    session: Session, user_id: int, platform: PlatformFacade
) -> dict[str, Any]:
    return {"greeter": {"greeting": platform.plugin_settings(GreeterSettings).greeting}}
