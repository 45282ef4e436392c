"""A synchronous httpx transport that serves requests from an in-process ASGI app.

httpx ships only an async ASGI transport; Robnu's adapters are synchronous, so this runs the app on
a background event loop (an anyio blocking portal) and hands each request across. It is the same
HTTP surface a real server gives — status, headers, body — without a socket. A connection the
sandbox drops on purpose surfaces as ``httpx.RemoteProtocolError``, as it would over TCP.
"""

from __future__ import annotations

import contextlib
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal

from robnu.sandbox.kit import DroppedConnection

ASGIApp = Any  # an ASGI 3 callable; Starlette/FastAPI apps


class InProcessTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp) -> None:
        self._async = httpx.ASGITransport(app=app, raise_app_exceptions=True)
        self._stack = contextlib.ExitStack()
        self._portal: BlockingPortal = self._stack.enter_context(start_blocking_portal())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        forwarded = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        try:
            status, headers, content = self._portal.call(self._send, forwarded)
        except DroppedConnection as exc:
            raise httpx.RemoteProtocolError("sandbox dropped the connection", request=request) from exc
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _send(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        response = await self._async.handle_async_request(request)
        content = await response.aread()
        # The body is already decoded bytes here; drop framing headers httpx would re-apply.
        headers = [(k, v) for k, v in response.headers.raw if k.lower() != b"content-encoding"]
        return response.status_code, headers, content

    def close(self) -> None:
        self._stack.close()
