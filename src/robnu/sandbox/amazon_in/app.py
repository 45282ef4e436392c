"""The two ASGI apps: ``api`` (SP-API paths at the root, as sellingpartnerapi-eu.amazon.com) and ``auth``
(LWA, as api.amazon.com). Both carry the kit's control API; each resource module registers its routes."""

from __future__ import annotations

from fastapi import FastAPI

from robnu.sandbox.amazon_in import finances_api, finances_events_api, listings_api, orders_api, reports_api
from robnu.sandbox.amazon_in.errors import REQUEST_ID_HEADER, request_id
from robnu.sandbox.amazon_in.plumbing import Api
from robnu.sandbox.amazon_in.world import AmazonWorld
from robnu.sandbox.kit import ASGIApp, Message, Receive, SandboxKit, Scope, Send, create_app


class RequestIdMiddleware:
    """``x-amzn-RequestId`` on every SP-API response, including throttles and injected faults."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == REQUEST_ID_HEADER.lower().encode() for k, _ in headers):
                    headers.append((REQUEST_ID_HEADER.lower().encode(), request_id().encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, tagged)


def build_api_app(kit: SandboxKit, world: AmazonWorld) -> FastAPI:
    app = create_app(kit, "Amazon SP-API sandbox (sellingpartnerapi-eu.amazon.com)")
    api = Api(kit, world)
    orders_api.register(app, api)
    finances_api.register(app, api)
    finances_events_api.register(app, api)
    reports_api.register(app, api)
    listings_api.register(app, api)
    app.add_middleware(RequestIdMiddleware)
    return app
