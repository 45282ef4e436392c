"""``POST /authToken``: username (the POB id) and API password for a 30-minute bearer token, no refresh token
flow; a newer token supersedes older ones after a grace period (see ``auth.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI, Request

from robnu.sandbox.ajio.errors import fail
from robnu.sandbox.ajio.plumbing import AjioApi
from robnu.sandbox.faults import FaultKind


def register(app: FastAPI, api: AjioApi) -> None:
    world = api.world
    tokens = api.tokens
    kit = api.kit

    @app.post("/authToken")
    def auth_token(request: Request, body: Any = Body(None)) -> dict[str, Any]:
        data = body if isinstance(body, dict) else {}
        username = str(data.get("username") or "")
        kit.guard(request, "authToken", username or None)
        book = world.books.get(username)
        if kit.faults.take_one("authToken", FaultKind.REVOKED_CREDENTIALS, username) and book:
            world.revoke(username)
        if book is None or data.get("password") != book.account.api_password:
            fail(401, "INVALID_CREDENTIALS", "Invalid username or password")
        if book.account.revoked:
            fail(403, "POB_INACTIVE", f"POB {username} is deactivated")
        token = tokens.issue(username, world.now())
        return {
            "success": True,
            "statusCode": 0,
            "result": {
                "accessToken": token.access,
                "refreshToken": token.refresh,
                "tokenType": "Bearer",
                "expiresIn": token.expires - token.issued,
            },
        }
