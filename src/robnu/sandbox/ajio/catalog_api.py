"""Products and stock: the product list and count (by published status), and absolute stock updates of up to
50 SKUs, answered per SKU."""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI, Request

from robnu.sandbox.ajio import views
from robnu.sandbox.ajio.errors import fail
from robnu.sandbox.ajio.plumbing import MAX_INVENTORY, MAX_PAGE, AjioApi, check_paging, json_object


def register(app: FastAPI, api: AjioApi) -> None:
    world = api.world

    @app.get("/products")
    def products(
        request: Request,
        publishedStatus: str | None = None,
        sku: str | None = None,
        page: int = 0,
        size: int = MAX_PAGE,
    ) -> dict[str, Any]:
        book = api.authed(request, "getProducts")
        check_paging(page, size)
        want = None if publishedStatus is None else publishedStatus == "PUBLISHED"
        items = [
            p
            for s, p in sorted(book.account.products.items())
            if (want is None or p.published == want) and (sku is None or s == sku)
        ]
        rows, meta = views.page_of(items, page, size)
        return {
            "products": [views.product(p, book.account.inventory.get(p.sku, 0)) for p in rows],
            "page": meta,
        }

    @app.get("/products/count")
    def products_count(request: Request, publishedStatus: str | None = None) -> dict[str, Any]:
        book = api.authed(request, "getProductsCount")
        want = None if publishedStatus is None else publishedStatus == "PUBLISHED"
        return {"count": sum(1 for p in book.account.products.values() if want is None or p.published == want)}

    @app.post("/updateInventory")
    def update_inventory(request: Request, body: Any = Body(None)) -> dict[str, Any]:
        book = api.authed(request, "updateInventory")
        items = json_object(body).get("inventory")
        if not isinstance(items, list) or not items:
            fail(400, "VALIDATION_ERROR", "inventory must be a non-empty list")
        if len(items) > MAX_INVENTORY:
            fail(400, "TOO_MANY_ITEMS", f"{len(items)} SKUs; at most {MAX_INVENTORY} per call")
        now = world.now()
        ok: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for it in items:
            sku = str(it.get("sku")) if isinstance(it, dict) else ""
            qty = it.get("quantity") if isinstance(it, dict) else None
            if sku not in book.account.products:
                error = "SKU not found for this POB"
            elif not isinstance(qty, int) or isinstance(qty, bool) or qty < 0:
                error = "quantity must be a non-negative integer (absolute stock)"
            else:
                error = ""
                book.account.inventory[sku] = qty
                ok.append({"sku": sku, "quantity": qty})
            if error:
                failed.append({"sku": sku, "error_message": error})
            book.record("inventory", {"sku": sku, "quantity": qty, "at": now, "accepted": not error})
        return {"success": ok, "failed_items": failed}
