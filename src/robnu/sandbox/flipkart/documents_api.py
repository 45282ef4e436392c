"""Shipping documents and hand-over: labels (with or without the invoice), invoices (PDF, or JSON on request),
the pickup counts per courier and the manifest PDF, for shipments that are packed or ready to dispatch."""

from __future__ import annotations

import zlib
from datetime import timedelta
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.flipkart import serialize
from robnu.sandbox.flipkart.documents import invoices_pdf, labels_pdf, manifest_pdf
from robnu.sandbox.flipkart.errors import fail
from robnu.sandbox.flipkart.ids import IST, iso
from robnu.sandbox.flipkart.model import APPROVED, FORM_FAILED, PACKING_IN_PROGRESS, READY_TO_DISPATCH, Shipment
from robnu.sandbox.flipkart.plumbing import FlipkartApi, parse_json, raw_body, split_ids
from robnu.sandbox.json_response import FastJSONResponse

S = "/sellers/v3/shipments"
VENDOR_GROUP = "EKART"  # modelled: every sandbox shipment goes with Ekart
BODY = Depends(raw_body)


def packed_shipments(api: FlipkartApi, key: str, raw: str, limit: int) -> list[Shipment]:
    shipments = api.owned(key, split_ids(raw, limit))
    for sh in shipments:
        if sh.packed_at is None or sh.status in (APPROVED, PACKING_IN_PROGRESS, FORM_FAILED):
            raise fail(
                400,
                f"Shipment {sh.shipment_id} is {sh.status}; labels exist once PACKED",
                "INVALID_ITEM_STATE",
            )
    return shipments


def ready_to_dispatch(api: FlipkartApi, key: str, location: str | None) -> list[Shipment]:
    members = api.world.index[key].members.get("preDispatch", {})
    out = [api.world.shipments[s] for s in members]
    return sorted(
        (s for s in out if s.status == READY_TO_DISPATCH and (not location or s.location_id == location)),
        key=lambda s: (s.rtd_at or s.order_date, s.shipment_id),
    )


def pickup_window(api: FlipkartApi) -> dict[str, str]:
    now = api.world.clock.now()
    day = now.astimezone(IST).replace(hour=10, minute=0, second=0, microsecond=0)
    if now.astimezone(IST).hour >= 18:
        day += timedelta(days=1)
    return {"from": iso(day), "to": iso(day + timedelta(hours=8))}


def register(app: FastAPI, api: FlipkartApi) -> None:
    @api.route(app, "GET", f"{S}/handover/counts", "getVendorGroupDetails")
    def handover(request: Request) -> list[dict[str, Any]]:
        key = api.enter(request, "handoverCounts")
        ready = ready_to_dispatch(api, key, request.query_params.get("locationId"))
        if not ready:
            return []
        code = f"{zlib.crc32(key.encode() + pickup_window(api)['from'].encode()) % 10**6:06d}"
        return [
            {
                "vendorGroupCode": VENDOR_GROUP,
                "count": len(ready),
                "pickUpDate": pickup_window(api),
                "otc": {"code": code},
                "isMps": False,
            }
        ]

    @api.route(app, "POST", f"{S}/manifest", "getManifest")
    def manifest(request: Request, body: bytes = BODY) -> Response:
        key = api.enter(request, "manifest")
        payload = parse_json(body)
        params = payload.get("params") if isinstance(payload, dict) else None
        if not isinstance(params, dict) or not params.get("vendorGroupCode"):
            raise fail(400, "params.vendorGroupCode is required")
        if params["vendorGroupCode"] != VENDOR_GROUP:
            raise fail(404, f"No shipments for vendorGroupCode {params['vendorGroupCode']}", "NOT_FOUND")
        ready = ready_to_dispatch(api, key, params.get("locationId"))
        if not ready:
            raise fail(404, "No ready-to-dispatch shipments to manifest", "NOT_FOUND")
        now = api.world.clock.now()
        manifest_id = f"MNF{zlib.crc32((key + iso(now)).encode()):010d}"
        api.world.pushed[key].manifests.append(
            {
                "manifestId": manifest_id,
                "at": iso(now),
                "vendorGroupCode": VENDOR_GROUP,
                "shipmentIds": [s.shipment_id for s in ready],
            }
        )
        pdf = manifest_pdf(VENDOR_GROUP, params.get("locationId") or ready[0].location_id, ready, manifest_id)
        return Response(pdf, media_type="application/pdf")

    @api.route(app, "GET", f"{S}/{{shipmentIds}}/labels", "getLabels")
    def labels(request: Request, shipmentIds: str) -> Response:
        key = api.enter(request, "getLabels")
        pdf = labels_pdf(api.world, packed_shipments(api, key, shipmentIds, 100), with_invoice=True)
        return Response(pdf, media_type="application/pdf")

    @api.route(app, "POST", f"{S}/{{shipmentIds}}/labelOnly/pdf", "getLabelsOnlyPDF")
    def label_only_pdf(request: Request, shipmentIds: str) -> Response:
        key = api.enter(request, "getLabelsOnlyPDF")
        pdf = labels_pdf(api.world, packed_shipments(api, key, shipmentIds, 50), with_invoice=False)
        return Response(pdf, media_type="application/pdf")

    @api.route(app, "POST", f"{S}/{{shipmentIds}}/labelOnly", "getLabelsOnly")
    def label_only(request: Request, shipmentIds: str) -> Response:
        key = api.enter(request, "getLabelsOnly")
        pdf = labels_pdf(api.world, packed_shipments(api, key, shipmentIds, 50), with_invoice=False)
        return Response(pdf, media_type="application/octet-stream")

    @api.route(app, "GET", f"{S}/{{shipmentIds}}/invoices", "getInvoicesPdfFromEsi")
    def invoices(request: Request, shipmentIds: str) -> Response:
        key = api.enter(request, "getInvoices")
        shipments = packed_shipments(api, key, shipmentIds, 100)
        if "application/json" in request.headers.get("accept", ""):
            return FastJSONResponse({"invoices": [serialize.invoice(api.world, sh) for sh in shipments]})
        return Response(invoices_pdf(api.world, shipments), media_type="application/pdf")
