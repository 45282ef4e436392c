"""Flipkart's sandbox test-data APIs (``/sellers/orders/sandbox/...``, ``/sellers/returns/sandbox/...``) on the
marketplace paths, behind the bearer token as on Flipkart; the handlers are in ``testdata.py``."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request

from robnu.sandbox.flipkart.plumbing import Endpoint, FlipkartApi, parse_json, raw_body
from robnu.sandbox.flipkart.testdata import ROUTES, Handler

BODY = Depends(raw_body)


def _endpoint(api: FlipkartApi, operation: str, handler: Handler) -> Endpoint:
    def run(request: Request, body: bytes = BODY) -> dict[str, Any]:
        key = api.enter(request, operation)
        return handler(api.world, key, parse_json(body))

    return run


def register(app: FastAPI, api: FlipkartApi) -> None:
    for method, path, operation, handler in ROUTES:
        api.route(app, method, f"/sellers{path}", operation)(_endpoint(api, operation, handler))
