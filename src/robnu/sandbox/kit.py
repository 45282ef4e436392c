"""What every marketplace sandbox shares: clock, faults, rate limits, error handling and the control API.

A marketplace sandbox builds each FastAPI app with ``create_app`` and starts each handler with
``kit.guard(request, operation, account)``: that spends a rate-limit token and fires any armed generic
fault. Faults that mangle the response (malformed, truncated, dropped) are applied after the handler by
``FaultMiddleware``. ``create_app`` also makes every path the sandbox does not serve, and every request
that fails parameter validation, answer in the marketplace's own error shape (``MarketplaceErrors``), and
mounts the control API of ``control.py`` once for all sandboxes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.control import CONTROL_PREFIX, control_router
from robnu.sandbox.faults import GENERIC_FAULTS, FaultBook, FaultKind, FaultRule
from robnu.sandbox.json_response import FastJSONResponse
from robnu.sandbox.middleware import (
    FAULT_STATE_KEY,
    SANDBOX_HEADER,
    ASGIApp,
    DroppedConnection,
    FaultMiddleware,
    Message,
    Receive,
    Scope,
    Send,
)
from robnu.sandbox.protocol import MarketplaceErrors
from robnu.sandbox.ratelimit import Limit, RateLimiter

if TYPE_CHECKING:
    from robnu.sandbox.protocol import MarketplaceSandbox

__all__ = [
    "CONTROL_PREFIX",
    "SANDBOX_HEADER",
    "ASGIApp",
    "DroppedConnection",
    "FaultMiddleware",
    "MarketplaceErrors",
    "Message",
    "Receive",
    "SandboxKit",
    "SandboxResponse",
    "Scope",
    "Send",
    "create_app",
    "is_control_path",
    "json_error",
    "make_kit",
]


class SandboxResponse(Exception):
    """Carries a finished response out of a handler (throttles, injected errors, auth failures)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass
class SandboxKit:
    name: str
    clock: SandboxClock
    limiter: RateLimiter
    errors: MarketplaceErrors
    faults: FaultBook = field(default_factory=FaultBook)
    on_reset: list[Callable[[], None]] = field(default_factory=list)
    _sandbox: MarketplaceSandbox | None = None

    def attach(self, sandbox: MarketplaceSandbox) -> None:
        """The sandbox this kit serves: the control API's account routes call it."""
        self._sandbox = sandbox

    @property
    def sandbox(self) -> MarketplaceSandbox:
        if self._sandbox is None:
            raise RuntimeError(f"no sandbox attached to the {self.name} kit")
        return self._sandbox

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
        request.scope.setdefault("state", {})[FAULT_STATE_KEY] = rule.kind.value

    def reset(self) -> None:
        self.faults.clear()
        self.limiter.reset()
        for callback in self.on_reset:
            callback()


def is_control_path(path: str) -> bool:
    """Sandbox-only paths (the control API): they keep FastAPI's own error bodies."""
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def create_app(kit: SandboxKit, title: str) -> FastAPI:
    """A FastAPI app with the control API, the fault middleware and the marketplace's error handling."""
    app = FastAPI(
        title=title,
        docs_url=f"{CONTROL_PREFIX}/docs",
        openapi_url=f"{CONTROL_PREFIX}/openapi.json",
        redoc_url=None,
    )

    @app.exception_handler(SandboxResponse)
    async def _sandbox_response(_request: Request, exc: SandboxResponse) -> Response:
        return exc.response

    @app.exception_handler(StarletteHTTPException)
    async def _not_served(request: Request, exc: StarletteHTTPException) -> Response:
        if is_control_path(request.url.path):
            return await http_exception_handler(request, exc)
        response = kit.errors.not_served(request.method, request.url.path, exc.status_code)
        for name, value in (exc.headers or {}).items():  # e.g. Allow on a 405
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if is_control_path(request.url.path):
            return await request_validation_exception_handler(request, exc)
        problems = [(".".join(str(p) for p in e.get("loc", ())), str(e.get("msg"))) for e in exc.errors()]
        return kit.errors.invalid_request(problems)

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
    return FastJSONResponse(status_code=status, content=body, headers=headers)
