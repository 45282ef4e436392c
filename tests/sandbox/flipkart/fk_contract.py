"""Contract checks: every response the Flipkart sandbox serves is validated against Flipkart's published
OpenAPI 3.0 operation schema (the copy in tests/contract_models/flipkart/openapi.json) plus a walk that rejects
undeclared keys, or, where the document publishes no body (shipment details, OAuth, error bodies, the JSON
invoice view), against the local schemas below, which follow docs/sandbox/flipkart.md."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema
from tests.contract_models import FLIPKART_OPENAPI, load_json

SPEC: dict[str, Any] = load_json(FLIPKART_OPENAPI)

# Shipment details as Flipkart's SDK models them (ShipmentDetails): the published document reuses the search
# schema for this operation, so it cannot check it.
_ADDRESS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        k: {"type": "string"}
        for k in (
            "firstName",
            "lastName",
            "pinCode",
            "city",
            "state",
            "stateCode",
            "addressLine1",
            "addressLine2",
            "landmark",
            "contactNumber",
        )
    },
    "required": ["pinCode", "city", "state", "stateCode", "addressLine1"],
}
_SELLER_ADDRESS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        k: {"type": "string"}
        for k in ("sellerName", "pinCode", "city", "state", "stateCode", "addressLine1", "addressLine2", "landmark")
    },
}
_COURIER = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"trackingId": {"type": "string"}, "vendorName": {"type": "string"}},
}
_DIMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {k: {"type": "number"} for k in ("length", "breadth", "height", "weight")},
}
SHIPMENT_DETAILS = {
    "type": "object",
    "required": ["shipments"],
    "additionalProperties": False,
    "properties": {
        "shipments": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["orderId", "shipmentId", "deliveryAddress", "subShipments"],
                "properties": {
                    "orderId": {"type": "string", "pattern": "^OD[0-9]{18}$"},
                    "shipmentId": {"type": "string"},
                    "locationId": {"type": "string"},
                    "weighingRequired": {"type": "boolean"},
                    "orderItems": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "id": {"type": "string"},
                                "fragile": {"type": "boolean"},
                                "large": {"type": "boolean"},
                                "dangerous": {"type": "boolean"},
                                "add_ons": {"type": "array"},
                            },
                        },
                    },
                    "deliveryAddress": _ADDRESS,
                    "billingAddress": _ADDRESS,
                    "buyerDetails": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"firstName": {"type": "string"}, "lastName": {"type": "string"}},
                    },
                    "sellerAddress": _SELLER_ADDRESS,
                    "returnAddress": _SELLER_ADDRESS,
                    "subShipments": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "subShipmentId": {"type": "string"},
                                "courierDetails": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": {"pickupDetails": _COURIER, "deliveryDetails": _COURIER},
                                },
                                "shipmentDimensions": _DIMS,
                            },
                        },
                    },
                },
            },
        }
    },
}
# The OAuth error body (Spring Security OAuth) and the request-level error body (modelled by the sandbox)
OAUTH_ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "additionalProperties": False,
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}
API_ERROR = {
    "type": "object",
    "required": ["errorCode", "errorMessage"],
    "additionalProperties": False,
    "properties": {
        "errorCode": {
            "enum": [
                "BAD_REQUEST",
                "NOT_FOUND",
                "UNPROCESSABLE_ENTITY",
                "RATE_LIMITED",
                "INTERNAL_ERROR",
                "INVALID_ITEM_STATE",
            ]
        },
        "errorMessage": {"type": "string"},
    },
}
TOKEN = {
    "type": "object",
    "required": ["access_token", "token_type", "expires_in", "scope"],
    "additionalProperties": False,
    "properties": {
        "access_token": {"type": "string"},
        "token_type": {"const": "bearer"},
        "expires_in": {"type": "integer"},
        "scope": {"type": "string"},
    },
}
INVOICES_JSON = {
    "type": "object",
    "required": ["invoices"],
    "properties": {
        "invoices": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["shipmentId", "invoiceNumber", "orderItems"],
                "properties": {
                    "shipmentId": {"type": "string"},
                    "invoiceDate": {"type": "string"},
                    "invoiceNumber": {"type": "string"},
                    "fssaiLicenseNo": {"type": "string"},
                    "orderItems": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "orderItemId": {"type": "string"},
                                "invoiceAmount": {"type": "number"},
                                "taxRate": {"type": "number"},
                                "serialNumbers": {"type": "array"},
                                "taxDetails": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": {
                                        "cgstRate": {"type": "number"},
                                        "sgstRate": {"type": "number"},
                                        "igstRate": {"type": "number"},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}

S = "/sellers/v3/shipments"
# (method, served path regex) -> (OAS path, OAS method) | a local schema name
ROUTES: list[tuple[str, re.Pattern[str], Any]] = [
    ("GET", re.compile(r"^/oauth-service/oauth/token$"), "token"),
    ("POST", re.compile(r"^/oauth-service/oauth/token$"), "token"),
    ("POST", re.compile(rf"^{S}/filter$"), (f"{S}/filter", "post")),
    ("GET", re.compile(rf"^{S}/filter$"), (f"{S}/filter", "get")),
    ("GET", re.compile(rf"^{S}$"), (S, "get")),
    ("POST", re.compile(rf"^{S}/labels$"), (f"{S}/labels", "post")),
    ("POST", re.compile(rf"^{S}/dispatch$"), (f"{S}/dispatch", "post")),
    ("POST", re.compile(rf"^{S}/cancel$"), (f"{S}/cancel", "post")),
    ("GET", re.compile(rf"^{S}/handover/counts$"), (f"{S}/handover/counts", "get")),
    ("POST", re.compile(rf"^{S}/manifest$"), "pdf"),
    ("POST", re.compile(rf"^{S}/forms/updateAck$"), (f"{S}/forms/updateAck", "post")),
    ("GET", re.compile(rf"^{S}/[^/]+/labels$"), "pdf"),
    ("POST", re.compile(rf"^{S}/[^/]+/labelOnly/pdf$"), "pdf"),
    ("POST", re.compile(rf"^{S}/[^/]+/labelOnly$"), "pdf"),
    ("GET", re.compile(rf"^{S}/[^/]+/invoices$"), "invoices"),
    ("POST", re.compile(rf"^{S}/[^/]+/forms$"), (f"{S}/{{shipmentIds}}/forms", "post")),
    ("GET", re.compile(rf"^{S}/[^/]+$"), "details"),
    ("GET", re.compile(r"^/sellers/v2/returns(/search/[^/]+)?$"), ("/v2/returns", "get")),
    ("POST", re.compile(r"^/sellers/listings/v3/update/inventory$"), ("/sellers/listings/v3/update/inventory", "post")),
    ("GET", re.compile(r"^/sellers/listings/v3/[^/]+$"), ("/sellers/listings/v3/{skuIds}", "get")),
    ("POST", re.compile(r"^(/sellers)?/reports/[^/]+$"), ("/reports/{reportTypeIdentifier}", "post")),
    ("GET", re.compile(r"^(/sellers)?/reports/[^/]+/detail$"), ("/reports/{reportId}/detail", "get")),
    ("GET", re.compile(r"^(/sellers)?/reports/[^/]+/download$"), "csv"),
]
for _path, _methods in SPEC["paths"].items():
    if "/sandbox/" in _path and not _path.startswith("/v2"):
        for _m in _methods:
            ROUTES.append((_m.upper(), re.compile("^" + re.escape(_path) + "$"), (_path, _m)))


def drop_nulls(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: drop_nulls(v) for k, v in x.items() if v is not None}
    if isinstance(x, list):
        return [drop_nulls(v) for v in x]
    return x


def undeclared(schema: dict[str, Any], body: Any, where: str = "$") -> list[str]:
    """Keys the schema does not declare (misspelled fields fail), walking objects and arrays."""
    found: list[str] = []
    if isinstance(body, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        if isinstance(props, dict):
            for key, value in body.items():
                if key in props:
                    found += undeclared(props[key], value, f"{where}.{key}")
                elif isinstance(extra, dict):
                    found += undeclared(extra, value, f"{where}.{key}")
                elif extra is not True:
                    found.append(f"{where}.{key}")
        elif isinstance(extra, dict):
            for key, value in body.items():
                found += undeclared(extra, value, f"{where}.{key}")
    elif isinstance(body, list) and isinstance(schema.get("items"), dict):
        for n, value in enumerate(body):
            found += undeclared(schema["items"], value, f"{where}[{n}]")
    return found


def _oas_schema(path: str, method: str, status: str) -> dict[str, Any] | None:
    responses = SPEC["paths"][path][method]["responses"]
    response = responses.get(status)
    if response is None or "content" not in response:
        return None
    content = response["content"].get("application/json") or next(iter(response["content"].values()))
    schema: dict[str, Any] = content["schema"]
    return schema


def check(schema: dict[str, Any], body: Any) -> None:
    clean = drop_nulls(body)
    jsonschema.Draft4Validator(schema).validate(clean)
    extra = undeclared(schema, clean)
    assert not extra, f"undeclared keys: {extra[:10]}"


def validate_response(response: httpx.Response) -> None:
    """Validate one served response; raises on any contract breach."""
    request = response.request
    path = request.url.path
    if path.startswith("/_sandbox"):
        return
    route = next((target for method, rx, target in ROUTES if method == request.method and rx.match(path)), None)
    assert route is not None, f"no contract for {request.method} {path}"
    status = response.status_code
    if status >= 400:
        body = response.json()
        check(OAUTH_ERROR if "error" in body else API_ERROR, body)
        if status == 429:
            assert int(response.headers["Retry-After"]) >= 1
        return
    if route == "token":
        check(TOKEN, response.json())
    elif route == "pdf":
        assert response.content.startswith(b"%PDF"), "document is not a PDF"
    elif route == "csv":
        assert response.headers["content-type"].startswith("text/csv")
    elif route == "invoices":
        if response.headers["content-type"].startswith("application/json"):
            check(INVOICES_JSON, response.json())
        else:
            assert response.content.startswith(b"%PDF")
    elif route == "details":
        check(SHIPMENT_DETAILS, response.json())
    else:
        oas_path, method = route
        schema = _oas_schema(oas_path, method, str(status))
        assert schema is not None, f"OAS documents no {status} body for {method} {oas_path}"
        check(schema, response.json())
