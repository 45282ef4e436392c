"""The Meesho sandbox's ASGI app: the modelled supplier API under ``/v1`` (HMAC-signed; one module per
resource, each registering its routes) and the control API under ``/_sandbox``."""

from __future__ import annotations

from fastapi import FastAPI

from robnu.sandbox.kit import SandboxKit, create_app
from robnu.sandbox.meesho import catalog_api, payments_api, returns_api, shipping_api, sub_orders_api, webhooks_api
from robnu.sandbox.meesho.plumbing import MeeshoApi
from robnu.sandbox.meesho.world import MeeshoWorld


def build_api(world: MeeshoWorld, kit: SandboxKit) -> FastAPI:
    app = create_app(kit, "Meesho supplier API sandbox (modelled)")
    api = MeeshoApi(world, kit)
    for module in (sub_orders_api, shipping_api, returns_api, payments_api, catalog_api, webhooks_api):
        module.register(app, api)
    return app
