"""What every marketplace sandbox shares: clock, faults, rate limits, the control API and fault middleware.

A marketplace sandbox builds a FastAPI app with ``create_app`` and starts each handler with
``kit.guard(request, operation, account)``: that spends a rate-limit token and fires any armed
generic fault. Faults that mangle the response (malformed, truncated, dropped) are applied after the
handler by ``FaultMiddleware``, so the handler's real body is what gets cut.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.faults import GENERIC_FAULTS, FaultBook, FaultKind, FaultRule
from robnu.sandbox.ratelimit import Limit, RateLimiter

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SANDBOX_HEADER = "X-Robnu-Sandbox"
CONTROL_PREFIX = "/_sandbox"
_FAULT_STATE_KEY = "robnu_fault"


class DroppedConnection(Exception):
    """Raised mid-response to close the connection, as a flaky marketplace edge does."""


class SandboxResponse(Exception):
    """Carries a finished response out of a handler (throttles, injected errors, auth failures)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class MarketplaceErrors(Protocol):
    """How one marketplace words the errors every sandbox can be asked to produce."""

    def throttled(self, operation: str, retry_after: float) -> Response: ...

    def server_error(self, operation: str, status: int) -> Response: ...


@dataclass
class SandboxKit:
    name: str
    clock: SandboxClock
    limiter: RateLimiter
    errors: MarketplaceErrors
    faults: FaultBook = field(default_factory=FaultBook)
    on_reset: list[Callable[[], None]] = field(default_factory=list)

    def guard(self, request: Request, operation: str, account: str | None = None) -> None:
        """Rate-limit and fire armed generic faults for one call of ``operation``."""
        rule = self.faults.take(operation, GENERIC_FAULTS, account)
        if rule is not None:
            self._fire(request, operation, rule)
        if not self.limiter.try_acquire(account or "-", operation):
            retry = self.limiter.retry_after_seconds(operation)
            raise SandboxResponse(self.errors.throttled(operation, retry))

    def _fire(self, request: Request, operation: str, rule: FaultRule) -> None:
        if rule.kind is FaultKind.RATE_LIMIT:
            raise SandboxResponse(self.errors.throttled(operation, float(rule.params.get("retry_after", 1))))
        if rule.kind is FaultKind.SERVER_ERROR:
            raise SandboxResponse(self.errors.server_error(operation, int(rule.params.get("status", 500))))
        if rule.kind is FaultKind.SLOW:
            time.sleep(float(rule.params.get("delay_seconds", 2.0)))
            return
        request.scope.setdefault("state", {})[_FAULT_STATE_KEY] = rule.kind.value

    def reset(self) -> None:
        self.faults.clear()
        self.limiter.reset()
        for callback in self.on_reset:
            callback()


class FaultMiddleware:
    """Applies response-mangling faults chosen by ``SandboxKit.guard`` and tags every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        assert start is not None
        body = b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((SANDBOX_HEADER.lower().encode(), b"1"))
        fault = scope.get("state", {}).get(_FAULT_STATE_KEY)
        status = start["status"]
        if fault == FaultKind.MALFORMED_BODY:
            body = b"<html><body>upstream gateway error</body></html>"
        elif fault == FaultKind.TRUNCATED_BODY:
            body = body[: max(1, len(body) // 2)]
        if fault == FaultKind.DROP_CONNECTION:
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            raise DroppedConnection("connection dropped by injected fault")
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class FaultIn(BaseModel):
    kind: FaultKind
    operation: str = "*"
    count: int = Field(default=1, description="requests it hits; -1 until cleared")
    account: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class ClockIn(BaseModel):
    advance_seconds: float | None = None
    set: datetime | None = None
    freeze: bool | None = None


class RateLimitIn(BaseModel):
    scale: float | None = None
    enabled: bool | None = None


def control_router(kit: SandboxKit) -> APIRouter:
    """The control API every sandbox has. Sandbox-only: no marketplace serves these paths."""
    router = APIRouter(prefix=CONTROL_PREFIX, tags=["sandbox control (not part of the marketplace API)"])

    @router.get("/clock")
    def get_clock() -> dict[str, Any]:
        return {"now": kit.clock.now().isoformat(), "frozen": kit.clock.frozen}

    @router.post("/clock")
    def move_clock(body: ClockIn) -> dict[str, Any]:
        if body.freeze is True:
            kit.clock.freeze()
        if body.set is not None:
            kit.clock.set(body.set)
        if body.advance_seconds:
            kit.clock.advance(timedelta(seconds=body.advance_seconds))
        if body.freeze is False:
            kit.clock.unfreeze()
        return get_clock()

    @router.get("/faults")
    def list_faults() -> dict[str, Any]:
        return {
            "armed": [
                {
                    "id": r.id,
                    "kind": r.kind.value,
                    "operation": r.operation,
                    "remaining": r.remaining,
                    "account": r.account,
                    "params": r.params,
                }
                for r in kit.faults.rules()
            ],
            "fired": [{"kind": k, "operation": o} for k, o in kit.faults.fired],
        }

    @router.post("/faults", status_code=201)
    def add_fault(body: FaultIn) -> dict[str, Any]:
        rule = kit.faults.add(FaultRule(body.kind, body.operation, body.count, body.account, body.params))
        return {"id": rule.id}

    @router.delete("/faults")
    def clear_faults() -> dict[str, Any]:
        kit.faults.clear()
        return {"cleared": True}

    @router.post("/ratelimit")
    def set_ratelimit(body: RateLimitIn) -> dict[str, Any]:
        if body.scale is not None:
            kit.limiter.scale = body.scale
        if body.enabled is not None:
            kit.limiter.enabled = body.enabled
        return {
            "scale": kit.limiter.scale,
            "enabled": kit.limiter.enabled,
            "throttled": kit.limiter.throttled,
        }

    @router.post("/reset")
    def reset() -> dict[str, Any]:
        kit.reset()
        return {"reset": True}

    return router


def create_app(kit: SandboxKit, title: str) -> FastAPI:
    """A FastAPI app with the control API, the fault middleware and the SandboxResponse handler."""
    app = FastAPI(
        title=title,
        docs_url=f"{CONTROL_PREFIX}/docs",
        openapi_url=f"{CONTROL_PREFIX}/openapi.json",
        redoc_url=None,
    )

    @app.exception_handler(SandboxResponse)
    async def _sandbox_response(_request: Request, exc: SandboxResponse) -> Response:
        return exc.response

    app.include_router(control_router(kit))
    app.add_middleware(FaultMiddleware)
    return app


def make_kit(
    name: str,
    errors: MarketplaceErrors,
    limits: dict[str, Limit],
    clock: SandboxClock,
    *,
    rate_scale: float = 1.0,
    rate_limits_enabled: bool = True,
) -> SandboxKit:
    return SandboxKit(name, clock, RateLimiter(limits, scale=rate_scale, enabled=rate_limits_enabled), errors)


def json_error(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=body, headers=headers)
