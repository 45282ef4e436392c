"""The AJIO sandbox's ASGI app: the Dropship/VMS seller API (one module per resource, each registering its
routes), the offline GSP stand-in, and the control API under ``/_sandbox``."""

from __future__ import annotations

from fastapi import FastAPI

from robnu.sandbox.ajio import auth_api, catalog_api, gsp_api, orders_api, returns_api, settlements_api, shipping_api
from robnu.sandbox.ajio.control import control_routes
from robnu.sandbox.ajio.plumbing import AjioApi
from robnu.sandbox.kit import create_app


def build_app(api: AjioApi) -> FastAPI:
    app = create_app(api.kit, "AJIO Dropship/VMS seller API (Robnu sandbox)")
    for module in (auth_api, catalog_api, orders_api, shipping_api, returns_api, settlements_api, gsp_api):
        module.register(app, api)
    app.include_router(control_routes(api.world))
    return app
