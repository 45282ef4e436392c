"""Webhook subscription: where Meesho would POST signed events, and which (the outbox itself is a control route)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.meesho.errors import validation_error
from robnu.sandbox.meesho.plumbing import BODY, MeeshoApi, json_body, ok

EVENT_TYPES = (
    "sub_order.created",
    "sub_order.status_changed",
    "sub_order.cancelled",
    "return.created",
    "return.status_changed",
    "settlement.created",
)


def register(app: FastAPI, api: MeeshoApi) -> None:
    @app.put("/v1/webhooks")
    def put_webhooks(request: Request, body: bytes = BODY) -> Response:
        acct = api.begin(request, "putWebhooks", body)
        data = json_body(body)
        url, types = data.get("url"), data.get("event_types")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise validation_error("url", "must be an absolute http(s) URL")
        if not isinstance(types, list) or not types or any(t not in EVENT_TYPES for t in types):
            raise validation_error("event_types", f"must be a non-empty subset of {', '.join(EVENT_TYPES)}")
        acct.webhook = {"url": url, "event_types": list(types)}
        return ok(acct.webhook)

    @app.get("/v1/webhooks")
    def get_webhooks(request: Request) -> Response:
        acct = api.begin(request, "getWebhooks")
        return ok(acct.webhook)
