"""Listings Items 2021-08-01: patchListingsItem (quantity) and getListingsItem read-back.

SKUs are routed from the RAW path and unquoted once (``%2F`` must survive routing).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import unquote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.amazon_in.account import Account
from robnu.sandbox.amazon_in.constants import MARKETPLACE_ID
from robnu.sandbox.amazon_in.errors import sp_error
from robnu.sandbox.amazon_in.plumbing import Api, csv_param, raw_body
from robnu.sandbox.amazon_in.timefmt import iso_from_s
from robnu.sandbox.kit import SandboxResponse

PREFIX = "/listings/2021-08-01/items/"
QUANTITY_PATH = "/attributes/fulfillment_availability"
PATCH_OPS = frozenset({"add", "replace", "merge", "delete"})


def bad_request(op: str, message: str) -> SandboxResponse:
    # HTTP errors of Listings use ErrorList, e.g. 400 BAD_REQUEST "Invalid input".
    return SandboxResponse(sp_error(op, 400, "BAD_REQUEST", message, message))


def _route(request: Request, op: str, account: Account) -> str:
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    rest = raw_path.decode("latin-1").split("?", 1)[0][len(PREFIX) :]
    parts = rest.split("/")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise bad_request(op, "Invalid input")
    seller_id, sku = unquote(parts[0]), unquote(parts[1])
    if seller_id != account.key:
        # modelled: a sellerId other than the token's selling partner is refused as unauthorized.
        raise SandboxResponse(sp_error(op, 403, "Unauthorized", "Access to requested resource is denied.", ""))
    if not csv_param(request, "marketplaceIds"):
        raise bad_request(op, "Missing required parameter marketplaceIds")
    return sku


def _issue(code: str, message: str, attributes: list[str]) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "severity": "ERROR",
        "attributeNames": attributes,
        "categories": ["INVALID_ATTRIBUTE"],
    }


def _quantity(patches: list[Any]) -> tuple[int | None, str, list[dict[str, Any]]]:
    """The quantity a patch sets, its channel, and the issues that make it INVALID."""
    quantity: int | None = None
    channel = "DEFAULT"
    issues: list[dict[str, Any]] = []
    for patch in patches:
        if patch["path"] != QUANTITY_PATH or patch["op"] == "delete":
            continue  # modelled: other attributes are accepted and ignored by the sandbox
        values = patch.get("value")
        entry = values[0] if isinstance(values, list) and values and isinstance(values[0], dict) else None
        qty = entry.get("quantity") if entry else None
        if entry is None or isinstance(qty, bool) or not isinstance(qty, int) or qty < 0:
            issues.append(_issue("90000900", "The attributes are invalid.", ["fulfillment_availability"]))
            continue
        quantity = qty
        channel = str(entry.get("fulfillment_channel_code", "DEFAULT"))
    return quantity, channel, issues


def register(app: FastAPI, api: Api) -> None:
    world = api.world

    @app.patch(PREFIX + "{rest:path}")
    def patch_listings_item(request: Request, rest: str, raw: bytes = Depends(raw_body)) -> Response:
        op = "patchListingsItem"
        account = api.begin(request, op)
        sku = _route(request, op, account)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise bad_request(op, "Invalid input") from None
        if not isinstance(body, dict) or not isinstance(body.get("productType"), str) or not body["productType"]:
            raise bad_request(op, "Invalid input")
        patches = body.get("patches")
        if (
            not isinstance(patches, list)
            or not patches
            or not all(
                isinstance(p, dict) and p.get("op") in PATCH_OPS and isinstance(p.get("path"), str) for p in patches
            )
        ):
            raise bad_request(op, "Invalid input")
        preview = request.query_params.get("mode") == "VALIDATION_PREVIEW"
        with world.lock:
            digest = hashlib.sha256(f"{account.key}:{sku}:{account.push_seq}".encode()).hexdigest()[:32]
            quantity, channel, issues = _quantity(patches)
            if sku not in account.quantities:
                # modelled: Amazon accepts patches for unknown SKUs (selling-partner-api-models #2797); the
                # sandbox answers INVALID so a push to a SKU that has no listing is visible to the adapter.
                issues.append(_issue("90000900", f"SKU {sku} has no listing in marketplace {MARKETPLACE_ID}.", []))
            status = "INVALID" if issues else "VALID" if preview else "ACCEPTED"
            if not preview:
                world.record_quantity(account, sku, quantity, status, digest, channel)
            body_out: dict[str, Any] = {
                "sku": sku,
                "status": status,
                "submissionId": digest,
                "issues": issues,
            }
        return api.ok(op, body_out)

    @app.get(PREFIX + "{rest:path}")
    def get_listings_item(request: Request, rest: str) -> Response:
        op = "getListingsItem"
        account = api.begin(request, op)
        sku = _route(request, op, account)
        with world.lock:
            index = account.sku_index
            item = index.get(sku)
            if item is None:
                raise SandboxResponse(sp_error(op, 404, "NOT_FOUND", f"SKU '{sku}' not found", ""))
            included = set(csv_param(request, "includedData")) or {"summaries"}
            now = iso_from_s(world.now_s())
            body: dict[str, Any] = {"sku": sku}
            if "summaries" in included:
                body["summaries"] = [
                    {
                        "marketplaceId": MARKETPLACE_ID,
                        "asin": item.asin,
                        "productType": "PRODUCT",
                        "conditionType": "new_new",
                        "status": ["BUYABLE", "DISCOVERABLE"],
                        "itemName": item.title,
                        "createdDate": now,
                        "lastUpdatedDate": now,
                    }
                ]
            if "fulfillmentAvailability" in included:
                body["fulfillmentAvailability"] = [
                    {"fulfillmentChannelCode": "DEFAULT", "quantity": world.quantity(account, sku)}
                ]
            if "issues" in included:
                body["issues"] = []
        return api.ok(op, body)
