"""The Flipkart Marketplace Seller API client: endpoints, limits, page generators, processing calls.

Every call goes through ``MarketplaceHttp`` (client-side rate limits, retries with backoff, one token
refresh on ``invalid_token``). Listings are generators yielding one page of raw JSON at a time, so
memory stays flat. docs/adapters/flipkart.md describes the API as Robnu uses it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from robnu.adapters.client import MarketplaceClient
from robnu.adapters.errors import MarketplaceRequestError, TransientMarketplaceError
from robnu.adapters.flipkart.auth import FlipkartAuth
from robnu.adapters.flipkart.mapping import fk_time, parse_ts
from robnu.adapters.http import MarketplaceHttp
from robnu.adapters.ratelimit import OperationLimit

CODE = "FLIPKART"
ENDPOINT = "api"
DEFAULT_BASE_URL = "https://api.flipkart.net"  # production host

SEARCH_PATH = "/sellers/v3/shipments/filter"
SHIPMENTS_PATH = "/sellers/v3/shipments"
RETURNS_PATH = "/sellers/v2/returns"
INVENTORY_PATH = "/sellers/listings/v3/update/inventory"
LISTINGS_PATH = "/sellers/listings/v3"  # GET /sellers/listings/v3/{skuIds}, comma-separated
PACK_PATH = "/sellers/v3/shipments/labels"  # pack: label + invoice generation
DISPATCH_PATH = "/sellers/v3/shipments/dispatch"  # ready-to-dispatch (RTD)
HANDOVER_PATH = "/sellers/v3/shipments/handover/counts"
MANIFEST_PATH = "/sellers/v3/shipments/manifest"
SEARCH_PAGE = 20  # every integrator uses 20; the sandbox caps there
LOOKUP_BATCH = 100  # <= 100 ids per lookup / details call
INVENTORY_BATCH = 10  # <= 10 SKUs per update
# modelled: the reference gives no cap for the listing read; the sandbox takes <= 10 SKUs a call, like the
# inventory and price updates, and so does the client.
LISTINGS_BATCH = 10
ACTION_BATCH = 25  # <= 25 shipments per pack / RTD call
MAX_RESTARTS = 50  # per listing: expired page tokens restart from the last key seen

# The search's filter groups. PRE/CANCELLED are the documented lists. For postDispatch we also ask for the
# post-delivery statuses (the OAS ``states`` enum lists them; the legacy group list does not), so that
# orders moving on to RETURN_REQUESTED / RETURNED / COMPLETED are seen; a marketplace refusing them
# (400) gets the documented list instead.
PRE_DISPATCH = ("APPROVED", "PACKING_IN_PROGRESS", "FORM_FAILED", "PACKED", "READY_TO_DISPATCH")
POST_DISPATCH = ("PICKUP_COMPLETE", "SHIPPED", "DELIVERED")
POST_DELIVERY = ("RETURN_REQUESTED", "RETURNED", "COMPLETED")
CANCELLATION_TYPES = ("sellerCancellation", "buyerCancellation", "marketplaceCancellation")
RETURN_SOURCES = ("customer_return", "courier_return")

# Flipkart publishes no rate limits: the sandbox's modelled ones, which the client keeps under.
_API = OperationLimit(rate=10, burst=20)
LIMITS: dict[str, OperationLimit] = {
    "token": OperationLimit(rate=1, burst=5),
    "searchShipments": _API,
    "getShipmentsByIds": _API,
    "getShipmentDetails": _API,
    "getReturns": _API,
    "updateInventory": _API,
    "getListings": _API,
    "pack": _API,
    "markRTD": _API,
    "handoverCounts": _API,
    "getLabels": OperationLimit(rate=5, burst=10),  # modelled, like the sandbox's
    "getInvoices": OperationLimit(rate=5, burst=10),
    "manifest": OperationLimit(rate=2, burst=5),
    "reportTrigger": OperationLimit(rate=1, burst=5),
    "reportDetail": _API,
    "reportDownload": OperationLimit(rate=1, burst=5),
}


class FlipkartClient(MarketplaceClient[FlipkartAuth]):
    """One account's API session (``FlipkartAdapter.open_client``): close it (``with`` or ``close()``) when
    done. The settlement report is read by ``settlements.settlement_rows``."""

    def __init__(self, http: MarketplaceHttp, auth: FlipkartAuth) -> None:
        super().__init__(http, auth)
        self.post_dispatch_states: tuple[str, ...] = POST_DISPATCH + POST_DELIVERY
        self.restarts = 0

    @property
    def location_id(self) -> str:
        return self.auth.creds.location_id

    def request_json(self, operation: str, method: str, url: str, **kwargs: Any) -> Any:
        """One authenticated call answered as JSON."""
        return self.http.request_json(operation, method, url, auth=self.auth, **kwargs)

    # ------------------------------------------------------------------ shipments
    def search_filters(self) -> list[dict[str, Any]]:
        """Every filter whose union is all shipments: preDispatch, postDispatch, cancelled x 3 types."""
        filters: list[dict[str, Any]] = [
            {"type": "preDispatch", "states": list(PRE_DISPATCH)},
            {"type": "postDispatch", "states": list(self.post_dispatch_states)},
        ]
        filters += [{"type": "cancelled", "states": ["CANCELLED"], "cancellationType": t} for t in CANCELLATION_TYPES]
        return filters

    def modified_shipments(self, start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        """Pages of shipments whose ``updatedAt`` is in [start, end], over every filter group.

        The search has no "updated since" parameter of its own: ``modifiedDate`` range + sort by
        ``modifiedDate`` asc, per group. An expired page token restarts the group's listing from
        the last ``updatedAt`` seen (records at that instant come again; the engine's upsert dedupes).
        """
        for flt in self.search_filters():
            yield from self._search(flt, start, end)

    def _search(self, flt: dict[str, Any], start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        resume = start
        restarts = 0
        while True:
            body = {
                "filter": {**flt, "modifiedDate": {"from": fk_time(resume), "to": fk_time(end)}},
                "pagination": {"pageSize": SEARCH_PAGE},
                "sort": {"field": "modifiedDate", "order": "asc"},
            }
            try:
                page = self.request_json("searchShipments", "POST", SEARCH_PATH, json_body=body)
            except MarketplaceRequestError as exc:
                if exc.http_status == 400 and flt["type"] == "postDispatch" and len(flt["states"]) > len(POST_DISPATCH):
                    # the marketplace only takes the documented postDispatch states
                    self.post_dispatch_states = POST_DISPATCH
                    flt = {**flt, "states": list(POST_DISPATCH)}
                    continue
                raise
            try:
                while True:
                    shipments = list(page.get("shipments") or [])
                    if shipments:
                        yield shipments
                        last = shipments[-1].get("updatedAt")
                        if isinstance(last, str) and last:
                            resume = max(resume, parse_ts(last))
                    if not page.get("hasMore") or not page.get("nextPageUrl"):  # key on hasMore
                        return
                    page = self.request_json("searchShipments", "GET", "/sellers" + str(page["nextPageUrl"]))
            except MarketplaceRequestError as exc:
                if exc.http_status != 400 or restarts >= MAX_RESTARTS:
                    raise
                restarts += 1
                self.restarts += 1
                # the page token expired: search again from the last key seen

    def shipments_by_order_ids(self, order_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Every shipment of these orders (``GET /v3/shipments?orderIds=``), <= 100 ids a call."""
        out: list[dict[str, Any]] = []
        for n in range(0, len(order_ids), LOOKUP_BATCH):
            chunk = order_ids[n : n + LOOKUP_BATCH]
            body = self.request_json("getShipmentsByIds", "GET", SHIPMENTS_PATH, params={"orderIds": ",".join(chunk)})
            out.extend(body.get("shipments") or [])
        return out

    def shipment_details(self, shipment_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Shipping details (AWB, courier, delivery address) per shipment id, <= 100 ids a call."""
        out: dict[str, dict[str, Any]] = {}
        for n in range(0, len(shipment_ids), LOOKUP_BATCH):
            chunk = shipment_ids[n : n + LOOKUP_BATCH]
            body = self.request_json("getShipmentDetails", "GET", f"{SHIPMENTS_PATH}/{','.join(chunk)}")
            for sh in body.get("shipments") or []:
                if isinstance(sh, dict) and sh.get("shipmentId"):
                    out[str(sh["shipmentId"])] = sh
        return out

    def probe(self, now: datetime) -> None:
        """The cheapest authenticated call: one search page of one shipment over the last second."""
        body = {
            "filter": {
                "type": "preDispatch",
                "states": list(PRE_DISPATCH),
                "modifiedDate": {"from": fk_time(now - timedelta(seconds=1)), "to": fk_time(now)},
            },
            "pagination": {"pageSize": 1},
        }
        self.request_json("searchShipments", "POST", SEARCH_PATH, json_body=body)

    # ------------------------------------------------------------------ returns
    def modified_returns(self, start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        """Pages of return items modified in [start, end], customer returns then RTOs."""
        for source in RETURN_SOURCES:
            yield from self._returns(source, start, end)

    def _returns(self, source: str, start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        resume = start
        restarts = 0
        while True:
            params = {"source": source, "modifiedAfter": fk_time(resume), "modifiedBefore": fk_time(end)}
            page = self.request_json("getReturns", "GET", RETURNS_PATH, params=params)
            try:
                while True:
                    items = list(page.get("returnItems") or [])
                    if items:
                        yield items
                        last = items[-1].get("updatedDate")
                        if isinstance(last, str) and last:
                            resume = max(resume, parse_ts(last))
                    if not page.get("hasMore") or not page.get("nextUrl"):
                        return
                    page = self.request_json("getReturns", "GET", _returns_next_url(str(page["nextUrl"])))
            except MarketplaceRequestError as exc:
                if exc.http_status != 400 or restarts >= MAX_RESTARTS:
                    raise
                restarts += 1
                self.restarts += 1

    # ------------------------------------------------------------------ inventory
    def update_inventory(self, body: Mapping[str, Any]) -> dict[str, Any]:
        if not 1 <= len(body) <= INVENTORY_BATCH:
            raise ValueError(f"an inventory update takes 1 to {INVENTORY_BATCH} SKUs")
        result = self.request_json("updateInventory", "POST", INVENTORY_PATH, json_body=dict(body))
        return result if isinstance(result, dict) else {}

    def listings(self, skus: Sequence[str]) -> Iterator[dict[str, Any]]:
        """``available`` of ``GET /sellers/listings/v3/{skuIds}`` per call of <= LISTINGS_BATCH SKUs:
        seller SKU -> listing. SKUs Flipkart does not know come back ``unavailable`` (or ``invalid``): they
        are not listings, and are not returned.

        The SKUs travel percent-encoded in one path segment, separated by commas. A SKU holding a comma or
        a slash cannot be named in such a list (servers decode the path before splitting and routing it), so
        it is asked alone; a 400 or 404 to that lone call means Flipkart cannot read it: not a listing
        (modelled: Flipkart documents neither case).
        """
        plain = [sku for sku in skus if sku and not _awkward(sku)]
        for n in range(0, len(plain), LISTINGS_BATCH):
            yield self._listings(plain[n : n + LISTINGS_BATCH])
        for sku in skus:
            if sku and _awkward(sku):
                try:
                    yield self._listings([sku])
                except MarketplaceRequestError as exc:
                    if exc.http_status not in (400, 404):
                        raise

    def _listings(self, skus: Sequence[str]) -> dict[str, Any]:
        path = f"{LISTINGS_PATH}/{','.join(quote(sku, safe='') for sku in skus)}"
        body = self.request_json("getListings", "GET", path)
        available = body.get("available") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(available, dict | None):
            raise TransientMarketplaceError("Flipkart getListings answered without an `available` map")
        return dict(available or {})

    # ------------------------------------------------------------------ processing
    def shipments_by_ids(self, shipment_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The current shipment object per shipment id (``GET /v3/shipments?shipmentIds=``)."""
        out: dict[str, dict[str, Any]] = {}
        for n in range(0, len(shipment_ids), LOOKUP_BATCH):
            chunk = shipment_ids[n : n + LOOKUP_BATCH]
            body = self.request_json(
                "getShipmentsByIds", "GET", SHIPMENTS_PATH, params={"shipmentIds": ",".join(chunk)}
            )
            for sh in body.get("shipments") or []:
                if isinstance(sh, dict) and sh.get("shipmentId"):
                    out[str(sh["shipmentId"])] = sh
        return out

    def pack(self, entries: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        """``POST /v3/shipments/labels`` (<= 25): per-shipment ``status``/``errorCode`` by shipment id."""
        if not 1 <= len(entries) <= ACTION_BATCH:
            raise ValueError(f"a pack call takes 1 to {ACTION_BATCH} shipments")
        body = self.request_json("pack", "POST", PACK_PATH, json_body={"shipments": list(entries)})
        return _statuses(body)

    def mark_rtd(self, shipment_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``POST /v3/shipments/dispatch`` (<= 25): PACKED -> READY_TO_DISPATCH, per-shipment status."""
        if not 1 <= len(shipment_ids) <= ACTION_BATCH:
            raise ValueError(f"an RTD call takes 1 to {ACTION_BATCH} shipments")
        body = {"shipmentIds": list(shipment_ids), "locationId": self.location_id}
        return _statuses(self.request_json("markRTD", "POST", DISPATCH_PATH, json_body=body))

    def _pdf(self, operation: str, method: str, url: str, **kwargs: Any) -> bytes:
        response = self.http.request(
            operation, method, url, auth=self.auth, headers={"Accept": "application/pdf"}, **kwargs
        )
        if not response.content.startswith(b"%PDF"):
            raise TransientMarketplaceError(
                f"Flipkart {operation} did not answer a PDF", http_status=response.status_code
            )
        return response.content

    def label_pdf(self, shipment_id: str) -> bytes:
        """Label + tax invoice PDF of a packed shipment (``GET /v3/shipments/{ids}/labels``)."""
        return self._pdf("getLabels", "GET", f"{SHIPMENTS_PATH}/{shipment_id}/labels")

    def invoice_pdf(self, shipment_id: str) -> bytes:
        """The customer invoice PDF of a packed shipment (``GET /v3/shipments/{ids}/invoices``)."""
        return self._pdf("getInvoices", "GET", f"{SHIPMENTS_PATH}/{shipment_id}/invoices")

    def handover_counts(self) -> list[dict[str, Any]]:
        """RTD shipments awaiting pickup per vendor group, with the pickup window."""
        body = self.request_json("handoverCounts", "GET", HANDOVER_PATH, params={"locationId": self.location_id})
        return [g for g in body if isinstance(g, dict)] if isinstance(body, list) else []

    def manifest_pdf(self, vendor_group: str, pickup: Mapping[str, Any], *, mps: bool = False) -> bytes:
        """The manifest PDF of the vendor group's RTD shipments (``POST /v3/shipments/manifest``)."""
        params = {
            "vendorGroupCode": vendor_group,
            "pickupDate": dict(pickup),
            "locationId": self.location_id,
            "is_mps": mps,
        }
        return self._pdf("manifest", "POST", MANIFEST_PATH, json_body={"params": params})


def _statuses(body: Any) -> dict[str, dict[str, Any]]:
    """``ShipmentStatusResponseV3`` by shipment id; the legacy ``processingStatus`` is read as ``status``."""
    out: dict[str, dict[str, Any]] = {}
    for r in (body.get("shipments") if isinstance(body, dict) else None) or []:
        if isinstance(r, dict) and r.get("shipmentId"):
            status = str(r.get("status") or r.get("processingStatus") or "").upper()
            out[str(r["shipmentId"])] = {**r, "status": status}
    return out


def _awkward(sku: str) -> bool:
    """A SKU that cannot share the comma-separated ``{skuIds}`` path segment with others."""
    return "," in sku or "/" in sku


def _returns_next_url(next_url: str) -> str:
    """``nextUrl`` is ``/returns/search/<opaque>`` relative to ``/sellers/v2`` (modelled prefix)."""
    if next_url.startswith(("http://", "https://", "/sellers/")):
        return next_url
    return "/sellers/v2" + next_url
