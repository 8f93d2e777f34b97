"""Small HTML pages for account mail: where the default links land, and the dev outbox.

The default ``email_verify_url``, ``password_reset_url`` and
``email_change_url`` point at ``{public_url}/verify-email``,
``/reset-password`` and ``/confirm-email``. These pages answer there, so the
links work before a frontend exists: a GET shows a one-click form (a GET must
not spend a single-use token: mail scanners open links), its POST does what the
JSON API does (``POST /api/v1/auth/verify-email``, ``/password-reset/confirm``,
``/email/change/confirm``) and shows the outcome. A product with its own pages
points the settings there instead.

``GET /dev/outbox`` lists the mail the development outbox kept
(:mod:`socialflow.builtins.dev_outbox`); the router exists only when
``environment`` is ``development``.
"""

from __future__ import annotations

import html
import re
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse

from socialflow.accounts import email_flows
from socialflow.builtins.dev_outbox import Outbox, StoredMail
from socialflow.core.errors import Problem
from socialflow.core.http.deps import ClientIp, PlatformDep, RateLimiterDep, SessionDep

links_router = APIRouter(include_in_schema=False)
dev_router = APIRouter(prefix="/dev", include_in_schema=False)

TokenQuery = Annotated[str, Query(min_length=1, max_length=4096)]
TokenForm = Annotated[str, Form(min_length=1, max_length=4096)]
PasswordForm = Annotated[str, Form(max_length=1024)]
URL_PATTERN = re.compile(r"https?://[^\s<>\"']+")
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def page(title: str, body: str, *, status: int = 200) -> HTMLResponse:
    """A minimal page; ``body`` is trusted markup (callers escape what they insert)."""
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;"
        "padding:0 1rem}pre{white-space:pre-wrap;background:#f4f4f4;padding:1rem}"
        "article{border-top:1px solid #ccc;padding-top:.5rem}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=NO_STORE)


def _token_form(action: str, token: str, button: str, fields: str = "") -> str:
    return (
        f'<form method="post" action="{html.escape(action)}">'
        f'<input type="hidden" name="token" value="{html.escape(token)}">'
        f'{fields}<button type="submit">{html.escape(button)}</button></form>'
    )


def _failed(title: str, problem: Problem) -> HTMLResponse:
    detail = problem.detail or problem.title or "This link cannot be used."
    return page(title, f"<p>{html.escape(detail)}</p>", status=problem.status)


# ------------------------------------------------------------- email links


@links_router.get("/verify-email", response_class=HTMLResponse)
def verify_email_page(token: TokenQuery) -> HTMLResponse:
    return page("Confirm your email address", _token_form("verify-email", token, "Confirm"))


@links_router.post("/verify-email", response_class=HTMLResponse)
def verify_email_submit(
    token: TokenForm, session: SessionDep, platform: PlatformDep
) -> HTMLResponse:
    try:
        user = email_flows.verify_email(session, platform.settings, token=token)
    except Problem as exc:
        return _failed("Could not confirm the address", exc)
    session.commit()
    return page("Address confirmed", f"<p>{html.escape(user.email)} is confirmed.</p>")


@links_router.get("/reset-password", response_class=HTMLResponse)
def reset_password_page(token: TokenQuery) -> HTMLResponse:
    fields = (
        '<p><label>New password <input type="password" name="new_password" '
        'autocomplete="new-password" required></label></p>'
        '<p><label>Again <input type="password" name="confirm_password" '
        'autocomplete="new-password" required></label></p>'
    )
    return page("Choose a new password", _token_form("reset-password", token, "Set it", fields))


@links_router.post("/reset-password", response_class=HTMLResponse)
def reset_password_submit(
    token: TokenForm,
    new_password: PasswordForm,
    confirm_password: PasswordForm,
    session: SessionDep,
    platform: PlatformDep,
    limiter: RateLimiterDep,
    ip: ClientIp,
) -> HTMLResponse:
    if new_password != confirm_password:
        return page("Choose a new password", "<p>The two passwords differ.</p>", status=422)
    limiter.hit("reset-ip", limiter.config.password_reset_per_ip, ip)
    try:
        email_flows.confirm_password_reset(
            session, platform.settings, token=token, new_password=new_password, ip=ip
        )
    except Problem as exc:
        return _failed("Could not set the password", exc)
    session.commit()
    return page("Password changed", "<p>Sign in with the new password; other sessions ended.</p>")


@links_router.get("/confirm-email", response_class=HTMLResponse)
def confirm_email_page(token: TokenQuery) -> HTMLResponse:
    return page("Confirm your new address", _token_form("confirm-email", token, "Confirm"))


@links_router.post("/confirm-email", response_class=HTMLResponse)
def confirm_email_submit(
    token: TokenForm, session: SessionDep, platform: PlatformDep, ip: ClientIp
) -> HTMLResponse:
    try:
        user = email_flows.confirm_email_change(session, platform.settings, token=token, ip=ip)
    except Problem as exc:
        return _failed("Could not change the address", exc)
    session.commit()
    return page("Address changed", f"<p>Your address is now {html.escape(user.email)}.</p>")


# ------------------------------------------------------------- dev outbox


def _linkified(text: str) -> str:
    """Escaped text whose URLs are links (escape first: the text is not trusted markup)."""
    escaped = html.escape(text, quote=True)
    return URL_PATTERN.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)


def _article(mail: StoredMail) -> str:
    return (
        f'<article id="{html.escape(mail.id)}"><p><b>{html.escape(mail.subject)}</b><br>'
        f"to {html.escape(mail.to)}, {html.escape(mail.created_at)} "
        f"({html.escape(mail.kind)}, {html.escape(mail.id)})</p>"
        f"<pre>{_linkified(mail.text)}</pre></article>"
    )


@dev_router.get("/outbox", response_class=HTMLResponse)
def outbox_page(
    platform: PlatformDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> HTMLResponse:
    """The newest mail the ``console`` channel kept, newest first (development only)."""
    messages = Outbox.for_settings(platform.settings).newest(limit)
    if not messages:
        return page("Outbox", "<p>No mail yet. Register an account to get a verification mail.</p>")
    return page("Outbox", "".join(_article(mail) for mail in messages))
