"""Catalogue and inventory: the product list (paged), absolute stock updates (idempotent, up to 50 SKUs) and
the stock read by SKU."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from robnu.sandbox.meesho import pagination as pg
from robnu.sandbox.meesho.errors import fail, validation_error
from robnu.sandbox.meesho.plumbing import BODY, MeeshoApi, csv, json_body, ok
from robnu.sandbox.meesho.views import product_view


def register(app: FastAPI, api: MeeshoApi) -> None:
    world = api.world

    @app.get("/v1/products")
    def list_products(request: Request) -> Response:
        acct = api.begin(request, "listProducts")
        params = dict(request.query_params)
        now = world.clock.now()
        limit = pg.parse_limit(params.get("limit"))
        status = csv(params, "status", ("LIVE", "PAUSED", "REJECTED"))
        products = [
            p
            for sku, p in sorted(acct.products.items())
            if (not params.get("sku") or sku == params["sku"]) and (status is None or p.status in status)
        ]
        offset = int(pg.decode(params["cursor"], params, now.timestamp())["k"]) if params.get("cursor") else 0
        more = offset + limit < len(products)
        cursor = (
            pg.encode({"k": offset + limit, "f": pg.fingerprint(params), "x": now.timestamp() + pg.CURSOR_TTL})
            if more
            else None
        )
        return ok(
            [product_view(p) for p in products[offset : offset + limit]],
            pagination={"next_cursor": cursor, "has_more": more},
        )

    @app.post("/v1/inventory")
    def update_inventory(request: Request, body: bytes = BODY) -> Response:
        acct = api.begin(request, "updateInventory", body)

        def run() -> JSONResponse:
            items = json_body(body).get("items")
            if not isinstance(items, list) or not items:
                raise validation_error("items", "must be a non-empty list")
            if len(items) > 50:
                raise fail(400, "TOO_MANY_ITEMS", {"field": "items", "max": 50, "got": len(items)})
            return ok({"results": world.update_inventory(acct, items)})

        return api.idempotent(acct, request, body, run)

    @app.get("/v1/inventory")
    def get_inventory(request: Request) -> Response:
        acct = api.begin(request, "getInventory")
        wanted = {s for s in request.query_params.get("sku", "").split(",") if s}
        found = [p for sku, p in sorted(acct.products.items()) if not wanted or sku in wanted]
        if wanted and not found:
            raise fail(404, "NOT_FOUND", {"sku": sorted(wanted)})
        return ok(
            [{"sku": p.sku, "quantity": p.stock, "warehouse_id": p.warehouse_id, "status": p.status} for p in found]
        )
