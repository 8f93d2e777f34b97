"""What the ``/auth`` routers share: no-store headers, token pairs, the client's label.

Sign-in answers come from several routers (password, second factor, OAuth);
they must all mark secrets uncacheable and describe the device alike.
"""

from __future__ import annotations

from fastapi import Depends, Request, Response

from socialflow.accounts.schemas import TokenPair
from socialflow.accounts.sessions import IssuedTokens
from socialflow.core.http.types import clean_label


def _no_store(response: Response) -> None:
    """Secrets in a body must not be cached by browsers or proxies (RFC 6749 5.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


NO_STORE = [Depends(_no_store)]


def token_pair(tokens: IssuedTokens) -> TokenPair:
    return TokenPair(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


def user_agent(request: Request) -> str:
    """The device label a session shows in ``/auth/sessions`` (cleaned, 255 characters)."""
    return clean_label(request.headers.get("user-agent", "")[:255])
