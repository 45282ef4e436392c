"""The AJIO Dropship/VMS seller API client: endpoints, token auth, paged listings.

Every call goes through ``MarketplaceHttp`` (client-side rate limits, retries, one token refresh).
Listings are generators yielding one page of raw JSON records at a time, so memory stays flat.
"""

from __future__ import annotations

import csv
import io
import math
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from robnu.adapters.ajio.auth import AjioAuth
from robnu.adapters.ajio.mapping import money
from robnu.adapters.client import MarketplaceClient
from robnu.adapters.errors import TransientMarketplaceError
from robnu.adapters.http import json_of
from robnu.adapters.ratelimit import OperationLimit
from robnu.domain.clock import ist_day

CODE = "AJIO"
ENDPOINT = "api"
DEFAULT_BASE_URL = "https://api-seller.services.ajio.com"  # corroborated by public integrations

PAGE_SIZE = 50  # the largest page AJIO gives
INVENTORY_BATCH = 50  # <= 50 SKUs per /updateInventory (corroborated by public integrations)
ORDERS_WINDOW = timedelta(days=30)  # GET /orders: window <= 30 days (modelled)
PENDENCY_WINDOW = timedelta(days=7)  # GET /orders/pendency: window <= 7 days (modelled)
RETURNS_WINDOW = timedelta(days=30)  # GET /returns: window <= 30 days (modelled)
SETTLEMENT_LOOKBACK = timedelta(days=31)  # a published cycle is paid within ~16 days: re-read its status
MAX_STEP_BACKS = 200  # per listing: a listing that keeps shrinking under us is an error, not a loop

# AJIO publishes no rate limit; modelled: 60 req/min per POB, burst 20; /authToken 6/min, burst 5.
_API = OperationLimit(rate=1.0, burst=20)
LIMITS: dict[str, OperationLimit] = {
    "authToken": OperationLimit(rate=0.1, burst=5),
    **{
        op: _API
        for op in (
            "getProducts",
            "getProductsCount",
            "updateInventory",
            "getPendency",
            "getOrders",
            "getReturns",
            "getSettlements",
            "getSettlementLines",
            "getSettlementStatement",
            # full processing (issue 5)
            "uploadConfirmations",
            "uploadB2bInvoice",
            "getShipment",
            "getShippingLabel",
            "getCustomerInvoice",
            "createManifest",
            "listManifests",
            "getManifest",
            "getManifestPdf",
        )
    },
}


def _epoch_chunks(start: datetime, end: datetime, width: timedelta) -> Iterator[tuple[int, int]]:
    """[start, end) as inclusive epoch-second windows (``from_date``/``to_date``) at most ``width`` wide."""
    lo = math.floor(start.timestamp())
    hi = math.ceil(end.timestamp()) - 1
    step = int(width.total_seconds())
    while lo <= hi:
        top = min(hi, lo + step - 1)
        yield lo, top
        lo = top + 1


class AjioClient(MarketplaceClient[AjioAuth]):
    """One account's connection to the AJIO API (``AjioAdapter.open_client``); close it when done."""

    def get(self, operation: str, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.http.request_json(operation, "GET", path, auth=self.auth, params=params)

    # ------------------------------------------------------------- listings
    def pages(
        self, operation: str, path: str, key: str, id_key: str, params: Mapping[str, Any]
    ) -> Iterator[list[dict[str, Any]]]:
        """All records of a page-numbered listing, robust to the listing moving under us.

        * A record repeated from an earlier page (something was inserted before it) is skipped.
        * When ``totalElements`` shrinks, records served earlier left the filter (they were updated
          past the window end): everything after them moved back, so step back by that many positions
          and read again rather than skip the records that slid onto pages already read.
        """
        page = 0
        expected: int | None = None
        recent: deque[set[str]] = deque(maxlen=3)
        step_backs = 0
        while True:
            body = self.get(operation, path, {**params, "page": page, "size": PAGE_SIZE})
            rows = body.get(key) or []
            meta = body.get("page") or {}
            total = int(meta.get("totalElements", len(rows)))
            total_pages = int(meta.get("totalPages", 1 if rows else 0))
            if expected is not None and total < expected:
                step_backs += 1
                if step_backs > MAX_STEP_BACKS:
                    raise TransientMarketplaceError(f"AJIO {operation}: the listing kept changing while paging")
                page = max(0, (page * PAGE_SIZE - (expected - total)) // PAGE_SIZE)
                expected = total
                continue  # this page's rows are read again after the step back
            expected = total
            ids: set[str] = set()
            fresh = []
            for row in rows:
                rid = f"{row.get(id_key)}@{row.get('updated_at')}"  # a changed record is not a repeat
                if rid in ids or any(rid in seen for seen in recent):
                    continue
                ids.add(rid)
                fresh.append(row)
            recent.append(ids)
            if fresh:
                yield fresh
            page += 1
            if not rows or page >= total_pages:
                return

    def pendency(self, start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        for lo, hi in _epoch_chunks(start, end, PENDENCY_WINDOW):
            yield from self.pages(
                "getPendency", "/orders/pendency", "orders", "order_id", {"from_date": lo, "to_date": hi}
            )

    def purchase_orders(self, start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        for lo, hi in _epoch_chunks(start, end, ORDERS_WINDOW):
            yield from self.pages("getOrders", "/orders", "orders", "order_id", {"from_date": lo, "to_date": hi})

    def returns(self, start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        for lo, hi in _epoch_chunks(start, end, RETURNS_WINDOW):
            yield from self.pages("getReturns", "/returns", "returns", "return_id", {"from_date": lo, "to_date": hi})

    def settlements(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Settlements whose cycle ended in the window (by IST date), looking back far enough to see
        SCHEDULED -> PAID. The listing is small (two cycles a month) and not paged."""
        body = self.get(
            "getSettlements",
            "/payments/settlements",
            {
                "from_date": ist_day(start - SETTLEMENT_LOOKBACK).isoformat(),
                "to_date": ist_day(end).isoformat(),
            },
        )
        return list(body.get("settlements") or [])

    def settlement_lines(self, settlement: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every line of one settlement, checked against its header (count and net amount).

        The CSV statement gives all lines in one call; when it does not add up (a cut body) the
        JSON lines listing is read instead, de-duplicated by line id.
        """
        sid = str(settlement["settlement_id"])
        want_net = money(settlement["net_amount"])
        want_count = settlement.get("line_count")
        for _ in range(2):
            lines = self._statement_csv(sid)
            if lines is not None and _adds_up(lines, want_net, want_count):
                return lines
        by_id: dict[str, dict[str, Any]] = {}
        for rows in self.pages("getSettlementLines", f"/payments/settlements/{sid}/lines", "lines", "line_id", {}):
            for row in rows:
                by_id[str(row["line_id"])] = row
        return list(by_id.values())

    def _statement_csv(self, sid: str) -> list[dict[str, Any]] | None:
        response = self.http.request(
            "getSettlementStatement", "GET", f"/payments/settlements/{sid}/statement.csv", auth=self.auth
        )
        try:
            rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        except (UnicodeDecodeError, csv.Error):
            return None
        out: list[dict[str, Any]] = []
        for row in rows:
            if not row.get("line_id") or row.get("amount") in (None, ""):
                return None
            out.append({k: (v if v != "" else None) for k, v in row.items()})
        return out

    # ------------------------------------------------------------- inventory
    def update_inventory(self, items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        body = self.http.request_json(
            "updateInventory", "POST", "/updateInventory", auth=self.auth, json_body={"inventory": list(items)}
        )
        return body if isinstance(body, dict) else {}

    def product_inventory(self, sku: str) -> int | None:
        """AJIO's declared inventory of one SKU (``GET /products?sku=``), None when AJIO does not know it."""
        body = self.get("getProducts", "/products", {"sku": sku, "page": 0, "size": 1})
        rows = body.get("products") or []
        return int(rows[0].get("inventory") or 0) if rows else None

    # ------------------------------------------------------------- full processing
    def order(self, order_id: str) -> dict[str, Any] | None:
        """One acknowledged order with its PO (``GET /orders?order_id=``); None while it is in pendency."""
        body = self.get("getOrders", "/orders", {"order_id": order_id, "page": 0, "size": 1})
        rows = body.get("orders") or []
        return dict(rows[0]) if rows else None

    def open_pendency(self, now: datetime) -> list[dict[str, Any]]:
        """Every order awaiting an acknowledgement (ack window 24 h, so one 7-day chunk covers it)."""
        out: list[dict[str, Any]] = []
        for rows in self.pendency(now - timedelta(days=2), now + timedelta(seconds=1)):
            out += rows
        return out

    def upload_confirmations(self, batch_ref: str, orders: Sequence[Mapping[str, Any]]) -> tuple[int, dict[str, Any]]:
        """``POST /orders/confirmations``: all-or-nothing; 422 BATCH_REJECTED names the failing lines in
        ``errors[].field`` (``orders[i]…``). ``batch_ref`` is idempotent for 24 h."""
        response = self.http.request(
            "uploadConfirmations",
            "POST",
            "/orders/confirmations",
            auth=self.auth,
            json_body={"batch_ref": batch_ref, "orders": list(orders)},
            ok_statuses=frozenset({200, 422}),
        )
        return response.status_code, _json_obj(response)

    def upload_b2b_invoice(self, order_id: str, invoice: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        response = self.http.request(
            "uploadB2bInvoice",
            "POST",
            f"/orders/{order_id}/b2b-invoice",
            auth=self.auth,
            json_body=dict(invoice),
            ok_statuses=frozenset({200, 422}),
        )
        return response.status_code, _json_obj(response)

    def shipment(self, order_id: str) -> dict[str, Any]:
        body = self.get("getShipment", f"/orders/{order_id}/shipment")
        return dict(body) if isinstance(body, dict) else {}

    def document(self, operation: str, path: str) -> bytes | None:
        """A PDF, or None while AJIO answers 409 LABEL_NOT_READY."""
        response = self.http.request(operation, "GET", path, auth=self.auth, ok_statuses=frozenset({200, 409}))
        return None if response.status_code == 409 else response.content

    def manifests_on(self, day: str) -> list[dict[str, Any]]:
        body = self.get("listManifests", "/manifests", {"date": day})
        return list(body.get("manifests") or [])

    def create_manifest(self, courier: str, shipment_ids: Sequence[str]) -> tuple[int, dict[str, Any]]:
        response = self.http.request(
            "createManifest",
            "POST",
            "/manifests",
            auth=self.auth,
            json_body={"courier_name": courier, "shipment_ids": list(shipment_ids)},
            ok_statuses=frozenset({200, 400, 422}),
        )
        return response.status_code, _json_obj(response)

    def products(self) -> Iterator[dict[str, Any]]:
        """The whole catalog, one page of 50 at a time."""
        page = 0
        while True:
            body = self.get("getProducts", "/products", {"page": page, "size": 50})
            yield from body.get("products") or []
            page += 1
            if page >= int((body.get("page") or {}).get("totalPages") or 0):
                return

    def products_count(self) -> int:
        body = self.get("getProductsCount", "/products/count")
        return int(body.get("count") or 0)


def _json_obj(response: httpx.Response) -> dict[str, Any]:
    try:
        body = json_of(response)
    except ValueError as exc:
        raise TransientMarketplaceError(
            f"AJIO answered HTTP {response.status_code} with a body that is not JSON"
        ) from exc
    return body if isinstance(body, dict) else {}


def _adds_up(lines: Sequence[Mapping[str, Any]], net: Decimal, count: Any) -> bool:
    try:
        total = sum((money(ln["amount"]) for ln in lines), Decimal("0.00"))
    except (ValueError, ArithmeticError, KeyError):
        return False
    if count is not None and int(count) != len(lines):
        return False
    return total == net
