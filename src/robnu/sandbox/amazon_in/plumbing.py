"""Request plumbing shared by the SP-API handlers: auth, guard, headers, query parsing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from robnu.sandbox.amazon_in.account import Account
from robnu.sandbox.amazon_in.constants import PAGE_TOKEN_LIFETIME_SECONDS
from robnu.sandbox.amazon_in.errors import invalid_input, sp_headers, unauthorized
from robnu.sandbox.amazon_in.pagination import decode
from robnu.sandbox.amazon_in.timefmt import parse_instant
from robnu.sandbox.amazon_in.world import AmazonWorld
from robnu.sandbox.faults import FaultKind
from robnu.sandbox.json_response import FastJSONResponse
from robnu.sandbox.kit import SandboxKit

TOKEN_HEADER = "x-amz-access-token"  # noqa: S105 - a header name, not a secret


async def raw_body(request: Request) -> bytes:
    """A dependency so that handlers stay plain ``def`` functions and still see the raw body."""
    return await request.body()


class Api:
    """What every SP-API handler needs: the kit, the world and the auth/guard prologue."""

    def __init__(self, kit: SandboxKit, world: AmazonWorld) -> None:
        self.kit = kit
        self.world = world

    def begin(self, request: Request, operation: str) -> Account:
        """Auth on ``x-amz-access-token`` only (never on Host: python-amazon-sp-api sends a
        wrong one), then rate limit and generic faults."""
        token = request.headers.get(TOKEN_HEADER)
        with self.world.lock:
            account, why = self.world.token_account(token)
        self.kit.guard(request, operation, account.key if account else None)
        if account is None:
            raise unauthorized(operation, why)
        if self.kit.faults.take_one(operation, FaultKind.TOKEN_EXPIRED, account.key) and token:
            self.world.kill_token(token)
            raise unauthorized(operation, "The access token you provided has expired.")
        if self.kit.faults.take_one(operation, FaultKind.REVOKED_CREDENTIALS, account.key):
            self.world.revoke(account.key)
            raise unauthorized(operation, "The access token you provided is revoked, malformed or invalid.")
        return account

    def token_state(self, operation: str, kind: str, account: Account, token: str) -> dict[str, Any]:
        """The state inside a page token of ``kind`` issued to ``account``; 400 when foreign, garbled or
        expired (after 24 h, or when a ``page_token_expired`` fault is armed)."""
        state = decode(token)
        if state is None or state.get("k") != kind or state.get("a") != account.key:
            raise invalid_input(operation, "Invalid nextToken")
        if self.kit.faults.take_one(operation, FaultKind.PAGE_TOKEN_EXPIRED, account.key) or (
            self.world.now_s() - int(state["i"]) > PAGE_TOKEN_LIFETIME_SECONDS
        ):
            raise invalid_input(operation, "The nextToken has expired")  # modelled wording
        return state

    @staticmethod
    def ok(operation: str, body: dict[str, Any], status: int = 200) -> JSONResponse:
        return FastJSONResponse(status_code=status, content=body, headers=sp_headers(operation, status))

    @staticmethod
    def empty(operation: str, status: int = 204) -> Response:
        return Response(status_code=status, headers=sp_headers(operation, status))


def csv_param(request: Request, *names: str) -> list[str]:
    """Array query parameters: csv or repeated keys, both accepted."""
    values: list[str] = []
    for name in names:
        for raw in request.query_params.getlist(name):
            values.extend(v.strip() for v in raw.split(",") if v.strip())
    return values


def time_param(request: Request, operation: str, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    value = parse_instant(raw)
    if value is None:
        raise invalid_input(operation, f"Invalid {name}: {raw}")
    return value


def int_param(request: Request, operation: str, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_input(operation, f"Invalid {name}: {raw}") from None
    if not low <= value <= high:
        raise invalid_input(operation, f"{name} must be between {low} and {high}")
    return value


def json_body(operation: str, raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"null")
    except ValueError:
        raise invalid_input(operation, "Request has missing or invalid parameters and cannot be parsed.") from None
    if not isinstance(value, dict):
        raise invalid_input(operation, "Request has missing or invalid parameters and cannot be parsed.")
    return value
