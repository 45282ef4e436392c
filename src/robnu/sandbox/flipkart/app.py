"""The Flipkart sandbox's one ASGI app: OAuth, the ``/sellers/...`` and ``/reports/...`` marketplace paths (one
module per resource, each registering its routes) and the control API under ``/_sandbox``."""

from __future__ import annotations

from fastapi import FastAPI

from robnu.sandbox.flipkart import (
    documents_api,
    fulfilment_api,
    listings_api,
    oauth_api,
    reports_api,
    returns_api,
    shipments_api,
    testdata_api,
)
from robnu.sandbox.flipkart.control import mount_control
from robnu.sandbox.flipkart.plumbing import FlipkartApi
from robnu.sandbox.kit import create_app


def build_api_app(api: FlipkartApi) -> FastAPI:
    app = create_app(api.kit, "Flipkart Marketplace Seller API v3 (Robnu sandbox)")
    for module in (
        oauth_api,
        shipments_api,
        fulfilment_api,
        documents_api,
        returns_api,
        listings_api,
        reports_api,
        testdata_api,
    ):
        module.register(app, api)
    mount_control(app, api)
    return app
