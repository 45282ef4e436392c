"""Listings v3: the inventory update (per SKU and location, up to 10 SKUs) and the listing read by SKU ids.

Every accepted update is recorded, in arrival order, for the control API's ``pushed``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request

from robnu.sandbox.flipkart.errors import fail
from robnu.sandbox.flipkart.ids import iso
from robnu.sandbox.flipkart.plumbing import FlipkartApi, parse_json, raw_body, split_ids

BODY = Depends(raw_body)


def register(app: FastAPI, api: FlipkartApi) -> None:
    @api.route(app, "POST", "/sellers/listings/v3/update/inventory", "updateInventory")
    def update_inventory(request: Request, body: bytes = BODY) -> dict[str, Any]:
        key = api.enter(request, "updateInventory")
        payload = parse_json(body)
        if not isinstance(payload, dict) or not payload:
            raise fail(400, "Body must map seller SKUs to inventory updates")
        if len(payload) > 10:
            raise fail(400, "At most 10 SKUs per request")
        account = api.world.account(key)
        now = api.world.clock.now()
        out: dict[str, Any] = {}
        for sku, update in payload.items():
            errors: list[dict[str, Any]] = []
            listing = account.listings.get(sku)
            locations = update.get("locations") if isinstance(update, dict) else None
            if listing is None:
                errors.append({"severity": "ERROR", "code": 1001, "description": f"Unknown SKU {sku}", "path": sku})
            elif not isinstance(update, dict) or update.get("product_id") != listing.fsn:
                errors.append(
                    {
                        "severity": "ERROR",
                        "code": 1002,
                        "description": "product_id does not match the SKU's FSN",
                        "path": f"{sku}.product_id",
                    }
                )
            elif not isinstance(locations, list) or not locations:
                errors.append(
                    {
                        "severity": "ERROR",
                        "code": 1004,
                        "description": "locations is required",
                        "path": f"{sku}.locations",
                    }
                )
            else:
                for n, loc in enumerate(locations):
                    qty = loc.get("inventory") if isinstance(loc, dict) else None
                    if not isinstance(loc, dict) or loc.get("id") != account.location_id:
                        errors.append(
                            {
                                "severity": "ERROR",
                                "code": 1004,
                                "description": "Unknown location",
                                "path": f"{sku}.locations[{n}].id",
                            }
                        )
                    elif qty is not None and (not isinstance(qty, int) or isinstance(qty, bool) or qty < 0):
                        errors.append(
                            {
                                "severity": "ERROR",
                                "code": 1003,
                                "description": "inventory must be >= 0",
                                "path": f"{sku}.locations[{n}].inventory",
                            }
                        )
            if listing is not None and not errors and isinstance(locations, list):
                for loc in locations:
                    if loc.get("inventory") is not None:
                        listing.inventory[loc["id"]] = int(loc["inventory"])
                    if loc.get("status") in ("ENABLED", "DISABLED"):
                        listing.location_status[loc["id"]] = loc["status"]
                    pushes = api.world.pushed[key].inventory
                    pushes.append(
                        {
                            "seq": len(pushes) + 1,
                            "sku": sku,
                            "locationId": loc["id"],
                            "inventory": loc.get("inventory"),
                            "status": loc.get("status"),
                            "at": iso(now),
                        }
                    )
            out[sku] = {
                "status": "FAILURE" if errors else "SUCCESS",
                "errors": errors,
                "attribute_errors": [],
            }
        return out

    @api.route(app, "GET", "/sellers/listings/v3/{skuIds}", "getListings")
    def get_listings(request: Request, skuIds: str) -> dict[str, Any]:
        key = api.enter(request, "getListings")
        account = api.world.account(key)
        skus = split_ids(skuIds, 10, "skuIds")
        available: dict[str, Any] = {}
        unavailable: list[str] = []
        for sku in skus:
            listing = account.listings.get(sku)
            if listing is None:
                unavailable.append(sku)
                continue
            available[sku] = {
                "listing_id": listing.listing_id,
                "product_id": listing.fsn,
                "price": {
                    "mrp": int(listing.mrp),
                    "selling_price": int(listing.selling_price),
                    "currency": "INR",
                },
                "tax": {"hsn": listing.hsn, "tax_code": f"GST_{int(listing.gst_rate)}"},
                "listing_status": "ACTIVE",
                "fulfillment_profile": "NON_FBF",
                "shipping_fees": {"local": 0, "zonal": 0, "national": 0, "currency": "INR"},
                "packages": [],
                "archived_status": "NONE",
                "locations": [
                    {
                        "id": loc,
                        "status": listing.location_status.get(loc, "ENABLED"),
                        "inventory": qty,
                        "pending_inventory": 0,
                    }
                    for loc, qty in listing.inventory.items()
                ],
            }
        return {"available": available, "unavailable": unavailable, "invalid": []}
