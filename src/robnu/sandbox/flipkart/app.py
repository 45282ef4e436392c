"""The Flipkart Marketplace Seller API v3 routes (reference §2, §5-§10, §13, §14).

Every handler starts with ``kit.guard`` (rate limit + generic faults), then checks the bearer token.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import zlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from robnu.sandbox.faults import FaultKind
from robnu.sandbox.flipkart import cursor, serialize
from robnu.sandbox.flipkart.auth import TokenStore
from robnu.sandbox.flipkart.documents import invoices_pdf, labels_pdf, manifest_pdf
from robnu.sandbox.flipkart.errors import fail
from robnu.sandbox.flipkart.ids import iso, parse_iso
from robnu.sandbox.flipkart.model import (
    APPROVED,
    FORM_FAILED,
    PACKED,
    PACKING_IN_PROGRESS,
    READY_TO_DISPATCH,
    Shipment,
)
from robnu.sandbox.flipkart.reports import Reports
from robnu.sandbox.flipkart.search import search_returns, search_shipments, sort_key
from robnu.sandbox.flipkart.testdata import ROUTES as TEST_DATA_ROUTES
from robnu.sandbox.flipkart.testdata import Handler
from robnu.sandbox.flipkart.world import World
from robnu.sandbox.kit import SandboxKit

PAGE_SIZE_MAX = 20  # [corroborated cap], larger → 400 [modelled]
RETURNS_PAGE = 25
CANCEL_REASONS = frozenset({"cannot_procure_item", "not_enough_inventory", "b2b_order"})
INVOICE_RE = re.compile(r"^[A-Za-z0-9/-]{1,16}$")
VENDOR_GROUP = "EKART"  # modelled: every sandbox shipment goes with Ekart


async def raw_body(request: Request) -> bytes:
    return await request.body()


def parse_json(body: bytes) -> Any:
    if not body.strip():
        raise fail(400, "Request body is required")
    try:
        return json.loads(body)
    except ValueError:
        raise fail(400, "Malformed JSON request body") from None


def _ids(raw: str, limit: int, what: str = "shipmentIds") -> list[str]:
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if not values:
        raise fail(400, f"{what} is required")
    if len(values) > limit:
        raise fail(400, f"At most {limit} {what} per request")
    return values


def _result(shipment_id: str, error: str | None = None, message: str | None = None) -> dict[str, Any]:
    return {
        "shipmentId": shipment_id,
        "status": "FAILURE" if error else "SUCCESS",
        "errorCode": error,
        "errorMessage": message,
    }


class FlipkartApi:
    def __init__(self, kit: SandboxKit, world: World, tokens: TokenStore, reports: Reports) -> None:
        self.kit = kit
        self.world = world
        self.tokens = tokens
        self.reports = reports
        self.form_fail_switch: set[str] = set()
        # §7: the OAS/SDK say "status"; the legacy docs say "processingStatus" (config flag, default off)
        self.legacy_processing_status = False

    # ------------------------------------------------------------------ helpers
    def results(self, results: list[dict[str, Any]]) -> dict[str, Any]:
        if self.legacy_processing_status:
            results = [{("processingStatus" if k == "status" else k): v for k, v in r.items()} for r in results]
        return {"shipments": results}

    def locked(self, endpoint: Callable[..., Any]) -> Callable[..., Any]:
        """Run a route holding the world lock from ``enter`` on (after the rate limit and slow faults)."""

        @functools.wraps(endpoint)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return endpoint(*args, **kwargs)
            finally:
                request = kwargs.get("request")
                if request is not None and getattr(request.state, "fk_locked", False):
                    request.state.fk_locked = False
                    self.world.lock.release()

        return run

    def enter(self, request: Request, operation: str) -> str:
        key = self.tokens.peek(request)
        self.kit.guard(request, operation, key)
        self.world.lock.acquire()
        request.state.fk_locked = True
        if key is not None:
            if self.kit.faults.take_one(operation, FaultKind.TOKEN_EXPIRED, key):
                self.tokens.expire(request)
            if self.kit.faults.take_one(operation, FaultKind.REVOKED_CREDENTIALS, key):
                self.world.revoke(key)
        key = self.tokens.require(request)
        self.world.tick(key)
        return key

    def own(self, key: str, shipment_id: str) -> Shipment | None:
        sh = self.world.shipments.get(shipment_id)
        return sh if sh is not None and sh.account_key == key else None

    def owned(self, key: str, shipment_ids: list[str]) -> list[Shipment]:
        found = []
        for sid in shipment_ids:
            sh = self.own(key, sid)
            if sh is None:
                raise fail(404, f"Shipment {sid} not found", "NOT_FOUND")
            found.append(sh)
        return found

    def actionable(self, sh: Shipment) -> str | None:
        if sh.hold:
            return "Shipment is on hold"
        if self.world.clock.now() < sh.dispatch_after:
            return "Shipment cannot be processed before dispatchAfterDate"
        return None

    # ------------------------------------------------------------------ oauth (§2)
    def token(self, request: Request, body: bytes) -> dict[str, Any]:
        """GET query or POST form; Basic auth with appId:appSecret."""
        params = {k: v for k, v in request.query_params.items()}
        if request.method == "POST" and body:
            params.update({k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()})
        app_id = self._basic_app_id(request)
        self.kit.guard(request, "token", self.world.by_app_id.get(app_id or ""))
        token, scope = self.tokens.issue(
            request.headers.get("authorization"), params.get("grant_type"), params.get("scope")
        )
        return {
            "access_token": token.value,
            "token_type": "bearer",
            "expires_in": self.tokens.remaining_seconds(token),
            "scope": scope,
        }

    @staticmethod
    def _basic_app_id(request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            return base64.b64decode(header[6:].strip()).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return None

    # ------------------------------------------------------------------ search
    def search(self, request: Request, body: bytes) -> dict[str, Any]:
        key = self.enter(request, "searchShipments")
        payload = parse_json(body)
        if not isinstance(payload, dict) or not isinstance(payload.get("filter"), dict):
            raise fail(400, "filter is required")
        flt = payload["filter"]
        group = flt.get("type")
        from robnu.sandbox.flipkart.model import GROUPS, SEARCHABLE

        if group not in GROUPS:
            raise fail(400, "filter.type must be one of preDispatch, postDispatch, cancelled")
        states = flt.get("states")
        if group != "cancelled" and not states:
            raise fail(400, "filter.states is required")
        if states and (not isinstance(states, list) or not set(states) <= SEARCHABLE[group]):
            raise fail(400, f"filter.states must be a subset of {sorted(SEARCHABLE[group])} for {group}")
        if group == "cancelled" and flt.get("cancellationType") not in (
            "sellerCancellation",
            "buyerCancellation",
            "marketplaceCancellation",
        ):
            raise fail(400, "filter.cancellationType is required for cancelled shipments")
        for name in ("orderDate", "dispatchAfterDate", "dispatchByDate", "modifiedDate", "cancellationDate"):
            rng = flt.get(name)
            if rng is not None:
                try:
                    for edge in ("from", "to"):
                        if isinstance(rng, dict) and rng.get(edge):
                            parse_iso(str(rng[edge]))
                except ValueError:
                    raise fail(400, f"filter.{name} must hold ISO 8601 dates") from None
        page_size = (payload.get("pagination") or {}).get("pageSize", PAGE_SIZE_MAX)
        if not isinstance(page_size, int) or not 1 <= page_size <= PAGE_SIZE_MAX:
            raise fail(400, f"pagination.pageSize must be between 1 and {PAGE_SIZE_MAX}")
        sort = payload.get("sort") or {}
        field = sort.get("field", "orderDate")  # modelled default
        order = sort.get("order", "asc")
        if field not in ("dispatchByDate", "orderDate", "modifiedDate", "dispatchAfterDate") or order not in (
            "asc",
            "desc",
        ):
            raise fail(400, "sort.field or sort.order is invalid")
        query = {"filter": flt, "pageSize": page_size, "field": field, "order": order}
        return self._search_page(key, query, None)

    def search_next(self, request: Request) -> dict[str, Any]:
        key = self.enter(request, "searchShipments")
        token = request.query_params.get("next_token", "")
        state = cursor.decode(token)
        if state is None or state.get("sellerId") != key or "q" not in state:
            raise fail(400, "Invalid next_token", "BAD_REQUEST")
        if self.kit.faults.take_one("searchShipments", FaultKind.PAGE_TOKEN_EXPIRED, key):
            raise fail(400, "next_token has expired; restart the search", "BAD_REQUEST")
        after = (float(state["token"][0]), str(state["token"][1]))
        return self._search_page(key, state["q"], after)

    def _search_page(self, key: str, query: dict[str, Any], after: tuple[float, str] | None) -> dict[str, Any]:
        flt = query["filter"]
        desc = query["order"] == "desc"
        page, more = search_shipments(self.world, key, flt, query["field"], desc, query["pageSize"], after)
        served = [serialize.shipment(self.world, sh) for sh in page]
        if after is not None and self.kit.faults.take_one("searchShipments", FaultKind.DUPLICATE_ACROSS_PAGES, key):
            prev = self.world.shipments.get(after[1])
            if prev is not None:
                served.insert(0, serialize.shipment(self.world, prev))
        if page and self.kit.faults.take_one("searchShipments", FaultKind.CHANGE_BETWEEN_PAGES, key):
            # the first record of this page changes after it was served: its updatedAt moves to now
            self.world.touch(page[0])
        body: dict[str, Any] = {"hasMore": more, "shipments": served}
        if page:
            last = sort_key(page[-1], query["field"])
            token = cursor.encode(
                {
                    "filterType": flt["type"],
                    "sellerId": key,
                    "token": list(last),
                    "view": "order_api.v3.shipment",
                    "template": f"oapi_{flt['type']}",
                    "q": query,
                }
            )
            body["nextPageUrl"] = f"/v3/shipments/filter?next_token={token}"
        return body

    # ------------------------------------------------------------------ lookups
    def by_ids(self, request: Request) -> dict[str, Any]:
        key = self.enter(request, "getShipmentsByIds")
        given = {k: request.query_params.get(k) for k in ("shipmentIds", "orderItemIds", "orderIds")}
        kinds = [k for k, v in given.items() if v]
        if len(kinds) != 1:
            raise fail(400, "Give exactly one of shipmentIds, orderItemIds or orderIds")
        values = _ids(str(given[kinds[0]]), 100, kinds[0])
        found: dict[str, Shipment] = {}
        for value in values:
            sids: list[str] = []
            if kinds[0] == "shipmentIds":
                sids = [value]
            elif kinds[0] == "orderIds":
                sids = self.world.orders.get(value, [])
            elif value in self.world.order_items:
                sids = [self.world.order_items[value][0]]
            for sid in sids:
                sh = self.own(key, sid)
                if sh is not None:
                    found[sid] = sh
        return {"shipments": [serialize.shipment(self.world, sh) for sh in found.values()]}

    def details(self, request: Request, shipmentIds: str) -> dict[str, Any]:
        key = self.enter(request, "getShipmentDetails")
        ids = _ids(shipmentIds, 100)
        return {
            "shipments": [
                serialize.shipment_details(self.world, sh) for sh in (self.own(key, s) for s in ids) if sh is not None
            ]
        }

    # ------------------------------------------------------------------ pack / rtd / cancel / forms
    def pack(self, request: Request, body: bytes) -> dict[str, Any]:
        key = self.enter(request, "pack")
        payload = parse_json(body)
        entries = payload.get("shipments") if isinstance(payload, dict) else None
        if not isinstance(entries, list) or not 1 <= len(entries) <= 25:
            raise fail(400, "shipments must hold 1 to 25 entries")
        now = self.world.clock.now()
        results = []
        for entry in entries:
            sid = str(entry.get("shipmentId", "")) if isinstance(entry, dict) else ""
            sh = self.own(key, sid)
            if sh is None:
                results.append(_result(sid, "INVALID_SHIPMENTS", "Shipment not found for this seller"))
                continue
            problem = self.actionable(sh)
            if sh.status != APPROVED or any(i.cancelled_at for i in sh.items if len(sh.items) == 1):
                results.append(_result(sid, "INVALID_ITEM_STATE", f"Shipment is {sh.status}; expected APPROVED"))
                continue
            if problem:
                results.append(_result(sid, "OPERATION_NOT_ALLOWED", problem))
                continue
            tax_items = entry.get("taxItems") or []
            if not tax_items or any(not isinstance(t, dict) or t.get("taxRate") is None for t in tax_items):
                results.append(_result(sid, "UNPROCESSABLE_ENTITY", "taxItems[].taxRate is required"))
                continue
            invoices = entry.get("invoices") or []
            inv = next((i for i in invoices if isinstance(i, dict) and i.get("orderId") == sh.order_id), None)
            if inv is None or not inv.get("invoiceDate"):
                results.append(_result(sid, "UNPROCESSABLE_ENTITY", "invoices[] needs orderId and invoiceDate"))
                continue
            number = inv.get("invoiceNumber")
            if number is not None and not INVOICE_RE.match(str(number)):
                results.append(
                    _result(
                        sid,
                        "UNPROCESSABLE_ENTITY",
                        "invoiceNumber: at most 16 characters of letters, digits, '-' and '/'",
                    )
                )
                continue
            for sub in entry.get("subShipments") or []:
                dims = sub.get("dimensions") if isinstance(sub, dict) else None
                if isinstance(dims, dict):
                    sh.dims = (
                        float(dims.get("length", sh.dims[0])),
                        float(dims.get("breadth", sh.dims[1])),
                        float(dims.get("height", sh.dims[2])),
                        float(dims.get("weight", sh.dims[3])),
                    )
            sh.packed_at = now
            sh.form_failed = sid in self.form_fail_switch
            self.form_fail_switch.discard(sid)
            self.world._assign_invoice(sh, parse_iso(str(inv["invoiceDate"])), number)
            self.world.changed(sh)
            self.world.pushed[key].labels.append(
                {
                    "shipmentId": sid,
                    "at": iso(now),
                    "invoiceNumber": sh.invoice_number,
                    "taxRates": [t.get("taxRate") for t in tax_items],
                }
            )
            results.append(_result(sid))
        return self.results(results)

    def dispatch(self, request: Request, body: bytes) -> dict[str, Any]:
        key = self.enter(request, "markRTD")
        payload = parse_json(body)
        sids = payload.get("shipmentIds") if isinstance(payload, dict) else None
        if not isinstance(sids, list) or not 1 <= len(sids) <= 25:
            raise fail(400, "shipmentIds must hold 1 to 25 ids")
        location = payload.get("locationId")
        now = self.world.clock.now()
        results = []
        for sid in map(str, sids):
            sh = self.own(key, sid)
            if sh is None:
                results.append(_result(sid, "INVALID_SHIPMENTS", "Shipment not found for this seller"))
            elif location and location != sh.location_id:
                results.append(_result(sid, "OPERATION_NOT_ALLOWED", "Shipment belongs to another location"))
            elif sh.status != PACKED:
                results.append(_result(sid, "INVALID_ITEM_STATE", f"Shipment is {sh.status}; expected PACKED"))
            elif sh.hold:
                results.append(_result(sid, "OPERATION_NOT_ALLOWED", "Shipment is on hold"))
            else:
                sh.rtd_at = now
                self.world.changed(sh)
                self.world.pushed[key].dispatches.append(
                    {"shipmentId": sid, "at": iso(now), "slaBreached": now > sh.dispatch_by}
                )
                results.append(_result(sid))
        return self.results(results)

    def cancel(self, request: Request, body: bytes) -> dict[str, Any]:
        key = self.enter(request, "cancelShipments")
        payload = parse_json(body)
        entries = payload.get("shipments") if isinstance(payload, dict) else None
        if not isinstance(entries, list) or not 1 <= len(entries) <= 25:
            raise fail(400, "shipments must hold 1 to 25 entries")
        now = self.world.clock.now()
        results = []
        for entry in entries:
            sid = str(entry.get("shipmentId", "")) if isinstance(entry, dict) else ""
            sh = self.own(key, sid)
            reason = entry.get("reason") if isinstance(entry, dict) else None
            if sh is None:
                results.append(_result(sid, "INVALID_SHIPMENTS", "Shipment not found for this seller"))
                continue
            if reason not in CANCEL_REASONS:
                results.append(
                    _result(
                        sid,
                        "EMPTY_OR_INVALID_REASON_FOR_CANCELLATION",
                        f"reason must be one of {', '.join(sorted(CANCEL_REASONS))}",
                    )
                )
                continue
            if sh.status not in (APPROVED, PACKING_IN_PROGRESS, FORM_FAILED):
                results.append(_result(sid, "INVALID_ITEM_STATE", f"Shipment is {sh.status}; cancel before PACKED"))
                continue
            groups = entry.get("cancellationGroupIds") or ["grp" + i.order_item_id for i in sh.items]
            by_group = {"grp" + i.order_item_id: i for i in sh.items}
            if any(g not in by_group for g in groups):
                results.append(_result(sid, "UNPROCESSABLE_ENTITY", "Unknown cancellationGroupId for this shipment"))
                continue
            for g in groups:
                by_group[g].cancelled_at = now
                by_group[g].cancel_reason = reason
                # modelled (§8): a seller cancellation marks the listing out of stock at that location
                by_group[g].listing.inventory[sh.location_id] = 0
            if all(i.cancelled_at is not None for i in sh.items):
                sh.seller_cancel_at = now
                sh.seller_cancel_reason = reason
            self.world.touch(sh)
            self.world.pushed[key].cancels.append(
                {"shipmentId": sid, "at": iso(now), "reason": reason, "cancellationGroupIds": list(groups)}
            )
            results.append(_result(sid))
        return self.results(results)

    def forms(self, request: Request, shipmentIds: str) -> dict[str, Any]:
        key = self.enter(request, "getForms")
        out = []
        for sh in self.owned(key, _ids(shipmentIds, 100)):
            form = serialize.STATE_FORMS.get(sh.place.state_code) or ("FORM600TG", "https://www.tgct.gov.in/")
            listed = sh.form_failed or sh.place.state_code in serialize.STATE_FORMS
            status = "FAILED" if sh.status == FORM_FAILED else "GENERATED"
            out.append(
                {
                    "shipmentId": sh.shipment_id,
                    "forms": [{"name": form[0], "link": form[1], "automated": not sh.form_failed, "status": status}]
                    if listed
                    else [],
                }
            )
        return {"shipments": out}

    def update_ack(self, request: Request, body: bytes) -> dict[str, Any]:
        key = self.enter(request, "updateAck")
        payload = parse_json(body)
        entries = payload.get("shipments") if isinstance(payload, dict) else None
        if not isinstance(entries, list) or not 1 <= len(entries) <= 25:
            raise fail(400, "shipments must hold 1 to 25 entries")
        now = self.world.clock.now()
        results = []
        for entry in entries:
            sid = str(entry.get("shipmentId", "")) if isinstance(entry, dict) else ""
            sh = self.own(key, sid)
            forms = entry.get("forms") if isinstance(entry, dict) else None
            if sh is None:
                results.append(_result(sid, "INVALID_SHIPMENTS", "Shipment not found for this seller"))
            elif not forms or any(not f.get("name") or not f.get("ackNumber") for f in forms):
                results.append(_result(sid, "UNPROCESSABLE_ENTITY", "forms[] need name and ackNumber"))
            elif sh.status != FORM_FAILED:
                results.append(_result(sid, "INVALID_ITEM_STATE", f"Shipment is {sh.status}; expected FORM_FAILED"))
            else:
                sh.ack_at = now
                self.world.changed(sh)
                self.world.pushed[key].form_acks.append({"shipmentId": sid, "at": iso(now), "forms": forms})
                results.append(_result(sid))
        return self.results(results)

    # ------------------------------------------------------------------ documents
    def _packed(self, key: str, raw: str, limit: int) -> list[Shipment]:
        shipments = self.owned(key, _ids(raw, limit))
        for sh in shipments:
            if sh.packed_at is None or sh.status in (APPROVED, PACKING_IN_PROGRESS, FORM_FAILED):
                raise fail(
                    400,
                    f"Shipment {sh.shipment_id} is {sh.status}; labels exist once PACKED",
                    "INVALID_ITEM_STATE",
                )
        return shipments

    def labels(self, request: Request, shipmentIds: str) -> Response:
        key = self.enter(request, "getLabels")
        pdf = labels_pdf(self.world, self._packed(key, shipmentIds, 100), with_invoice=True)
        return Response(pdf, media_type="application/pdf")

    def label_only_pdf(self, request: Request, shipmentIds: str) -> Response:
        key = self.enter(request, "getLabelsOnlyPDF")
        pdf = labels_pdf(self.world, self._packed(key, shipmentIds, 50), with_invoice=False)
        return Response(pdf, media_type="application/pdf")

    def label_only(self, request: Request, shipmentIds: str) -> Response:
        key = self.enter(request, "getLabelsOnly")
        pdf = labels_pdf(self.world, self._packed(key, shipmentIds, 50), with_invoice=False)
        return Response(pdf, media_type="application/octet-stream")

    def invoices(self, request: Request, shipmentIds: str) -> Response:
        key = self.enter(request, "getInvoices")
        shipments = self._packed(key, shipmentIds, 100)
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"invoices": [serialize.invoice(self.world, sh) for sh in shipments]})
        return Response(invoices_pdf(self.world, shipments), media_type="application/pdf")

    # ------------------------------------------------------------------ handover / manifest
    def _ready(self, key: str, location: str | None) -> list[Shipment]:
        members = self.world.index[key].members.get("preDispatch", {})
        out = [self.world.shipments[s] for s in members]
        return sorted(
            (s for s in out if s.status == READY_TO_DISPATCH and (not location or s.location_id == location)),
            key=lambda s: (s.rtd_at or s.order_date, s.shipment_id),
        )

    def _pickup_window(self) -> dict[str, str]:
        now = self.world.clock.now()
        from robnu.sandbox.flipkart.ids import IST

        day = now.astimezone(IST).replace(hour=10, minute=0, second=0, microsecond=0)
        if now.astimezone(IST).hour >= 18:
            day += timedelta(days=1)
        return {"from": iso(day), "to": iso(day + timedelta(hours=8))}

    def handover(self, request: Request) -> list[dict[str, Any]]:
        key = self.enter(request, "handoverCounts")
        ready = self._ready(key, request.query_params.get("locationId"))
        if not ready:
            return []
        code = f"{zlib.crc32(key.encode() + self._pickup_window()['from'].encode()) % 10**6:06d}"
        return [
            {
                "vendorGroupCode": VENDOR_GROUP,
                "count": len(ready),
                "pickUpDate": self._pickup_window(),
                "otc": {"code": code},
                "isMps": False,
            }
        ]

    def manifest(self, request: Request, body: bytes) -> Response:
        key = self.enter(request, "manifest")
        payload = parse_json(body)
        params = payload.get("params") if isinstance(payload, dict) else None
        if not isinstance(params, dict) or not params.get("vendorGroupCode"):
            raise fail(400, "params.vendorGroupCode is required")
        if params["vendorGroupCode"] != VENDOR_GROUP:
            raise fail(404, f"No shipments for vendorGroupCode {params['vendorGroupCode']}", "NOT_FOUND")
        ready = self._ready(key, params.get("locationId"))
        if not ready:
            raise fail(404, "No ready-to-dispatch shipments to manifest", "NOT_FOUND")
        now = self.world.clock.now()
        manifest_id = f"MNF{zlib.crc32((key + iso(now)).encode()):010d}"
        self.world.pushed[key].manifests.append(
            {
                "manifestId": manifest_id,
                "at": iso(now),
                "vendorGroupCode": VENDOR_GROUP,
                "shipmentIds": [s.shipment_id for s in ready],
            }
        )
        pdf = manifest_pdf(VENDOR_GROUP, params.get("locationId") or ready[0].location_id, ready, manifest_id)
        return Response(pdf, media_type="application/pdf")

    # ------------------------------------------------------------------ returns
    def returns(self, request: Request) -> dict[str, Any]:
        key = self.enter(request, "getReturns")
        params = dict(request.query_params)
        source = params.get("source")
        if source not in ("customer_return", "courier_return"):
            raise fail(400, "source is required: customer_return or courier_return")
        for name in ("createdAfter", "createdBefore", "modifiedAfter", "modifiedBefore"):
            if params.get(name):
                try:
                    parse_iso(params[name])
                except ValueError:
                    raise fail(400, f"{name} must be an ISO 8601 date") from None
        for name in ("returnIds", "trackingIds"):
            if params.get(name):
                wanted = set(_ids(params[name], 25, name))
                rets = (
                    [r for r in (self.world.returns.get(x) for x in wanted) if r]
                    if name == "returnIds"
                    else [
                        self.world.returns[rid]
                        for sid in self.world.index[key].shipments
                        for rid in self.world.returns_of.get(sid, [])
                        if self.world.returns[rid].tracking_id in wanted
                    ]
                )
                rets = [r for r in rets if r.shipment.account_key == key and r.source == source]
                return {"hasMore": False, "returnItems": [serialize.return_item(self.world, r) for r in rets]}
        return self._returns_page(key, source, params, None)

    def returns_next(self, request: Request, token: str) -> dict[str, Any]:
        key = self.enter(request, "getReturns")
        state = cursor.decode(token)
        if state is None or state.get("sellerId") != key:
            raise fail(400, "Invalid page token")
        if self.kit.faults.take_one("getReturns", FaultKind.PAGE_TOKEN_EXPIRED, key):
            raise fail(400, "Page token has expired; restart the search")
        after = (float(state["after"][0]), str(state["after"][1]))
        return self._returns_page(key, state["filter"]["source"], state["filter"]["params"], after)

    def _returns_page(
        self, key: str, source: str, params: dict[str, str], after: tuple[float, str] | None
    ) -> dict[str, Any]:
        page, more, index = search_returns(self.world, key, source, params, RETURNS_PAGE, after)
        items = [serialize.return_item(self.world, r) for r in page]
        if after is not None and self.kit.faults.take_one("getReturns", FaultKind.DUPLICATE_ACROSS_PAGES, key):
            prev = self.world.returns.get(after[1])
            if prev is not None:
                items.insert(0, serialize.return_item(self.world, prev))
        if page and self.kit.faults.take_one("getReturns", FaultKind.CHANGE_BETWEEN_PAGES, key):
            self.world.touch_return(page[0])
        body: dict[str, Any] = {"hasMore": more, "returnItems": items}
        if page:
            last = page[-1]
            at = last.updated_at if index == "modified" else last.created_at
            keep = {
                k: v
                for k, v in params.items()
                if k in ("createdAfter", "createdBefore", "modifiedAfter", "modifiedBefore", "locationId")
            }
            token = cursor.encode(
                {
                    "sellerId": key,
                    "after": [at.timestamp(), last.return_id],
                    "filter": {"source": source, "params": keep},
                    "pagination": {"page_size": RETURNS_PAGE},
                }
            )
            body["nextUrl"] = f"/returns/search/{token}"
        return body

    # ------------------------------------------------------------------ listings
    def update_inventory(self, request: Request, body: bytes) -> dict[str, Any]:
        key = self.enter(request, "updateInventory")
        payload = parse_json(body)
        if not isinstance(payload, dict) or not payload:
            raise fail(400, "Body must map seller SKUs to inventory updates")
        if len(payload) > 10:
            raise fail(400, "At most 10 SKUs per request")
        account = self.world.account(key)
        now = self.world.clock.now()
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
                    pushes = self.world.pushed[key].inventory
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

    def get_listings(self, request: Request, skuIds: str) -> dict[str, Any]:
        key = self.enter(request, "getListings")
        account = self.world.account(key)
        skus = _ids(skuIds, 10, "skuIds")
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

    # ------------------------------------------------------------------ reports (settlements, §13)
    def report_trigger(self, request: Request, report_type: str, body: bytes) -> dict[str, Any]:
        key = self.enter(request, "reportTrigger")
        payload = parse_json(body)
        if not isinstance(payload, dict) or not isinstance(payload.get("parameters"), dict):
            raise fail(400, "parameters is required")
        return {"report_id": self.reports.trigger(key, report_type, payload)}

    def report_detail(self, request: Request, reportId: str) -> dict[str, Any]:
        key = self.enter(request, "reportDetail")
        return self.reports.detail(key, reportId)

    def report_download(self, request: Request, reportId: str) -> Response:
        key = self.enter(request, "reportDownload")
        return Response(self.reports.download(key, reportId), media_type="text/csv; charset=utf-8")

    def test_data(self, operation: str, handler: Handler) -> Callable[[Request, bytes], dict[str, Any]]:
        def run(request: Request, body: bytes) -> dict[str, Any]:
            key = self.enter(request, operation)
            return handler(self.world, key, parse_json(body))

        return run


def mount(app: FastAPI, api: FlipkartApi) -> None:
    """Register the marketplace paths on ``app``."""

    body_dep = Depends(raw_body)

    def add(path: str, endpoint: Callable[..., Any], **kw: Any) -> None:
        app.add_api_route(path, api.locked(endpoint), **kw)

    def token(request: Request, body: bytes = body_dep) -> dict[str, Any]:
        return api.token(request, body)

    add("/oauth-service/oauth/token", token, methods=["GET", "POST"], operation_id="oauthToken")
    s = "/sellers/v3/shipments"
    add(f"{s}/filter", api.search_next, methods=["GET"], operation_id="searchPreDispatchShipmentGet")

    def search(request: Request, body: bytes = body_dep) -> dict[str, Any]:
        return api.search(request, body)

    add(f"{s}/filter", search, methods=["POST"], operation_id="searchPreDispatchShipmentPost")
    add(s, api.by_ids, methods=["GET"], operation_id="getShipmentDetailsByInternalId")
    add(f"{s}/handover/counts", api.handover, methods=["GET"], operation_id="getVendorGroupDetails")

    def with_body(fn: Callable[[Request, bytes], Any]) -> Callable[..., Any]:
        def route(request: Request, body: bytes = body_dep) -> Any:
            return fn(request, body)

        return route

    add(f"{s}/labels", with_body(api.pack), methods=["POST"], operation_id="pack")
    add(f"{s}/dispatch", with_body(api.dispatch), methods=["POST"], operation_id="markRTD")
    add(f"{s}/cancel", with_body(api.cancel), methods=["POST"], operation_id="cancelByEnforcedGroupIds")
    add(f"{s}/manifest", with_body(api.manifest), methods=["POST"], operation_id="getManifest")
    add(f"{s}/forms/updateAck", with_body(api.update_ack), methods=["POST"], operation_id="updateAckNumber")
    add(f"{s}/{{shipmentIds}}/labels", api.labels, methods=["GET"], operation_id="getLabels")
    add(
        f"{s}/{{shipmentIds}}/labelOnly/pdf",
        api.label_only_pdf,
        methods=["POST"],
        operation_id="getLabelsOnlyPDF",
    )
    add(f"{s}/{{shipmentIds}}/labelOnly", api.label_only, methods=["POST"], operation_id="getLabelsOnly")
    add(f"{s}/{{shipmentIds}}/invoices", api.invoices, methods=["GET"], operation_id="getInvoicesPdfFromEsi")
    add(f"{s}/{{shipmentIds}}/forms", api.forms, methods=["POST"], operation_id="getMandatoryForms")
    add(f"{s}/{{shipmentIds}}", api.details, methods=["GET"], operation_id="getShipmentDetails")
    add("/sellers/v2/returns", api.returns, methods=["GET"], operation_id="getReturns")
    # modelled (§9): nextUrl "/returns/search/<token>" resolves under /sellers/v2
    add(
        "/sellers/v2/returns/search/{token}",
        api.returns_next,
        methods=["GET"],
        operation_id="getReturnsNextPage",
    )
    add(
        "/sellers/listings/v3/update/inventory",
        with_body(api.update_inventory),
        methods=["POST"],
        operation_id="updateInventory",
    )
    add("/sellers/listings/v3/{skuIds}", api.get_listings, methods=["GET"], operation_id="getListings")
    for prefix in ("", "/sellers"):  # the bare form is documented; /sellers is a modelled alias (§1)

        def trigger(request: Request, reportTypeIdentifier: str, body: bytes = body_dep) -> dict[str, Any]:
            return api.report_trigger(request, reportTypeIdentifier, body)

        add(
            f"{prefix}/reports/{{reportTypeIdentifier}}",
            trigger,
            methods=["POST"],
            operation_id=f"reportTrigger{prefix.replace('/', '_')}",
        )
        add(
            f"{prefix}/reports/{{reportId}}/detail",
            api.report_detail,
            methods=["GET"],
            operation_id=f"reportDetail{prefix.replace('/', '_')}",
        )
        add(
            f"{prefix}/reports/{{reportId}}/download",
            api.report_download,
            methods=["GET"],
            operation_id=f"reportDownload{prefix.replace('/', '_')}",
        )
    for method, path, operation, handler in TEST_DATA_ROUTES:
        add(
            f"/sellers{path}",
            with_body(api.test_data(operation, handler)),
            methods=[method],
            operation_id=operation,
        )
