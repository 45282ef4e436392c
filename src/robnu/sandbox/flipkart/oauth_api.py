"""OAuth client credentials: ``/oauth-service/oauth/token`` by GET query or POST form, Basic appId:appSecret."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, Request

from robnu.sandbox.flipkart.plumbing import FlipkartApi, raw_body

BODY = Depends(raw_body)


def basic_app_id(request: Request) -> str | None:
    """The application id of a Basic header (unverified): the rate-limit scope of a token request."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        return base64.b64decode(header[6:].strip()).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return None


def register(app: FastAPI, api: FlipkartApi) -> None:
    @api.route(app, "GET", "/oauth-service/oauth/token", "oauthToken")
    @api.route(app, "POST", "/oauth-service/oauth/token", "oauthTokenPost")
    def token(request: Request, body: bytes = BODY) -> dict[str, Any]:
        params = dict(request.query_params.items())
        if request.method == "POST" and body:
            params.update({k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()})
        app_id = basic_app_id(request)
        api.kit.guard(request, "token", api.world.by_app_id.get(app_id or ""))
        issued, scope = api.tokens.issue(
            request.headers.get("authorization"), params.get("grant_type"), params.get("scope")
        )
        return {
            "access_token": issued.value,
            "token_type": "bearer",
            "expires_in": api.tokens.remaining_seconds(issued),
            "scope": scope,
        }
