"""What every Meesho handler shares: the ``MeeshoApi`` context (kit, world), the signed-request prologue, the
Idempotency-Key replay, the success envelope and the query and body parsers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response

from robnu.sandbox.json_response import FastJSONResponse
from robnu.sandbox.kit import SandboxKit, SandboxResponse
from robnu.sandbox.meesho.auth import account_key_of, authenticate
from robnu.sandbox.meesho.errors import fail, new_request_id, validation_error
from robnu.sandbox.meesho.model import IST, Account
from robnu.sandbox.meesho.world import MeeshoWorld

MAX_WINDOW = timedelta(days=30)
WINDOW_GRACE = timedelta(seconds=300)  # modelled: "now - 30d" computed a moment earlier by a client still passes
DEFAULT_WINDOW = timedelta(days=7)
IDEMPOTENCY_TTL = 24 * 3600  # seconds a POST's Idempotency-Key is replayed


async def raw_body(request: Request) -> bytes:
    """A dependency so that handlers stay plain ``def`` functions and still see the raw (signed) body."""
    return await request.body()


BODY = Depends(raw_body)


class MeeshoApi:
    def __init__(self, world: MeeshoWorld, kit: SandboxKit) -> None:
        self.world = world
        self.kit = kit

    def begin(self, request: Request, operation: str, body: bytes = b"") -> Account:
        """Rate limits (the operation's and the shared per-key bucket), generic faults, then the signature."""
        world, kit = self.world, self.kit
        account = account_key_of(request, world)
        kit.guard(request, operation, account)
        if not kit.limiter.try_acquire(account or "-", "default"):
            raise SandboxResponse(kit.errors.throttled(operation, kit.limiter.retry_after_seconds("default")))
        return authenticate(request, body, world, kit, operation)

    def idempotent(self, acct: Account, request: Request, body: bytes, run: Callable[[], JSONResponse]) -> Response:
        """POSTs take an Idempotency-Key (at most 64 characters) replayed for 24 h; reuse with another body is 409."""
        key = request.headers.get("idempotency-key")
        if key is None:
            return run()
        if not 1 <= len(key) <= 64:
            raise validation_error("Idempotency-Key", "must be 1-64 characters")
        digest = hashlib.sha256(request.url.path.encode() + b"\n" + body).hexdigest()
        now = self.world.clock.now().timestamp()
        stored = acct.idempotency.get(key)
        if stored is not None and now - stored[1] < IDEMPOTENCY_TTL:
            if stored[0] != digest:
                raise fail(409, "IDEMPOTENCY_KEY_REUSED", {"idempotency_key": key})
            return Response(
                stored[3],
                status_code=stored[2],
                media_type="application/json",
                headers={"X-Request-Id": new_request_id(), "Idempotent-Replayed": "true"},
            )
        response = run()
        acct.idempotency[key] = (digest, now, response.status_code, bytes(response.body))
        return response


def ok(data: Any, status: int = 200, pagination: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"success": True, "data": data}
    if pagination is not None:
        body["pagination"] = pagination
    return FastJSONResponse(status_code=status, content=body, headers={"X-Request-Id": new_request_id()})


def parse_time(name: str, raw: str | None) -> datetime | None:
    if raw is None or raw == "":
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise validation_error(name, "must be ISO 8601, e.g. 2026-01-10T00:00:00+05:30") from None
    return value if value.tzinfo else value.replace(tzinfo=IST)  # modelled: a naive time is IST


def parse_date(name: str, raw: str | None) -> date | None:
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise validation_error(name, "must be YYYY-MM-DD") from None


def window(params: dict[str, str], prefix: str, now: datetime) -> tuple[datetime, datetime] | None:
    start = parse_time(f"{prefix}_from", params.get(f"{prefix}_from"))
    end = parse_time(f"{prefix}_to", params.get(f"{prefix}_to"))
    if start is None and end is None:
        return None
    end = end or now
    start = start or end - DEFAULT_WINDOW
    if end < start:
        raise validation_error(f"{prefix}_to", f"must not be before {prefix}_from")
    if end - start > MAX_WINDOW + WINDOW_GRACE:
        raise fail(400, "DATE_RANGE_TOO_LARGE", {"field": prefix, "max_days": 30})
    return start, end


def csv(params: dict[str, str], name: str, allowed: tuple[str, ...]) -> set[str] | None:
    raw = params.get(name)
    if not raw:
        return None
    values = {v.strip() for v in raw.split(",") if v.strip()}
    bad = sorted(values - set(allowed))
    if bad:
        raise validation_error(name, f"unknown value(s) {', '.join(bad)}")
    return values


def json_body(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise validation_error("body", "must be a JSON object") from None
    if not isinstance(data, dict):
        raise validation_error("body", "must be a JSON object")
    return data


def str_list(data: dict[str, Any], name: str, limit: int) -> list[str]:
    values = data.get(name)
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise validation_error(name, "must be a non-empty list of strings")
    if len(values) > limit:
        raise fail(400, "TOO_MANY_ITEMS", {"field": name, "max": limit, "got": len(values)})
    return list(dict.fromkeys(values))


def window_to(value: tuple[datetime, datetime] | None) -> list[str] | None:
    return [value[0].isoformat(), value[1].isoformat()] if value else None


def window_from(value: list[str] | None) -> tuple[datetime, datetime] | None:
    return (datetime.fromisoformat(value[0]), datetime.fromisoformat(value[1])) if value else None
