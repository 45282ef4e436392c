"""Login with Amazon: ``POST /auth/o2/token``, form or JSON bodies, OAuth2 error shapes."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.amazon_in.constants import TOKEN_LIFETIME_SECONDS
from robnu.sandbox.amazon_in.errors import LWA_OPERATION, LWA_TOKEN_PATH, lwa_error
from robnu.sandbox.amazon_in.plumbing import raw_body
from robnu.sandbox.amazon_in.world import AmazonWorld
from robnu.sandbox.faults import FaultKind
from robnu.sandbox.json_response import FastJSONResponse
from robnu.sandbox.kit import SandboxKit, create_app

INVALID_GRANT = (
    "The request has an invalid grant parameter : refresh_token. User may have revoked or didn't grant the permission."
)


def _fields(request: Request, raw: bytes) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    if "json" in content_type or raw.lstrip().startswith(b"{"):
        try:
            value = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def token_exchange(kit: SandboxKit, world: AmazonWorld, request: Request, fields: dict[str, str]) -> Response:
    kit.guard(request, LWA_OPERATION, fields.get("client_id"))
    grant = fields.get("grant_type", "")
    if not grant:
        return lwa_error(400, "invalid_request", "The request is missing a required parameter : grant_type")
    if grant != "refresh_token":
        # client_credentials / authorization_code are out of sandbox scope.
        return lwa_error(400, "invalid_request", f"The grant type {grant} is not supported by the sandbox")
    for name in ("refresh_token", "client_id", "client_secret"):
        if not fields.get(name):
            return lwa_error(400, "invalid_request", f"The request is missing a required parameter : {name}")
    with world.lock:
        account = next((a for a in world.accounts.values() if a.lwa_client_id == fields["client_id"]), None)
        if account is None or account.lwa_client_secret != fields["client_secret"]:
            return lwa_error(401, "invalid_client", "Client authentication failed")
        if kit.faults.take_one(LWA_OPERATION, FaultKind.REVOKED_CREDENTIALS, account.key):
            world.revoke(account.key)
        if account.revoked or account.refresh_token != fields["refresh_token"]:
            return lwa_error(400, "invalid_grant", INVALID_GRANT)
        token = world.issue_token(account)
    body: dict[str, Any] = {
        "access_token": token,
        "refresh_token": fields["refresh_token"],
        "token_type": "bearer",
        "expires_in": TOKEN_LIFETIME_SECONDS,
    }
    return FastJSONResponse(body)


def build_auth_app(kit: SandboxKit, world: AmazonWorld) -> FastAPI:
    app = create_app(kit, "Amazon LWA sandbox (api.amazon.com)")

    @app.post(LWA_TOKEN_PATH)
    def lwa_token(request: Request, raw: bytes = Depends(raw_body)) -> Response:
        return token_exchange(kit, world, request, _fields(request, raw))

    return app
