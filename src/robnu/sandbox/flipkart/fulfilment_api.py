"""The seller's actions on shipments: pack (labels and invoice), mark ready to dispatch, cancel, and the state
e-way forms (list them; acknowledge a failed one). Each answers per shipment, as Flipkart's batch calls do."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Depends, FastAPI, Request

from robnu.sandbox.flipkart import serialize
from robnu.sandbox.flipkart.errors import fail
from robnu.sandbox.flipkart.ids import iso, parse_iso
from robnu.sandbox.flipkart.model import APPROVED, FORM_FAILED, PACKED, PACKING_IN_PROGRESS
from robnu.sandbox.flipkart.plumbing import FlipkartApi, item_result, parse_json, raw_body, split_ids

S = "/sellers/v3/shipments"
CANCEL_REASONS = frozenset({"cannot_procure_item", "not_enough_inventory", "b2b_order"})
INVOICE_RE = re.compile(r"^[A-Za-z0-9/-]{1,16}$")
DEFAULT_FORM = ("FORM600TG", "https://www.tgct.gov.in/")
BODY = Depends(raw_body)


def register(app: FastAPI, api: FlipkartApi) -> None:
    @api.route(app, "POST", f"{S}/labels", "pack")
    def pack(request: Request, body: bytes = BODY) -> dict[str, Any]:
        key = api.enter(request, "pack")
        payload = parse_json(body)
        entries = payload.get("shipments") if isinstance(payload, dict) else None
        if not isinstance(entries, list) or not 1 <= len(entries) <= 25:
            raise fail(400, "shipments must hold 1 to 25 entries")
        now = api.world.clock.now()
        results = []
        for entry in entries:
            sid = str(entry.get("shipmentId", "")) if isinstance(entry, dict) else ""
            sh = api.own(key, sid)
            if sh is None:
                results.append(item_result(sid, "INVALID_SHIPMENTS", "Shipment not found for this seller"))
                continue
            problem = api.actionable(sh)
            if sh.status != APPROVED or any(i.cancelled_at for i in sh.items if len(sh.items) == 1):
                results.append(item_result(sid, "INVALID_ITEM_STATE", f"Shipment is {sh.status}; expected APPROVED"))
                continue
            if problem:
                results.append(item_result(sid, "OPERATION_NOT_ALLOWED", problem))
                continue
            tax_items = entry.get("taxItems") or []
            if not tax_items or any(not isinstance(t, dict) or t.get("taxRate") is None for t in tax_items):
                results.append(item_result(sid, "UNPROCESSABLE_ENTITY", "taxItems[].taxRate is required"))
                continue
            invoices = entry.get("invoices") or []
            inv = next((i for i in invoices if isinstance(i, dict) and i.get("orderId") == sh.order_id), None)
            if inv is None or not inv.get("invoiceDate"):
                results.append(item_result(sid, "UNPROCESSABLE_ENTITY", "invoices[] needs orderId and invoiceDate"))
                continue
            number = inv.get("invoiceNumber")
            if number is not None and not INVOICE_RE.match(str(number)):
                results.append(
                    item_result(
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
            sh.form_failed = sid in api.form_fail_switch
            api.form_fail_switch.discard(sid)
            api.world.assign_invoice(sh, parse_iso(str(inv["invoiceDate"])), number)
            api.world.changed(sh)
            api.world.pushed[key].labels.append(
                {
                    "shipmentId": sid,
                    "at": iso(now),
                    "invoiceNumber": sh.invoice_number,
                    "taxRates": [t.get("taxRate") for t in tax_items],
                }
            )
            results.append(item_result(sid))
        return api.results(results)

    @api.route(app, "POST", f"{S}/dispatch", "markRTD")
    def dispatch(request: Request, body: bytes = BODY) -> dict[str, Any]:
        key = api.enter(request, "markRTD")
        payload = parse_json(body)
        sids = payload.get("shipmentIds") if isinstance(payload, dict) else None
        if not isinstance(sids, list) or not 1 <= len(sids) <= 25:
            raise fail(400, "shipmentIds must hold 1 to 25 ids")
        location = payload.get("locationId")
        now = api.world.clock.now()
        results = []
        for sid in map(str, sids):
            sh = api.own(key, sid)
            if sh is None:
                results.append(item_result(sid, "INVALID_SHIPMENTS", "Shipment not found for this seller"))
            elif location and location != sh.location_id:
                results.append(item_result(sid, "OPERATION_NOT_ALLOWED", "Shipment belongs to another location"))
            elif sh.status != PACKED:
                results.append(item_result(sid, "INVALID_ITEM_STATE", f"Shipment is {sh.status}; expected PACKED"))
            elif sh.hold:
                results.append(item_result(sid, "OPERATION_NOT_ALLOWED", "Shipment is on hold"))
            else:
                sh.rtd_at = now
                api.world.changed(sh)
                api.world.pushed[key].dispatches.append(
                    {"shipmentId": sid, "at": iso(now), "slaBreached": now > sh.dispatch_by}
                )
                results.append(item_result(sid))
        return api.results(results)

    @api.route(app, "POST", f"{S}/cancel", "cancelByEnforcedGroupIds")
    def cancel(request: Request, body: bytes = BODY) -> dict[str, Any]:
        key = api.enter(request, "cancelShipments")
        payload = parse_json(body)
        entries = payload.get("shipments") if isinstance(payload, dict) else None
        if not isinstance(entries, list) or not 1 <= len(entries) <= 25:
            raise fail(400, "shipments must hold 1 to 25 entries")
        now = api.world.clock.now()
        results = []
        for entry in entries:
            sid = str(entry.get("shipmentId", "")) if isinstance(entry, dict) else ""
            sh = api.own(key, sid)
            reason = entry.get("reason") if isinstance(entry, dict) else None
            if sh is None:
                results.append(item_result(sid, "INVALID_SHIPMENTS", "Shipment not found for this seller"))
                continue
            if reason not in CANCEL_REASONS:
                results.append(
                    item_result(
                        sid,
                        "EMPTY_OR_INVALID_REASON_FOR_CANCELLATION",
                        f"reason must be one of {', '.join(sorted(CANCEL_REASONS))}",
                    )
                )
                continue
            if sh.status not in (APPROVED, PACKING_IN_PROGRESS, FORM_FAILED):
                results.append(item_result(sid, "INVALID_ITEM_STATE", f"Shipment is {sh.status}; cancel before PACKED"))
                continue
            groups = entry.get("cancellationGroupIds") or ["grp" + i.order_item_id for i in sh.items]
            by_group = {"grp" + i.order_item_id: i for i in sh.items}
            if any(g not in by_group for g in groups):
                results.append(
                    item_result(sid, "UNPROCESSABLE_ENTITY", "Unknown cancellationGroupId for this shipment")
                )
                continue
            for g in groups:
                by_group[g].cancelled_at = now
                by_group[g].cancel_reason = reason
                # modelled: a seller cancellation marks the listing out of stock at that location
                by_group[g].listing.inventory[sh.location_id] = 0
            if all(i.cancelled_at is not None for i in sh.items):
                sh.seller_cancel_at = now
                sh.seller_cancel_reason = reason
            api.world.touch(sh)
            api.world.pushed[key].cancels.append(
                {"shipmentId": sid, "at": iso(now), "reason": reason, "cancellationGroupIds": list(groups)}
            )
            results.append(item_result(sid))
        return api.results(results)

    @api.route(app, "POST", f"{S}/forms/updateAck", "updateAckNumber")
    def update_ack(request: Request, body: bytes = BODY) -> dict[str, Any]:
        key = api.enter(request, "updateAck")
        payload = parse_json(body)
        entries = payload.get("shipments") if isinstance(payload, dict) else None
        if not isinstance(entries, list) or not 1 <= len(entries) <= 25:
            raise fail(400, "shipments must hold 1 to 25 entries")
        now = api.world.clock.now()
        results = []
        for entry in entries:
            sid = str(entry.get("shipmentId", "")) if isinstance(entry, dict) else ""
            sh = api.own(key, sid)
            forms = entry.get("forms") if isinstance(entry, dict) else None
            if sh is None:
                results.append(item_result(sid, "INVALID_SHIPMENTS", "Shipment not found for this seller"))
            elif not forms or any(not f.get("name") or not f.get("ackNumber") for f in forms):
                results.append(item_result(sid, "UNPROCESSABLE_ENTITY", "forms[] need name and ackNumber"))
            elif sh.status != FORM_FAILED:
                results.append(item_result(sid, "INVALID_ITEM_STATE", f"Shipment is {sh.status}; expected FORM_FAILED"))
            else:
                sh.ack_at = now
                api.world.changed(sh)
                api.world.pushed[key].form_acks.append({"shipmentId": sid, "at": iso(now), "forms": forms})
                results.append(item_result(sid))
        return api.results(results)

    @api.route(app, "POST", f"{S}/{{shipmentIds}}/forms", "getMandatoryForms")
    def forms(request: Request, shipmentIds: str) -> dict[str, Any]:
        key = api.enter(request, "getForms")
        out = []
        for sh in api.owned(key, split_ids(shipmentIds, 100)):
            form = serialize.STATE_FORMS.get(sh.place.state_code) or DEFAULT_FORM
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
