"""A small but honest OpenID Connect provider for tests, served on 127.0.0.1.

Discovery, an authorization endpoint that approves at once, a token endpoint
that checks the client secret, the redirect URI and the PKCE verifier (S256),
RS256-signed ID tokens (joserfc, a generated key), JWKS and userinfo.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Header, Query
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "socialflow-test-client"
CLIENT_SECRET = "test-client-secret-value"


@dataclass
class Grant:
    redirect_uri: str
    challenge: str
    nonce: str | None
    identity: dict[str, Any]
    used: bool = False


@dataclass
class OidcProvider:
    issuer: str
    identity: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "ext-100",
            "email": "olive@example.com",
            "email_verified": True,
            "name": "Olive Oidc",
            "preferred_username": "olive",
        }
    )
    rogue_signature: bool = False
    wrong_audience: bool = False
    # The ID token's ``aud`` (default: our client id) and ``azp`` (default: none).
    audience: str | list[str] | None = None
    azp: str | None = None
    # RFC 9207: advertise ``authorization_response_iss_parameter_supported`` and/or
    # put this ``iss`` in the redirect back.
    advertise_iss: bool = False
    response_iss: str | None = None
    # Seconds discovery takes to answer: a provider that hangs.
    discovery_delay: float = 0.0
    grants: dict[str, Grant] = field(default_factory=dict)
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    scopes: list[str] = field(default_factory=list)
    pkce_checks: int = 0

    def __post_init__(self) -> None:
        params = {"kid": "test-key", "use": "sig", "alg": "RS256"}
        self.key = RSAKey.generate_key(2048, parameters=params, private=True)  # type: ignore[arg-type]
        self.rogue_key = RSAKey.generate_key(2048, parameters=params, private=True)  # type: ignore[arg-type]
        self.app = self._build()

    def _id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": "someone-else" if self.wrong_audience else (self.audience or CLIENT_ID),
            "iat": now,
            "exp": now + 300,
            **grant.identity,
        }
        if grant.nonce:
            claims["nonce"] = grant.nonce
        if self.azp is not None:
            claims["azp"] = self.azp
        key = self.rogue_key if self.rogue_signature else self.key
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            if self.discovery_delay:
                await asyncio.sleep(self.discovery_delay)
            return {
                "authorization_response_iss_parameter_supported": self.advertise_iss,
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            return dict(KeySet([self.key]).as_dict(private=False))

        @app.get("/authorize")
        def authorize(
            response_type: str,
            client_id: str,
            redirect_uri: str,
            state: str,
            code_challenge: str,
            code_challenge_method: str,
            scope: str = "",
            nonce: Annotated[str | None, Query()] = None,
        ) -> Any:
            if client_id != CLIENT_ID or response_type != "code":
                return JSONResponse({"error": "unauthorized_client"}, status_code=400)
            if code_challenge_method != "S256":
                return JSONResponse({"error": "invalid_request"}, status_code=400)
            self.scopes.append(scope)
            code = secrets.token_urlsafe(24)
            self.grants[code] = Grant(redirect_uri, code_challenge, nonce, dict(self.identity))
            answer = {"code": code, "state": state}
            if self.response_iss is not None:
                answer["iss"] = self.response_iss
            query = urlencode(answer)
            return RedirectResponse(f"{redirect_uri}?{query}", status_code=302)

        @app.post("/token")
        def token(
            grant_type: Annotated[str, Form()],
            code: Annotated[str, Form()],
            redirect_uri: Annotated[str, Form()],
            code_verifier: Annotated[str, Form()],
            authorization: Annotated[str | None, Header()] = None,
        ) -> Any:
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if authorization != f"Basic {expected}":
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            grant = self.grants.get(code)
            if grant_type != "authorization_code" or grant is None or grant.used:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            grant.used = True
            digest = hashlib.sha256(code_verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if challenge != grant.challenge or redirect_uri != grant.redirect_uri:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            self.pkce_checks += 1
            access = secrets.token_urlsafe(24)
            self.access_tokens[access] = grant.identity
            answer = {"access_token": access, "token_type": "Bearer", "expires_in": 300}
            if grant.nonce:  # an OpenID Connect request
                answer["id_token"] = self._id_token(grant)
            return answer

        def who(authorization: str | None) -> dict[str, Any]:
            token = (authorization or "").removeprefix("Bearer ")
            return self.access_tokens[token]

        @app.get("/userinfo")
        def userinfo(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
            return dict(who(authorization))

        # GitHub-shaped endpoints (preset "github" with userinfo_url pointed here).
        @app.get("/user")
        def github_user(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
            identity = who(authorization)
            return {"id": 4242, "login": identity["preferred_username"], "name": identity["name"]}

        @app.get("/user/emails")
        def github_emails(
            authorization: Annotated[str | None, Header()] = None,
        ) -> list[dict[str, Any]]:
            identity = who(authorization)
            return [
                {"email": "old@example.com", "primary": False, "verified": True},
                {
                    "email": identity["email"],
                    "primary": True,
                    "verified": identity["email_verified"],
                },
            ]

        # X-shaped endpoint (preset "x").
        @app.get("/2/users/me")
        def x_me(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
            identity = who(authorization)
            return {"data": {"id": "x-77", "username": "olive_x", "name": identity["name"]}}

        return app
