"""The fault middleware: response-mangling faults chosen by ``SandboxKit.guard`` are applied here, after the
handler, so the handler's real body is what gets cut, garbled or dropped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from robnu.sandbox.faults import FaultKind

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SANDBOX_HEADER = "X-Robnu-Sandbox"
FAULT_STATE_KEY = "robnu_fault"


class DroppedConnection(Exception):
    """Raised mid-response to close the connection, as a flaky marketplace edge does."""


class FaultMiddleware:
    """Applies the response-mangling fault a handler armed and tags every response as a sandbox's."""

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
        fault = scope.get("state", {}).get(FAULT_STATE_KEY)
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
